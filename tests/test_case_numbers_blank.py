"""Issue 23 item 4: a blank case takes no case number until a value is typed, and the example case
is numbered EXAMPLE (it never uses up one of the desk's numbers)."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QLineEdit
from test_store_helpers import open_at
from test_ui_support import clear, type_text

from desktop.cli import main


def test_a_blank_case_is_never_stored(make_window, qtbot, db):
    window = make_window()
    edit = window.findChild(QLineEdit, "customer.name")
    type_text(edit, "某")
    clear(edit)  # typed, then erased: still nothing to keep
    window.action_new_case.trigger()
    assert window.autosaver.flush()
    with open_at(db) as store:
        assert store.ids() == []
    type_text(window.findChild(QLineEdit, "customer.name"), "杭州某某公司")
    qtbot.waitUntil(lambda: window.session.case_id is not None and window.autosaver.in_flight is None)
    with open_at(db) as store:
        (case_id,) = store.ids()
        assert store.get(case_id).number.endswith("-001")


def test_the_example_case_is_numbered_example_and_keeps_the_desks_numbers(make_window, qtbot, db, tmp_path):
    window = make_window()
    window.action_load_example.trigger()
    assert window.session.number == "EXAMPLE"
    window.action_new_case.trigger()
    type_text(window.findChild(QLineEdit, "customer.name"), "杭州某某公司")
    qtbot.waitUntil(lambda: window.session.case_id is not None and window.autosaver.in_flight is None)
    assert window.session.number.endswith("-001")  # the first real case still gets the day's first
    with open_at(db) as store:
        example = next(c for c in store.list_cases().items if c.number == "EXAMPLE")
    window.close()
    out = tmp_path / "example.json"
    assert main(["export", "--db", str(db), "--id", example.id, "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["number"] == "EXAMPLE"
    assert main(["check", str(out)]) in (0, 1)  # a case file numbered EXAMPLE reads back
