"""Benchmark: reading cards (issue 24), the model load quoted separately.

Run on demand:  PYTHONPATH=. .venv/bin/python tests/bench/bench_capture.py
Targets: a 300 dpi licence scan <= 1.5 s, an ID card photo <= 0.6 s, peak memory <= 400 MB
(each read in a fresh process, so the peak is the read's own); typing p99 < 16 ms in the window
while an OCR runs on its worker thread.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "bench")]


def one_read(kind: str) -> dict[str, float]:
    """In this (fresh) process: load the models, then read the card three times."""
    from capture_images import encoded, id_front_image, licence_image

    from desktop.capture.cards import read_card
    from desktop.capture.ocr import OcrEngine

    data = encoded(licence_image(dpi=300)) if kind == "licence" else encoded(id_front_image(), "JPEG", 85)
    engine = OcrEngine()
    start = time.perf_counter()
    engine.load()
    load = time.perf_counter() - start
    times = []
    for _ in range(3):
        start = time.perf_counter()
        read = read_card(kind, data, today=date(2026, 12, 7), engine=engine)
        times.append(time.perf_counter() - start)
        assert read.complete, read
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"load_s": load, "median_s": statistics.median(times), "peak_mb": peak_mb}


def typing_during_ocr(tmp: Path) -> dict[str, float]:
    from bench_ui import percentile
    from capture_images import encoded, licence_image
    from PySide6.QtWidgets import QApplication, QLineEdit
    from test_ui_support import clear, field

    from desktop.app import MainWindow
    from desktop.capture.ocr import shared_engine

    app = QApplication.instance() or QApplication([])
    shared_engine().load()
    window = MainWindow(tmp / "keys.sqlite")
    window.resize(1366, 768)
    window.show()
    deadline = time.perf_counter() + 20
    while not window.is_warm() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)
    scan = tmp / "licence.png"
    scan.write_bytes(encoded(licence_image(dpi=300)))
    edit = field(window, "authorization", "customer.name", QLineEdit)
    from PySide6.QtTest import QTest

    def burst() -> list[float]:
        clear(edit)
        edit.setFocus()
        out = []
        for ch in "hangzhou yunqi":
            start = time.perf_counter()
            QTest.keyClick(edit, ch)
            app.processEvents()
            out.append((time.perf_counter() - start) * 1000)
            time.sleep(0.03)  # an agent's typing pace, ~30 keys a second at most
        return out

    idle: list[float] = []
    while len(idle) < 300:  # the same typing with no OCR running: this machine's own baseline
        idle += burst()
    samples: list[float] = []
    reads = 0
    for _ in range(3):
        dialog = window.capture.open()
        dialog.load_file(scan)
        reads += 1
        while dialog.busy:
            samples += burst()
        dialog.reject()
    window.close()
    return {
        "keys": len(samples),
        "reads": reads,
        "p50_ms": statistics.median(samples),
        "p99_ms": percentile(samples, 99),
        "idle_p99_ms": percentile(idle, 99),
    }


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(one_read(sys.argv[2])))
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ok = True
    for kind, target in (("licence", 1.5), ("id", 0.6)):
        out = subprocess.run(
            [sys.executable, __file__, "--one", kind], capture_output=True, text=True, env=env
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{kind}: read median {figures['median_s']:.2f} s (target <= {target}), model load "
            f"{figures['load_s']:.2f} s, peak memory {figures['peak_mb']:.0f} MB (target <= 400)"
        )
        ok = ok and figures["median_s"] <= target and figures["peak_mb"] <= 400
    with tempfile.TemporaryDirectory() as tmp:
        from conftest import _no_keyring

        _no_keyring()
        keys = typing_during_ocr(Path(tmp))
    print(
        f"typing while OCR runs: {keys['keys']} keys over {keys['reads']} reads, p50 {keys['p50_ms']:.2f} ms, "
        f"p99 {keys['p99_ms']:.2f} ms (target p99 < 16; the same typing without OCR: p99 {keys['idle_p99_ms']:.2f} ms)"
    )
    ok = ok and keys["p99_ms"] < 16
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
