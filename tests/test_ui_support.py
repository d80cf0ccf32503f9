"""Typing into the real widgets the way an agent does, for the window tests.

`QTest.keyClicks` only knows ASCII; Chinese arrives as an input method's commit string and
full-width characters as key events carrying the character (see CONVENTIONS.md).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget


def type_text(widget: QWidget, text: str) -> None:
    """Type `text` into the focused-or-not `widget`, one keystroke (or IME commit) at a time."""
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    QApplication.processEvents()
    for ch in text:
        if ord(ch) < 128:
            QTest.keyClick(widget, ch)
        elif 0xFF01 <= ord(ch) <= 0xFF5E:
            QApplication.sendEvent(
                widget,
                QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch),
            )
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(ch)
            QApplication.sendEvent(widget, event)


def clear(widget: QWidget) -> None:
    """Select all and delete, as the agent would."""
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(widget, Qt.Key.Key_Delete)


def field(window: QWidget, document_id: str, key: str, cls: type = QWidget) -> QWidget:
    """A field's input on one document's tab."""
    page = window.findChild(QWidget, document_id)
    assert page is not None, document_id
    found = page.findChild(cls, key)
    assert found is not None, f"{document_id}: {key}"
    return found


def label(window: QWidget, document_id: str, name: str) -> QWidget:
    from PySide6.QtWidgets import QLabel

    return field(window, document_id, name, QLabel)
