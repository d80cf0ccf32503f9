"""The 复印件 page(s): each card image kept with the case, crossed by the annotation MIIT Order 25
Art. 9 requires on a copy of an identity document (the operator's name, the purpose, the date):
「仅供浙江省公众信息产业有限公司办理400业务使用 2026年12月07日」. With it no separate, hand-annotated
photocopy is needed (paper-trail.md, "Papers in").

Images go from memory to the PDF (ReportLab's ImageReader on a BytesIO): never a temp file.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from desktop.render.story import DocumentStart

KIND_TITLES = {
    "licence": "营业执照",
    "id_front": "居民身份证（人像面）",
    "id_back": "居民身份证（国徽面）",
    "id_photo": "居民身份证（读卡照片）",
}
ANNOTATION_COLOUR = colors.Color(0.75, 0.1, 0.1, alpha=0.55)
# The largest an image prints: a licence fills the width, an ID card prints at about 1.5x its size.
MAX_HEIGHT = 110 * mm


def annotation(operator: str, day: date) -> str:
    """The Order 25 Art. 9 words: operator, purpose, date."""
    return f"仅供{operator}办理400业务使用 {day.year}年{day.month:02d}月{day.day:02d}日"


class AnnotatedImage(Flowable):
    """One image scaled into the frame, the annotation drawn diagonally across it, twice."""

    def __init__(self, data: bytes, text: str, font: str, width: float) -> None:
        super().__init__()
        self.reader = ImageReader(io.BytesIO(data))
        pixels_w, pixels_h = self.reader.getSize()
        scale = min(width / pixels_w, MAX_HEIGHT / pixels_h)
        self.width, self.height = pixels_w * scale, pixels_h * scale
        self.text = text
        self.font = font

    def wrap(self, *_available: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.drawImage(self.reader, 0, 0, self.width, self.height)
        canvas.setStrokeColor(colors.grey)
        canvas.rect(0, 0, self.width, self.height)
        diagonal = math.hypot(self.width, self.height)
        size = min(28.0, 0.85 * diagonal / max(1, len(self.text)))
        canvas.saveState()
        canvas.setFillColor(ANNOTATION_COLOUR)
        canvas.setFont(self.font, size)
        canvas.translate(self.width / 2, self.height / 2)
        canvas.rotate(math.degrees(math.atan2(self.height, self.width)))
        for offset in (size * 1.2, -size * 1.6):
            canvas.drawCentredString(0, offset, self.text)
        canvas.restoreState()


def copies_story(
    images: Sequence[tuple[str, bytes]],
    operator: str,
    day: date,
    font: str,
    title_style: object,
    width: float,
) -> list[Flowable]:
    """Flowables for the 复印件 pages, one image after another (two ID sides share a page)."""
    if not images:
        return []
    text = annotation(operator, day)
    # The marker makes these pages the outline's 复印件 and their QR's document `copies`.
    story: list[Flowable] = [PageBreak(), DocumentStart("copies", "复印件")]
    for n, (kind, data) in enumerate(images):
        if n and kind == "licence":
            story.append(PageBreak())
        # The title stays with its image: a second side that does not fit under the first goes
        # to the next page whole, never leaving its title behind.
        title = Paragraph(f"复印件：{KIND_TITLES.get(kind, kind)}", title_style)
        story.append(KeepTogether([title, Spacer(1, 3 * mm), AnnotatedImage(data, text, font, width)]))
        story.append(Spacer(1, 8 * mm))
    return story
