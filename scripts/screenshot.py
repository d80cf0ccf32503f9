"""PNG screenshots of every tab of the window, for review and for the README.

    DESK400_PASSPHRASE=… xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshot.py OUTDIR

(Xvfb has no keyring: the throw-away drafts file needs a passphrase from the environment.)

Shoots, on a throw-away drafts file and at a 1366×768 laptop's size: the first-start dialogs (营业厅设置
and the passphrase), an empty case, the example case, a case full of errors (each tab), the drafts
list with a search, the preview, F1's shortcut table, the status filter, the print log, a
changed-after-print banner and the crash banner (after a crash nothing is reopened: the banner offers it). Files are named SCENE-TAB.png. Fontconfig is shown DejaVu alone (as on a PC
without Chinese fonts, issue 23): every Chinese character is drawn by the bundled font.
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


def grab(widget, path: Path) -> Path:
    widget.grab().save(str(path))
    return path


def only_dejavu(work: Path) -> None:
    """Let fontconfig see DejaVu alone (when it is installed), as on a PC without CJK fonts."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        return
    conf = work / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>{dejavu}</dir>'
        f"<cachedir>{work / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    os.environ["FONTCONFIG_FILE"] = str(conf)


def paper_trail(app, window, out: Path, work: Path) -> list[Path]:
    """The example printed twice with an edit between: the changed banner, the print log, and the
    status filter with its counts."""
    shots = []
    window.action_load_example.trigger()
    settle(app, 0.5)
    window.export_pdf(work / "printed.pdf")  # a final PDF: one print-log row, 已打印
    settle(app, 0.5)
    window.view.go_tab(1)
    old = window.session.values.get("customer.postcode")
    window.session.edit("customer.postcode", "310013" if old != "310013" else "310014")
    window.view.show_case()
    window.autosaver.save_soon()
    deadline = time.perf_counter() + 10
    while window.session.status != "changed" and time.perf_counter() < deadline:
        settle(app, 0.1)
    settle(app, 0.8)
    shots.append(grab(window, out / "changed-banner.png"))
    window.export_pdf(work / "printed-again.pdf")
    settle(app, 0.5)
    log = window.trail.show_print_log()
    settle(app, 0.3)
    shots.append(grab(log, out / "print-log.png"))
    log.close()
    combo = window.drafts.status_filter
    combo.opened.emit()
    settle(app, 0.5)
    combo.setCurrentIndex(combo.findData("printed"))
    settle(app, 0.6)
    combo.showPopup()
    settle(app, 0.4)
    shots.append(grab(window, out / "status-filter.png"))
    shots.append(grab(combo.view().window(), out / "status-filter-list.png"))
    combo.hidePopup()
    return shots


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="desk400-shots-"))
    os.environ["DESK400_DATA_DIR"] = str(work)
    only_dejavu(work)

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from desktop.app import MainWindow, offer_hall_setup
    from desktop.domain.case import normalise_values
    from desktop.ui import first_font
    from desktop.ui.passphrase import PassphraseDialog

    first_font.prepare(app)  # as desktop.app.run does before the first dialog
    shots = []
    asked = PassphraseDialog(creating=True)
    asked.resize(520, asked.sizeHint().height())
    asked.show()
    settle(app, 0.3)
    shots.append(grab(asked, out / "first-start-passphrase.png"))
    asked.close()

    db = work / "drafts.sqlite"
    window = MainWindow(db)
    window.resize(WIDTH, HEIGHT)
    window.show()
    settle(app, 1.0)
    while not window.is_warm():
        settle(app, 0.1)
    setup = offer_hall_setup(window)
    settle(app, 0.3)
    shots.append(grab(setup, out / "first-start-hall.png"))
    setup.reject()
    settle(app, 0.2)
    shots += shoot_tabs(app, window, out, "empty")

    window.action_load_example.trigger()
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
    while window.printing.preview.page_count() == 0 and time.perf_counter() < deadline:
        settle(app, 0.1)
    settle(app, 0.5)
    path = out / "preview-requirement.png"
    window.grab().save(str(path))
    shots.append(path)
    window.action_preview.trigger()
    window.drafts.search.setText("")
    window.show_keys()  # F1: the shortcut table
    settle(app, 0.4)
    shots.append(grab(window.keys_dialog, out / "keys-help.png"))
    window.keys_dialog.close()
    shots += paper_trail(app, window, out, work)
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
