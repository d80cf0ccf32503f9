"""Counter-ready: focus, keyboard and messages as an agent at a busy counter works (issue 11)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QLineEdit, QRadioButton
from test_ui_support import field, label, type_text

from desktop.app import MainWindow
from desktop.ui.style import ERROR_GROUND


@pytest.fixture
def window(make_window) -> MainWindow:
    window = make_window(height=700)
    window.activateWindow()
    return window


def focused() -> str:
    widget = QApplication.focusWidget()
    return widget.objectName() if widget is not None else ""


def test_ctrl_n_puts_the_cursor_in_the_first_field_not_where_it_last_was(window, qtbot):
    window.view.go_tab(1)
    n400 = field(window, "requirement", "number.n400", QLineEdit)
    n400.setFocus()
    type_text(n400, "4009030005")
    window.action_new_case.trigger()
    assert window.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: focused() == window.view.pages[0].document.field_keys()[0])


def test_alt_n_puts_the_cursor_in_that_tabs_first_field(window, qtbot):
    window.view.go_tab(1)
    field(window, "requirement", "number.n400", QLineEdit).setFocus()
    window.view.go_tab(0)
    window.actions_by_name["action_tab_1"].trigger()
    qtbot.waitUntil(lambda: focused() == window.view.pages[1].document.field_keys()[0])


def test_a_confirmation_is_seen_then_the_print_status_comes_back(window, qtbot, tmp_path):
    window.export_pdf(tmp_path / "a.pdf")
    bar = window.statusBar()
    assert bar.currentMessage().startswith("已保存 PDF：")
    assert not window.print_label.isVisible()  # the message has the bar's room
    bar.clearMessage()
    qtbot.waitUntil(window.print_label.isVisible)


def test_arrows_move_inside_a_box_group_and_space_ticks(window, qtbot):
    window.view.go_tab(1)
    first = field(window, "requirement", "business.categories=open", QCheckBox)
    second = field(window, "requirement", "business.categories=cancel", QCheckBox)
    assert first.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert second.focusPolicy() == Qt.FocusPolicy.ClickFocus  # one Tab stop per group
    first.setFocus()
    QTest.keyClick(first, Qt.Key.Key_Right)
    assert focused() == "business.categories=cancel" and not second.isChecked()
    QTest.keyClick(second, Qt.Key.Key_Space)
    assert second.isChecked()
    assert window.session.values["business.categories"] == ["cancel"]
    QTest.keyClick(second, Qt.Key.Key_Left)
    assert focused() == "business.categories=open"


def test_arrows_choose_a_radio(window, qtbot):
    window.view.go_tab(2)
    national = field(window, "agreement", "agreement.scope=national", QRadioButton)
    national.click()
    national.setFocus()
    QTest.keyClick(national, Qt.Key.Key_Right)
    assert focused() == "agreement.scope=province"
    assert window.session.values["agreement.scope"] == "province"
    # Tab comes back into the group at its choice.
    province = field(window, "agreement", "agreement.scope=province", QRadioButton)
    assert (
        province.focusPolicy() == Qt.FocusPolicy.StrongFocus
        and national.focusPolicy() == Qt.FocusPolicy.ClickFocus
    )


def test_the_undo_banner_goes_when_another_case_is_opened(window, qtbot):
    window.action_load_example.trigger()
    first = window.current_case_id()
    window.action_load_example.trigger()
    window.action_delete_case.trigger()
    assert window.banner.topic == "undo"
    window.open_case(first)
    assert window.banner.topic == ""


@pytest.mark.qt_log_ignore("propagateSizeHints", "raise")  # the offscreen platform, on showing a window
def test_keys_help_is_a_table_of_every_shortcut_from_the_actions_table(window):
    """Issue 23: F1 was one dense banner line; now a window with one row per key."""
    from desktop.ui.actions import ACTIONS

    window.show_keys()
    dialog = window.keys_dialog
    assert dialog.isVisible() and dialog.windowTitle() == "键盘操作"
    rows = dialog.texts()
    for spec in ACTIONS:
        if spec.keys:
            assert (spec.shortcut, spec.keys) in rows
    assert ("空格", "勾选") in rows and ("方向键", "在选项间移动") in rows
    assert ("Alt+1…4", "切换文书") in rows
    assert all("·" not in keys + does for keys, does in rows)  # one key a row, not a run-on line
    assert window.banner.topic == ""  # the banner is left for what needs the agent's attention
    window.show_keys()
    assert window.keys_dialog is dialog  # F1 again brings the same window forward


def test_qt_dialogs_speak_chinese(window):
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QDialogButtonBox

    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    texts = {b.text().replace("&", "") for b in box.buttons()}
    box.deleteLater()
    assert texts & {"确定", "取消", "确定(O)", "取消(C)"}, texts


def test_a_background_failure_is_told_in_chinese(window, qtbot, tmp_path):
    from desktop.store.describe import describe as plain_reason

    assert plain_reason(IsADirectoryError(21, "Is a directory")) != "Is a directory"
    assert "Is a directory" not in plain_reason(IsADirectoryError(21, "Is a directory"))
    assert "Permission" not in plain_reason(PermissionError(13, "Permission denied"))
    window.workers.run(lambda: open(tmp_path, "rb"), lambda _r: None, window.printing.worker_failed)
    qtbot.waitUntil(lambda: window.banner.topic == "worker")
    assert "Is a directory" not in window.banner.label.text() and "后台任务失败" in window.banner.label.text()


def test_a_laptop_window_with_the_preview_open_keeps_the_form_usable(window, qtbot):
    from desktop.ui.printing import FORM_MIN, PAGE_MIN, PAGE_SLACK

    window.resize(1366, 700)
    assert window.frameGeometry().height() <= 728  # fits a 1366×768 laptop with its taskbar
    window.action_preview.trigger()
    qtbot.waitUntil(
        lambda: window.printing.preview is not None and window.printing.preview.pdf is not None, timeout=10000
    )
    drafts, form, page = window.splitter.sizes()
    slack = PAGE_SLACK + 2 * window.splitter.handleWidth()
    assert form >= FORM_MIN and page >= PAGE_MIN - slack and drafts > 0  # the list stays (issue 23)
    bar = window.view.tab_bar
    for n in range(bar.count()):  # every tab title whole, no scroll arrows
        assert bar.tabRect(n).width() >= bar.fontMetrics().horizontalAdvance(bar.tabText(n))
    assert bar.tabRect(bar.count() - 1).right() <= bar.width()
    view = window.printing.preview.view
    window.printing.preview.zoom(1.25)
    bigger = view.zoomFactor()
    window.printing.preview.zoom(0.8)
    assert view.zoomFactor() < bigger
    window.printing.preview.fit_page()
    assert view.zoomMode() == type(view.zoomMode()).FitInView
    names = {a.objectName(): a.shortcut().toString() for a in window.printing.preview.actions()}
    assert names["preview_zoom_in"] and names["preview_fit_width"] and names["preview_fit_page"]
    window.action_preview.trigger()
    assert window.splitter.sizes()[0] > 0  # the drafts list is back


def test_a_red_spin_box_keeps_its_arrows(window):
    window.view.go_tab(2)
    years = field(window, "agreement", "agreement.term_years")
    years.setValue(12)  # past the maximum: an error
    assert years.property("severity") == "error"
    assert years.styleSheet() == ""  # a style sheet border would make Qt drop the arrows
    assert years.palette().color(QPalette.ColorRole.Base).name() == ERROR_GROUND


def test_the_notes_box_shows_where_the_cursor_is(window, qtbot):
    window.view.go_tab(1)
    notes = field(window, "requirement", "notes")
    notes.setFocus()
    qtbot.waitUntil(notes.hasFocus)
    assert "border" in notes.styleSheet()
    field(window, "requirement", "customer.name").setFocus()
    qtbot.waitUntil(lambda: not notes.hasFocus())
    assert notes.styleSheet() == ""


@pytest.mark.parametrize(
    ("doc", "key"),
    [("agreement", "agreement.date_a"), ("agreement", "agreement.date_b"), ("requirement", "number.small"),
     ("requirement", "application.serial")],
)  # fmt: skip
def test_every_field_has_a_hint(window, doc, key):
    assert field(window, doc, key, QLineEdit).placeholderText()


def test_a_landline_in_the_400_field_is_called_a_landline(window):
    window.view.go_tab(1)
    type_text(field(window, "requirement", "number.n400", QLineEdit), "057181726504")
    assert "这是固定电话号码" in label(window, "requirement", "number.n400.error").text()


def test_the_materials_checklist_follows_the_categories_and_lets_a_clean_case_finish(window, qtbot):
    from PySide6.QtWidgets import QCheckBox

    from desktop.store import Store

    window.action_load_example.trigger()  # clean, category 开通
    assert window.autosaver.flush()
    shown = [b for b in window.checklist.findChildren(QCheckBox) if b.isVisibleTo(window.checklist)]
    assert shown, "the example's category needs materials"
    assert window.session.status == "draft"  # nothing collected yet: not finished
    for box in window.checklist.boxes.values():
        box.setChecked(True)
    qtbot.waitUntil(lambda: window.session.status == "complete" and window.autosaver.in_flight is None)
    case_id = window.current_case_id()
    with Store.open_for(
        window.db_path, window.bundle.drafts, bundle="400", edition=window.bundle.edition
    ) as store:
        case = store.get(case_id)
        assert case.status == "complete" and set(case.materials) == set(window.checklist.boxes)
    window.action_new_case.trigger()
    window.open_case(case_id)
    assert all(box.isChecked() for box in window.checklist.boxes.values())  # ticks come back


def test_the_same_400_number_in_another_case_is_a_warning_naming_it(window, qtbot):
    window.action_load_example.trigger()
    assert window.autosaver.flush()
    first_number = window.session.number
    window.action_new_case.trigger()
    window.view.go_tab(1)
    type_text(field(window, "requirement", "number.n400", QLineEdit), "4009030005")
    error = label(window, "requirement", "number.n400.error")
    qtbot.waitUntil(lambda: first_number in error.text(), timeout=5000)
    assert error.property("kind") == "warning"
    assert "number.n400" not in window.session.print_blockers()  # never an error


def test_the_commitment_tab_reads_in_the_documents_order(window):
    """It began with 「九、其它」 out of nowhere: the tab now says, above it, that articles 一 to 八
    print as issued, and above the signing block that 十 and 「特此承诺。」 do."""
    from PySide6.QtWidgets import QFormLayout

    window.view.go_tab(3)
    form = window.view.pages[3].form
    rows = []
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.SpanningRole) or form.itemAt(
            row, QFormLayout.ItemRole.LabelRole
        )
        rows.append((item.widget().objectName(), item.widget().text()))
    names = [name for name, _ in rows]
    assert names[:4] == [
        "commitment.other.note",
        "commitment.other.label",
        "customer.name.note",
        "customer.name.label",
    ]
    assert rows[0][1].startswith("一至八条照原文打印") and "第九条" in rows[0][1]
    assert "以下为落款" in rows[2][1]


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, on showing a dialog
def test_the_passphrase_refusal_reads_red(qtbot):
    """Issue 23, item 12: 「口令不对」 and the other refusals were black."""
    from desktop.ui.passphrase import PassphraseDialog
    from desktop.ui.style import TEXT_COLOURS

    dialog = PassphraseDialog(creating=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    type_text(dialog.edit, "short")
    QTest.keyClick(dialog.edit, Qt.Key.Key_Return)  # 确定, the default button
    assert dialog.problem.text() == "口令至少 8 位"
    colour = dialog.problem.palette().color(QPalette.ColorRole.WindowText).name()
    assert colour == TEXT_COLOURS["error"]
