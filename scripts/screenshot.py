"""PNG screenshots of every tab of the window, for review and for the README.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshot.py OUTDIR

Shoots, on a throw-away drafts file and at a 1366×768 laptop's size: an empty case, the example
case, a case full of errors (each tab), the drafts list with a search, the preview, and the crash
banner. Files are named SCENE-TAB.png.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTH, HEIGHT = 1366, 700  # the window on a 1366×768 laptop, its taskbar below

ERRORS = {
    "customer.name": "杭州错误示范有限公司",
    "customer.license_no": "91330100MA2H3KX74E",
    "customer.org_code": "MA2H3KX75",
    "customer.address": "杭州市",
    "customer.postcode": "330000",
    "contact.name": "李4",
    "contact.phone": "81726504",
    "handler.name": "王霄",
    "handler.id_number": "610113198402242116",
    "handler.mobile": "1382526563",
    "handler.email": "wangxiao@",
    "business.categories": [],
    "number.n400": "04009030005",
    "number.open_date": "2026-02-30",
    "number.small": "4009030005",
    "number.destinations": ["057181726504", "057181726504"],
    "agreement.scope": "province",
    "agreement.usage": ["other"],
    "agreement.term_years": 12,
}


def settle(app, seconds: float = 0.3) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


def shoot_tabs(app, window, out: Path, scene: str) -> list[Path]:
    shots = []
    for n in range(window.tabs.count()):
        window.tabs.setCurrentIndex(n)
        settle(app, 0.15)
        path = out / f"{scene}-{window.tabs.widget(n).objectName()}.png"
        window.grab().save(str(path))
        shots.append(path)
    return shots


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="desk400-shots-"))
    os.environ["DESK400_DATA_DIR"] = str(work)

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from desktop.app import MainWindow
    from desktop.domain.case import normalise_values

    db = work / "drafts.sqlite"
    window = MainWindow(db)
    window.resize(WIDTH, HEIGHT)
    window.show()
    settle(app, 1.0)
    while not window.is_warm():
        settle(app, 0.1)
    shots = shoot_tabs(app, window, out, "empty")

    window.load_example()
    settle(app)
    shots += shoot_tabs(app, window, out, "example")

    example = json.loads((ROOT / "examples" / "example-case.json").read_text(encoding="utf-8"))["fields"]
    bad = normalise_values(window.bundle, {**example, **ERRORS}, today=date.today())
    created = window.store.create(bad)
    window.open_case(created.id)
    window.drafts.refresh()
    settle(app, 0.6)
    shots += shoot_tabs(app, window, out, "errors")

    window.tabs.setCurrentIndex(1)
    window.drafts.search.setText("杭州")
    settle(app, 0.6)
    window.action_preview.trigger()
    deadline = time.perf_counter() + 30
    while window.preview.page_count() == 0 and time.perf_counter() < deadline:
        settle(app, 0.1)
    settle(app, 0.5)
    path = out / "preview-requirement.png"
    window.grab().save(str(path))
    shots.append(path)
    window.close()

    # A window that was killed: the next start offers the last case in a banner.
    from PySide6.QtCore import QSysInfo

    lock = db.with_name(f".{db.name}.lock")
    lock.write_text(f"999999\n{app.applicationName()}\n{QSysInfo.machineHostName()}\n")
    again = MainWindow(db)
    again.resize(WIDTH, HEIGHT)
    again.show()
    settle(app, 1.0)
    path = out / "crash-banner.png"
    again.grab().save(str(path))
    shots.append(path)
    again.close()

    for shot in shots:
        print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
