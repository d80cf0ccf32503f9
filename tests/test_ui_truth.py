"""What the window shows is what prints, and a save that fails is never silent or final."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import datetime
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtWidgets import QLineEdit
from test_ui_support import field, label, type_text

from desktop.store import Store, journal
from desktop.store.backup import make_backup


def pdf_text(path: Path) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)


def test_the_signer_left_empty_shows_and_prints_the_handler(make_window, tmp_path):
    window = make_window()
    type_text(field(window, "authorization", "handler.name", QLineEdit), "王霄")
    window.tabs.setCurrentIndex(3)
    signer = field(window, "commitment", "commitment.signer", QLineEdit)
    assert signer.text() == "王霄" and signer.property("auto")
    assert label(window, "commitment", "commitment.signer.info").text() == "同经办人"
    assert "commitment.signer" not in window.session.print_blockers()
    pdf = window.export_pdf(tmp_path / "out.pdf")
    assert "法定代表人或授权委托人姓名：王霄单位地址" in pdf_text(pdf)
    assert window.session.values.get("commitment.signer") in (None, "")  # not typed: not stored


def test_typing_into_a_grey_value_replaces_it(make_window, qtbot):
    window = make_window()
    type_text(field(window, "authorization", "handler.name", QLineEdit), "王霄")
    window.tabs.setCurrentIndex(3)
    signer = field(window, "commitment", "commitment.signer", QLineEdit)
    signer.setFocus()
    qtbot.waitUntil(lambda: signer.selectedText() == "王霄")
    type_text(signer, "李四")
    assert signer.text() == "李四" and not signer.property("auto")
    assert window.session.values["commitment.signer"] == "李四"


def test_settings_saved_while_a_blank_case_is_open_reach_its_fields_and_paper(make_window, tmp_path):
    window = make_window()
    window.save_settings({"agency.name": "西湖营业厅", "agency.handler": "张丽"})
    window.tabs.setCurrentIndex(1)
    agency = field(window, "requirement", "agency.name", QLineEdit)
    assert agency.text() == "西湖营业厅" and agency.property("auto")
    text = pdf_text(window.export_pdf(tmp_path / "out.pdf"))
    assert "西湖营业厅" in text and "张丽" in text


def test_the_organisation_code_prints_on_every_path(make_window, tmp_path):
    window = make_window()
    window.tabs.setCurrentIndex(1)
    type_text(field(window, "requirement", "customer.license_no", QLineEdit), "91330100MA2H3KX74D")
    assert "MA2H3KX7-4" in pdf_text(window.export_pdf(tmp_path / "a.pdf"))


def test_a_failing_save_says_so_retries_and_saves_when_the_disk_is_back(make_window, qtbot, monkeypatch):
    window = make_window()
    window.action_load_example.trigger()
    assert window.autosaver.flush()
    window.saved_label.clear()  # (the example's own write said 已保存 already)
    saved_text = window.saved_label.text()
    real = Store.save_field
    full = {"on": True}

    def save_field(self, *args, **kwargs):
        if full["on"]:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "save_field", save_field)
    monkeypatch.setattr("desktop.ui.autosave.RETRY_MS", (200, 200, 200, 200, 200))
    type_text(field(window, "authorization", "handler.name", QLineEdit), "甲")
    window.autosaver.save_soon()
    qtbot.waitUntil(lambda: window.banner.topic == "save", timeout=3000)
    assert "磁盘已满" in window.banner.label.text() and "修改仍在窗口中" in window.banner.label.text()
    assert window.saved_label.text() == saved_text  # 已保存 only after a real commit
    assert window.session.dirty  # still pending, not "in flight" for ever
    qtbot.waitUntil(lambda: window.autosaver.failures >= 2, timeout=3000)  # it keeps trying
    full["on"] = False
    with qtbot.waitSignal(window.autosaver.idle, timeout=3000):
        pass
    assert window.banner.topic == ""
    assert window.saved_label.text() != saved_text
    with Store.open_for(
        window.db_path, window.bundle.drafts, bundle="400", edition=window.bundle.edition
    ) as store:
        assert store.get(window.current_case_id()).fields["handler.name"].endswith("甲")


def test_edits_that_cannot_be_saved_at_close_go_to_the_journal_and_come_back(
    make_window, qtbot, monkeypatch, db
):
    window = make_window()
    window.action_load_example.trigger()
    assert window.autosaver.flush()
    case_id = window.current_case_id()
    monkeypatch.setattr(
        Store,
        "save_field",
        lambda *a, **k: (_ for _ in ()).throw(sqlite3.OperationalError("database is locked")),
    )
    monkeypatch.setattr(
        Store,
        "save_fields",
        lambda *a, **k: (_ for _ in ()).throw(sqlite3.OperationalError("database is locked")),
    )
    note = "六千字的备注" * 100
    window.session.edit("notes", note)
    window.close()
    paths = journal.journals(db)
    assert len(paths) == 1 and stat.S_IMODE(os.stat(paths[0]).st_mode) == 0o600
    monkeypatch.undo()
    again = make_window()
    assert again.banner.topic == "recovery" and "没能写入草稿文件" in again.banner.label.text()
    again.banner.button("写回草稿").click()
    assert not journal.journals(db)
    with Store.open_for(db, again.bundle.drafts, bundle="400", edition=again.bundle.edition) as store:
        assert store.get(case_id).fields["notes"] == note


def test_invisible_characters_typed_or_pasted_are_dropped_with_a_note(make_window):
    window = make_window()
    edit = field(window, "authorization", "handler.name", QLineEdit)
    edit.setFocus()
    edit.insert("王\u202e霄\u200b")  # as a paste does: one edit holding a bidi override and a ZWSP
    assert edit.text() == "王霄"
    assert window.session.values["handler.name"] == "王霄"
    assert label(window, "authorization", "handler.name.info").text() == "已去掉 2 个不可见的控制字符"


def test_a_damaged_case_is_offered_back_from_the_backup_and_the_others_stay_usable(make_window, qtbot, db):
    from test_store_helpers import keyed

    window = make_window()
    window.action_load_example.trigger()
    assert window.autosaver.flush()
    good = window.current_case_id()
    window.action_load_example.trigger()
    assert window.autosaver.flush()
    bad = window.current_case_id()
    window.close()
    with Store.open_for(db, window.bundle.drafts, bundle="400", edition=window.bundle.edition) as store:
        make_backup(store.db.conn, db, datetime(2026, 11, 29), key=store.key)
    conn = keyed(db)
    conn.execute("UPDATE cases SET fields = '{\"customer.name\": ' WHERE id = ?", [bad])
    conn.commit()
    conn.close()
    again = make_window()
    again.open_case(good)
    assert again.current_case_id() == good  # the other case opens as ever
    again.action_new_case.trigger()
    again.open_case(bad)
    assert again.banner.topic == "open" and "已损坏" in again.banner.label.text()
    assert "{" not in again.banner.label.text()  # no raw data or error text
    again.banner.button("从备份恢复这个案卷").click()
    assert again.current_case_id() == bad
    assert again.session.values["customer.name"]
