"""Issue 23 item 6: the first start asks for the hall (skippable, once), a case not yet saved
picks the answers up, and a desk code is upper-cased as typed."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit
from test_store_helpers import EXAMPLE, open_at
from test_ui_support import type_text

from desktop.app import offer_hall_setup

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, on a dialog


def test_first_start_asks_for_the_hall_and_a_fresh_case_takes_it(make_window, qtbot, db):
    window = make_window()
    dialog = offer_hall_setup(window)
    assert dialog is not None and dialog.windowTitle() == "营业厅设置"
    type_text(dialog.findChild(QLineEdit, "setup.agency.name"), "中国电信杭州西湖营业厅")
    type_text(dialog.findChild(QLineEdit, "setup.agency.handler"), "赵晓峰")
    code = dialog.findChild(QLineEdit, "setup.desk.code")
    type_text(code, "xh01")
    assert code.text() == "XH01"  # upper-cased as typed, not refused
    dialog.save.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    resolved = window.session.resolved()
    assert resolved.value("agency.name") == "中国电信杭州西湖营业厅"
    assert resolved.value("agency.handler") == "赵晓峰"
    type_text(window.findChild(QLineEdit, "customer.name"), "杭州某某公司")  # the first case, typed
    qtbot.waitUntil(lambda: window.session.case_id is not None and window.autosaver.in_flight is None)
    assert window.session.number.startswith("XH01-")
    assert offer_hall_setup(window) is None  # asked once


def test_the_step_can_be_skipped_and_is_not_asked_again(make_window, qtbot):
    window = make_window()
    dialog = offer_hall_setup(window)
    dialog.skip.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert offer_hall_setup(window) is None


def test_a_drafts_file_with_cases_is_not_asked(make_window, db):
    with open_at(db) as store:
        store.create(EXAMPLE)
    window = make_window()
    assert offer_hall_setup(window) is None


def test_the_settings_dialog_upper_cases_the_desk_code(make_window, qtbot):
    from desktop.ui.settings_dialog import SettingsDialog

    window = make_window()
    dialog = SettingsDialog(window.bundle.settings, window.settings(), window)
    edit = dialog.findChild(QLineEdit, "setting.desk.code")
    edit.clear()
    type_text(edit, "xh01")
    assert edit.text() == "XH01" and dialog.problems() == []
    dialog.deleteLater()


def test_settings_speak_to_an_agent(make_window):
    """Issue 23 item 10: the age key and the password file are under 「高级（由营业厅管理员设置）」,
    explained in plain words, with no `age 公钥` or `~/.pgpass` jargon anywhere in the dialog."""
    from PySide6.QtWidgets import QGroupBox, QLabel

    from desktop.ui.first_font import texts_of
    from desktop.ui.settings_dialog import AGE_KEY, SettingsDialog

    window = make_window()
    dialog = SettingsDialog(window.bundle.settings, window.settings(), window)
    advanced = dialog.findChild(QGroupBox, "settings_advanced")
    assert advanced is not None and advanced.title() == "高级（由营业厅管理员设置）"
    assert dialog.findChild(QLineEdit, f"setting.{AGE_KEY}").parentWidget() is advanced
    note = dialog.findChild(QLabel, "settings_advanced_note").text()
    assert "找回" in note and "管理员" in note
    shown = " ".join(texts_of(dialog))
    assert "pgpass" not in shown and "age 公钥" not in shown
    dialog.deleteLater()
