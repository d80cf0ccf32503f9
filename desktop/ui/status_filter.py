"""The status filter beside the drafts search box (shared/spec/paper-trail.md, "Case lifecycle"):
全部 or one status, each with how many cases have it, counted when the list opens.

Counting runs on the drafts-reading thread (the pane's `read`), so opening the list never waits for
the drafts file; the counts already shown stay until the new ones arrive.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from desktop.domain.status import LABELS, STATUSES

ALL = "全部状态"


class StatusFilter(QComboBox):
    """`opened()` when the agent opens the list (time to count); `chosen(status or None)`."""

    opened = Signal()
    chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_filter")
        self.setToolTip("只看某一状态的案卷")
        self.setAccessibleName("状态筛选")
        # Narrow in the 300-px drafts pane at 1366 px; the open list shows the labels whole.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(4)
        self.addItem(ALL, None)
        for status in STATUSES:
            self.addItem(LABELS[status], status)
        self.currentIndexChanged.connect(lambda _i: self.chosen.emit(self.status()))

    def status(self) -> str | None:
        """The status chosen, None for all."""
        return self.currentData()

    def showPopup(self) -> None:  # noqa: N802 (Qt API)
        self.opened.emit()
        super().showPopup()

    def show_counts(self, counts: Mapping[str, int]) -> None:
        """Put each status's count beside its label (「待打印 12」); the total beside 全部状态."""
        self.setItemText(0, f"{ALL} {sum(counts.values())}")
        for row, status in enumerate(STATUSES, start=1):
            self.setItemText(row, f"{LABELS[status]} {counts.get(status, 0)}")
