"""The window: the one place that builds the views and connects them to the domain code.

Forms, checking, the drafts store and the renderer know nothing of Qt; this module hands their
answers to the widgets of desktop/ui and sends the agent's edits back to them:

    keystroke -> fields.normalise -> case.check_field (the field and those its rules touch)
              -> the field's finding label, frame, decoded value, its tab's error count
              -> a save at most SAVE_DELAY_MS later (store.save_field, revision-checked)
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QLockFile, QObject, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from desktop import paths
from desktop.forms import Bundle, default_bundle
from desktop.ui.banner import Banner
from desktop.ui.document_tab import CountTabBar, DocumentTab, FieldRow
from desktop.ui.drafts import CASE_ID_ROLE, DraftsPane, when
from desktop.ui.feedback import present
from desktop.ui.fieldwidgets import EnterMovesOn
from desktop.ui.style import install_font, set_text_colour
from desktop.ui.workers import Workers

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from desktop.store import Store
    from desktop.ui.preview import PreviewPane

SAVE_DELAY_MS = 400  # an edit reaches the store at most this long after it was typed
PREVIEW_DELAY_MS = 700
LIST_DELAY_MS = 1000  # the drafts list follows a saved title or number after this pause
# How often an idle window looks whether another window saved its case (also on being activated).
CHANGE_CHECK_MS = 3000
FORMATTED_TYPES = frozenset({"phone", "phone_list", "mobile", "n400", "org_code"})  # shown grouped once left
STATUS_BY_ERRORS = {True: "draft", False: "complete"}


class MainWindow(QMainWindow):
    """The agent's window on one drafts file (`db_path`, default: the user's data folder)."""

    def __init__(
        self,
        db_path: Path | str | None = None,
        *,
        bundle: Bundle | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__()
        app = QApplication.instance()
        install_font(app, paths.print_font())
        self.bundle = bundle or default_bundle()
        self.today = today
        self.db_path = Path(db_path) if db_path is not None else paths.default_db()
        self.crashed = self._take_session_lock()
        self._store: Store | None = None
        self._started = False
        self._warm = False
        self.workers = Workers(self._open_reader, self._open_writer, self)
        self._saving: _Save | None = None

        self.case_id: str | None = None
        self.revision = 0
        self.status = "draft"
        self.values: dict[str, Any] = {}
        self.dirty: set[str] = set()
        self.touched: set[str] = set()
        self.punished: set[str] = set()
        self.errors: dict[str, int] = {}
        self.conflicted = False
        self._binned_noticed: str | None = None
        self.coverage: frozenset[int] | None = None
        self._search_token = 0
        self._render_token = 0
        self._closed = False

        self.related = self._related_keys()
        self.setObjectName("main_window")
        self.setWindowTitle("400业务申请资料")
        # An explicit minimum keeps the layouts from resizing the window's limits as rows come and
        # go (fits a 1366×768 laptop; some platforms warn on every such change).
        self.setMinimumSize(960, 560)
        self._build()
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_in_background)
        self._list_timer = QTimer(self, singleShot=True, interval=LIST_DELAY_MS)
        self._list_timer.timeout.connect(self.drafts.refresh)
        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self._change_timer = QTimer(self, interval=CHANGE_CHECK_MS)
        self._change_timer.timeout.connect(self.check_for_changes)
        app.focusChanged.connect(self._focus_changed)
        # The drafts file, today's prefilled case and the drafts list come right after the first
        # paint (or with the first call that needs them), so the window shows without waiting.

    def event(self, event: QEvent) -> bool:
        if not self._started and event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self._ensure_started)
        elif event.type() == QEvent.Type.WindowActivate:
            self.check_for_changes()  # back from another window, which may have saved this case
        return super().event(event)

    def _ensure_started(self) -> None:
        """Open the drafts file and show a new case: once, before anything that needs them."""
        from desktop.store import StoreError

        if self._started or self._closed:
            return
        self._build_pages()
        self._started = True
        try:
            self.store  # noqa: B018 (open it: a file this window cannot use is said in the banner)
        except StoreError as exc:
            self.banner.show_message("store", f"无法打开草稿文件：{exc}", [], kind="error")
            return
        self.splitter.setSizes([300, max(self.splitter.width() - 300, 400)])
        QtCore.Qt  # noqa: B018 (build the Qt namespace's enums now, not at the agent's first key)
        self._bind_shortcuts()
        self._start_case()
        focus = QApplication.focusWidget()
        if self.isVisible() and (focus is None or not self.isAncestorOf(focus)):
            self._go_tab(self.tabs.currentIndex())
        self._offer_recovery()
        self.drafts.refresh()
        self._change_timer.start()
        # The font's coverage and the phone-number geocoder load off the GUI thread, a little later.
        QTimer.singleShot(300, self._warm_up)

    def is_warm(self) -> bool:
        """True once the background start-up work (font coverage, geocoder) is done."""
        return self._warm

    def is_ready(self) -> bool:
        """True once the drafts file is open and the first case has the hall's settings."""
        return self._started

    @property
    def store(self) -> Store:
        """The drafts file, opened on first use (raises StoreError when it cannot be used)."""
        if self._store is None:
            from desktop.store import Store

            self._store = Store.open(
                self.db_path,
                self.bundle.drafts,
                bundle=self.bundle.id,
                edition=self.bundle.edition,
                backups=False,
            )
        return self._store

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        bundle = self.bundle
        self.enter_filter = EnterMovesOn(self)
        self.rows: dict[str, list[FieldRow]] = {key: [] for key in bundle.fields}
        self.doc_keys: dict[str, tuple[str, ...]] = {}

        self.tabs = QTabWidget()
        self.tab_bar = CountTabBar()
        self.tab_bar.titles = [d.tab for d in bundle.documents]
        self.tabs.setTabBar(self.tab_bar)
        self.tabs.setObjectName("documents")
        self.tabs.setDocumentMode(True)
        self.tab_pages: list[DocumentTab] = []
        for document in bundle.documents:
            page = DocumentTab(bundle, document, self.enter_filter, self._wire_page)
            self.tab_pages.append(page)
            self.tabs.addTab(page, document.tab)
            self.doc_keys[document.id] = document.field_keys()
        # The first page now, the others right after the first paint (or when first needed).
        self.tab_pages[0].build()
        self.tabs.currentChanged.connect(lambda n: self.tab_pages[n].build())

        shown = [
            k for k in (*bundle.drafts.search_keys, *bundle.drafts.mask_keys) if k != bundle.drafts.title_key
        ]
        listed = (*bundle.drafts.search_keys, *bundle.drafts.mask_keys)
        self.drafts = DraftsPane(
            {k: bundle.field(k).label for k in listed},
            # The 18-character licence would wrap the line: it is in the tooltip (and searchable).
            [k for k in shown if bundle.field(k).type != "uscc"],
            self._list_value,
        )
        self.drafts.search_requested.connect(self._search)
        self.drafts.open_requested.connect(self.open_case)

        self.banner = Banner()
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.banner)
        column.addWidget(self.tabs, 1)

        self.preview: PreviewPane | None = None
        self.splitter = QSplitter()
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.drafts)
        self.splitter.addWidget(centre)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        self.saved_label = QLabel("")
        self.saved_label.setObjectName("saved_status")
        self.print_label = QLabel("")
        self.print_label.setObjectName("print_status")
        self.print_label.setProperty("kind", "")
        # Neither label's text may resize the status bar (and with it relayout the window).
        self.print_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.saved_label.setMinimumWidth(self.saved_label.fontMetrics().horizontalAdvance("已保存 00:00:00 "))
        self.statusBar().addPermanentWidget(self.print_label, 1)  # never hidden by a passing message
        self.statusBar().addPermanentWidget(self.saved_label)
        self._build_actions()

    def _wire_page(self, page: DocumentTab) -> None:
        """Connect a freshly built page's inputs and show the case's current state on it."""
        for key, row in page.rows.items():
            self.rows[key].append(row)
            row.editor.edited.connect(lambda raw, k=key, r=row: self._edited(k, raw, r))
            row.editor.left.connect(lambda k=key: self._left(k))
            page.set_relevant(key, self.bundle.relevant(key, self.values))
        if self._started:
            for key, row in page.rows.items():
                row.editor.set_value(self._display(key, self.values.get(key)))
            self._recheck(page.rows)

    def _build_pages(self) -> None:
        for page in self.tab_pages:
            page.build()

    def findChild(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (Qt API)
        self._build_pages()  # every widget name of case-format.md exists for whoever looks
        return super().findChild(*args, **kwargs)

    def findChildren(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (Qt API)
        self._build_pages()
        return super().findChildren(*args, **kwargs)

    def _action(
        self, name: str, text: str, slot: Callable[[], Any], shortcut: QKeySequence | str | None = None
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            self._shortcuts.append((action, shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _bind_shortcuts(self) -> None:
        """Key bindings come right after the first paint: making the key sequences costs ~60 ms."""
        for action, shortcut in self._shortcuts:
            action.setShortcut(QKeySequence(shortcut))
        self._shortcuts.clear()

    def _build_actions(self) -> None:
        self._shortcuts: list[tuple[QAction, Any]] = []
        a = self._action
        self.action_new_case = a("action_new_case", "新建案卷(&N)", self.new_case, "Ctrl+N")
        self.action_duplicate_case = a(
            "action_duplicate_case", "复制为新案卷(&D)", self.duplicate_case, "Ctrl+D"
        )
        self.action_delete_case = a("action_delete_case", "删除案卷(&L)", self.delete_case, "Ctrl+Delete")
        self.action_restore_case = a(
            "action_restore_case", "从回收站恢复(&R)", self.restore_selected, "Ctrl+R"
        )
        self.action_preview = a("action_preview", "打印预览(&V)", self.toggle_preview, "F5")
        self.action_preview.setCheckable(True)
        self.action_print = a("action_print", "打印(&P)…", self.print_case, "Ctrl+P")
        self.action_export_pdf = a(
            "action_export_pdf", "另存为 PDF(&S)…", self.ask_export_pdf, "Ctrl+Shift+S"
        )
        self.action_settings = a("action_settings", "设置(&T)…", self.show_settings, "Ctrl+,")
        self.action_quit = a("action_quit", "退出(&X)", self.close, "Ctrl+Q")
        self.action_search = a("action_search", "搜索草稿(&F)", self.focus_search, "Ctrl+F")
        self.action_load_example = a("action_load_example", "载入示例案卷(&E)", self.load_example)
        self.action_keys = a("action_keys", "键盘操作(&K)", self.show_keys, "F1")
        tab_actions = []
        for n, document in enumerate(self.bundle.documents):
            tab_actions.append(a(f"action_tab_{document.id}", f"{n + 1}. {document.tab}",
                                 lambda n=n: self._go_tab(n), f"Alt+{n + 1}"))  # fmt: skip

        menu = self.menuBar()
        files = menu.addMenu("文件(&F)")
        for action in (self.action_new_case, self.action_duplicate_case, self.action_delete_case,
                       self.action_restore_case):  # fmt: skip
            files.addAction(action)
        files.addSeparator()
        for action in (self.action_preview, self.action_print, self.action_export_pdf):
            files.addAction(action)
        files.addSeparator()
        files.addAction(self.action_settings)
        files.addAction(self.action_quit)
        go = menu.addMenu("转到(&G)")
        go.addAction(self.action_search)
        for action in tab_actions:
            go.addAction(action)
        helps = menu.addMenu("帮助(&H)")
        helps.addAction(self.action_load_example)
        helps.addAction(self.action_keys)

        buttons = (
            (self.action_new_case, "新建"),
            (self.action_duplicate_case, "复制"),
            (self.action_delete_case, "删除"),
            (self.action_restore_case, "恢复"),
        )
        for action, label in buttons:
            button = QToolButton()
            button.setDefaultAction(action)
            action.setIconText(label)  # what a tool button shows; menus keep the full text
            button.setObjectName(f"button_{action.objectName()}")
            self.drafts.add_button(button)
        self.action_restore_case.setEnabled(False)
        self.drafts.bin.toggled.connect(self._bin_toggled)

    def _related_keys(self) -> dict[str, tuple[str, ...]]:
        """For each field, the fields whose verdict may change when it changes (itself first)."""
        bundle = self.bundle
        related: dict[str, dict[str, None]] = {key: {key: None} for key in bundle.fields}
        for rule in bundle.rules:
            keys = [v for v in rule.params.values() if v in bundle.fields]
            for key in keys:
                for other in keys:
                    related[key].setdefault(other)
        for key, fdef in bundle.fields.items():
            if fdef.when is not None:
                related[fdef.when.field].setdefault(key)
            if fdef.default and fdef.default.startswith("="):
                related[fdef.default[1:]].setdefault(key)
        return {key: tuple(keys) for key, keys in related.items()}

    # -- the case on screen ----------------------------------------------------------------------

    def current_case_id(self) -> str | None:
        """The open case's id; None for a new case nothing has been typed into yet."""
        return self.case_id

    def settings(self) -> dict[str, Any]:
        """The bundle's settings (defaults, then what the hall set) plus the retention days."""
        from desktop.ui.settings_dialog import RETENTION_KEY  # after the first paint, like the store

        self._ensure_started()
        values: dict[str, Any] = self.bundle.setting_defaults()
        stored = self.store.settings()
        values.update({k: v for k, v in stored.items() if k in values and v not in (None, "")})
        values[RETENTION_KEY] = stored.get(RETENTION_KEY)
        return values

    def new_case(self) -> None:
        """A blank case with today's dates and the hall's settings; stored on its first edit."""
        from desktop.case import initial_values

        self._ensure_started()
        if not self.flush():
            return
        settings = {k: str(v) for k, v in self.settings().items() if isinstance(v, str)}
        self._show_case(None, 0, "draft", initial_values(self.bundle, settings, today=self.today()))
        self._go_tab(0)

    def _start_case(self) -> None:
        """The first case: the window showed its empty fields before the drafts file was open."""
        from desktop.case import initial_values

        settings = {k: str(v) for k, v in self.settings().items() if isinstance(v, str)}
        self._show_case(None, 0, "draft", initial_values(self.bundle, settings, today=self.today()))

    def open_case(self, case_id: str) -> None:
        """Show a stored case with every value; never blocks (problems go to the banner)."""
        from desktop.case import normalise_values
        from desktop.store import CaseNotFound

        self._ensure_started()
        if case_id == self.case_id and not self.conflicted:
            return
        if not self.flush():
            return
        try:
            case = self.store.get(case_id)
        except CaseNotFound as exc:
            self.banner.show_message("open", str(exc), [], kind="error")
            return
        values = normalise_values(self.bundle, case.fields, today=self.today())
        self._show_case(case.id, case.revision, case.status, values)
        if case.deleted:
            self._banner_deleted(case.id)
        elif self.banner.topic in ("recovery", "conflict", "open", "changed"):
            self.banner.dismiss()

    def _show_case(self, case_id: str | None, revision: int, status: str, values: dict[str, Any]) -> None:
        self.case_id, self.revision, self.status = case_id, revision, status
        self.values = values
        self.dirty.clear()
        self.touched.clear()
        self.punished.clear()
        self.conflicted = False
        if self.banner.topic == "changed":
            self.banner.dismiss()  # it spoke of the case shown before
        for key, rows in self.rows.items():
            shown = self._display(key, values.get(key))
            for row in rows:
                row.editor.set_value(shown)
        self.errors = {}
        self._recheck(self.bundle.fields)
        self.drafts.current_id = case_id
        self._select_in_list(case_id)
        title = values.get(self.bundle.drafts.title_key) or "新案卷"
        self.setWindowTitle(f"{title} - 400业务申请资料")
        if self._previewing():
            self._preview_timer.start()

    def _display(self, key: str, value: Any) -> Any:
        """How a stored value reads in its editor: phones and codes grouped, the rest as stored."""
        fdef = self.bundle.field(key)
        if fdef.type not in FORMATTED_TYPES:
            return value
        if isinstance(value, list):  # a list of numbers: each item grouped on its own line
            return [self._grouped(fdef, item) if isinstance(item, str) else item for item in value]
        return self._grouped(fdef, value) if isinstance(value, str) and value else value

    def _grouped(self, fdef: Any, text: str) -> str:
        """`text` as printed (0571-81726504) when it is valid and reads back to the same value."""
        from desktop import fields as ft

        today = self.today()
        result = ft.check(fdef, text, today=today, describe=False)
        if (
            result.ok
            and result.display
            and ft.check(fdef, result.display, today=today, describe=False).value == text
        ):
            return result.display
        return text

    # -- typing ----------------------------------------------------------------------------------

    def _edited(self, key: str, raw: Any, source: FieldRow) -> None:
        from desktop import fields as ft

        if not self._started:  # typed before the first paint: start, then keep what was typed
            self._ensure_started()
            source.editor.set_value(raw)
        value = ft.normalise(self.bundle.field(key), raw, today=self.today())
        if value is None and self.bundle.field(key).type not in ("integer", "choice"):
            value = ""
        self.values[key] = value
        self.touched.add(key)
        for row in self.rows[key]:
            if row is not source:
                row.editor.set_value(self._display(key, value))
        if source.editor.property("auto"):
            source.editor.setProperty("auto", False)
            set_text_colour(source.editor, "")
        self._recheck(self.related[key])
        self.dirty.add(key)
        if not self._save_timer.isActive():
            self._save_timer.start()
        if self._previewing():
            self._preview_timer.start()

    def _left(self, key: str) -> None:
        """The agent left a field: show its value as stored (grouped) and any error held back."""
        if self._closed or not Shiboken.isValid(self):  # focus leaves as the window is destroyed
            return
        if self.bundle.field(key).type not in ("choice", "multichoice", "integer", "longtext"):
            shown = self._display(key, self.values.get(key))
            for row in self.rows[key]:
                if row.editor.value() != (shown if shown is not None else ""):
                    row.editor.set_value(shown)
        self._recheck((key,))
        if self.dirty:
            self._save_in_background()

    def _recheck(self, keys: Iterable[str]) -> None:
        """Re-check `keys` against the current values and show their verdicts everywhere."""
        from desktop import fields as ft
        from desktop.case import check_field

        bundle = self.bundle
        today = self.today()
        changed_counts = False
        focus = QApplication.focusWidget()
        for key in keys:
            relevant = bundle.relevant(key, self.values)
            for page in self.tab_pages:
                page.set_relevant(key, relevant)
            verdict = check_field(bundle, key, self.values, today=today, coverage=self.coverage)
            count = sum(1 for f in verdict.findings if f.severity == "error")
            if self.errors.get(key) != count:
                self.errors[key] = count
                changed_counts = True
            if count == 0:
                self.punished.discard(key)
            fdef = bundle.field(key)
            value = self.values.get(key)
            empty = ft.is_empty(value)
            for row in self.rows[key]:
                typing = focus is not None and focus in row.editor.inputs()
                shown = present(
                    verdict, field_type=fdef.type, empty=empty, typing=typing,
                    punished=key in self.punished, touched=key in self.touched,
                )  # fmt: skip
                if shown.kind == "error":
                    self.punished.add(key)
                row.show(shown)
                self._follow(key, row, verdict.value, empty, typing)
        if changed_counts:
            self._update_counts()

    def _follow(self, key: str, row: FieldRow, effective: Any, empty: bool, typing: bool) -> None:
        """An empty field that follows another shows what will be printed in its place."""
        from desktop import fields as ft

        fdef = self.bundle.field(key)
        rule_source = self.bundle.filled_by_rule.get(key)
        if not (fdef.default and fdef.default.startswith("=")) and rule_source is None:
            return
        editor = row.editor
        derived = empty and not ft.is_empty(effective)
        if rule_source is not None:
            # Filled by a rule (the organisation code from the licence): shown in the field
            # itself, kept empty in the case.
            if typing:
                return
            text = self._display(key, effective if derived else self.values.get(key)) or ""
            if editor.value() != text:
                editor.set_value(text)
            if bool(editor.property("auto")) != derived:
                editor.setProperty("auto", derived)
                set_text_colour(editor, "auto" if derived else "")
            if derived:
                row.info.setText(f"已按{self.bundle.field(rule_source).label}自动填写")
                row.info.setVisible(True)
        elif hasattr(editor, "setPlaceholderText"):
            source = self.bundle.field(fdef.default[1:])
            editor.setPlaceholderText(f"留空则同{source.label}：{effective}" if derived else "")

    def _update_counts(self) -> None:
        for n, page in enumerate(self.tab_pages):
            doc = page.document
            count = sum(self.errors.get(k, 0) for k in self.doc_keys[doc.id])
            self.tabs.setTabText(n, f"{doc.tab}（{count}）" if count else doc.tab)
            self.tabs.setTabToolTip(n, f"本页有 {count} 处错误" if count else "本页没有错误")
        blockers = self.print_blockers()
        if blockers:
            names = "、".join(self.bundle.field(k).label for k in list(blockers)[:6])
            more = " 等" if len(blockers) > 6 else ""
            total = sum(blockers.values())
            text = f"还有 {total} 处错误，打印将带「草稿」标记：{names}{more}"
            kind = "error"
        else:
            text, kind = "没有错误，可以正式打印", "ok"
        self.print_label.setText(text)
        if self.print_label.property("kind") != kind:
            self.print_label.setProperty("kind", kind)
            set_text_colour(self.print_label, kind)
        for action in (self.action_print, self.action_export_pdf, self.action_preview):
            action.setStatusTip(text)
        self.action_print.setToolTip(text)

    def print_blockers(self) -> dict[str, int]:
        """Fields holding errors (in form order) with their error counts: what blocks a clean print."""
        self._ensure_started()
        return {k: self.errors[k] for k in self.bundle.fields if self.errors.get(k)}

    def tab_error_count(self, document_id: str) -> int:
        """Errors on one document's tab (what its title shows)."""
        self._ensure_started()
        return sum(self.errors.get(k, 0) for k in self.doc_keys[document_id])

    def _go_tab(self, index: int) -> None:
        """Show a document and put the cursor in its first field (unless the agent is in one)."""
        self.tabs.setCurrentIndex(index)
        page = self.tab_pages[index]
        first = next(iter(page.rows.values()), None)
        focus = QApplication.focusWidget()
        if focus is not None and page.isAncestorOf(focus):
            return
        if first is not None and self.isVisible():
            first.editor.inputs()[0].setFocus()

    # -- saving ----------------------------------------------------------------------------------

    def _focus_changed(self, old: QWidget | None, _new: QWidget | None) -> None:
        if self.dirty and old is not None and self.isAncestorOf(old):
            self._save_in_background()

    def _snapshot(self) -> _Save:
        """The pending edits as one save: what to write, and the status the case should get."""
        keys = frozenset(self.dirty)
        values = (
            dict(self.values)
            if self.case_id is None or len(keys) > 3
            else {k: self.values.get(k) for k in keys}
        )
        return _Save(
            case_id=self.case_id,
            revision=self.revision,
            keys=keys,
            values=values,
            whole=self.case_id is None or len(keys) > 3,
            status=self.status,
            wanted=STATUS_BY_ERRORS[bool(self.print_blockers())],
        )

    def _save_in_background(self) -> None:
        """The autosave: the edits of the last moment go to the store on the saving thread."""
        if self._closed or self.conflicted or not self.dirty:
            return
        if self._saving is not None:
            self._save_timer.start()  # one save at a time, in order: the next one follows it
            return
        save = self._snapshot()
        self.dirty.clear()
        self._saving = save
        self.workers.write(save.run, lambda _outcome: self._saved(save))

    def flush(self) -> bool:
        """Write pending edits now; False when they could not be written (the banner says why)."""
        self._save_timer.stop()
        if self._saving is not None:
            self._saving.finished.wait()
            self._saved(self._saving)
        if self.conflicted:
            return not self.dirty
        if not self.dirty:
            return True
        save = self._snapshot()
        self.dirty.clear()
        self._saving = save
        save.run(self.store)
        return self._saved(save)

    def _saved(self, save: _Save) -> bool:
        """Take a finished save's outcome (once): new revision and status, or what went wrong."""
        from desktop.store import CaseDeleted, Conflict

        if save is not self._saving:
            return save.error is None  # already taken by a flush
        self._saving = None
        if save.error is not None:
            self.dirty |= save.keys  # nothing of it was lost: it is still on screen
            if isinstance(save.error, Conflict):
                self._banner_conflict(str(save.error))
            elif isinstance(save.error, CaseDeleted):
                self._banner_deleted(self.case_id or "")
            else:
                self.banner.show_message(
                    "save", f"保存失败：{save.error}。修改仍在窗口中，稍后会再试。", [], kind="error"
                )
                # A retry in 2 s, without changing the timer's own delay (start(ms) would, for good).
                QTimer.singleShot(2000, self._save_in_background)
            return False
        if save.case_id is None:
            self.case_id = save.new_id
            self.drafts.current_id = save.new_id
        self.revision = save.revision
        self.status = save.status
        self.saved_label.setText(f"已保存 {datetime.now():%H:%M:%S}")
        title = self.values.get(self.bundle.drafts.title_key) or "新案卷"
        self.setWindowTitle(f"{title} - 400业务申请资料")
        if self.banner.topic == "save":
            self.banner.dismiss()
        drafts = self.bundle.drafts
        if save.listed(drafts.title_key, *drafts.search_keys, *drafts.mask_keys):
            self._list_timer.start()  # the list shows these values: refresh it once the agent pauses
        if self.dirty and not self._save_timer.isActive():
            self._save_timer.start()
        return True

    def check_for_changes(self) -> None:
        """Look, off the GUI thread, whether another window saved or binned the open case.

        Without this a second window's save would surface only at this window's next save: an
        agent could print a bundle that is no longer what the drafts file holds.
        """
        case_id = self.case_id
        if not self._started or self._closed or case_id is None or self.conflicted or self._saving:
            return  # (before any import: the first activation comes before the first paint)

        def query_store(store: Store) -> Any:
            from desktop.store import CaseNotFound

            try:
                return store.get(case_id)
            except CaseNotFound:
                return None  # purged: the next save says so in plain words

        self.workers.read(query_store, lambda case: self._changed_elsewhere(case_id, case))

    def _changed_elsewhere(self, case_id: str, case: Any) -> None:
        from desktop.case import normalise_values

        if case is None or self._closed or case_id != self.case_id or self.conflicted or self._saving:
            return
        if case.deleted:
            if self._binned_noticed != case_id:  # said once: a dismissed banner stays dismissed
                self._banner_deleted(case_id)
            return
        if self._binned_noticed == case_id:  # restored elsewhere (a restore keeps the revision)
            self._binned_noticed = None
            if self.banner.topic == "deleted":
                self.banner.dismiss()
            if self.dirty:
                QTimer.singleShot(0, self._save_in_background)  # what was typed meanwhile can go now
        if case.revision <= self.revision:
            return  # nothing new (or this window's own save, taken since the question was asked)
        if self.dirty:
            self._banner_conflict("这个案卷刚在其他窗口（或由导入）修改并保存了")
            return
        # Nothing unsaved here: show what the drafts file now holds, and say so.
        values = normalise_values(self.bundle, case.fields, today=self.today())
        self._show_case(case.id, case.revision, case.status, values)
        self.banner.show_message(
            "changed", "这个案卷刚在其他窗口（或由导入）修改过，这里已显示最新保存的内容。", []
        )

    def _banner_conflict(self, message: str) -> None:
        self.conflicted = True
        self.banner.show_message(
            "conflict",
            f"{message}。本窗口的修改尚未保存。",
            [("载入另一窗口的版本", self._take_theirs), ("用本窗口的内容覆盖", self._keep_mine)],
            kind="error",
        )

    def _take_theirs(self) -> None:
        case_id = self.case_id
        self.dirty.clear()
        self.conflicted = False
        self.case_id = None
        if case_id:
            self.open_case(case_id)

    def _keep_mine(self) -> None:
        from desktop.store import StoreError

        if self.case_id is None:
            return
        try:
            stored = self.store.get(self.case_id)
            self.revision = self.store.save_fields(self.case_id, self.values, stored.revision)
        except StoreError as exc:
            self.banner.show_message("conflict", f"覆盖失败：{exc}", [], kind="error")
            return
        self.status = stored.status
        self.dirty.clear()
        self.conflicted = False
        self.banner.dismiss()
        self.saved_label.setText(f"已保存 {datetime.now():%H:%M:%S}")
        self.drafts.refresh()

    def _banner_deleted(self, case_id: str) -> None:
        self._binned_noticed = case_id  # said: the change check does not say it again
        self.banner.show_message(
            "deleted",
            "这个案卷在回收站中，恢复后才能修改。",
            [("恢复", lambda: self._restore(case_id))],
            kind="error",
        )

    # -- drafts ----------------------------------------------------------------------------------

    def _open_writer(self) -> Store:
        """The saving thread's own connection."""
        from desktop.store import Store

        return Store.open(
            self.db_path,
            self.bundle.drafts,
            bundle=self.bundle.id,
            edition=self.bundle.edition,
            backups=False,
        )

    def _open_reader(self) -> Store:
        """The drafts thread's own connection; it also makes the daily backup and purges old cases."""
        from desktop.store import Store, StoreError

        store = Store.open(
            self.db_path, self.bundle.drafts, bundle=self.bundle.id, edition=self.bundle.edition, backups=True
        )
        try:
            store.purge()
        except StoreError:
            pass  # purging is housekeeping: a busy file is purged at the next start
        return store

    def _search(self, query: str, binned: bool) -> None:
        self._search_token += 1
        token = self._search_token

        def query_store(store: Store) -> Any:
            return store.binned() if binned else store.search(query)

        def show(page: Any) -> None:
            if token == self._search_token and not self._closed:
                self.drafts.show_page(page.items, page.has_more, query=query, binned=binned)

        self.workers.read(query_store, show, self._worker_failed)

    def _list_value(self, key: str, value: Any) -> str:
        """A value as the drafts list shows it: grouped like on paper (masked ones as they come)."""
        from desktop import fields as ft

        if key in self.bundle.drafts.mask_keys:
            return "、".join(value) if isinstance(value, list) else str(value)
        return ft.display_value(self.bundle.field(key), value, today=self.today())

    def _select_in_list(self, case_id: str | None) -> None:
        for row in range(self.drafts.list.count()):
            item = self.drafts.list.item(row)
            if item.data(CASE_ID_ROLE) == case_id:
                self.drafts.list.setCurrentItem(item)
                return
        self.drafts.list.clearSelection()

    def focus_search(self) -> None:
        self.drafts.search.setFocus()
        self.drafts.search.selectAll()

    def duplicate_case(self) -> None:
        """The same customer, a new request: request-specific fields cleared (forms/ decides which)."""
        self._ensure_started()
        if not self.flush() or self.case_id is None:
            self.statusBar().showMessage("先填写或打开一个案卷，再复制", 4000)
            return
        copy = self.store.duplicate(self.case_id)
        self.open_case(copy.id)
        self.drafts.refresh()
        self.statusBar().showMessage("已复制为新案卷，本次申请的内容已清空", 4000)

    def delete_case(self) -> None:
        """Move the selected (or open) case to the bin, with an undo in the banner."""
        self._ensure_started()
        target = self.case_id
        if self.drafts.list.hasFocus() and self.drafts.selected_id():
            target = self.drafts.selected_id()
        if target is None or self.drafts.in_bin():
            return
        title = self.values.get(self.bundle.drafts.title_key) if target == self.case_id else None
        if target == self.case_id:
            self.flush()
        self.store.delete(target)
        if target == self.case_id:
            self.dirty.clear()
            self.conflicted = False
            self.case_id = None
            self.new_case()
        self.banner.show_message(
            "undo",
            f"已删除「{title or '案卷'}」（可在回收站中恢复）。",
            [("撤销删除", lambda: self._restore(target))],
        )
        self.drafts.refresh()

    def _restore(self, case_id: str) -> None:
        self.store.restore(case_id)
        self.banner.dismiss()
        self._binned_noticed = None
        if self.drafts.in_bin():
            self.drafts.bin.setChecked(False)
        if case_id == self.case_id:
            # The case on screen: what was typed while it sat in the bin belongs to it, not to a
            # new case (reopening would flush those edits as one).
            QTimer.singleShot(0, self._save_in_background)
        else:
            self.open_case(case_id)
        self.drafts.refresh()
        self.statusBar().showMessage("已从回收站恢复", 4000)

    def restore_selected(self) -> None:
        self._ensure_started()
        case_id = self.drafts.selected_id()
        if case_id and self.drafts.in_bin():
            self._restore(case_id)

    def _bin_toggled(self, binned: bool) -> None:
        self.action_restore_case.setEnabled(binned)
        self.action_delete_case.setEnabled(not binned)

    # -- start-up after a crash ------------------------------------------------------------------

    def _take_session_lock(self) -> bool:
        """Hold a lock beside the drafts file while the window is open; True if the last one crashed."""
        path = self.db_path.with_name(f".{self.db_path.name}.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        self._lock = QLockFile(str(path))
        self._lock.setStaleLockTime(0)
        # A leftover lock whose process is gone means the last session ended without closing.
        return self._lock.tryLock(0) and existed

    def _offer_recovery(self) -> None:
        if self.store.recovery is not None:
            self.banner.show_message("recovery", self.store.recovery.message, [], kind="error")
            return
        if not self.crashed:
            return
        page = self.store.list_cases(0, 1)
        if not page.items:
            return
        last = page.items[0]
        title = last.title or "未填公司名称的案卷"
        self.banner.show_message(
            "recovery",
            f"上次没有正常关闭。最后编辑的案卷：「{title}」（{when(last.updated)} 保存）。",
            [("打开这个案卷", lambda: self.open_case(last.id))],
        )

    # -- preview, print, PDF ---------------------------------------------------------------------

    def _render_job(self) -> Callable[[], bytes]:
        """A snapshot of the case as a job for a worker thread (no widget, no shared state)."""
        import io

        bundle = self.bundle
        values = dict(self.values)
        settings = {k: str(v) for k, v in self.settings().items() if isinstance(v, str)}
        case_id = self.case_id or "未保存"
        draft = bool(self.print_blockers())

        def job() -> bytes:
            from desktop.render import render_pdf

            out = io.BytesIO()
            render_pdf(bundle, values, settings, case_id=case_id, draft=draft, out=out)
            return out.getvalue()

        return job

    def _reveal_all(self) -> None:
        """Asking for paper is "late": every finding is shown, empty required fields included."""
        if len(self.touched) < len(self.bundle.fields):
            self.touched.update(self.bundle.fields)
            self._recheck(self.bundle.fields)

    def _draft_note(self) -> str:
        blockers = self.print_blockers()
        if not blockers:
            return "预览：没有错误，可以正式打印。"
        return f"预览（草稿）：还有 {sum(blockers.values())} 处错误，每页带「草稿」标记。"

    def _previewing(self) -> bool:
        return self.preview is not None and self.preview.isVisible()

    def toggle_preview(self) -> None:
        self._ensure_started()
        if self.preview is None:
            try:
                from desktop.ui.preview import PreviewPane
            except ImportError:
                self._no_pdf_view()
                return
            self.preview = PreviewPane()
            self.preview.hide()
            self.splitter.addWidget(self.preview)
            self.splitter.setStretchFactor(2, 1)
        shown = not self.preview.isVisible()
        self.preview.setVisible(shown)
        self.action_preview.setChecked(shown)
        if shown:
            self._reveal_all()
            sizes = self.splitter.sizes()
            total = sum(sizes)
            self.splitter.setSizes([sizes[0], (total - sizes[0]) // 2, (total - sizes[0]) // 2])
            self.refresh_preview()

    def refresh_preview(self) -> None:
        self._render_token += 1
        token = self._render_token
        note = self._draft_note()
        self.preview.status.setText("正在生成预览…")

        def show(data: bytes) -> None:
            if token == self._render_token and not self._closed:
                self.preview.show_pdf(data, note)

        self.workers.run(self._render_job(), show, self._worker_failed)

    def print_case(self) -> None:
        """Print through the system dialog; the PDF is rendered off the GUI thread first."""
        self._ensure_started()
        self.flush()
        self._reveal_all()
        self.statusBar().showMessage("正在准备打印…")
        self.workers.run(self._render_job(), self._print_ready, self._worker_failed)

    def _print_ready(self, data: bytes) -> None:
        if self._closed:
            return
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        self.statusBar().clearMessage()
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.windowTitle())
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印 400 业务申请资料")
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.print_to(printer, data)

    def print_to(self, printer: QPrinter, data: bytes | None = None) -> int:
        """Print the bundle on `printer` (no dialog) and mark the case printed; returns pages."""
        self._ensure_started()
        if data is None:
            data = self._render_job()()
        try:
            from desktop.ui.preview import print_pdf
        except ImportError:
            self._no_pdf_view()
            return 0
        pages = print_pdf(data, printer)
        if pages:
            self._mark_printed()
            self.statusBar().showMessage(f"已发送到打印机：{pages} 页", 5000)
        return pages

    def _mark_printed(self) -> None:
        from desktop.store import Conflict

        self.flush()
        try:
            if self.case_id is None:
                case = self.store.create(self.values)
                self.case_id, self.revision = case.id, case.revision
            self.revision = self.store.set_status(self.case_id, "printed", self.revision)
            self.status = "printed"
        except Conflict as exc:
            self._banner_conflict(str(exc))
        self.drafts.refresh()

    def export_pdf(self, path: Path | str) -> Path:
        """Write the bundle as a PDF (marked 草稿 while errors remain); no dialog, returns the path."""
        self._ensure_started()
        from desktop.render import render_pdf

        target = Path(path)
        self.flush()
        settings = {k: str(v) for k, v in self.settings().items() if isinstance(v, str)}
        render_pdf(
            self.bundle, dict(self.values), settings, case_id=self.case_id or "未保存",
            draft=bool(self.print_blockers()), out=target,
        )  # fmt: skip
        if self.case_id is not None:
            self.store.log_event(self.case_id, "exported", detail="pdf")
        self.statusBar().showMessage(f"已保存 PDF：{target}", 5000)
        return target

    def ask_export_pdf(self) -> None:
        self._ensure_started()
        self.flush()
        title = self.values.get(self.bundle.drafts.title_key) or "400业务申请资料"
        from PySide6.QtWidgets import QFileDialog

        name, _filter = QFileDialog.getSaveFileName(
            self, "另存为 PDF", str(Path.home() / f"{title}.pdf"), "PDF (*.pdf)"
        )
        if not name:
            return
        target = Path(name if name.lower().endswith(".pdf") else name + ".pdf")
        case_id = self.case_id
        job = self._render_job()

        def write() -> Path:
            target.write_bytes(job())
            return target

        def done(path: Path) -> None:
            if case_id is not None and not self._closed:
                self.store.log_event(case_id, "exported", detail="pdf")
            self.statusBar().showMessage(f"已保存 PDF：{path}", 5000)

        self.workers.run(write, done, self._worker_failed)

    def _no_pdf_view(self) -> None:
        self.action_preview.setChecked(False)
        self.banner.show_message(
            "pdf",
            "本机缺少 Qt 的 PDF 组件（QtPdf），无法预览或打印；仍可“另存为 PDF”后用其他程序打印。",
            [],
            kind="error",
        )

    def _worker_failed(self, message: str) -> None:
        if not self._closed:
            self.banner.show_message("worker", f"后台任务失败：{message}", [], kind="error")

    # -- settings and help -----------------------------------------------------------------------

    def show_settings(self) -> None:
        from desktop.ui.settings_dialog import SettingsDialog  # its widgets are built on first use

        self._ensure_started()
        dialog = SettingsDialog(self.bundle.settings, self.settings(), self)
        dialog.accepted.connect(lambda: self.save_settings(dialog.values()))
        dialog.open()

    def save_settings(self, values: Mapping[str, Any]) -> None:
        from desktop.store import StoreError

        self._ensure_started()
        try:
            for key, value in values.items():
                self.store.set_setting(key, value)
        except StoreError as exc:
            self.banner.show_message("settings", str(exc), [], kind="error")
            return
        self.statusBar().showMessage("设置已保存；经办单位和经办人会填入新建的案卷", 5000)

    def load_example(self) -> None:
        """A filled-in example case for a newcomer, stored as a new draft."""
        from desktop import casefile
        from desktop.case import normalise_values

        self._ensure_started()
        case = casefile.read(paths.root() / "examples" / "example-case.json", known_keys=self.bundle.keys())
        if not self.flush():
            return
        created = self.store.create(normalise_values(self.bundle, case.fields, today=self.today()))
        self.open_case(created.id)
        self.drafts.refresh()
        self.statusBar().showMessage("已载入示例案卷（一个新草稿），可随意修改或删除", 5000)

    def show_keys(self) -> None:
        text = (
            "Ctrl+N 新建 · Ctrl+D 复制 · Ctrl+Delete 删除 · Ctrl+F 搜索草稿（回车打开第一个）\n"
            "Alt+1…4 切换文书 · 回车/Tab 下一项 · Shift+Tab 上一项 · 空格 勾选\n"
            "F5 预览 · Ctrl+P 打印 · Ctrl+Shift+S 另存为 PDF · Ctrl+, 设置"
        )
        self.banner.show_message("keys", text, [])

    def _warm_up(self) -> None:
        """Load, off the GUI thread, what the first keystrokes would otherwise wait for."""
        font = paths.print_font()
        example = paths.root() / "examples" / "example-case.json"
        bundle = self.bundle
        today = self.today()

        def job() -> frozenset[int]:
            from desktop import casefile
            from desktop.case import check_field, normalise_values
            from desktop.glyphs import load_coverage

            # Checking the example once loads every validator's lazy data (the geocoder behind a
            # phone's city, the region tables behind an ID or licence) here, not at a keystroke.
            try:
                values = normalise_values(bundle, casefile.read(example).fields, today=today)
            except (OSError, casefile.CaseFileError):
                values = {}
            for key in values:
                check_field(bundle, key, values, today=today)
            return load_coverage(font)

        def loaded(coverage: frozenset[int]) -> None:
            if self._closed:
                return
            self.coverage = coverage
            self._recheck(self.bundle.fields)
            self._warm = True

        self.workers.run(job, loaded, self._worker_failed)

    # -- closing ---------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        if not self._closed:
            self._shutdown()
        super().closeEvent(event)

    def _shutdown(self) -> None:
        from desktop.store import StoreError

        if self._started and not self.flush() and self.dirty:
            # Unresolved conflict: keep this window's values as a separate draft rather than lose them.
            try:
                self.store.create(self.values)
            except StoreError:
                pass
        self._closed = True
        self._change_timer.stop()
        QApplication.instance().focusChanged.disconnect(self._focus_changed)
        self.workers.close()
        if self._store is not None:
            self._store.close()
        self._lock.unlock()


@dataclass
class _Save:
    """One save of pending edits, run on the saving thread (or on the GUI thread by `flush`)."""

    case_id: str | None
    revision: int
    keys: frozenset[str]
    values: dict[str, Any]
    whole: bool
    status: str
    wanted: str
    new_id: str | None = None
    error: Exception | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def listed(self, *keys: str) -> bool:
        """Whether the drafts list shows something this save changed."""
        return self.case_id is None or self.status != self.wanted or bool(self.keys & set(keys))

    def run(self, store: Store) -> None:
        from desktop.store import StoreError

        try:
            if self.case_id is None:
                case = store.create(self.values)
                self.new_id, self.revision = case.id, case.revision
            elif self.whole:
                self.revision = store.save_fields(self.case_id, self.values, self.revision)
            else:
                for key in sorted(self.keys):
                    self.revision = store.save_field(self.case_id, key, self.values[key], self.revision)
            case_id = self.new_id or self.case_id
            if self.wanted != self.status:
                self.revision = store.set_status(case_id, self.wanted, self.revision)
                self.status = self.wanted
        except (StoreError, OSError) as exc:
            self.error = exc
        finally:
            self.finished.set()


class _QuitAfterPaint(QObject):
    """Ends the event loop right after the window's first paint."""

    def __init__(self, app: QApplication, parent: QObject) -> None:
        super().__init__(parent)  # owned by the window, so it lives as long as the window
        self.app = app

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self.app.quit)
        return False


def run(db_path: Path | None = None) -> int:
    """Open the window on the drafts file and run until it is closed; the exit status."""
    from desktop.store import StoreError

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("desk400")
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QMessageBox

    app.setWindowIcon(QIcon(str(paths.resources_dir() / "icons" / "desk400.png")))
    window = MainWindow(db_path)
    window.resize(1280, 760)
    if os.environ.get("DESK400_QUIT_AFTER_PAINT"):
        # For tests/bench/bench_frozen.py: launch-to-first-paint of the real entry point.
        window.installEventFilter(_QuitAfterPaint(app, window))
    window.show()
    try:
        window.store  # noqa: B018 (open it now: a file this version cannot use ends the start)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        QMessageBox.critical(window, "无法打开草稿文件", str(exc))
        window.close()
        return 2
    return app.exec()
