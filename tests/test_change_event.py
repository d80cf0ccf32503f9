"""One change event (issue 20 item 5): every write to the drafts file ends in one
`operations.changed(Changes)`, and the drafts list, the title, the banner and 「已保存」 follow it.
Issue 23's small items: 「已保存」 lagged the list after a copy; a save that changed only the
status (a checklist tick, an edit after print) left the list's status line behind."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox

from desktop.domain.status import label

COMPANY = "杭州西湖云呼科技有限公司"


def _line_of(window, case_id: str) -> str:
    drafts = window.drafts.list
    for row in range(drafts.count()):
        item = drafts.item(row)
        if item.data(0x0100) == case_id:
            return item.text()
    return ""


def test_a_copy_says_saved_as_the_list_shows_it(make_window, qtbot):
    window = make_window()
    window.action_load_example.trigger()
    first = window.current_case_id()
    qtbot.waitUntil(lambda: first in window.drafts.ids())
    window.saved_label.setText("")
    window.action_duplicate_case.trigger()
    copy = window.current_case_id()
    assert copy != first
    # The copy is stored: 已保存 says so at once, not only after the next edit's save.
    assert window.saved_label.text().startswith("已保存")
    qtbot.waitUntil(lambda: copy in window.drafts.ids(), timeout=3000)


def _asked(window) -> list[str]:
    """The drafts list's searches asked for from now on (a refresh is one)."""
    asked: list[str] = []
    window.drafts.search_requested.connect(lambda query, _bin: asked.append(query))
    return asked


def test_a_checklist_tick_that_only_changes_the_status_shows_in_the_list(make_window, qtbot):
    window = make_window()
    window.action_load_example.trigger()
    case_id = window.current_case_id()
    assert window.autosaver.flush()
    qtbot.waitUntil(lambda: label("draft") in _line_of(window, case_id), timeout=3000)
    shown = [b for b in window.checklist.findChildren(QCheckBox) if b.isVisibleTo(window.checklist)]
    assert shown
    asked = _asked(window)
    for box in window.checklist.boxes.values():
        box.setChecked(True)
    qtbot.waitUntil(lambda: window.session.status == "complete" and window.autosaver.in_flight is None)
    # The save that changed the status asked for the list at once (not a pause later, not never).
    assert asked
    qtbot.waitUntil(lambda: label("complete") in _line_of(window, case_id), timeout=3000)


def test_an_edit_after_print_shows_changed_in_the_list(make_window, qtbot, tmp_path):
    window = make_window()
    window.action_load_example.trigger()
    case_id = window.current_case_id()
    for box in window.checklist.boxes.values():
        box.setChecked(True)
    qtbot.waitUntil(lambda: window.session.status == "complete" and window.autosaver.in_flight is None)
    window.export_pdf(tmp_path / "case.pdf")  # a final PDF is a print-log row: 已打印
    assert window.session.status == "printed"
    qtbot.waitUntil(lambda: label("printed") in _line_of(window, case_id), timeout=3000)
    asked = _asked(window)
    window.session.edit("customer.postcode", "310013")  # not a value the list shows
    window.autosaver.schedule()
    qtbot.waitUntil(lambda: window.session.status == "changed" and window.autosaver.in_flight is None)
    assert asked  # the status did change: the list follows at once
    qtbot.waitUntil(lambda: label("changed") in _line_of(window, case_id), timeout=3000)
