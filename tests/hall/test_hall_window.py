"""The window and the hall server: offline says so, a conflict is offered field by field."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit
from test_ui_support import field, type_text

from desktop.app import MainWindow
from desktop.hall.connection import connector
from desktop.hall.engine import SyncEngine
from desktop.store import Store


@pytest.fixture
def make_window(qtbot):
    def make(db: Path) -> MainWindow:
        window = MainWindow(db)
        qtbot.addWidget(window)
        window.resize(1366, 700)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.is_ready)
        return window

    return make


def test_an_unreachable_server_leaves_the_window_working_and_says_so(make_window, qtbot, tmp_path):
    window = make_window(tmp_path / "a.sqlite")
    window.save_settings({"hall.url": "postgresql://desk_x@127.0.0.1:9/none?connect_timeout=1"})
    qtbot.waitUntil(lambda: window.hall_label.text().startswith("离线"), timeout=15000)
    type_text(field(window, "authorization", "handler.name", QLineEdit), "王霄")
    assert window.autosaver.flush()  # typing and saving never wait for the server
    window.hall.sync_now()
    qtbot.waitUntil(lambda: window.hall_label.text() == "离线，1 个案卷待同步", timeout=15000)


def test_a_two_sided_edit_is_offered_field_by_field_and_the_pick_is_pushed(
    make_window, qtbot, tmp_path, hall, bundle
):
    url_a, url_b = hall.desk("wa01"), hall.desk("wb01")
    other = Store.open_for(tmp_path / "b.sqlite", bundle.drafts, bundle=bundle.id, edition=bundle.edition)
    theirs = SyncEngine(other, connector(url_b))
    window = make_window(tmp_path / "a.sqlite")
    window.action_load_example.trigger()
    assert window.autosaver.flush()
    window.save_settings({"hall.url": url_a})
    qtbot.waitUntil(lambda: window.hall_label.text().startswith("已同步"), timeout=15000)
    case_id = window.current_case_id()
    kept = window.hall.engine[1]  # the sync thread's engine, with its server connection
    theirs.sync_once()
    other.save_field(case_id, "handler.name", "王霄乙", other.get(case_id).revision)
    assert theirs.sync_once().in_step
    type_text(field(window, "authorization", "handler.name", QLineEdit), "甲")  # 王霄甲 here
    assert window.autosaver.flush()
    window.hall.sync_now()
    qtbot.waitUntil(lambda: window.banner.topic == "hall", timeout=15000)
    text = window.banner.label.text()
    assert "经办人：本机「王霄甲」/ 服务器「王霄乙」" in text
    assert window.hall_label.text() == "1 个冲突待选择"
    window.banner.button("经办人用本机").click()
    qtbot.waitUntil(lambda: window.hall_label.text().startswith("已同步"), timeout=15000)
    theirs.sync_once()
    assert other.get(case_id).fields["handler.name"] == "王霄甲"  # the pick reached the other machine
    assert window.hall.engine[1] is kept  # every round since went through the same one
    theirs.close()
    other.close()


def test_the_status_line_tells_offline_busy_pending_conflicts_and_quarantined_apart():
    from datetime import datetime

    from desktop.ui.hall_sync import Outcome, status_line

    at = datetime(2026, 12, 7, 9, 5)
    assert status_line(Outcome(True, 0, ()), at) == ("已同步 09:05", "ok")
    assert status_line(Outcome(False, 2, ()), at)[0] == "离线，2 个案卷待同步"
    assert status_line(Outcome(False, 2, (), busy=True), at)[0] == "服务器忙，2 个案卷待同步"
    assert status_line(Outcome(True, 1, ()), at)[0] == "1 个案卷待同步"
    assert status_line(Outcome(True, 0, ("c",)), at) == ("1 个冲突待选择", "error")
    assert status_line(Outcome(True, 0, (), quarantined=("q", "r")), at) == ("2 个服务器案卷已隔离", "error")
    text, kind = status_line(Outcome(False, 0, (), "AttributeError", failed=True), at)
    assert "离线" not in text and "出错" in text and kind == "error"


def test_a_quarantined_row_is_named_in_the_window_and_the_sync_goes_on(make_window, qtbot, tmp_path, hall):
    import json
    import uuid

    url = hall.desk("wq01")
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    with hall.server.admin(hall.dbname) as conn:
        for case_id, state in ((bad, "[]"), (good, json.dumps({"customer.name": "好公司"}))):
            conn.execute(
                "INSERT INTO desk400.cases (id, bundle, state, revision, updated, change_seq) VALUES"
                " (%s, '400', %s::jsonb, 1, '2026-12-01T10:00:00+08:00', nextval('desk400.changes'))",
                [case_id, state],
            )
    window = make_window(tmp_path / "q.sqlite")
    window.save_settings({"hall.url": url})
    qtbot.waitUntil(lambda: "已隔离" in window.hall_label.text(), timeout=15000)
    assert window.hall_label.text() == "1 个服务器案卷已隔离"
    assert bad[:8] in window.hall_label.toolTip()
    assert window.banner.topic == "hall" and "已隔离" in window.banner.label.text()
    window.hall.sync_now()  # the next round neither stops nor names it again
    qtbot.waitUntil(lambda: not window.hall.running, timeout=15000)
    assert window.hall_label.text() == "1 个服务器案卷已隔离"
