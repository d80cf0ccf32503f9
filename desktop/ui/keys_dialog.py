"""F1: the keyboard's shortcuts as a table (按键 | 作用), one row each, in a small window.

It used to be one dense banner line of 「Ctrl+N 新建 · Ctrl+D …」 that an agent could not scan
(issue 23); the rows come from the actions table (desktop.ui.actions.keys_rows), so a changed
shortcut shows here at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


class KeysDialog(QDialog):
    """The shortcut table; not modal, so the agent can keep it open beside the form."""

    def __init__(self, rows: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keys_dialog")
        self.setWindowTitle("键盘操作")
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("keys_table")
        self.table.setHorizontalHeaderLabels(["按键", "作用"])
        rows_header = self.table.verticalHeader()
        rows_header.hide()
        # One line of text a row: the whole list fits without scrolling on a 768-px screen.
        rows_header.setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        for row, (keys, does) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(does))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.close)
        column = QVBoxLayout(self)
        column.addWidget(self.table)
        column.addWidget(buttons)
        height = self.table.horizontalHeader().height() + sum(
            self.table.rowHeight(r) for r in range(len(rows))
        )
        self.resize(460, min(height + 80, 700))

    @classmethod
    def show_for(cls, window: QWidget, rows: Sequence[tuple[str, str]]) -> KeysDialog:
        """The window's one key table, made on the first F1 and brought forward on the next."""
        dialog = window.findChild(cls, "keys_dialog") or cls(rows, window)
        dialog.show()
        dialog.raise_()
        return dialog

    def texts(self) -> list[tuple[str, str]]:
        """The rows as shown (what a test reads)."""
        return [
            (self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())
        ]
