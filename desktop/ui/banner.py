"""A message strip inside the window (never a modal dialog): crash recovery, conflicts, undo."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.ui.style import paint_banner


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
        self.topic = ""
        self.hide()

    def show_message(
        self, topic: str, text: str, buttons: list[tuple[str, Callable[[], None]]], *, kind: str = "info"
    ) -> None:
        for button in self._buttons:
            button.deleteLater()
        self._buttons = []
        self.topic = topic
        self.label.setText(text)
        if self.property("kind") != kind:
            self.setProperty("kind", kind)
            paint_banner(self, kind)
        for n, (label, action) in enumerate([*buttons, ("关闭", self.dismiss)]):
            button = QPushButton(label)
            button.setObjectName(f"banner_button_{n}")
            button.clicked.connect(action)
            self.layout().addWidget(button)
            self._buttons.append(button)
        self.show()

    def button(self, label: str) -> QPushButton | None:
        return next((b for b in self._buttons if b.text() == label), None)

    def dismiss(self) -> None:
        self.topic = ""
        self.hide()
