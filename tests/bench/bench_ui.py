"""Window benchmarks (run by hand, not by pytest):

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_ui.py

1. Start-up: our window constructed on an existing drafts folder, shown, one processEvents(),
   closed, against a bare PySide6 QMainWindow with a QTabWidget of four pages of 15 labelled
   QLineEdits in QFormLayouts shown the same way; process launch to exit (and, second figure, the
   script's first line to after processEvents()), alternating in one run, bytecode cached as in
   an installed app. Target: ≤ 1.3× (issue 20; issue 10 asked 1.5×).
2. Keystroke to visible feedback: key event sent to the window painted again, while typing IDs,
   codes, phones and names. Target: p99 < 16 ms.
3. Opening a case from a drafts file of 500 cases. Target: < 50 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RUNS = 15
START_RATIO = 1.3  # issue 20

# The start-up yardstick: construct the window, show it, let one processEvents() deliver what
# showing it posted (the first paint offscreen), exit. The script prints the time from its first
# line to after processEvents(); the parent measures launch to exit.
_SHOWN = """
window.resize(1280, 760)
window.show()
app.processEvents()
print(f"{time.perf_counter() - T0:.4f}", flush=True)
window.close()
"""

BARE = (
    "import time\nT0 = time.perf_counter()\n"
    "from PySide6.QtWidgets import QApplication, QFormLayout, QLineEdit, QMainWindow, QTabWidget, QWidget\n"
    "app = QApplication([])\n"
    """
window = QMainWindow()
tabs = QTabWidget()
for t in range(4):
    page = QWidget()
    form = QFormLayout(page)
    for n in range(15):
        form.addRow(f"字段 {n}", QLineEdit())
    tabs.addTab(page, f"文书 {t}")
window.setCentralWidget(tabs)
""" + _SHOWN
)

OURS = (
    "import time, sys\nT0 = time.perf_counter()\n"
    "from PySide6.QtWidgets import QApplication\n"
    "app = QApplication([])\n"
    "from desktop.app import MainWindow\n"
    "window = MainWindow(sys.argv[1])\n" + _SHOWN
)


def existing_drafts(tmp: Path) -> Path:
    """A drafts folder as an agent's laptop has it: a drafts file holding cases, its cache built."""
    from datetime import date

    from desktop.domain.case import normalise_values
    from desktop.domain.forms import default_bundle
    from desktop.store import Store

    bundle = default_bundle()
    example = json.loads((ROOT / "examples" / "example-case.json").read_text(encoding="utf-8"))["fields"]
    values = normalise_values(bundle, example, today=date.today())
    db = tmp / "start.sqlite"
    with Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False) as store:
        store.create_many({**values, "customer.name": f"测试公司{n}"} for n in range(50))
    return db


def start_up(tmp: Path) -> dict[str, float]:
    # As installed (pip or the frozen app): modules come from cached bytecode, written by round one.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DESK400_DATA_DIR": str(tmp)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    db = existing_drafts(tmp)
    inside: dict[str, list[float]] = {"bare": [], "ours": []}
    launch: dict[str, list[float]] = {"bare": [], "ours": []}
    for n in range(RUNS + 1):
        for name, script in (("bare", BARE), ("ours", OURS)):
            started = time.perf_counter()
            child = subprocess.run(
                [sys.executable, "-c", script, str(db)],
                env=env, capture_output=True, text=True, cwd=ROOT, timeout=60, check=True,
            )  # fmt: skip
            exited = time.perf_counter() - started
            if n:  # the first round warms the disk cache (and writes the bytecode) for both
                inside[name].append(float(child.stdout.splitlines()[0]))
                launch[name].append(exited)
    figures = {}
    for label, times in (("launch", launch), ("script", inside)):
        bare, ours = statistics.median(times["bare"]), statistics.median(times["ours"])
        figures.update({f"{label}_bare_ms": bare * 1000, f"{label}_ours_ms": ours * 1000})
        figures[f"{label}_ratio"] = ours / bare
        # Each round runs both back to back: the median of the rounds' own ratios cancels the
        # load other work puts on the machine for a while, which the ratio of medians does not.
        pairs = zip(times["ours"], times["bare"], strict=True)
        figures[f"{label}_paired"] = statistics.median(o / b for o, b in pairs)
    return figures


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def keystrokes(tmp: Path) -> dict[str, dict[str, float]]:
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QInputMethodEvent, QKeyEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit
    from test_ui_support import clear, field

    from desktop.app import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(tmp / "keys.sqlite")
    window.resize(1366, 768)
    window.show()
    # Typing starts once the background start-up work is done (it competes for the GIL meanwhile).
    deadline = time.perf_counter() + 20
    while not window.is_warm() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)

    def send(widget: QLineEdit, ch: str) -> None:
        if ord(ch) < 128:
            QTest.keyClick(widget, ch)
        elif 0xFF01 <= ord(ch) <= 0xFF5E:
            key = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch)
            QApplication.sendEvent(widget, key)
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(ch)
            QApplication.sendEvent(widget, event)

    plan = [
        ("resident ID", "authorization", "handler.id_number", "610113198402242116"),
        (
            "resident ID full-width",
            "authorization",
            "handler.id_number",
            "６１０１１３１９８４０２２４２１１５",
        ),
        ("company name", "authorization", "customer.name", "杭州云栖数智科技有限公司"),
        ("handler name", "authorization", "handler.name", "买买提·艾力"),
        ("licence (USCC)", "requirement", "customer.license_no", "91330100MA2H3KX74D"),
        ("400 number", "requirement", "number.n400", "400-903-0005"),
        ("mobile", "requirement", "handler.mobile", "13825265634"),
    ]
    tabs = {d.id: n for n, d in enumerate(window.bundle.documents)}
    results: dict[str, dict[str, float]] = {}
    everything: list[float] = []
    for name, doc, key, text in plan:
        window.tabs.setCurrentIndex(tabs[doc])
        edit = field(window, doc, key, QLineEdit)
        samples: list[float] = []
        for _ in range(30):
            clear(edit)
            app.processEvents()
            edit.setFocus()
            for ch in text:
                start = time.perf_counter()
                send(edit, ch)
                app.processEvents()  # the repaint that shows the finding
                samples.append((time.perf_counter() - start) * 1000)
            window.autosaver.flush()
        everything.extend(samples)
        results[name] = {"p50_ms": statistics.median(samples), "p99_ms": percentile(samples, 99)}
    results["all"] = {"p50_ms": statistics.median(everything), "p99_ms": percentile(everything, 99)}
    window.close()

    # Baseline from the same run: the same keys typed into a bare QLineEdit of a bare window of the
    # same size (60 line edits on four tabs), to painted; no checking, no saving.
    from PySide6.QtWidgets import QFormLayout, QMainWindow, QTabWidget, QWidget

    bare = QMainWindow()
    tabs_widget = QTabWidget()
    edits = []
    for t in range(4):
        page = QWidget()
        form = QFormLayout(page)
        for n in range(15):
            edits.append(QLineEdit())
            form.addRow(f"字段 {n}", edits[-1])
        tabs_widget.addTab(page, f"文书 {t}")
    bare.setCentralWidget(tabs_widget)
    bare.resize(1366, 768)
    bare.show()
    base: list[float] = []
    for _name, _doc, _key, text in plan:
        for _ in range(30):
            edits[0].clear()
            app.processEvents()
            edits[0].setFocus()
            for ch in text:
                start = time.perf_counter()
                send(edits[0], ch)
                app.processEvents()
                base.append((time.perf_counter() - start) * 1000)
    results["bare QLineEdit baseline"] = {"p50_ms": statistics.median(base), "p99_ms": percentile(base, 99)}
    bare.close()
    return results


