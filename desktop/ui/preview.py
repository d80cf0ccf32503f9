"""Print preview inside the window (QPdfView) and printing through the system's printer.

The bundle is printed from the same PDF the preview shows: each page rasterised at the printer's
resolution and drawn on the printer's page, so paper and preview cannot differ.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

MAX_PRINT_DPI = 600  # beyond this a page image gets huge and the printer gains nothing visible


class PdfBytes:
    """A QPdfDocument read from bytes in memory (the buffer must outlive the document)."""

    def __init__(self, data: bytes, parent=None) -> None:
        self.buffer = QBuffer()
        self.buffer.setData(QByteArray(data))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(parent)
        self.document.load(self.buffer)

    def close(self) -> None:
        self.document.close()
        self.buffer.close()


class PreviewPane(QWidget):
    """The rendered bundle, page by page, with a line saying whether it is a draft."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 6, 6)
        self.status = QLabel("正在生成预览…")
        self.status.setObjectName("preview_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.view = QPdfView()
        self.view.setObjectName("preview_view")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        layout.addWidget(self.view, 1)
        self.pdf: PdfBytes | None = None

    def show_pdf(self, data: bytes, note: str) -> None:
        old = self.pdf
        self.pdf = PdfBytes(data, self)
        self.view.setDocument(self.pdf.document)
        if old is not None:
            old.close()
        self.status.setText(note)

    def page_count(self) -> int:
        return self.pdf.document.pageCount() if self.pdf is not None else 0


def print_pdf(data: bytes, printer: QPrinter) -> int:
    """Draw every page of the PDF (or the printer's page range) on `printer`; returns pages printed."""
    pdf = PdfBytes(data)
    try:
        count = pdf.document.pageCount()
        first, last = printer.fromPage(), printer.toPage()
        pages = range(first - 1, last) if first > 0 and last >= first else range(count)
        pages = [p for p in pages if 0 <= p < count]
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        # The PDF carries its own margins: draw each page over the whole sheet.
        printer.setFullPage(True)
        painter = QPainter()
        if not painter.begin(printer):
            return 0
        try:
            for n, page in enumerate(pages):
                if n:
                    printer.newPage()
                points = pdf.document.pagePointSize(page)
                size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
                image = pdf.document.render(page, size)
                sheet = printer.pageLayout().fullRectPixels(printer.resolution()).size()
                scaled = QSize(size)
                scaled.scale(sheet, Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRectF(QPointF(0, 0), scaled.toSizeF()), image)
        finally:
            painter.end()
        return len(pages)
    finally:
        pdf.close()
