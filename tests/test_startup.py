"""Start-up costs the window must not pay again (tests/bench/bench_ui.py measures the whole)."""

from __future__ import annotations

import inspect
import sys


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
