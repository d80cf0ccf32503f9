"""The window, driven through its real widgets: typing, checking, tabs, drafts, PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSpinBox,
    QTabWidget,
    QWidget,
)
from test_ui_support import clear, field, label, type_text

from desktop.app import MainWindow
from desktop.domain.case import check_case, normalise_values
from desktop.store import Store

ID_OK = "610113198402242115"
ID_BAD = "610113198402242116"
COMPANY = "杭州云栖数智科技有限公司"


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()


@pytest.fixture
def two_windows(make_window) -> tuple[MainWindow, MainWindow]:
    """The example case saved in one window and open in a second one on the same drafts file."""
    first = make_window()
    first.action_load_example.trigger()
    assert first.autosaver.flush()
    second = make_window()
    second.open_case(first.current_case_id())
    return first, second


def stored(db: Path, bundle, case_id: str) -> dict:
    with Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False) as store:
        return store.get(case_id).fields


def test_contract_names(window, bundle):
    tabs = window.findChild(QTabWidget, "documents")
    assert tabs.count() == len(bundle.documents)
    for n, document in enumerate(bundle.documents):
        assert tabs.widget(n).objectName() == document.id
        for key in document.field_keys():
            assert field(window, document.id, key).objectName() == key
            assert label(window, document.id, f"{key}.error").text() == ""
    assert window.findChild(QListWidget, "drafts") is not None
    for name in ("action_new_case", "action_print", "action_export_pdf", "action_preview",
                 "action_delete_case", "action_duplicate_case"):  # fmt: skip
        assert window.findChild(type(window.action_print), name) is not None, name


def test_wrong_id_is_shown_then_cleared_when_fixed(window, qtbot):
    edit = field(window, "authorization", "handler.id_number", QLineEdit)
    error = label(window, "authorization", "handler.id_number.error")
    type_text(edit, ID_BAD[:-2])
    # Still typing a fixed-length code: a neutral hint, no red frame.
    assert error.text() == "还需 2 位"
    assert error.property("kind") == "hint"
    assert edit.property("severity") == ""
    type_text(edit, ID_BAD[-2:])
    assert error.text() == "校验码错误，按前 17 位应为 5"
    assert error.property("kind") == "error"
    assert edit.property("severity") == "error"
    assert window.tabs.tabText(0).endswith("）")
    # Once shown, the error follows every keystroke and clears the moment the value is valid.
    QTest.keyClick(edit, Qt.Key.Key_Backspace)
    assert error.text() == "身份证号码应为 18 位，还差 1 位" or error.property("kind") == "error"
    type_text(edit, "5")
    assert error.text() == ""
    assert edit.property("severity") == ""
    info = label(window, "authorization", "handler.id_number.info")
    assert info.text() == "陕西省西安市雁塔区 · 1984-02-24 · 男"


def test_full_width_digits_are_accepted_and_stored_as_ascii(window, qtbot, db, bundle):
    edit = field(window, "authorization", "handler.id_number", QLineEdit)
    type_text(edit, "６１０１１３１９８４０２２４２１１６")
    error = label(window, "authorization", "handler.id_number.error")
    assert error.text() == "校验码错误，按前 17 位应为 5"
    QTest.keyClick(edit, Qt.Key.Key_Backspace)
    type_text(edit, "５")
    assert error.text() == ""
    assert label(window, "authorization", "handler.id_number.info").text().startswith("陕西省西安市雁塔区")
    assert window.autosaver.flush()
    assert stored(db, bundle, window.current_case_id())["handler.id_number"] == ID_OK


def test_half_typed_code_shows_its_error_when_the_field_is_left(window, qtbot):
    edit = field(window, "requirement", "number.n400", QLineEdit)
    window.tabs.setCurrentIndex(1)
    type_text(edit, "400903")
    error = label(window, "requirement", "number.n400.error")
    assert error.property("kind") == "hint"
    field(window, "requirement", "number.small", QLineEdit).setFocus()
    qtbot.waitUntil(lambda: error.property("kind") == "error")
    assert "还差 4 位" in error.text()


def test_company_typed_on_one_tab_is_on_every_tab(window, bundle):
    type_text(field(window, "authorization", "customer.name", QLineEdit), COMPANY)
    for document in bundle.documents:
        if "customer.name" in document.field_keys():
            assert field(window, document.id, "customer.name", QLineEdit).text() == COMPANY


def test_organisation_code_fills_itself_from_the_licence(window):
    window.tabs.setCurrentIndex(1)
    type_text(field(window, "requirement", "customer.license_no", QLineEdit), "91330100MA2H3KX74D")
    org = field(window, "requirement", "customer.org_code", QLineEdit)
    assert org.text() == "MA2H3KX7-4"
    assert label(window, "requirement", "customer.org_code.info").text() == "按营业执照编号自动填写"
    assert window.session.values.get("customer.org_code") in (None, "")
    assert (
        label(window, "requirement", "customer.license_no.info").text() == "企业（工商登记） · 浙江省杭州市"
    )
    type_text(org, "X")  # the agent overrides the filled-in code: now it must match the licence
    clear(org)
    type_text(org, "MA2H3KX75")
    field(window, "requirement", "customer.address", QLineEdit).setFocus()
    error = label(window, "requirement", "customer.org_code.error")
    assert "应为 MA2H3KX7-4" in error.text()


def test_conditional_field_appears_only_when_relevant(window, qtbot):
    window.tabs.setCurrentIndex(2)
    province = field(window, "agreement", "agreement.province", QLineEdit)
    assert not province.isVisible()
    field(window, "agreement", "agreement.scope=province", QWidget).click()
    qtbot.waitUntil(province.isVisible)
    assert window.view.tab_missing_count("agreement") >= 1  # required now, not yet filled
    assert "agreement.province" in window.session.print_blockers()
    field(window, "agreement", "agreement.scope=national", QWidget).click()
    qtbot.waitUntil(lambda: not province.isVisible())
    assert "agreement.province" not in window.session.print_blockers()


def test_tab_counts_and_print_summary_agree_with_the_case_check(window, bundle, example_values):
    def expected(values: dict) -> dict[str, int]:
        errors = [f for f in check_case(bundle, values, today=date.today()) if f.severity == "error"]
        return {d.id: sum(1 for f in errors if f.key in d.field_keys()) for d in bundle.documents}

    # A fresh case: its empty required fields are counted as unfilled, not as errors.
    counts = {d.id: window.view.tab_error_count(d.id) for d in bundle.documents}
    assert counts == dict.fromkeys(counts, 0)
    missing = {d.id: window.view.tab_missing_count(d.id) for d in bundle.documents}
    assert missing == expected(window.session.resolved().values())  # every "required" error of check
    unfilled = len(window.session.missing)
    assert window.print_label.text().startswith(f"未填 {unfilled} 项：")
    assert window.print_label.property("kind") == "hint"
    assert window.tabs.tabText(0) == f"授权委托书（未填{missing['authorization']}）"
    assert window.action_print.toolTip() == window.print_label.text()
    window.reveal_all()  # asking for paper is "late": now they are errors
    assert {d.id: window.view.tab_error_count(d.id) for d in bundle.documents} == missing
    assert window.print_label.text().startswith(f"还有 {unfilled} 处错误")

    window.action_load_example.trigger()
    assert {d.id: window.view.tab_error_count(d.id) for d in bundle.documents} == dict.fromkeys(counts, 0)
    # Issue 23 item 3: unticked required materials block 「可以正式打印」 too, and are counted.
    unticked = len(window.session.missing_materials())
    assert unticked and window.print_label.text().startswith(f"没有错误；材料清单还缺 {unticked} 项：")
    for box in window.checklist.boxes.values():
        box.setChecked(True)
    assert window.print_label.text() == "没有错误，可以正式打印"
    assert [window.tabs.tabText(n) for n in range(4)] == [d.tab for d in bundle.documents]

    edit = field(window, "authorization", "handler.id_number", QLineEdit)
    clear(edit)
    type_text(edit, ID_BAD)
    assert window.session.print_blockers() == {"handler.id_number": 1}
    assert window.tabs.tabText(0) == "授权委托书（1）"
    assert window.print_label.text() == "还有 1 处错误，打印将带「草稿」标记：经办人身份证"
    assert {d.id: window.view.tab_error_count(d.id) for d in bundle.documents} == expected(
        window.session.values
    )


def test_destination_numbers_read_grouped_like_the_other_phones(window, qtbot):
    window.action_load_example.trigger()
    first = field(window, "requirement", "number.destinations#1", QLineEdit)
    second = field(window, "requirement", "number.destinations#2", QLineEdit)
    assert (first.text(), second.text()) == ("0571-81726504", "138 2526 5634")
    assert window.session.values["number.destinations"] == ["057181726504", "13825265634"]  # stored as digits
    window.tabs.setCurrentIndex(1)
    first.setFocus()
    first.selectAll()
    type_text(first, "057188223344")
    second.setFocus()  # leaving the line groups it, as a single phone field does
    qtbot.waitUntil(lambda: first.text() == "0571-88223344")
    assert window.session.values["number.destinations"] == ["057188223344", "13825265634"]


def test_widgets_by_field_type(window, qtbot):
    assert isinstance(field(window, "agreement", "agreement.term_years"), QSpinBox)
    assert isinstance(field(window, "requirement", "notes"), QPlainTextEdit)
    first = field(window, "requirement", "number.destinations#1", QLineEdit)
    second = field(window, "requirement", "number.destinations#2", QLineEdit)
    window.tabs.setCurrentIndex(1)
    assert not second.isVisible()
    type_text(first, "057181726504")
    qtbot.waitUntil(second.isVisible)
    type_text(second, "13825265634")
    assert window.session.values["number.destinations"] == ["057181726504", "13825265634"]
    years = field(window, "agreement", "agreement.term_years", QSpinBox)
    window.tabs.setCurrentIndex(2)
    years.setFocus()
    QTest.keyClick(years, Qt.Key.Key_Up)
    QTest.keyClick(years, Qt.Key.Key_Up)
    assert window.session.values["agreement.term_years"] == 2
    # Dates may stay empty.
    date_edit = field(window, "agreement", "agreement.date_b", QLineEdit)
    assert date_edit.text() == ""
    assert "agreement.date_b" not in window.session.print_blockers()


def test_enter_moves_to_the_next_field(window, qtbot, bundle):
    first_key, second_key = bundle.document("authorization").field_keys()[:2]
    first = field(window, "authorization", first_key, QLineEdit)
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    QTest.keyClick(first, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is field(window, "authorization", second_key, QLineEdit)


def test_ctrl_f_focuses_search(window, qtbot):
    field(window, "authorization", "handler.name", QLineEdit).setFocus()
    QTest.keySequence(window, "Ctrl+F")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.findChild(QLineEdit, "search"))


def test_close_reopen_find_and_open_with_every_value(make_window, qtbot, db, bundle, example_values):
    window = make_window()
    values = normalise_values(bundle, example_values, today=date.today())
    type_text(field(window, "authorization", "customer.name", QLineEdit), COMPANY)
    type_text(field(window, "authorization", "handler.id_number", QLineEdit), ID_OK)
    window.close()

    again = make_window()
    drafts = again.findChild(QListWidget, "drafts")
    qtbot.waitUntil(lambda: drafts.count() == 1)
    search = again.findChild(QLineEdit, "search")
    type_text(search, "云栖")
    qtbot.waitUntil(lambda: again.drafts.count.text().startswith("草稿：找到 1"))
    assert "610113********2115" in drafts.item(0).text()
    QTest.keyClick(search, Qt.Key.Key_Return)
    assert again.current_case_id() is not None
    assert field(again, "commitment", "customer.name", QLineEdit).text() == COMPANY
    assert field(again, "authorization", "handler.id_number", QLineEdit).text() == ID_OK

    again.action_load_example.trigger()
    case_id = again.current_case_id()
    again.action_new_case.trigger()
    assert again.current_case_id() is None
    again.open_case(case_id)
    for key, value in values.items():
        assert again.session.values.get(key) == value, key
    for document in bundle.documents:
        for key in document.field_keys():
            editor = field(again, document.id, key)
            if isinstance(editor, QLineEdit) and key != "customer.org_code":
                assert editor.text() in (
                    str(values.get(key) or ""),
                    again.view.display(key, values.get(key)),
                ), key


def test_export_pdf_and_read_it_back(window, tmp_path):
    from pypdf import PdfReader

    window.action_load_example.trigger()
    out = window.export_pdf(tmp_path / "bundle.pdf")
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert COMPANY in text
    assert "草稿" not in text
    # Every page carries the case's number (DESK-YYYYMMDD-NNN), not its UUID.
    assert window.session.number and f"案卷编号：{window.session.number}" in text

    window.action_new_case.trigger()
    type_text(field(window, "authorization", "customer.name", QLineEdit), "某某公司")
    draft = PdfReader(window.export_pdf(tmp_path / "draft.pdf"))
    assert "草稿" in draft.pages[0].extract_text()


def test_print_marks_the_case_printed(window, tmp_path, db, bundle):
    window.action_load_example.trigger()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(150)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    pages = window.printing.print_to(printer)
    assert pages >= 4
    assert (tmp_path / "printed.pdf").stat().st_size > 10_000
    with Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False) as store:
        assert store.get(window.current_case_id()).status == "printed"


def test_preview_shows_the_bundle(window, qtbot):
    window.action_load_example.trigger()
    window.action_preview.trigger()
    qtbot.waitUntil(lambda: window.printing.preview.page_count() >= 4, timeout=15000)
    assert "可以正式打印" in window.printing.preview.status.text()


def test_delete_undo_duplicate_and_restore(window, qtbot, db, bundle):
    window.action_load_example.trigger()
    first = window.current_case_id()
    window.action_duplicate_case.trigger()
    copy = window.current_case_id()
    assert copy != first
    assert window.session.values.get("number.n400") in (None, "")  # request-specific, cleared
    assert window.session.values["customer.name"] == COMPANY

    window.action_delete_case.trigger()
    assert window.current_case_id() is None
    undo = window.banner.button("撤销删除")
    assert undo is not None
    undo.click()
    assert window.current_case_id() == copy

    window.action_delete_case.trigger()
    window.drafts.bin.setChecked(True)
    drafts = window.findChild(QListWidget, "drafts")
    qtbot.waitUntil(lambda: drafts.count() == 1 and window.drafts.count.text().startswith("回收站"))
    drafts.setCurrentRow(0)
    window.action_restore_case.trigger()
    assert window.current_case_id() == copy
    qtbot.waitUntil(lambda: drafts.count() == 2 and not window.drafts.in_bin())


def test_edits_are_saved_within_a_second_without_a_button(window, qtbot, db, bundle):
    type_text(field(window, "authorization", "handler.name", QLineEdit), "王霄")
    qtbot.waitUntil(lambda: window.saved_label.text().startswith("已保存 "), timeout=1000)
    assert stored(db, bundle, window.current_case_id())["handler.name"] == "王霄"


def test_a_second_window_conflict_is_shown(make_window, qtbot, db):
    first = make_window()
    first.action_load_example.trigger()
    case_id = first.current_case_id()
    second = make_window()
    second.open_case(case_id)
    type_text(field(second, "authorization", "handler.name", QLineEdit), "甲")
    assert second.autosaver.flush()
    type_text(field(first, "authorization", "handler.name", QLineEdit), "乙")
    assert not first.autosaver.flush()
    assert first.banner.isVisible() and first.banner.topic == "conflict"
    assert "其他窗口" in first.banner.label.text()
    first.banner.button("用本窗口的内容覆盖").click()
    assert not first.banner.isVisible()
    second.banner.dismiss()
    second.open_case(case_id)  # the same case: nothing to reload
    assert first.session.values["handler.name"] == "王霄乙"


def test_an_idle_window_shows_what_another_window_saved(two_windows, qtbot):
    first, second = two_windows
    type_text(field(second, "authorization", "handler.name", QLineEdit), "甲")
    assert second.autosaver.flush()
    assert first.watcher.timer.isActive()
    first.check_for_changes()  # what that timer and the window's activation do
    qtbot.waitUntil(lambda: first.banner.topic == "changed", timeout=2000)
    assert first.session.values["handler.name"] == "王霄甲"
    assert field(first, "authorization", "handler.name", QLineEdit).text() == "王霄甲"
    assert "其他窗口" in first.banner.label.text()
    # Now both agree: typing in the first window saves without a conflict.
    type_text(field(first, "authorization", "handler.name", QLineEdit), "乙")
    assert first.autosaver.flush() and not first.session.conflicted
    first.action_new_case.trigger()
    assert first.banner.topic == ""  # the message was about the case shown before


def test_unsaved_edits_meet_another_windows_save_as_a_conflict_at_once(two_windows, qtbot):
    first, second = two_windows
    type_text(field(second, "authorization", "handler.name", QLineEdit), "甲")
    assert second.autosaver.flush()
    first.autosaver.timer.stop()  # an edit typed a moment ago, not yet saved
    type_text(field(first, "authorization", "handler.name", QLineEdit), "乙")
    first.autosaver.timer.stop()
    first.check_for_changes()
    qtbot.waitUntil(lambda: first.banner.topic == "conflict", timeout=2000)
    assert first.session.values["handler.name"] == "王霄乙"  # still on screen, not replaced
    assert "handler.name" in first.session.dirty


def test_a_case_binned_in_another_window_is_said(two_windows, qtbot):
    first, second = two_windows
    second.action_delete_case.trigger()
    first.check_for_changes()
    qtbot.waitUntil(lambda: first.banner.topic == "deleted", timeout=2000)
    first.banner.dismiss()
    first.check_for_changes()
    qtbot.wait(300)
    assert first.banner.topic == ""  # said once, not every few seconds


def test_restoring_the_case_on_screen_keeps_what_was_typed_meanwhile(two_windows, qtbot, db, bundle):
    first, second = two_windows
    case_id = first.current_case_id()
    second.action_delete_case.trigger()  # binned in the other window
    type_text(field(first, "authorization", "handler.name", QLineEdit), "乙")
    qtbot.waitUntil(lambda: first.banner.topic == "deleted", timeout=3000)  # the save was refused
    first.banner.button("恢复").click()
    qtbot.waitUntil(lambda: not first.session.dirty and first.autosaver.in_flight is None, timeout=3000)
    assert first.current_case_id() == case_id
    assert stored(db, bundle, case_id)["handler.name"] == "王霄乙"
    with Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False) as store:
        assert store.ids() == [case_id]  # not a second copy of the case


def test_a_case_restored_elsewhere_clears_the_bin_banner_and_saves_what_was_typed(
    two_windows, qtbot, db, bundle
):
    first, second = two_windows
    case_id = first.current_case_id()
    second.action_delete_case.trigger()
    first.check_for_changes()
    qtbot.waitUntil(lambda: first.banner.topic == "deleted", timeout=2000)
    type_text(field(first, "authorization", "handler.name", QLineEdit), "丙")
    second.drafts.bin.setChecked(True)
    qtbot.waitUntil(lambda: second.drafts.list.count() == 1, timeout=2000)
    second.drafts.list.setCurrentRow(0)
    second.action_restore_case.trigger()
    first.check_for_changes()
    qtbot.waitUntil(
        lambda: first.banner.topic == "" and not first.session.dirty and first.autosaver.in_flight is None,
        timeout=3000,
    )
    assert stored(db, bundle, case_id)["handler.name"] == "王霄丙"


def test_a_failed_save_is_retried_without_slowing_later_saves(window, qtbot, monkeypatch, db, bundle):
    from desktop.app import SAVE_DELAY_MS

    real = Store.save_field
    failures = []

    def once(self, *args, **kwargs):
        if not failures:
            failures.append(1)
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    window.action_load_example.trigger()
    assert window.autosaver.flush()
    monkeypatch.setattr(Store, "save_field", once)
    type_text(field(window, "authorization", "handler.name", QLineEdit), "甲")
    qtbot.waitUntil(lambda: window.banner.topic == "save", timeout=2000)
    assert window.autosaver.timer.interval() == SAVE_DELAY_MS
    qtbot.waitUntil(
        lambda: not window.session.dirty and window.autosaver.in_flight is None, timeout=4000
    )  # the retry
    assert stored(db, bundle, window.current_case_id())["handler.name"] == "王霄甲"


def test_own_saves_are_not_taken_for_another_windows(window, qtbot):
    window.action_load_example.trigger()
    type_text(field(window, "authorization", "handler.name", QLineEdit), "甲")
    assert window.autosaver.flush()
    window.check_for_changes()
    qtbot.wait(300)
    assert window.banner.topic not in ("changed", "conflict")
    assert window.session.values["handler.name"] == "王霄甲"


def test_settings_prefill_new_cases(window):
    window.save_settings(
        {"agency.name": "中国电信杭州西湖营业厅", "agency.handler": "赵晓峰", "retention_days": 30}
    )
    window.action_new_case.trigger()
    assert field(window, "requirement", "agency.name", QLineEdit).text() == "中国电信杭州西湖营业厅"
    assert field(window, "requirement", "agency.handler", QLineEdit).text() == "赵晓峰"
    assert window.settings()["retention_days"] == 30


def test_asking_for_paper_shows_every_missing_field(window, qtbot):
    error = label(window, "authorization", "customer.name.error")
    assert error.text() == ""  # an untouched empty field is not shouted at
    window.workers.run = lambda *args, **kwargs: None  # no printer here: only the reveal matters
    window.action_print.trigger()
    assert error.text() == "必填，请填写"
    assert error.property("kind") == "error"


def test_settings_dialog_saves_without_blocking(window, qtbot):
    from desktop.ui.settings_dialog import SettingsDialog

    window.action_settings.trigger()
    dialog = window.findChild(SettingsDialog, "settings_dialog")
    assert dialog is not None and dialog.isVisible()
    dialog.edits["agency.handler"].setText("赵晓峰")
    dialog.retention.setValue(45)
    dialog.accept()
    assert window.settings()["agency.handler"] == "赵晓峰"
    assert window.settings()["retention_days"] == 45


def test_every_action_has_a_key_and_tabs_switch_from_the_keyboard(window, qtbot):
    for action in (window.action_new_case, window.action_print, window.action_export_pdf,
                   window.action_preview, window.action_delete_case, window.action_duplicate_case):  # fmt: skip
        assert not action.shortcut().isEmpty(), action.objectName()
    assert window.action_print.shortcut().toString() == "Ctrl+P"
    assert window.action_export_pdf.shortcut().toString() == "Ctrl+Shift+S"
    QTest.keySequence(window, "Alt+3")
    assert window.tabs.currentIndex() == 2
    type_text(field(window, "authorization", "handler.name", QLineEdit), "王霄")
    QTest.keySequence(window, "Ctrl+N")
    assert field(window, "authorization", "handler.name", QLineEdit).text() == ""
    assert window.tabs.currentIndex() == 0


def test_autosave_reports_a_conflict_without_being_asked(make_window, qtbot):
    first = make_window()
    first.action_load_example.trigger()
    second = make_window()
    second.open_case(first.current_case_id())
    type_text(field(second, "authorization", "handler.name", QLineEdit), "甲")
    qtbot.waitUntil(lambda: second.saved_label.text().startswith("已保存"), timeout=2000)
    type_text(field(first, "authorization", "handler.name", QLineEdit), "乙")
    qtbot.waitUntil(lambda: first.banner.topic == "conflict", timeout=2000)
    assert first.session.values["handler.name"] == "王霄乙"  # still on screen, not lost
    assert "handler.name" in first.session.dirty


def test_a_saving_connection_that_cannot_open_is_a_failed_save_not_a_silent_stop(
    make_window, qtbot, monkeypatch, db, bundle, example_values
):
    """The saving thread opens its own connection (at the warm-up, or at the first save); when
    that fails (the file busy, or marked damaged by the drafts thread's check), each save must
    still finish as a failed save: one left "in flight" stopped every later autosave, and the next
    flush (opening a case, closing the window) waited for it for ever."""
    from desktop.store import StoreBusy

    allowed: list[bool] = []
    real = MainWindow._open_writer

    def refuse(self):
        if not allowed:
            raise StoreBusy("草稿文件正被其他程序占用，请稍后重试")
        return real(self)

    monkeypatch.setattr(MainWindow, "_open_writer", refuse)
    window = make_window()
    # The case comes from elsewhere: the window's own writes (the example's) need that connection.
    with Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False) as store:
        case_id = store.create(normalise_values(bundle, example_values, today=date.today())).id
    window.open_case(case_id)
    type_text(field(window, "authorization", "handler.name", QLineEdit), "甲")
    try:
        qtbot.waitUntil(lambda: window.banner.topic == "save", timeout=3000)
    finally:
        stuck = window.autosaver.in_flight
        if stuck is not None and not stuck.done.is_set():  # else the close (teardown) waits for ever
            stuck.error = StoreBusy("草稿文件正被其他程序占用，请稍后重试")
            stuck.done.set()
    assert window.autosaver.in_flight is None and window.session.dirty
    allowed.append(True)
    qtbot.waitUntil(lambda: not window.session.dirty and window.autosaver.in_flight is None, timeout=4000)
    assert stored(db, bundle, window.current_case_id())["handler.name"] == "王霄甲"
