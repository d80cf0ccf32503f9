"""Print preview inside the window (QPdfView) and printing through the system's printer.

The bundle is printed from the same PDF the preview shows, so paper and preview cannot differ: as
the PDF itself where the platform allows (desktop.ui.print_path), else each page rendered at the
printer's resolution and drawn on the printer's page (print_pdf).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.25, 4.0
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
        tools = QHBoxLayout()
        tools.setSpacing(4)
        # Each with its key, active while the preview (or anything in it) has focus.
        for name, text, keys, slot in (
            ("preview_fit_width", "适合宽度", "Ctrl+0", self.fit_width),
            ("preview_fit_page", "整页", "Ctrl+9", self.fit_page),
            ("preview_zoom_out", "缩小", "Ctrl+-", lambda: self.zoom(1 / ZOOM_STEP)),
            ("preview_zoom_in", "放大", "Ctrl+=", lambda: self.zoom(ZOOM_STEP)),
        ):
            action = QAction(text, self)
            action.setObjectName(name)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{text}（{keys}）")
            action.triggered.connect(slot)
            self.addAction(action)
            button = QToolButton()
            button.setDefaultAction(action)
            tools.addWidget(button)
        for name, text, keys, delta in (
            ("preview_previous_page", "上一页", "PgUp", -1),
            ("preview_next_page", "下一页", "PgDown", 1),
        ):
            action = QAction(text, self)
            action.setObjectName(name)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{text}（{keys}）")
            action.triggered.connect(lambda _c=False, d=delta: self.step(d))
            self.addAction(action)
            button = QToolButton()
            button.setDefaultAction(action)
            tools.addWidget(button)
        self.page_label = QLabel("")
        self.page_label.setObjectName("preview_page")
        tools.addWidget(self.page_label)
        tools.addStretch(1)
        layout.addLayout(tools)
        layout.addWidget(self.view, 1)
        self.pdf: PdfBytes | None = None
        self.starts: dict[str, int] = {}  # each document's first page in the PDF shown
        self.view.pageNavigator().currentPageChanged.connect(lambda _p: self._show_page_number())

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    def fit_page(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)

    def zoom(self, factor: float) -> None:
        """Zoom from what is shown now (a fitted page's factor included), within sane bounds."""
        current = self._shown_factor()
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(min(MAX_ZOOM, max(MIN_ZOOM, current * factor)))

    def _shown_factor(self) -> float:
        if self.view.zoomMode() == QPdfView.ZoomMode.Custom or self.pdf is None:
            return self.view.zoomFactor()
        page = self.pdf.document.pagePointSize(0)
        if page.width() <= 0:
            return self.view.zoomFactor()
        # Points to pixels at the screen's resolution, as QPdfView computes a fitted zoom.
        dpi = self.logicalDpiX() / 72.0
        width = self.view.viewport().width() / (page.width() * dpi)
        if self.view.zoomMode() == QPdfView.ZoomMode.FitToWidth:
            return width
        return min(width, self.view.viewport().height() / (page.height() * dpi))

    def show_pdf(
        self, data: bytes, note: str, document: str | None = None, starts: dict[str, int] | None = None
    ) -> None:
        """Show a new rendering: on `document`'s first page (`starts`: each document id's first
        page), else on the page shown before (an edit re-renders; the agent stays where they were)."""
        old = self.pdf
        page = self.current_page()
        self.starts = dict(starts or {})
        self.pdf = PdfBytes(data, self)
        self.view.setDocument(self.pdf.document)
        if old is not None:
            old.close()
        self.status.setText(note)
        if document is None or not self.go_to_document(document):
            self.go_to_page(min(page, max(self.page_count() - 1, 0)))
        self._show_page_number()

    def page_count(self) -> int:
        return self.pdf.document.pageCount() if self.pdf is not None else 0

    def current_page(self) -> int:
        """The page shown, from 0."""
        return self.view.pageNavigator().currentPage()

    def go_to_page(self, page: int) -> None:
        if 0 <= page < self.page_count():
            self.view.pageNavigator().jump(page, QPointF(), 0)
            self._show_page_number()

    def go_to_document(self, doc_id: str | None) -> bool:
        """Show the first page of document `doc_id`; False when this rendering lacks it."""
        page = self.starts.get(doc_id or "")
        if self.pdf is None or page is None:
            return False
        self.go_to_page(page)
        return True

    def step(self, delta: int) -> None:
        """PageDown / PageUp: the next or previous page."""
        self.go_to_page(self.current_page() + delta)

    def _show_page_number(self) -> None:
        count = self.page_count()
        self.page_label.setText(f"第 {self.current_page() + 1} / {count} 页" if count else "")


def print_pdf(data: bytes, printer: QPrinter, pages: Sequence[int] | None = None) -> int:
    """Draw `pages` (0-based; None: every page) of the PDF on `printer`, each rendered at the
    printer's resolution; returns pages printed. Only where the PDF itself cannot go to the
    printer (Windows' GDI printers: Qt has no PDF passthrough there; desktop.ui.print_path)."""
    pdf = PdfBytes(data)
    try:
        count = pdf.document.pageCount()
        chosen = [p for p in (range(count) if pages is None else pages) if 0 <= p < count]
        # The printer's own resolution (QPrinter.HighResolution), capped: a 1200 dpi A4 page would
        # be a 550 MB image, and toner shows nothing finer than 600 dpi of rendered text.
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        # The PDF carries its own margins: draw each page over the whole sheet.
        printer.setFullPage(True)
        painter = QPainter()
        if not painter.begin(printer):
            return 0
        try:
            for n, page in enumerate(chosen):
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
        return len(chosen)
    finally:
        pdf.close()