def opening(tmp: Path) -> dict[str, float]:
    from datetime import date

    from PySide6.QtWidgets import QApplication

    from desktop.app import MainWindow
    from desktop.domain.case import normalise_values
    from desktop.domain.forms import default_bundle
    from desktop.store import Store

    bundle = default_bundle()
    example = json.loads((ROOT / "examples" / "example-case.json").read_text(encoding="utf-8"))["fields"]
    values = normalise_values(bundle, example, today=date.today())
    db = tmp / "open.sqlite"
    with Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False) as store:
        ids = store.create_many({**values, "customer.name": f"测试公司{n}"} for n in range(500))
    app = QApplication.instance() or QApplication([])
    window = MainWindow(db)
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    samples = []
    for case_id in ids[:100]:
        start = time.perf_counter()
        window.open_case(case_id)
        app.processEvents()
        samples.append((time.perf_counter() - start) * 1000)
    window.close()
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": percentile(samples, 95),
        "max_ms": max(samples),
    }


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description="window benchmarks")
    # No `choices` with nargs="*": argparse then refuses the empty list (Python 3.11).
    parser.add_argument("parts", nargs="*", help="start, keys, open (default: all three)")
    parts = set(parser.parse_args().parts or ("start", "keys", "open"))
    if parts - {"start", "keys", "open"}:
        parser.error(f"unknown part(s): {', '.join(sorted(parts - {'start', 'keys', 'open'}))}")
    ok = True
    # Drafts files are encrypted: with no OS keyring here (a bare Linux), the key is wrapped with a
    # passphrase, given as automation gives it. The start-up yardstick never opens the drafts file
    # (that comes after the first paint), so this changes neither side of its ratio.
    from desktop.store.keys import PASSPHRASE_ENV

    os.environ.setdefault(PASSPHRASE_ENV, "bench passphrase 口令")
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as folder:
        tmp = Path(folder)
        os.environ["DESK400_DATA_DIR"] = str(tmp)
        if "start" in parts:
            start = start_up(tmp)
            for label, what in (("launch", "process launch to exit"),
                                ("script", "script's first line to processEvents() done")):  # fmt: skip
                print(f"start-up, {what}: bare {start[label + '_bare_ms']:.0f} ms, "
                      f"ours {start[label + '_ours_ms']:.0f} ms, ratio {start[label + '_ratio']:.2f} "
                      f"(median of paired rounds {start[label + '_paired']:.2f}; target ≤ {START_RATIO:.2f})")  # fmt: skip
            ok = ok and start["launch_ratio"] <= START_RATIO
        if "keys" in parts:
            keys = keystrokes(tmp)
            base_p99 = keys["bare QLineEdit baseline"]["p99_ms"]
            for name, figures in keys.items():
                print(f"keystroke → painted feedback, {name}: p50 {figures['p50_ms']:.2f} ms, "
                      f"p99 {figures['p99_ms']:.2f} ms = {figures['p99_ms'] / base_p99:.1f}× the bare baseline's p99 "
                      "(target p99 < 16)")  # fmt: skip
            ok = ok and keys["all"]["p99_ms"] < 16
        if "open" in parts:
            opened = opening(tmp)
            print(f"open a case (500 in the file): median {opened['median_ms']:.1f} ms, "
                  f"p95 {opened['p95_ms']:.1f} ms, max {opened['max_ms']:.1f} ms (target < 50)")  # fmt: skip
            ok = ok and opened["p95_ms"] < 50
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
