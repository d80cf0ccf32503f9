"""Signature and stamp boxes as printed: a light frame where the customer signs or stamps.

The frames are drawn from the layout data (desktop.domain.layout.SignBox) and each one is reported
to the canvas (`record_box`, when the canvas has it) with its absolute position, so the scan checker
learns where every box of a page is from the very render that printed it.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from desktop.domain import layout

FRAME_GREY = colors.Color(0.72, 0.72, 0.72)
FRAME_WIDTH = 0.5
GAP = 2.0
# The label's baseline sits this far above the box's bottom edge: the frame is the blank "on the
# label's line", its lower edge just under the line where a pen starts.
BASELINE_LIFT = 3.0 * mm


def frame(canvas: object, label: str, box: layout.SignBox, x: float, y: float, w: float, h: float) -> None:
    """Draw the light frame at (x, y) (bottom-left, local coordinates) and report it to the canvas."""
    canvas.saveState()
    canvas.setStrokeColor(FRAME_GREY)
    canvas.setLineWidth(FRAME_WIDTH)
    canvas.setDash(2, 1.5)
    canvas.rect(x, y, w, h, stroke=1, fill=0)
    canvas.restoreState()
    record = getattr(canvas, "record_box", None)
    if record is not None:
        x0, y0 = canvas.absolutePosition(x, y)
        x1, y1 = canvas.absolutePosition(x + w, y + h)
        record(label, box, min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))


class StyledLine(Flowable):
    """A flowable drawn as one paragraph of `self.style`: it keeps the style's space before and
    after, as a Paragraph would (SignLine here, story.Line for short filled-in lines)."""

    style: ParagraphStyle

    def getSpaceBefore(self) -> float:  # noqa: N802 (ReportLab's name)
        return self.style.spaceBefore

    def getSpaceAfter(self) -> float:  # noqa: N802
        return self.style.spaceAfter


class SignLine(StyledLine):
    """A paragraph whose blank is a box: the label, then the frame right of it on the label's line;
    whatever the line prints after its label (a company name under its stamp) sits inside the frame."""

    def __init__(self, label: str, rest: str, box: layout.SignBox, style: ParagraphStyle) -> None:
        super().__init__()
        self.label, self.rest, self.box, self.style = label, rest, box, style

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        self.height = self.box.height * mm + FRAME_WIDTH
        return availWidth, self.height

    def draw(self) -> None:
        style, canvas = self.style, self.canv
        label_w = stringWidth(self.label, style.fontName, style.fontSize)
        rest_w = stringWidth(self.rest, style.fontName, style.fontSize) if self.rest.strip() else 0.0
        room = max(1.0, self.width - label_w - GAP)
        # The box widens for what prints inside it (a company name under its stamp), within the line.
        box_w = min(room, max(self.box.width * mm, rest_w + 2 * GAP))
        box_h = self.box.height * mm
        # The sign style's indent, moved left as far as needed for the whole box to fit the line.
        x = max(0.0, min(style.leftIndent, self.width - label_w - GAP - box_w))
        canvas.setFont(style.fontName, style.fontSize)
        canvas.drawString(x, BASELINE_LIFT, self.label)
        left = x + label_w + GAP
        if rest_w:
            # A value longer than the line (only a draft has one) prints smaller, never outside.
            size = style.fontSize * min(1.0, (box_w - 2 * GAP) / rest_w)
            canvas.setFont(style.fontName, size)
            canvas.drawString(left + GAP, BASELINE_LIFT, self.rest)
        frame(canvas, self.label, self.box, left, 0, box_w, box_h)


class BoxMark(Flowable):
    """The box under the label heading a table cell (「申请单位（盖公章）」): the cell's free area."""

    def __init__(self, label: str, box: layout.SignBox) -> None:
        super().__init__()
        self.label, self.box = label, box

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        self.height = self.box.height * mm + 2 * GAP
        return availWidth, self.height

    def draw(self) -> None:
        frame(self.canv, self.label, self.box, 0, GAP, self.width, self.box.height * mm)
