"""One input widget per field type, built from the field's definition in forms/.

Every editor is a QWidget whose objectName is the field key and which emits `edited(value)` only
for the agent's own edits (never for `set_value`). Editors never decide validity: they show the
severity the window tells them (`set_severity`) as their frame.
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.forms import FieldDef
from desktop.ui.style import ERROR_GROUND, FOCUS_FRAME, set_error_frame

LINE_TYPES = frozenset(
    {
        "text",
        "person_name",
        "resident_id",
        "uscc",
        "org_code",
        "postcode",
        "phone",
        "mobile",
        "n400",
        "email",
        "date",
    }
)
PLACEHOLDERS = {
    "date": "YYYY-MM-DD（可留空）",
    "resident_id": "18 位身份证号码",
    "uscc": "18 位统一社会信用代码",
    "mobile": "11 位手机号码",
    "n400": "400 开头的 10 位号码",
    "postcode": "6 位邮政编码",
    "email": "name@example.com",
}


def _severity(widget: QWidget, severity: str | None, selector: str) -> None:
    """Record the severity (tests and automation read it) and show an error as a red frame."""
    wanted = severity or ""
    if widget.property("severity") != wanted:
        widget.setProperty("severity", wanted)
        set_error_frame(widget, wanted == "error", selector)


class EnterMovesOn(QObject):
    """Enter or Return on an input moves to the next field, as the agent expects on a paper form.

    Inputs are watched from `arm()` on (right after the window's first paint): the first event a
    Python filter sees has PySide6 build every QEvent subclass (~3.5 ms), and before the first
    paint the inputs get dozens of events no key is among.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waiting: list[QWidget] | None = []

    def watch(self, widget: QWidget) -> None:
        """Move on from `widget` with Enter, once armed."""
        if self._waiting is None:
            widget.installEventFilter(self)
        else:
            self._waiting.append(widget)

    def arm(self) -> None:
        waiting, self._waiting = self._waiting or [], None
        for widget in waiting:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            # The Qt namespace is reached at the first key, not at import: it costs ~50 ms to build.
            qt = QtCore.Qt
            if event.key() in (qt.Key.Key_Return, qt.Key.Key_Enter) and not event.modifiers() & ~(
                qt.KeyboardModifier.KeypadModifier
            ):
                if isinstance(watched, QWidget):
                    watched.focusNextChild()
                    return True
        return False


class FieldEditor(QWidget):
    """Base of the editors that wrap several child widgets (choices, number lists)."""

    edited = Signal(object)
    left = Signal()

    def __init__(self, fdef: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fdef = fdef
        self.setObjectName(fdef.key)

    def set_severity(self, severity: str | None) -> None:
        wanted = severity or ""
        if self.property("severity") != wanted:
            self.setProperty("severity", wanted)
            palette = self.palette()
            ground = (
                QColor("#fff0f0")
                if wanted == "error"
                else QApplication.palette(self).color(QPalette.ColorRole.Window)
            )
            palette.setColor(QPalette.ColorRole.Window, ground)
            self.setPalette(palette)
            self.setAutoFillBackground(wanted == "error")

    def inputs(self) -> list[QWidget]:
        """The focusable widgets, in tab order."""
        return [self]


class LineField(QLineEdit):
    """A one-line input: text, names, codes, phones, dates (a date may stay empty)."""

    edited = Signal(object)
    left = Signal()

    def __init__(self, fdef: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fdef = fdef
        self.setObjectName(fdef.key)
        self.setPlaceholderText(fdef.ui.get("placeholder") or PLACEHOLDERS.get(fdef.type, ""))
        if fdef.max_length:
            # Leave room past the limit so the agent sees the "too long" message, not a wall.
            self.setMaxLength(fdef.max_length * 2)
        self.textEdited.connect(self.edited.emit)
        self.editingFinished.connect(self.left)
        self.setProperty("severity", "")

    def focusInEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().focusInEvent(event)
        if self.property("auto"):
            # A grey value the agent did not type (a default, a fallback): typing replaces it.
            QTimer.singleShot(0, self.selectAll)

    def value(self) -> Any:
        return self.text()

    def set_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if text != self.text():
            self.setText(text)
            self.setCursorPosition(len(text))

    def set_severity(self, severity: str | None) -> None:
        _severity(self, severity, "QLineEdit")

    def inputs(self) -> list[QWidget]:
        return [self]


class NotesField(QPlainTextEdit):
    """Multi-line notes; Tab leaves the field (a note never needs a tab character)."""

    edited = Signal(object)
    left = Signal()

    def __init__(self, fdef: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fdef = fdef
        self.setObjectName(fdef.key)
        self.setTabChangesFocus(True)
        self.setPlaceholderText(fdef.ui.get("placeholder") or f"可留空，最多 {fdef.max_length} 字")
        lines = 4
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 14)
        self.textChanged.connect(lambda: self.edited.emit(self.toPlainText()))
        self.setProperty("severity", "")

    def focusInEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().focusInEvent(event)
        self._frame()

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().focusOutEvent(event)
        self._frame()
        self.left.emit()

    def _frame(self) -> None:
        """The style draws no focus frame around a text box: the cursor's box gets one."""
        if self.property("severity") == "error":
            set_error_frame(self, True, "QPlainTextEdit")
        else:
            self.setStyleSheet(f"QPlainTextEdit {{ {FOCUS_FRAME} }}" if self.hasFocus() else "")

    def value(self) -> Any:
        return self.toPlainText()

    def set_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if text != self.toPlainText():
            with QSignalBlocker(self):  # a value shown is not an edit
                self.setPlainText(text)

    def set_severity(self, severity: str | None) -> None:
        _severity(self, severity, "QPlainTextEdit")
        self._frame()

    def inputs(self) -> list[QWidget]:
        return [self]


class YearsField(QSpinBox):
    """A whole number within the field's bounds; one below the minimum means "not filled"."""

    edited = Signal(object)
    left = Signal()

    def __init__(self, fdef: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fdef = fdef
        self.setObjectName(fdef.key)
        low = fdef.minimum if fdef.minimum is not None else 0
        # Past the maximum on purpose: a wrong term (12 years) is shown with its message, not clamped.
        self.setRange(low - 1, max(99, fdef.maximum or 0))
        self.setSpecialValueText("未填")
        self.setValue(low - 1)
        self.setMaximumWidth(110)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        self.valueChanged.connect(lambda _number: self.edited.emit(self.value()))
        self.editingFinished.connect(self.left)
        self.setProperty("severity", "")

    def value(self) -> Any:  # type: ignore[override]
        number = super().value()
        return None if number < self.minimum() + 1 else number

    def set_value(self, value: Any) -> None:
        number = value if isinstance(value, int) and not isinstance(value, bool) else self.minimum()
        with QSignalBlocker(self):  # a value shown is not an edit
            self.setValue(number)

    def set_severity(self, severity: str | None) -> None:
        # Not the red-frame style sheet: any style sheet border makes Qt draw a spin box without
        # its arrows. A pale red ground through the palette keeps them.
        wanted = severity or ""
        if self.property("severity") != wanted:
            self.setProperty("severity", wanted)
            palette = QApplication.palette(self)
            if wanted == "error":
                palette.setColor(QPalette.ColorRole.Base, QColor(ERROR_GROUND))
            self.setPalette(palette)

    def inputs(self) -> list[QWidget]:
        return [self]


class ChoiceField(FieldEditor):
    """Radio buttons (one choice) or check boxes (several), each named `KEY=CHOICE`."""

    def __init__(self, fdef: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fdef, parent)
        self.multi = fdef.type == "multichoice"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        self.group = QButtonGroup(self)
        self.group.setExclusive(not self.multi)
        self.buttons: dict[str, QAbstractButton] = {}  # in the document's order
        for choice in fdef.choices:
            button: QAbstractButton = QCheckBox(choice.label) if self.multi else QRadioButton(choice.label)
            button.setObjectName(f"{fdef.key}={choice.id}")
            self.group.addButton(button)
            layout.addWidget(button)
            self.buttons[choice.id] = button
            button.toggled.connect(self._toggled)
        layout.addStretch(1)
        self._quiet = False
        self.setProperty("severity", "")
        # Qt's convention for a group: Tab enters it (at the chosen radio, or the first box) and
        # leaves it; the arrow keys move inside it (and choose, for radios); Space ticks a box.
        for button in self.buttons.values():
            button.installEventFilter(self)
        self._entry(next(iter(self.buttons.values())))

    def _entry(self, button: QAbstractButton) -> None:
        """Make `button` the group's one Tab stop (the container hands focus on to it)."""
        policy = QtCore.Qt.FocusPolicy
        for other in self.buttons.values():
            other.setFocusPolicy(policy.StrongFocus if other is button else policy.ClickFocus)
        self.setFocusProxy(button)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.FocusIn and watched in self.buttons.values():
            self._entry(watched)
        elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            qt = QtCore.Qt
            step = {qt.Key.Key_Left: -1, qt.Key.Key_Up: -1, qt.Key.Key_Right: 1, qt.Key.Key_Down: 1}.get(
                event.key()
            )
            if step is not None and not event.modifiers() & ~qt.KeyboardModifier.KeypadModifier:
                buttons = list(self.buttons.values())
                target = buttons[(buttons.index(watched) + step) % len(buttons)]
                self._entry(target)
                target.setFocus(qt.FocusReason.TabFocusReason)
                if not self.multi:
                    target.setChecked(True)  # arrows choose a radio, as everywhere in Qt
                return True
        return False

    def _toggled(self, checked: bool) -> None:
        if self._quiet or (not self.multi and not checked):
            return
        self.edited.emit(self.value())

    def value(self) -> Any:
        chosen = [cid for cid, b in self.buttons.items() if b.isChecked()]
        if self.multi:
            return chosen
        return chosen[0] if chosen else None

    def set_value(self, value: Any) -> None:
        wanted = set(value) if isinstance(value, list) else ({value} if value else set())
        self._quiet = True
        self.group.setExclusive(False)
        try:
            for cid, button in self.buttons.items():
                button.setChecked(cid in wanted)
        finally:
            self.group.setExclusive(not self.multi)
            self._quiet = False
        chosen = next((b for b in self.buttons.values() if b.isChecked()), None)
        if not self.multi:  # Tab enters a radio group at its choice
            self._entry(chosen or next(iter(self.buttons.values())))

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().focusOutEvent(event)
        self.left.emit()

    def inputs(self) -> list[QWidget]:
        return list(self.buttons.values())


class PhoneListField(FieldEditor):
    """One to `max_items` numbers, one per line; the next line appears once the last one is used."""

    def __init__(self, fdef: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fdef, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.lines: list[QLineEdit] = []
        self._numbers: list[QLabel] = []
        for n in range(1, (fdef.max_items or 3) + 1):
            row = QHBoxLayout()
            number = QLabel(f"{n}.")
            number.setFixedWidth(18)
            edit = QLineEdit()
            edit.setObjectName(f"{fdef.key}#{n}")
            edit.setPlaceholderText("手机或带区号的固定电话" if n == 1 else "可留空")
            edit.setProperty("severity", "")
            edit.textEdited.connect(self._edited)
            edit.editingFinished.connect(self.left)
            row.addWidget(number)
            row.addWidget(edit)
            layout.addLayout(row)
            self.lines.append(edit)
            self._numbers.append(number)
            number.setVisible(n == 1)
            edit.setVisible(n == 1)
        self.setFocusProxy(self.lines[0])

    def _show_rows(self) -> None:
        visible = 1
        for n, edit in enumerate(self.lines, start=1):
            if edit.text().strip():
                visible = n + 1
        visible = min(max(visible, 1), len(self.lines))
        for n, (edit, number) in enumerate(zip(self.lines, self._numbers, strict=True), start=1):
            shown = n <= visible
            if edit.isVisibleTo(self) != shown:
                edit.setVisible(shown)
                number.setVisible(shown)

    def value(self) -> Any:
        return [e.text() for e in self.lines if e.text().strip()]

    def set_value(self, value: Any) -> None:
        items = value if isinstance(value, list) else ([value] if value else [])
        for n, edit in enumerate(self.lines):
            text = str(items[n]) if n < len(items) else ""
            if edit.text() != text:
                edit.setText(text)
        self._show_rows()

    def set_severity(self, severity: str | None) -> None:
        """The list's verdict on its lines: only lines holding a number are framed (the first line
        when none does). An empty optional line is never red (issue 23: 「可留空」 framed red)."""
        self.setProperty("severity", severity or "")
        filled = [e for e in self.lines if e.text().strip()] or self.lines[:1]
        for edit in self.lines:
            _severity(edit, severity if edit in filled else None, "QLineEdit")

    def _edited(self, _text: str) -> None:
        self._show_rows()
        self.set_severity(self.property("severity") or None)  # a line emptied loses its frame now
        self.edited.emit(self.value())

    def inputs(self) -> list[QWidget]:
        return list(self.lines)


Editor = LineField | NotesField | YearsField | ChoiceField | PhoneListField


def make_editor(fdef: FieldDef, parent: QWidget | None = None) -> Editor:
    """The editor for a field's type."""
    if fdef.type in ("choice", "multichoice"):
        return ChoiceField(fdef, parent)
    if fdef.type == "phone_list":
        return PhoneListField(fdef, parent)
    if fdef.type == "longtext":
        return NotesField(fdef, parent)
    if fdef.type == "integer":
        return YearsField(fdef, parent)
    return LineField(fdef, parent)
