"""The window's actions as data: name, text, shortcut, menu and drafts-pane button.

One table (napari's `_app_model/actions` idea) builds the QActions, the menus, the buttons and
the F1 key list, so a shortcut cannot be changed in one place and forgotten in another. Each
action holds what it does as a callable over the window (napari's `Action(callback=...)`), not a
method's name: a renamed method is an error where the table is read, not a dead menu entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenuBar, QToolButton

from desktop.domain.records import record


@record
class ActionSpec:
    name: str  # objectName and the window's attribute
    text: str  # menu text with its &-mnemonic
    run: Callable[[Any], object]  # what it does, given the window
    shortcut: str | None = None
    menu: str | None = None  # the menu it sits in (in MENUS), None for none
    button: str | None = None  # its label on the drafts pane's button row
    checkable: bool = False
    keys: str | None = None  # how F1 describes it (None: not listed)
    separator_before: bool = False


def _new_case(window: Any) -> None:
    """A blank case, the cursor in the first document's first field. (These three are what the
    window's one-line forwarders did: the table calls the parts that own the work.)"""
    window.when_ready(lambda: window.ops.new_case() and window.view.go_tab(0))


def _delete_case(window: Any) -> None:
    """The case selected in the list when the list has the focus, else the one on screen, to
    the bin (with an undo in the banner); nothing while the bin is shown."""

    def delete() -> None:
        drafts = window.drafts
        if drafts.in_bin():
            return
        selected = drafts.selected_id() if drafts.list.hasFocus() else None
        window.ops.delete(selected or window.session.case_id)

    window.when_ready(delete)


def _restore_selected(window: Any) -> None:
    """The case selected in the bin back to the drafts, shown, and the list back to the drafts."""

    def restore() -> None:
        drafts = window.drafts
        case_id = drafts.selected_id()
        if case_id and drafts.in_bin():
            window.ops.restore(case_id)
            if drafts.in_bin():
                drafts.bin.setChecked(False)

    window.when_ready(restore)


MENUS = (("file", "文件(&F)"), ("go", "转到(&G)"), ("help", "帮助(&H)"))

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("action_new_case", "新建案卷(&N)", _new_case, "Ctrl+N", "file", "新建", keys="新建"),
    ActionSpec(
        "action_duplicate_case",
        "复制为新案卷(&D)",
        lambda w: w.when_ready(w.ops.duplicate),
        "Ctrl+D",
        "file",
        "复制",
        keys="复制为新案卷",
    ),  # fmt: skip
    ActionSpec(
        "action_delete_case",
        "删除案卷(&L)",
        _delete_case,
        "Ctrl+Delete",
        "file",
        "删除",
        keys="删除",
    ),
    ActionSpec(
        "action_restore_case",
        "从回收站恢复(&R)",
        _restore_selected,
        "Ctrl+Shift+R",  # Ctrl+R reads a card (issue 24), the more frequent act at the counter
        "file",
        "恢复",
        keys="从回收站恢复",
    ),  # fmt: skip
    ActionSpec(
        "action_read_card", "读取证件(&I)…", lambda w: w.capture.open(), "Ctrl+R", "file", keys="读取证件"
    ),
    ActionSpec(
        "action_preview",
        "打印预览(&V)",
        lambda w: w.when_ready(w.printing.toggle_preview),
        "F5",
        "file",
        checkable=True,
        keys="预览",
        separator_before=True,
    ),  # fmt: skip
    ActionSpec(
        "action_print",
        "打印(&P)…",
        lambda w: w.when_ready(w.printing.print_case),
        "Ctrl+P",
        "file",
        keys="打印",
    ),
    ActionSpec(
        "action_print_document",
        "打印本文档(&O)…",
        lambda w: w.trail.print_document(),
        "Ctrl+Shift+P",
        "file",
        keys="只打印当前文书",
    ),
    ActionSpec(
        "action_print_log",
        "打印记录(&J)…",
        lambda w: w.trail.show_print_log(),
        "Ctrl+J",
        "file",
        keys="打印记录",
    ),
    ActionSpec(
        "action_export_pdf",
        "另存为 PDF(&S)…",
        lambda w: w.when_ready(w.printing.ask_export_pdf),
        "Ctrl+Shift+S",
        "file",
        keys="另存为 PDF",
    ),
    ActionSpec(
        "action_import_scans",
        "导入签字扫描件(&I)…",
        lambda w: w.when_ready(w.papers.ask_import),
        "Ctrl+Shift+I",
        "file",
        keys="导入签字扫描件",
        separator_before=True,
    ),
    ActionSpec(
        "action_papers",
        "签回情况(&B)…",
        lambda w: w.when_ready(w.papers.show_case),
        "Ctrl+Shift+B",
        "file",
        keys="签回情况",
    ),
    ActionSpec(
        "action_handover", "生成交付包(&H)…", lambda w: w.when_ready(w.papers.ask_handover), None, "file"
    ),
    ActionSpec(
        "action_settings",
        "设置(&T)…",
        lambda w: w.show_settings(),
        "Ctrl+,",
        "file",
        keys="设置",
        separator_before=True,
    ),
    ActionSpec("action_quit", "退出(&X)", lambda w: w.close(), "Ctrl+Q", "file"),
    ActionSpec(
        "action_search",
        "搜索草稿(&F)",
        lambda w: w.drafts.focus_search(),
        "Ctrl+F",
        "go",
        keys="搜索草稿（回车打开第一个）",
    ),
    ActionSpec(
        "action_load_example", "载入示例案卷(&E)", lambda w: w.when_ready(w.ops.load_example), None, "help"
    ),
    ActionSpec("action_keys", "键盘操作(&K)", lambda w: w.show_keys(), "F1", "help", keys="键盘操作"),
)

