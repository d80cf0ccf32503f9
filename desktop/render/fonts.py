"""The print font: registered with ReportLab once per process and font file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desktop.glyphs import PRINT_FAMILY, font_index


def register_font(font_path: Path, family: str = PRINT_FAMILY) -> str:
    """Register the TrueType font (subset-embedded in every PDF) and return its ReportLab name.

    The subfont of a collection is picked by family name, not by index, so a rebuilt .ttc with
    another order still prints with the simplified-Chinese forms.
    """
    # One cache key however the caller spells the arguments: parsing the font costs ~0.2 s.
    return _register(Path(font_path), family)


@lru_cache(maxsize=4)
def _register(font_path: Path, family: str) -> str:
    name = f"desk400-{family.replace(' ', '')}-{abs(hash(str(font_path))):x}"
    pdfmetrics.registerFont(TTFont(name, str(font_path), subfontIndex=font_index(font_path, family)))
    return name


@lru_cache(maxsize=4)
def registered_coverage(font_path: Path, family: str = PRINT_FAMILY) -> frozenset[int]:
    """The code points the registered print font draws, from the face ReportLab already parsed.

    Same set as glyphs.load_coverage (tests/test_glyphs.py holds them equal); `render` uses this
    to skip parsing the 21 MB collection a second time.
    """
    face = pdfmetrics.getFont(register_font(font_path, family)).face
    return frozenset(cp for cp, glyph in face.charToGlyph.items() if glyph)
