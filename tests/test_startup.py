"""Start-up costs the window must not pay again (tests/bench/bench_ui.py measures the whole)."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_modules_imported_after_pyside6_are_not_read_for_its_feature_switch(tmp_path, monkeypatch):
    """PySide6 read the whole source of every module imported after it (~12 ms of start-up)."""
    import PySide6.QtCore  # noqa: F401 (installs PySide6's import hook)

    import desktop

    desktop.spare_pyside_source_scan()
    feature = sys.modules["PySide6.support.feature"]
    (tmp_path / "startup_uses_qt.py").write_text("from PySide6.QtCore import QObject\n", encoding="utf-8")
    (tmp_path / "startup_plain.py").write_text("import json\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    read: list[object] = []
    monkeypatch.setattr(inspect, "getsource", lambda obj: read.append(obj) or "")
    import startup_plain  # noqa: F401
    import startup_uses_qt  # noqa: F401

    assert read == []
    # The same answers PySide6 gives from the source: uses PySide6 (0), ignore this module (-1).
    assert feature.pyside_feature_dict["startup_uses_qt"] == 0
    assert feature.pyside_feature_dict["startup_plain"] == -1


_SHOWN_ONCE = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop.app import MainWindow
window = MainWindow(sys.argv[1])
window.show()
app.processEvents()
import PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets
built = [name for module in (PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets) for name in vars(module)]
print(json.dumps({"qt_types": built, "modules": sorted(sys.modules)}))
window.close()
"""


def shown_once(tmp_path: Path) -> dict[str, list[str]]:
    """What a window shown as bench_ui's start-up yardstick shows it (one processEvents()) has
    loaded: the Qt types PySide6 has built (it builds each, with its enums, on first use) and the
    Python modules."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESK400_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _SHOWN_ONCE, str(tmp_path / "d.sqlite")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return json.loads(done.stdout.splitlines()[-1])


def test_the_first_paint_builds_no_qt_type_it_does_not_use(tmp_path):
    """QIcon (built to rule out QAction's icon overload, ~1,000 enum members) and QKeySequence
    (shortcuts are bound after the first paint) cost ~2.5 ms of start-up; the session lock
    (QLockFile, its file written and synced) is taken after the first paint too."""
    built = set(shown_once(tmp_path)["qt_types"])
    assert {"QAction", "QMainWindow"} <= built  # the probe sees what is built
    assert not built & {"QIcon", "QKeySequence", "QLockFile"}


def test_the_first_paint_builds_neither_the_qt_namespace_nor_the_dialogs_types(tmp_path):
    """Naming anything in `Qt` (Qt.Orientation.Vertical, Qt.AlignmentFlag...) has PySide6 build
    the namespace's ~100 enums: ~17 ms of start-up, built right after the first paint instead.
    The 签回情况 and 打印记录 dialogs' types (image, painter, table), the store's models, the case
    file reader and the print digest load when used."""
    shown = shown_once(tmp_path)
    assert "QMainWindow" in shown["qt_types"]
    assert not set(shown["qt_types"]) & {"Qt", "QPainter", "QImage", "QPolygonF"}
    assert not set(shown["modules"]) & {
        "desktop.ui.papers_view",
        "desktop.ui.print_log",
        "desktop.store.models",
        "desktop.files.casefile",  # its hashes, uuids and patterns come with the first case
        "hashlib",  # the print digest's (desktop.domain.digests), after the first paint
    }


def test_no_python_event_handler_runs_before_the_first_paint(tmp_path):
    """The first QEvent a Python `event()` override or event filter receives has PySide6 build
    every QEvent subclass (QTabletEvent, QGraphicsSceneMouseEvent, ...): ~3.5 ms. The window's
    filters are installed once it has painted; typed overrides (paintEvent) build only their type."""
    built = set(shown_once(tmp_path)["qt_types"])
    assert "QPaintEvent" in built
    assert not built & {"QTabletEvent", "QGraphicsSceneMouseEvent", "QNativeGestureEvent"}


def test_activating_the_started_window_looks_for_changes(qtbot, tmp_path, monkeypatch):
    """What the `event()` override did before the first-paint work moved to paintEvent."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from desktop.app import MainWindow

    window = MainWindow(tmp_path / "d.sqlite")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.is_ready)
    looked: list[bool] = []
    monkeypatch.setattr(window.watcher, "check", lambda: looked.append(True))
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))
    assert looked == [True]


_TWO_WINDOWS = """
import gc, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop.app import MainWindow
before = gc.get_freeze_count()
first = MainWindow(sys.argv[1])
settled = gc.get_freeze_count()
second = MainWindow(sys.argv[1] + "2")
print(before, settled > 1000, gc.get_freeze_count() == settled)
"""


def test_start_up_objects_are_settled_out_of_the_collectors_sight_once(tmp_path):
    """Every full collection (several as the interpreter exits: ~12 ms of the yardstick) walked
    the modules, classes and enums start-up made; only the first window settles them."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESK400_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _TWO_WINDOWS, str(tmp_path / "d.sqlite")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert done.stdout.split() == ["0", "True", "True"]


def test_the_desk400_command_reaches_the_window_without_the_checking_code():
    """`desk400` (no command) goes through desktop.cli: importing it loaded the checking code,
    phonenumbers and the case file reader (~35 ms) before the window's first paint, which the
    window itself defers until after it."""
    heavy = (
        "desktop.domain.case",
        "desktop.files.casefile",
        "desktop.domain.validation",
        "desktop.domain.resolve",
        "phonenumbers",
    )
    code = f"import sys, desktop.cli; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == ""


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, on showing a dialog
def test_a_drafts_file_this_version_cannot_use_ends_the_start_after_the_first_paint(qtbot, tmp_path, capsys):
    """The real start opens the drafts file after the first paint too; a file it cannot use is one
    line on stderr, a dialog, and exit status 2 once the dialog is closed."""
    import sqlite3

    from PySide6.QtWidgets import QMessageBox

    from desktop import app as app_module

    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (text)")
    conn.commit()
    conn.close()
    exits: list[int] = []

    class Application:  # QApplication.exit, recorded
        def exit(self, status: int) -> None:
            exits.append(status)

    window = app_module.MainWindow(other)
    qtbot.addWidget(window)
    app_module.end_on_refusal(Application(), window)
    window.show()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "store_refused") is not None)
    box = window.findChild(QMessageBox, "store_refused")
    assert "不是 desk400 的草稿文件" in box.text()
    assert "不是 desk400 的草稿文件" in capsys.readouterr().err
    box.accept()
    qtbot.waitUntil(lambda: exits == [2])
    assert not window.isVisible()
