"""A message strip inside the window (never a modal dialog): crash recovery, conflicts, undo."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.ui.style import paint_banner


class Topic(StrEnum):
    """What a banner speaks of: a later message may replace or dismiss only its own kind."""

    NONE = ""
    STORE = "store"  # the drafts file cannot be used
    RECOVERY = "recovery"  # last session crashed, or the drafts file was restored
    OPEN = "open"  # a case could not be opened
    CHANGED = "changed"  # another window saved the case on screen
    CONFLICT = "conflict"  # ... while this one had unsaved edits
    DELETED = "deleted"  # the case on screen is in the bin
    SAVE = "save"  # a save failed (retrying)
    UNDO = "undo"  # a case was binned: undo
    PDF = "pdf"  # no QtPdf here
    WORKER = "worker"  # a background job failed
    SETTINGS = "settings"
    HALL = "hall"  # a field changed here and on another machine: pick one
    PRINTED = "printed"  # the case was changed after its print (打印后有修改): print again
    PRINT = "print"  # the printer (CUPS) or the print file did not take a print


class Banner(QFrame):
    """One message with its buttons; `show_message` replaces whatever was shown before."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("kind", "info")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        paint_banner(self, "info")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.label = QLabel()
        self.label.setObjectName("banner_text")
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        self._buttons: list[QPushButton] = []
        self.topic = Topic.NONE
        self.hide()

    def show_message(
        self, topic: Topic, text: str, buttons: list[tuple[str, Callable[[], None]]], *, kind: str = "info"
    ) -> None:
        for button in self._buttons:
            button.deleteLater()
        self._buttons = []
        self.topic = topic
        self.label.setText(text)
        if self.property("kind") != kind:
            self.setProperty("kind", kind)
            paint_banner(self, kind)
        for n, (label, action) in enumerate([*buttons, ("关闭", lambda: self.dismiss())]):
            button = QPushButton(label)
            button.setObjectName(f"banner_button_{n}")
            button.clicked.connect(lambda _checked=False, act=action: act())  # never passes `checked` on
            self.layout().addWidget(button)
            self._buttons.append(button)
        self.show()

    def button(self, label: str) -> QPushButton | None:
        return next((b for b in self._buttons if b.text() == label), None)

    def dismiss(self, *topics: Topic) -> None:
        """Hide the message (only if it is about one of `topics`, when any are given)."""
        if topics and self.topic not in topics:
            return
        self.topic = Topic.NONE
        self.hide()
