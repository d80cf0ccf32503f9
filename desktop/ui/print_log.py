"""打印记录: the case's print log as a read-only table (desktop.ui.paper_trail opens it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("打印时间", "营业台", "文档", "页数", "校验码")


class PrintLogDialog(QDialog):
    """The case's print log as a table; read-only (a print is a fact, never edited)."""

    def __init__(self, names: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("print_log")
        self.names = names
        self.resize(720, 320)
        layout = QVBoxLayout(self)
        self.note = QLabel()
        self.note.setObjectName("print_log_note")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("print_log_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        close.rejected.connect(self.close)
        layout.addWidget(close)

    def show_rows(self, label: str, rows: Sequence[Any]) -> None:
        self.setWindowTitle(f"打印记录 · {label}")
        if rows:
            self.note.setText(f"共正式打印 {len(rows)} 次，最新的在最上面；「打印后有修改」以最新一次为准。")
        else:
            self.note.setText("这个案卷还没有正式打印过（草稿打印和预览不记入打印记录）。")
        self.table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            cells = (
                row.at[:19].replace("T", " "),
                row.desk,
                "、".join(self.names.get(d, d) for d in row.documents),
                str(row.pages),
                row.short_digest,
            )
            for column, text in enumerate(cells):
                self.table.setItem(n, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def texts(self) -> list[list[str]]:
        """The table as text, row by row (what the agent reads; tests read it too)."""
        return [
            [self.table.item(r, c).text() for c in range(self.table.columnCount())]
            for r in range(self.table.rowCount())
        ]
