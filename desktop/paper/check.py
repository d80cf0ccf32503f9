"""One scanned page against the print it belongs to: found, aligned, every required box inked?

The page's boxes come from the render of that print (desktop.render.identity.PrintLayout), so the
checker knows no document: what the layout data marks as a required box is what is checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from desktop.paper.ink import Ink, box_ink
from desktop.paper.locate import Located
from desktop.render.identity import BoxFrame, PrintLayout

KIND_WORDS = {"signature": "未见签字", "stamp": "未见盖章"}


@dataclass(frozen=True)
class Missing:
    """An empty required box, named as the contract asks: page, document title, label."""

    page: int
    title: str
    label: str
    kind: str

    def message(self) -> str:
        return f"第 {self.page} 页 {self.title} {self.label}：{KIND_WORDS.get(self.kind, '未见签字')}"


@dataclass(frozen=True)
class PageCheck:
    """The boxes of one page: each required box's ink, and the empty ones."""

    inks: tuple[Ink, ...] = ()
    missing: tuple[Missing, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return not self.missing


def check_page(
    image: Image.Image, located: Located, layout: PrintLayout, titles: dict[str, str]
) -> PageCheck:
    """Check every required box of the located page (its number within its print) for ink;
    `titles`: document id → the title the verdict names it by."""
    page = located.page
    inks = tuple(box_ink(image, located.to_scan, box) for box in layout.boxes_on(page.page) if box.required)
    missing = tuple(
        Missing(page.page, titles.get(ink.box.doc, ink.box.doc), ink.box.label.rstrip("：: "), ink.box.kind)
        for ink in inks
        if not ink.inked
    )
    return PageCheck(inks, missing)


def scan_corners(to_scan: np.ndarray, box: BoxFrame) -> list[tuple[float, float]]:
    """The box's four corners in scan pixels (clockwise from top-left): where the window outlines
    an empty box on the scan."""
    out = []
    for x, y in ((box.left, box.top), (box.left + box.width, box.top),
                 (box.left + box.width, box.top + box.height), (box.left, box.top + box.height)):  # fmt: skip
        u, v, w = to_scan @ np.array([x, y, 1.0])
        out.append((float(u / w), float(v / w)))
    return out
