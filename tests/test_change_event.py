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


def test_changes_say_what_a_write_touched_without_qt():
    from desktop.store.changes import Changes

    save = Changes.of(["a"], typed=True, listed=True)
    copy = Changes.of(added=["b", None])
    both = save | copy
    assert both.cases == {"a", "b"} and both.listed and not both.typed  # a copy is not typing
    assert save.touches("a") and not save.touches(None) and not copy.touches("a")
    assert Changes.of(["a"]).list_changed is False  # a materials tick alone: no line changes
    assert Changes.of(removed=["a"]).list_changed and Changes.of(unnamed=True).list_changed
    assert Changes().empty and not Changes(settings=True).empty


def test_every_write_of_the_window_is_one_change_event_from_the_saving_thread(make_window, qtbot):
    import threading

    from desktop.store.changes import Changes

    window = make_window()
    seen: list[Changes] = []
    window.operations.changed.connect(seen.append)

    def one() -> Changes:
        assert len(seen) == 1, seen
        return seen.pop()

    window.action_load_example.trigger()
    first = window.current_case_id()
    assert one().added == {first}
    box = next(iter(window.checklist.boxes.values()))
    box.setChecked(True)  # the tick itself; its status save (if any) is the autosave's own event
    assert seen[0].changed == {first}
    qtbot.waitUntil(lambda: window.autosaver.in_flight is None)
    seen.clear()
    window.action_duplicate_case.trigger()
    copy = window.current_case_id()
    assert one().added == {copy}
    window.action_delete_case.trigger()
    assert one().removed == {copy}
    window.banner.button("撤销删除").click()
    assert one().changed == {copy}
    window.save_settings({"agency.name": "西湖营业厅"})
    assert one().settings
    # Operations run where the autosave runs: the saving thread, never the GUI thread.
    where = window.operations.wait(lambda _store: threading.get_ident(), Changes())
    autosaves: list[int] = []
    window.workers.write(lambda _store: threading.get_ident(), autosaves.append)
    qtbot.waitUntil(lambda: bool(autosaves))
    assert where == autosaves[0] != threading.get_ident()
    assert seen == []  # a write that changed nothing says nothing
