"""One tab per document: its fields in the document's reading order, built from forms/ data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QScrollArea, QTabBar, QVBoxLayout, QWidget

from desktop.domain.feedback import Shown
from desktop.domain.forms import Bundle
from desktop.domain.layout import Document
from desktop.ui.fieldwidgets import Editor, EnterMovesOn, NotesField, make_editor
from desktop.ui.style import TEXT_COLOURS, bold, set_text_colour


class FieldRow:
    """A field's editor with its finding label (`KEY.error`) and decoded-value label (`KEY.info`)."""

    def __init__(self, editor: Editor, error: QLabel, info: QLabel, box: QWidget) -> None:
        self.editor = editor
        self.error = error
        self.info = info
        self.box = box
        self.kind = ""

    def show(self, shown: Shown) -> None:
        if shown.kind != self.kind:
            self.kind = shown.kind
            self.error.setProperty("kind", shown.kind)
            set_text_colour(self.error, shown.kind)
            self.editor.set_severity("error" if shown.kind == "error" else None)
        # The message line keeps its place when empty: a message appearing moves nothing else
        # (no form jumping under the agent's eyes, and only this line repaints).
        if self.error.text() != shown.text:
            self.error.setText(shown.text)
        if self.info.text() != shown.info:
            self.info.setText(shown.info)
            self.info.setVisible(bool(shown.info))  # within its line: the form does not move


class DocumentTab(QScrollArea):
    """A document's page of inputs; its objectName is the document id.

    The page's fields are built on first need (`build`), so the window can paint its first tab
    before the others exist; `findChild`/`findChildren` build it first, so the widget names of
    case-format.md are always there for automation.
    """

    def __init__(
        self,
        bundle: Bundle,
        document: Document,
        enter_filter: EnterMovesOn,
        on_built: Callable[[DocumentTab], None],
    ) -> None:
        super().__init__()
        self.bundle = bundle
        self.document = document
        self.enter_filter = enter_filter
        self.on_built = on_built
        self.setObjectName(document.id)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.rows: dict[str, FieldRow] = {}
        self.notes: dict[str, QLabel] = {}
        self.built = False

    def findChild(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (Qt API)
        self.build()
        return super().findChild(*args, **kwargs)

    def findChildren(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (Qt API)
        self.build()
        return super().findChildren(*args, **kwargs)

    def build(self) -> None:
        """Create the page's inputs (once) and hand them to the window to wire up."""
        if self.built:
            return
        self.built = True
        bundle, document, enter_filter = self.bundle, self.document, self.enter_filter
        body = QWidget()
        body.setObjectName(f"{document.id}.body")
        outer = QVBoxLayout(body)
        outer.setContentsMargins(18, 12, 18, 18)
        title = QLabel(document.title)
        title.setObjectName("document_title")
        bold(title, 4)
        outer.addWidget(title)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setVerticalSpacing(2)
        outer.addLayout(self.form)
        outer.addStretch(1)
        # One line of message, as tall as a label with text is (not just the font's height), so
        # a message appearing does not grow its row by a pixel and move the whole page.
        line = QLabel("国Xg").sizeHint().height()
        notes = {note.before: note.text for note in document.notes}
        for key in document.field_keys():
            if key in notes:  # where the field sits among the text printed as issued
                note = QLabel(notes[key])
                note.setObjectName(f"{key}.note")
                note.setWordWrap(True)
                set_text_colour(note, "hint")
                self.form.addRow(note)
                self.notes[key] = note
            fdef = bundle.field(key)
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(1)
            editor = make_editor(fdef)
            error = QLabel()
            error.setObjectName(f"{key}.error")
            error.setWordWrap(True)
            error.setProperty("kind", "")
            error.setMinimumHeight(line)
            info = QLabel()
            info.setObjectName(f"{key}.info")
            info.setProperty("kind", "info")
            set_text_colour(info, "info")
            info.hide()
            message = QHBoxLayout()
            message.setSpacing(12)
            # The decoded value first (short), then the finding, which may take the rest and wrap.
            message.addWidget(info)
            message.addWidget(error, 1)
            column.addWidget(editor)
            column.addLayout(message)
            label = QLabel(fdef.label + (" *" if fdef.required else ""))
            label.setObjectName(f"{key}.label")
            label.setBuddy(editor.inputs()[0])
            label.setToolTip("必填" if fdef.required else "")
            self.form.addRow(label, box)
            if not isinstance(editor, NotesField):
                for widget in editor.inputs():
                    enter_filter.watch(widget)
            self.rows[key] = FieldRow(editor, error, info, box)
        self.setWidget(body)
        self.on_built(self)

    def set_relevant(self, key: str, relevant: bool) -> None:
        row = self.rows.get(key)
        if row is not None and self.form.isRowVisible(row.box) != relevant:
            self.form.setRowVisible(row.box, relevant)
            if key in self.notes:
                self.form.setRowVisible(self.notes[key], relevant)


class CountTabBar(QTabBar):
    """Tabs as wide as their title with the widest error count: a count that changes while the
    agent types ("（3）" to "（12）" to nothing) leaves the window's layout alone."""

    def __init__(self, widest_suffix: str = "（未填99）") -> None:
        super().__init__()
        self.widest_suffix = widest_suffix
        self.titles: list[str] = []
        self.kinds: dict[int, str] = {}

    def set_kind(self, index: int, kind: str) -> None:
        """Red for a count of errors, grey for a count of unfilled fields."""
        if self.kinds.get(index, "") != kind:
            self.kinds[index] = kind
            colour = TEXT_COLOURS.get(kind)
            self.setTabTextColor(
                index, QColor(colour) if colour else self.palette().color(QPalette.ColorRole.WindowText)
            )

    def tabSizeHint(self, index: int) -> QSize:  # noqa: N802 (Qt API)
        size = super().tabSizeHint(index)
        if 0 <= index < len(self.titles):
            room = self.fontMetrics().horizontalAdvance(self.titles[index] + self.widest_suffix) + 24
            size.setWidth(max(size.width(), room))
        return size
