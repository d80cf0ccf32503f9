"""签回情况: the pages of a case's latest print, each beside its scan, every empty required box
outlined in red (desktop.ui.papers opens it; its types load with it, not with the window)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

STATE_WORDS = {"signed": "✓ 已签回", "empty": "✗ 有空的签字或盖章处", "absent": "— 未收到扫描件"}


class PapersView(QDialog):
    """签回情况: one row per page of the latest print; the selected page's scan beside the list,
    each empty required box outlined in red."""

    handover_requested = Signal()

    def __init__(self, case: Any, state: Any, titles: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("papers_view")
        self.setWindowTitle(f"签回情况：{case.number or case.id}")
        self.state = state
        self.pages = QListWidget()
        self.pages.setObjectName("papers_pages")
        self.scan = QLabel("（选择一页查看扫描件）")
        self.scan.setObjectName("papers_scan")
        self.scan.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scan.setMinimumSize(420, 560)
        for page in state.pages:
            doc = titles.get(page.scan.doc, page.scan.doc) if page.scan else ""
            item = QListWidgetItem(f"第 {page.page} 页 {doc}  {STATE_WORDS[page.state]}")
            item.setData(Qt.ItemDataRole.UserRole, page.page)
            self.pages.addItem(item)
        if state.print is None:
            self.pages.addItem("该案卷还没有打印记录")
        self.pages.currentRowChanged.connect(self.show_page)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        self.handover = buttons.addButton("生成交付包…", QDialogButtonBox.ButtonRole.ActionRole)
        self.handover.setObjectName("papers_handover")
        self.handover.setEnabled(state.complete and case.status == "signed")
        self.handover.clicked.connect(lambda: (self.handover_requested.emit(), self.accept()))
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.pages, 1)
        row.addWidget(self.scan, 2)
        column = QVBoxLayout(self)
        # Sized before it shows: the layout sets no limits on the window later (some platforms
        # warn on every such change).
        column.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        column.addLayout(row)
        column.addWidget(buttons)
        self.resize(column.sizeHint().expandedTo(self.minimumSizeHint()))
        if state.pages:
            self.pages.setCurrentRow(0)

    def show_page(self, row: int) -> None:
        if not 0 <= row < len(self.state.pages):
            return
        page = self.state.pages[row]
        if page.scan is None:
            self.scan.setPixmap(QPixmap())
            self.scan.setText("未收到此页的扫描件")
            return
        self.scan.setPixmap(outlined(page.scan).scaled(self.scan.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                       Qt.TransformationMode.SmoothTransformation))  # fmt: skip


def outlined(scan: Any) -> QPixmap:
    """The scan with each required box outlined: red when empty, green when inked."""
    image = QImage.fromData(scan.image)
    painter = QPainter(image)
    for box in scan.boxes:
        corners = box.get("corners") or []
        if len(corners) != 4:
            continue
        pen = QPen(QColor("#d00000" if not box.get("inked") else "#2e7d32"))
        pen.setWidth(max(3, image.width() // 300))
        painter.setPen(pen)
        painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in corners]))
    painter.end()
    return QPixmap.fromImage(image)
