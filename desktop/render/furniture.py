"""Page furniture: case number, 「第 x 页 共 y 页」, edition, draft watermark, and the checkbox drawing.

The page total is only known at the end, so the canvas keeps each finished page and stamps the
numbers when the document is saved (one layout pass, not two).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from desktop.render.story import BOX_CALLBACK, box_callback

FURNITURE_SIZE = 8.0
GREY = colors.Color(0.35, 0.35, 0.35)


@dataclass(frozen=True)
class Furniture:
    font: str
    case_id: str
    footer: str
    draft: bool
    margin: float
    # Filled while building: each document's first page (from 0), for the preview to open on.
    starts: dict[str, int] = field(default_factory=dict, compare=False)


class NumberedCanvas(Canvas):
    """A canvas that stamps header, footer and watermark once the page count is known."""

    def __init__(self, *args: object, furniture: Furniture, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._pages: list[dict] = []
        self._outline: list[tuple[str, str]] = []
        self.setNamedCB(BOX_CALLBACK, box_callback)

    def outline_entry(self, key: str, title: str) -> None:
        """Bookmark this page; applied when the page is really emitted (its page number is known)."""
        self._outline.append((key, title))
        self._furniture.starts.setdefault(key, len(self._pages))

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._outline = []
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
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
        self.drawRightString(width - f.margin, top, f"案卷编号：{f.case_id}")
        if f.draft:
            self.drawString(f.margin, top, "草稿：尚有错误，不得签署")
        self.drawString(f.margin, bottom, f.footer)
        self.drawRightString(width - f.margin, bottom, f"第 {number} 页 共 {total} 页")
        self.restoreState()