# Keys that belong to no action: moving inside the form.
FORM_KEYS = (
    ("回车 / Tab", "下一项"),
    ("Shift+Tab", "上一项"),
    ("方向键", "在选项间移动"),
    ("空格", "勾选"),
)


def tab_actions(tabs: Sequence[str]) -> tuple[ActionSpec, ...]:
    """Alt+1…: one action per document tab, in the bundle's order."""
    return tuple(
        ActionSpec(f"action_tab_{n}", f"{n + 1}. {tab}", partial(_go_tab, n), f"Alt+{n + 1}", "go")
        for n, tab in enumerate(tabs)
    )


def keys_rows(specs: Sequence[ActionSpec], tab_count: int) -> list[tuple[str, str]]:
    """F1's table, generated from the table of actions: (keys, what they do) per row."""
    listed = [(s.shortcut, s.keys) for s in specs if s.keys and s.shortcut]
    return [*listed, (f"Alt+1…{tab_count}", "切换文书"), *FORM_KEYS]


def build(window: QMainWindow, specs: Sequence[ActionSpec], menubar: QMenuBar) -> dict[str, QAction]:
    """Create the actions on `window` (shortcuts bound later by `bind_shortcuts`) and the menus."""
    actions: dict[str, QAction] = {}
    menus = {key: menubar.addMenu(title) for key, title in MENUS}
    for spec in specs:
        # QAction(text, parent) would have PySide6 build the QIcon type (its ~1,000-member
        # ThemeIcon enum) to rule out the icon overload: 1.4 ms of start-up for nothing.
        action = QAction(window)
        action.setText(spec.text)
        action.setObjectName(spec.name)
        action.setCheckable(spec.checkable)
        action.triggered.connect(lambda _checked=False, run=spec.run: run(window))
        if spec.button:
            action.setIconText(spec.button)  # what a tool button shows; menus keep the full text
        window.addAction(action)
        if spec.menu:
            if spec.separator_before:
                menus[spec.menu].addSeparator()
            menus[spec.menu].addAction(action)
        actions[spec.name] = action
    return actions


def buttons(specs: Sequence[ActionSpec], actions: dict[str, QAction]) -> list[QToolButton]:
    out = []
    for spec in specs:
        if spec.button:
            button = QToolButton()
            button.setDefaultAction(actions[spec.name])
            button.setObjectName(f"button_{spec.name}")
            out.append(button)
    return out


def bind_shortcuts(specs: Sequence[ActionSpec], actions: dict[str, QAction]) -> None:
    """Key bindings come right after the first paint: making the key sequences costs ~60 ms
    (and the QKeySequence type itself ~1 ms of enums, hence imported here)."""
    from PySide6.QtGui import QKeySequence  # noqa: PLC0415 (its type costs ~1 ms of enums before the first paint)

    for spec in specs:
        if spec.shortcut:
            actions[spec.name].setShortcut(QKeySequence(spec.shortcut))


def _go_tab(index: int, window: Any) -> None:
    window.view.go_tab(index)
