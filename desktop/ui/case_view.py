"""The case on screen: one tab per document, each field's row, its verdict and the tab counts.

The view reads the window's `EditSession` and shows its resolved case (desktop.domain.resolve): a value
the agent did not type (a default, a derived organisation code, the signer that follows the
handler) is shown in the field in grey with where it came from, exactly as it will print. The
view never decides validity nor counts errors: `EditSession.recheck` says what each field shows
and keeps the counts; the view paints that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel, QTabWidget

import desktop.domain  # lazy: the checks load on first use (desktop.files.lazy)
from desktop.domain.forms import Bundle
from desktop.domain.materials import short_names
from desktop.ui.document_tab import CountTabBar, DocumentTab, FieldRow
from desktop.ui.fieldwidgets import EnterMovesOn
from desktop.ui.style import set_text_colour

if TYPE_CHECKING:
    from desktop.domain.session import EditSession

FORMATTED_TYPES = frozenset({"phone", "phone_list", "mobile", "n400", "org_code"})  # shown grouped once left
REDISPLAYED_ON_LEAVE = frozenset({"choice", "multichoice", "integer", "longtext"})  # ...all but these


class CaseView(QObject):
    """The document tabs and the status line that says what blocks a clean print.

    Signals: `edited(key)` after the agent changed a field (the session already holds it),
    `left(key)` when the agent left one, `status_changed(text)` with the print status line.
    """

    edited = Signal(str)
    left = Signal(str)
    status_changed = Signal(str)  # the print status line's text

    def __init__(self, bundle: Bundle, session: EditSession, parent: QObject) -> None:
        super().__init__(parent)
        self.bundle = bundle
        self.session = session
        self.shown = False  # a case has been shown (before that, pages wire without values)
        self.enter_filter = EnterMovesOn(self)
        self.rows: dict[str, list[FieldRow]] = {key: [] for key in bundle.fields}
        self.doc_keys = {d.id: d.field_keys() for d in bundle.documents}
        self.tabs = QTabWidget()
        self.tab_bar = CountTabBar()
        self.tab_bar.titles = [d.tab for d in bundle.documents]
        self.tabs.setTabBar(self.tab_bar)
        self.tabs.setObjectName("documents")
        self.tabs.setDocumentMode(True)
        self.pages: list[DocumentTab] = []
        for document in bundle.documents:
            page = DocumentTab(bundle, document, self.enter_filter, self._wire_page)
            self.pages.append(page)
            self.tabs.addTab(page, document.tab)
        # The first page now, the others right after the first paint (or when first needed).
        self.pages[0].build()
        self.tabs.currentChanged.connect(lambda n: self.pages[n].build())
        self.print_label = QLabel("")
        self.print_label.setObjectName("print_status")
        self.print_label.setProperty("kind", "")

    @property
    def coverage(self) -> frozenset[int] | None:
        """The print font's glyphs, once loaded (the session judges with them)."""
        return self.session.coverage

    def build_pages(self) -> None:
        for page in self.pages:
            page.build()
        self.enter_filter.arm()  # the window has painted (or someone looks for its widgets)

    def _wire_page(self, page: DocumentTab) -> None:
        """Connect a freshly built page's inputs and show the case's current state on it."""
        for key, row in page.rows.items():
            self.rows[key].append(row)
            row.editor.edited.connect(lambda raw, k=key, r=row: self._edited(k, raw, r))
            row.editor.left.connect(lambda k=key: self._left(k))
        if self.shown:
            for key, row in page.rows.items():
                row.editor.set_value(self.display(key, self.session.values.get(key)))
            self.recheck(page.rows)
        else:
            for key in page.rows:
                page.set_relevant(key, self.bundle.relevant(key, {}))

    # -- showing ---------------------------------------------------------------------------

    def show_case(self) -> None:
        """Show every field of the session's case (just loaded)."""
        self.shown = True
        for key, rows in self.rows.items():
            shown = self.display(key, self.session.values.get(key))
            for row in rows:
                row.editor.set_value(shown)
        self.recheck(self.bundle.fields)
        self.update_counts()

    def display(self, key: str, value: Any) -> Any:
        """How a value reads in its editor: phones and codes grouped, the rest as stored."""
        fdef = self.bundle.field(key)
        if fdef.type not in FORMATTED_TYPES:
            return value
        if isinstance(value, list):  # a list of numbers: each item grouped on its own line
            return [self._grouped(fdef, item) if isinstance(item, str) else item for item in value]
        return self._grouped(fdef, value) if isinstance(value, str) and value else value

    def _grouped(self, fdef: Any, text: str) -> str:
        """`text` as printed (0571-81726504) when it is valid and reads back to the same value."""
        today = self.session.today()
        result = desktop.domain.fields.check(fdef, text, today=today, describe=False)
        if (
            result.ok
            and result.display
            and desktop.domain.fields.check(fdef, result.display, today=today, describe=False).value == text
        ):
            return result.display
        return text

    def shown_value(self, key: str) -> Any:
        """What the field's first editor holds (typed or resolved): for tests and automation."""
        self.build_pages()
        return self.rows[key][0].editor.value()

    # -- typing ----------------------------------------------------------------------------

    def _edited(self, key: str, raw: Any, source: FieldRow) -> None:
        dropped = 0
        if isinstance(raw, str) or (isinstance(raw, list) and all(isinstance(i, str) for i in raw)):
            raw, dropped = self._visible(key, raw)
            if dropped:  # typed or pasted: dropped here, and said (a case file's get an error)
                source.editor.set_value(raw)
        keys = self.session.edit(key, raw)
        value = self.session.values.get(key)
        for row in self.rows[key]:
            if row is not source:
                row.editor.set_value(self.display(key, value))
        self.recheck(keys)
        if dropped:
            source.info.setText(f"已去掉 {dropped} 个不可见的控制字符")
            source.info.setVisible(True)
        self.edited.emit(key)

    def fill(self, key: str, value: str) -> None:
        """Put a value read from a card into the field, checked exactly as if typed."""
        self.build_pages()
        keys = self.session.edit(key, value)
        shown = self.display(key, self.session.values.get(key))
        for row in self.rows[key]:
            row.editor.set_value(shown)
        self.recheck(keys)
        self.edited.emit(key)

    def _visible(self, key: str, raw: Any) -> tuple[Any, int]:
        multiline = self.bundle.field(key).type == "longtext"
        if isinstance(raw, list):
            cleaned = [desktop.domain.invisible.strip_invisible(item, multiline=multiline) for item in raw]
            return [text for text, _n in cleaned], sum(n for _t, n in cleaned)
        return desktop.domain.invisible.strip_invisible(raw, multiline=multiline)

    def _left(self, key: str) -> None:
        """The agent left a field: show its value as stored (grouped) and any error held back."""
        if self.bundle.field(key).type not in REDISPLAYED_ON_LEAVE and not self._is_auto(key):
            shown = self.display(key, self.session.values.get(key))
            for row in self.rows[key]:
                if row.editor.value() != (shown if shown is not None else ""):
                    row.editor.set_value(shown)
        self.recheck((key,))
        self.left.emit(key)

    def _is_auto(self, key: str) -> bool:
        return self.session.resolved()[key].origin.value in ("default", "derived", "fallback")

    def recheck(self, keys: Iterable[str]) -> None:
        """Ask the session what `keys` show now and paint it everywhere (rows, tabs, status line)."""
        focus = QApplication.focusWidget()
        focused = next(
            (
                k
                for k, rows in self.rows.items()
                if focus is not None and any(focus in r.editor.inputs() for r in rows)
            ),
            None,
        )
        result = self.session.recheck(keys, focused=focused)
        for key, field in result.fields.items():
            for page in self.pages:
                page.set_relevant(key, field.relevant)
            for row in self.rows[key]:
                typing = focus is not None and focus in row.editor.inputs()
                row.show(field.shown if typing else field.idle)
                self._show_resolved(key, row, typing)
        if result.counts_changed:
            self.update_counts()

    def _show_resolved(self, key: str, row: FieldRow, typing: bool) -> None:
        """A value the agent did not type is shown in the field, grey, with where it came from."""
        resolved = self.session.resolved()[key]
        auto = self._is_auto(key)
        editor = row.editor
        was_auto = bool(editor.property("auto"))
        if not auto and not was_auto:
            return
        if auto:
            text = self.display(key, resolved.value)
            if typing and not was_auto:
                # The agent just emptied the field: leave it empty under the cursor, say what prints.
                row.info.setText(f"留空则{resolved.note}：{_plain(text)}")
                row.info.setVisible(True)
                return
            if editor.value() != text:
                editor.set_value(text)
            row.info.setText(resolved.note)
            row.info.setVisible(True)
        elif not typing:
            editor.set_value(self.display(key, self.session.values.get(key)))
        if was_auto != auto:
            editor.setProperty("auto", auto)
            set_text_colour(editor, "auto" if auto else "")

    def update_counts(self) -> None:
        """Tabs count their errors (red) or their unfilled required fields (neutral); the status
        line says what still makes the print a draft."""
        session = self.session
        for n, page in enumerate(self.pages):
            doc = page.document
            errors = self.tab_error_count(doc.id)
            missing = self.tab_missing_count(doc.id)
            if errors:
                title, tip, kind = f"{doc.tab}（{errors}）", f"本页有 {errors} 处错误", "error"
            elif missing:
                title, tip, kind = f"{doc.tab}（未填{missing}）", f"本页还有 {missing} 个必填项未填", "hint"
            else:
                title, tip, kind = doc.tab, "本页没有错误", ""
            self.tabs.setTabText(n, title)
            self.tabs.setTabToolTip(n, tip)
            self.tab_bar.set_kind(n, kind)
        errors = session.real_errors()
        missing = [k for k in self.bundle.fields if k in session.missing]
        materials = session.missing_materials()
        # Errors first, then unfilled fields, then materials: 「可以正式打印」 only with nothing left.
        if errors:
            names = _names(self.bundle, list(errors))
            text = f"还有 {sum(errors.values())} 处错误，打印将带「草稿」标记：{names}"
            if missing:
                text += f"；另有 {len(missing)} 项未填"
            if materials:
                text += f"；材料缺 {len(materials)} 项"
            kind = "error"
        elif missing:
            text = f"未填 {len(missing)} 项：{_names(self.bundle, missing)}（填完才能正式打印）"
            if materials:
                text += f"；材料缺 {len(materials)} 项"
            kind = "hint"
        elif materials:
            text = f"没有错误；材料清单还缺 {len(materials)} 项：{short_names(materials)}（收齐勾选后才能正式打印）"
            kind = "hint"
        else:
            text, kind = "没有错误，可以正式打印", "ok"
        self.print_label.setText(text)
        self.status_changed.emit(text)
        if self.print_label.property("kind") != kind:
            self.print_label.setProperty("kind", kind)
            set_text_colour(self.print_label, kind)

    def tab_missing_count(self, document_id: str) -> int:
        return sum(1 for k in self.doc_keys[document_id] if k in self.session.missing)

    def tab_error_count(self, document_id: str) -> int:
        return sum(self.session.errors.get(k, 0) for k in self.doc_keys[document_id])

    def go_tab(self, index: int, *, visible: bool | None = None, first_field: bool = True) -> None:
        """Show a document with the cursor in its first field (`visible`: whether the window is
        shown, by default whether the tabs' window is).

        Always the first field when the agent asked for the tab (Alt+2, Ctrl+N): Qt would put the
        cursor back where it last was on that page, and a name typed next would overwrite that
        field of the previous case. `first_field=False` (start-up) leaves a field the agent is in.
        """
        if visible is None:
            visible = self.tabs.window().isVisible()
        self.tabs.setCurrentIndex(index)
        page = self.pages[index]
        page.build()
        first = next(iter(page.rows.values()), None)
        focus = QApplication.focusWidget()
        if not first_field and focus is not None and page.isAncestorOf(focus):
            return
        if first is not None and visible:
            target = first.editor.inputs()[0]
            # As if tabbed into: a line edit selects its text, so typing replaces the shown date.
            target.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
            page.ensureWidgetVisible(target)


def _names(bundle: Bundle, keys: list[str], most: int = 6) -> str:
    names = "、".join(bundle.field(k).label for k in keys[:most])
    return names + (" 等" if len(keys) > most else "")


def _plain(value: Any) -> str:
    return "、".join(map(str, value)) if isinstance(value, list) else str(value)
