"""Page identity (paper-trail.md): what each printed page says about itself, and where its boxes are.

Every page of a print carries a QR holding `400B1|NUMBER|DOC|P/N|DIGEST`; the scan checker reads it
back (desktop.paper) and needs the same page's signature and stamp frames, which the renderer records
while drawing (`PrintLayout`) so that no code anywhere knows where a document puts its boxes.
Coordinates are millimetres from the page's top-left corner, as a scan is read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from desktop.domain.status import DIGEST_SHORT, print_digest

FORMAT = "400B1"
DIGEST_CHARS = DIGEST_SHORT
# Where the QR sits: 18 mm with its 4-module quiet zone, 4 mm in from the top and right edges. The
# renderer draws it there and the scan checker aligns a scan by its corners, so both read these.
QR_SIZE_MM = 18.0
QR_INSET_MM = 4.0
QR_QUIET = 4
# Every print is A4 (desktop.render); a scan is aligned by where the QR sits on such a page.
PAGE_WIDTH_MM = 210.0
# Case numbers are DESK-YYYYMMDD-NNN (desktop.store.numbers); a file's own number may be any short
# id, but never one holding the separator, so the payload always splits into its five parts.
_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_DOC = re.compile(r"[a-z][a-z0-9_]{0,31}")
_DIGEST = re.compile(rf"[0-9a-f]{{{DIGEST_CHARS}}}")
_PAGES = re.compile(r"([1-9][0-9]{0,2})/([1-9][0-9]{0,2})")


def values_digest(values: Mapping[str, object]) -> str:
    """What a page's QR carries of the print log's digest (desktop.domain.status.print_digest):
    its first 10 hex characters, so a page names the very print-log row it came from."""
    return print_digest(values)[:DIGEST_CHARS]


def qr_symbol_mm(page_width_mm: float, modules: int) -> tuple[float, float, float]:
    """The printed symbol (quiet zone excluded) of a QR of `modules` modules: left, top, side in
    mm from the page's top-left corner."""
    unit = QR_SIZE_MM / (modules + 2 * QR_QUIET)
    left = page_width_mm - QR_INSET_MM - QR_SIZE_MM + QR_QUIET * unit
    return left, QR_INSET_MM + QR_QUIET * unit, modules * unit


@dataclass(frozen=True)
class PageId:
    """What one page's QR says: case number, document id, page within the print, count, digest."""

    number: str
    doc: str
    page: int
    pages: int
    digest: str

    def payload(self) -> str:
        return f"{FORMAT}|{self.number}|{self.doc}|{self.page}/{self.pages}|{self.digest}"

    def caption(self) -> str:
        """The human-readable line printed under the QR."""
        return f"{self.number} 第{self.page}页"


def parse_payload(text: str) -> PageId | None:
    """The page identity a QR holds, or None for anything that is not exactly our format (a QR of
    another kind, a damaged one, one holding a page past its own count)."""
    parts = text.split("|")
    if len(parts) != 5 or parts[0] != FORMAT:
        return None
    _, number, doc, pages, digest = parts
    m = _PAGES.fullmatch(pages)
    if not (m and _NUMBER.fullmatch(number) and _DOC.fullmatch(doc) and _DIGEST.fullmatch(digest)):
        return None
    page, total = int(m[1]), int(m[2])
    if page > total:
        return None
    return PageId(number, doc, page, total, digest)


def printable_number(number: str) -> str:
    """The case number as the QR can carry it ('-' for a case file's id that cannot: never raises)."""
    return number if _NUMBER.fullmatch(number) else "-"


@dataclass(frozen=True)
class BoxFrame:
    """A signature (签字) or stamp (盖章) box as printed: page (1-based), its label, whether the
    layout requires it, and its frame in mm from the page's top-left corner."""

    doc: str
    page: int
    label: str
    kind: str  # "signature" or "stamp"
    required: bool
    left: float
    top: float
    width: float
    height: float


@dataclass
class PrintLayout:
    """Filled in by one render: each page's document id, the page size in mm, and every box drawn."""

    page_docs: list[str] = field(default_factory=list)
    boxes: list[BoxFrame] = field(default_factory=list)
    page_size: tuple[float, float] = (210.0, 297.0)

    def boxes_on(self, page: int) -> list[BoxFrame]:
        return [b for b in self.boxes if b.page == page]
