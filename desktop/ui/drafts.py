"""The drafts pane: search box, the `drafts` list (newest first, ID numbers masked), the bin."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

import desktop.domain  # lazy: the checks load on first use (desktop.files.lazy)
from desktop.domain.status import label as status_label
from desktop.store.changes import Changes
from desktop.ui.status_filter import StatusFilter

if TYPE_CHECKING:
    from desktop.domain.forms import Bundle

LIST_DELAY_MS = 1000  # the list follows a saved title or number once the agent pauses this long
CASE_ID_ROLE = 0x0100  # Qt.ItemDataRole.UserRole (the Qt namespace costs 50 ms on first touch)


def when(stamp: str, now: datetime | None = None) -> str:
    """「今天 10:15」, 「11-28 10:15」 or 「2025-11-28」: short enough for a list line."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    now = now or datetime.now(moment.tzinfo)
    if moment.date() == now.date():
        return f"今天 {moment:%H:%M}"
    if moment.year == now.year:
        return f"{moment:%m-%d %H:%M}"
    return f"{moment:%Y-%m-%d}"


class DraftsPane(QWidget):
    """Lists what the window's worker found; asks for a new search as the agent types."""

    search_requested = Signal(str, bool)  # query, bin
    open_requested = Signal(str)

    def __init__(
        self,
        labels: Mapping[str, str],
        keys: Sequence[str],
        shown: Callable[[str, Any], str],
        parent: QWidget | None = None,
    ) -> None:
        """`keys` are the summary values a line shows (their `labels` go in its tooltip);
        `shown(key, value)` formats one as printed."""
        super().__init__(parent)
        self.setObjectName("drafts_pane")
        self.keys = tuple(keys)
        self.labels = labels
        self.shown = shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        top = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(
            "搜索：公司、400号码、经办人、手机、联系人、身份证号、执照编号（Ctrl+F）"
        )
        self.search.setClearButtonEnabled(True)
        top.addWidget(self.search, 1)
        self.status_filter = StatusFilter()
        top.addWidget(self.status_filter)
        self.bin = QCheckBox("回收站")
        self.bin.setObjectName("show_bin")
        top.addWidget(self.bin)
        layout.addLayout(top)
        self.list = QListWidget()
        self.list.setObjectName("drafts")
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(True)
        layout.addWidget(self.list, 1)
        self.count = QLabel()
        self.count.setObjectName("drafts_count")
        layout.addWidget(self.count)
        self.buttons = QHBoxLayout()
        layout.addLayout(self.buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh)
        self._later = QTimer(self, singleShot=True, interval=LIST_DELAY_MS)
        self._later.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._open_first)
        self.bin.toggled.connect(lambda _c: self.refresh())
        self.status_filter.chosen.connect(lambda _s: self.refresh())
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.current_id: str | None = None
        self.active = True  # False once the window closes: late answers are dropped
        self._search_token = 0

    @classmethod
    def for_bundle(cls, bundle: Bundle, today: Callable[[], date]) -> DraftsPane:
        """The pane for `bundle`'s drafts list: the summary values it declares, each shown as on
        paper (masked ones as they come), dates read against `today`."""
        drafts = bundle.drafts
        listed = (*drafts.search_keys, *drafts.mask_keys)

        def shown(key: str, value: Any) -> str:
            if key in drafts.mask_keys:
                return "、".join(value) if isinstance(value, list) else str(value)
            return desktop.domain.fields.display_value(bundle.field(key), value, today=today())

        return cls(
            {k: bundle.field(k).label for k in listed},
            # The 18-character licence would wrap the line: it is in the tooltip (and searchable).
            [k for k in listed if k != drafts.title_key and bundle.field(k).type != "uscc"],
            shown,
        )

    def serve_from(self, read: Callable[..., None], failed: Callable[..., None]) -> None:
        """Answer the pane's searches on the drafts-reading thread (`read(query_store, show,
        failed)`, see Workers.read); an answer a newer search overtook is dropped."""
        self.search_requested.connect(lambda query, binned: self._search(read, failed, query, binned))
        self.status_filter.opened.connect(
            lambda: read(lambda store: store.status_counts(), self._show_counts, failed)
        )

    def _show_counts(self, counts: Mapping[str, int]) -> None:
        if self.active:
            self.status_filter.show_counts(counts)

    def _search(
        self, read: Callable[..., None], failed: Callable[..., None], query: str, binned: bool
    ) -> None:
        self._search_token += 1
        token = self._search_token
        status = self.status_filter.status()

        def query_store(store: Any) -> Any:
            return store.binned() if binned else store.search(query, status=status)

        def show(page: Any) -> None:
            if token == self._search_token and self.active:
                self.show_page(page.items, page.has_more, query=query, binned=binned)

        read(query_store, show, failed)

    def select(self, case_id: str | None) -> None:
        """Mark the case on screen (none: nothing) in the list, now and on every page shown later."""
        self.current_id = case_id
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(CASE_ID_ROLE) == case_id:
                self.list.setCurrentItem(item)
                return
        self.list.clearSelection()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(300, super().sizeHint().height())

    def add_button(self, button: QToolButton) -> None:
        self.buttons.addWidget(button)

    def in_bin(self) -> bool:
        return self.bin.isChecked()

    def follow(self, changes: Changes) -> None:
        """The window's change event: search again when a line may have come, gone or changed;
        after typing, only once the agent pauses (every save rebuilding it would flicker)."""
        if not changes.list_changed:
            return
        if changes.typed:
            self._later.start()
        else:
            self.refresh()

    def refresh(self) -> None:
        self._timer.stop()
        self._later.stop()
        self.search_requested.emit(self.search.text(), self.bin.isChecked())

    def show_page(self, items: Sequence[Any], has_more: bool, *, query: str, binned: bool) -> None:
        """Fill the list with one page of summaries (stale answers are dropped by the caller)."""
        self.list.setUpdatesEnabled(False)
        try:
            self.list.clear()
            now = datetime.now().astimezone()
            for summary in items:
                item = QListWidgetItem(self._line(summary, now))
                item.setData(CASE_ID_ROLE, summary.id)
                item.setToolTip(self._tooltip(summary))
                self.list.addItem(item)
                if summary.id == self.current_id:
                    item.setSelected(True)
                    self.list.setCurrentItem(item)
        finally:
            self.list.setUpdatesEnabled(True)
        where = "回收站" if binned else "草稿"
        more = "，还有更多，请缩小搜索" if has_more else ""
        found = f"找到 {len(items)} 个" if query.strip() else f"共 {len(items)} 个"
        self.count.setText(f"{where}：{found}{more}")

    def _line(self, summary: Any, now: datetime) -> str:
        title = summary.title or "（未填公司名称）"
        parts = []
        for key in self.keys:
            value = summary.summary.get(key)
            if value:
                parts.append(self.shown(key, value))
        status = status_label(summary.status)
        stamp = when(summary.deleted or summary.updated, now)
        moment = f"删除于 {stamp}" if summary.deleted else stamp
        number = getattr(summary, "number", None)
        return f"{title}\n{' · '.join(parts)}\n{f'{number} · ' if number else ''}{status} · {moment}"

    def _tooltip(self, summary: Any) -> str:
        lines = [f"{self.labels.get(k, k)}：{self.shown(k, v)}" for k, v in summary.summary.items() if v]
        number = getattr(summary, "number", None)
        return "\n".join([*lines, *([f"案卷编号：{number}"] if number else []), f"内部编号：{summary.id}"])

    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(CASE_ID_ROLE) if item is not None else None

    def ids(self) -> list[str]:
        return [self.list.item(i).data(CASE_ID_ROLE) for i in range(self.list.count())]

    def _activated(self, item: QListWidgetItem) -> None:
        if not self.bin.isChecked():
            self.open_requested.emit(item.data(CASE_ID_ROLE))

    def _open_first(self) -> None:
        if self.list.count() and not self.bin.isChecked():
            self.list.setCurrentRow(0)
            self.open_requested.emit(self.list.item(0).data(CASE_ID_ROLE))
