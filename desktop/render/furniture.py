"""Page furniture: case number, 「第 x 页 共 y 页」, edition, draft watermark, the page's QR
(desktop.render.identity) and the checkbox drawing.

The page total is only known at the end, so the canvas keeps each finished page and stamps the
numbers when the document is saved (one layout pass, not two).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from desktop.domain import layout
from desktop.render.identity import QR_INSET_MM, QR_QUIET, QR_SIZE_MM, BoxFrame, PageId, PrintLayout
from desktop.render.qr import qr_modules
from desktop.render.story import BOX_CALLBACK, box_callback

FURNITURE_SIZE = 8.0
GREY = colors.Color(0.35, 0.35, 0.35)
# The QR with its 4-module quiet zone, in the top-right corner 4 mm in from both edges (inside any
# printer's unprintable margin); the body frame starts below it and its caption.
QR_SIZE = QR_SIZE_MM * mm
QR_INSET = QR_INSET_MM * mm
CAPTION_SIZE = 6.0
# The page header's right end stops short of the QR's quiet zone.
HEADER_RIGHT = QR_SIZE + QR_INSET + 3 * mm
# What a page belongs to before any document starts on it (never seen in a bundle print).
UNKNOWN_DOC = "page"


@dataclass(frozen=True)
class Furniture:
    font: str
    case_id: str
    footer: str
    draft: bool
    margin: float
    # Filled while building: each document's first page (from 0), for the preview to open on.
    starts: dict[str, int] = field(default_factory=dict, compare=False)
    number: str = "-"
    digest: str = "0" * 10
    layout: PrintLayout = field(default_factory=PrintLayout)


class NumberedCanvas(Canvas):
    """A canvas that stamps header, footer and watermark once the page count is known."""

    def __init__(self, *args: object, furniture: Furniture, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._pages: list[dict] = []
        self._outline: list[tuple[str, str]] = []
        self._doc_id = UNKNOWN_DOC
        self._boxes: list[tuple[str, layout.SignBox, float, float, float, float]] = []
        self.setNamedCB(BOX_CALLBACK, box_callback)

    def outline_entry(self, key: str, title: str) -> None:
        """Bookmark this page; applied when the page is really emitted (its page number is known).
        The document starting here is also the one the page's QR names."""
        if not self._outline:
            self._doc_id = key
        self._outline.append((key, title))
        self._furniture.starts.setdefault(key, len(self._pages))

    def record_box(self, label: str, box: layout.SignBox, x: float, y: float, w: float, h: float) -> None:
        """A signature or stamp frame drawn on this page (points, PDF coordinates)."""
        self._boxes.append((label, box, x, y, w, h))

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._outline = []
        self._boxes = []
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        f = self._furniture
        f.layout.page_size = (self._pagesize[0] / mm, self._pagesize[1] / mm)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            f.layout.page_docs.append(self._doc_id)
            height = self._pagesize[1]
            f.layout.boxes.extend(
                BoxFrame(
                    self._doc_id,
                    number,
                    label,
                    box.kind,
                    box.required,
                    x / mm,
                    (height - y - h) / mm,
                    w / mm,
                    h / mm,
                )
                for label, box, x, y, w, h in self._boxes
            )
            draw_qr(self, PageId(f.number, self._doc_id, number, total, f.digest), f.font)
            for key, title in self._outline:
                self.bookmarkPage(key)
                self.addOutlineEntry(title, key, level=0)
            self._stamp(number, total)
            super().showPage()
        super().save()

    def _stamp(self, number: int, total: int) -> None:
        f = self._furniture
        width, height = self._pagesize
        self.saveState()
        if f.draft:
            self.setFillColor(colors.Color(0.55, 0.55, 0.55), alpha=0.22)
            self.setFont(f.font, 150)
            self.translate(width / 2, height / 2)
            self.rotate(45)
            self.drawCentredString(0, -50, "草稿")
            self.restoreState()
            self.saveState()
        self.setFont(f.font, FURNITURE_SIZE)
        self.setFillColor(GREY)
        top = height - f.margin * 0.55
        bottom = f.margin * 0.45
        self.drawRightString(width - HEADER_RIGHT, top, f"案卷编号：{f.case_id}")
        if f.draft:
            self.drawString(f.margin, top, "草稿：尚有错误，不得签署")
        self.drawString(f.margin, bottom, f.footer)
        self.drawRightString(width - f.margin, bottom, f"第 {number} 页 共 {total} 页")
        self.restoreState()


def draw_qr(canvas: Canvas, page: PageId, font: str) -> None:
    """The page's QR and its caption under it, in the page's top-right corner: ReportLab's own QR
    encoder (desktop.render.qr) encodes it; its dark modules are one vector path (a rectangle per
    run of a row), where the widget drew each run as a shape object."""
    width, height = canvas._pagesize
    modules = qr_modules(page.payload())
    unit = QR_SIZE / (len(modules) + 2 * QR_QUIET)
    left, bottom = width - QR_INSET - QR_SIZE, height - QR_INSET - QR_SIZE
    canvas.saveState()
    canvas.setFillColor(colors.black)
    # In module units from the symbol's top-left corner (y downwards), every coordinate a small
    # whole number: formatting ~300 floats per page through ReportLab's pure-Python fp_str was
    # most of the QR's cost.
    canvas.transform(unit, 0, 0, -unit, left + QR_QUIET * unit, bottom + QR_SIZE - QR_QUIET * unit)
    runs = []
    for r, row in enumerate(modules):
        c = 0
        for dark, run in itertools.groupby(row):
            n = len(list(run))
            if dark:
                runs.append(f"{c} {r} {n} 1 re")
            c += n
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()
    canvas.saveState()
    canvas.setFont(font, CAPTION_SIZE)
    canvas.setFillColor(GREY)
    canvas.drawRightString(width - QR_INSET, bottom - CAPTION_SIZE - 1, page.caption())
    canvas.restoreState()
