"""Issue 23 item 5: an empty optional line of the destination numbers is never framed red."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit
from test_ui_support import type_text


def test_an_empty_second_destination_is_never_red(make_window, qtbot):
    window = make_window()
    window.view.go_tab(1)
    first = window.findChild(QLineEdit, "number.destinations#1")
    second = window.findChild(QLineEdit, "number.destinations#2")
    type_text(first, "12905718826")  # wrong: the list's verdict is an error
    window.reveal_all()
    qtbot.waitUntil(lambda: first.property("severity") == "error")
    assert second.isVisible() and second.text() == ""
    assert second.property("severity") == "" and second.styleSheet() == ""
    type_text(second, "0571")  # typing into the second line frames it as the list's verdict says
    qtbot.waitUntil(lambda: second.property("severity") == "error")
    second.clear()
    second.textEdited.emit("")
    qtbot.waitUntil(lambda: second.property("severity") == "")
