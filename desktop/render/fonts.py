"""The print font: registered with ReportLab once per process, parsed once per font file.

ReportLab parses a TrueType font's tables in Python (~0.1 s for the 21 MB UMing collection) every
time a process registers it, which every `desk400 render` and the window's first preview paid. The
parsed font is kept in the disk cache, like fontconfig keeps its font cache, keyed by the font
file and ReportLab's version: a new font or a new ReportLab parses afresh.
"""

from __future__ import annotations

import gc
import io
import pickle
import weakref
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desktop.files import diskcache
from desktop.render import glyphs
from desktop.render.glyphs import PRINT_FAMILY, font_index


def register_font(font_path: Path, family: str = PRINT_FAMILY) -> str:
    """Register the TrueType font (subset-embedded in every PDF) and return its ReportLab name.

    The subfont of a collection is picked by family name, not by index, so a rebuilt .ttc with
    another order still prints with the simplified-Chinese forms.
    """
    # One cache key however the caller spells the arguments.
    return _register(Path(font_path), family)


@lru_cache(maxsize=4)
def _register(font_path: Path, family: str) -> str:
    name = f"desk400-{family.replace(' ', '')}-{zlib.crc32(str(font_path).encode()):08x}"
    pdfmetrics.registerFont(parsed_font(name, font_path, family))
    return name


class _NotCached(Exception):
    """The parsed font would not pickle: use it, keep nothing."""


def parsed_font(name: str, font_path: Path, family: str) -> TTFont:
    """ReportLab's TTFont for `family` in `font_path`, from the disk cache when it holds this file."""
    fresh: list[TTFont] = []

    def parse() -> bytes:
        font = TTFont(name, str(font_path), subfontIndex=font_index(font_path, family))
        fresh.append(font)
        try:
            return _dumps(font)
        except Exception as exc:  # a ReportLab that holds something unpicklable: no cache
            raise _NotCached from exc

    entry = f"font-{name}"
    sources = [font_path, *diskcache.code(__file__, glyphs.__file__)]
    try:
        blob = diskcache.cached(entry, sources, parse, kind=bytes, version=reportlab.Version)
    except _NotCached:
        return fresh[0]
    if fresh:
        return fresh[0]
    try:
        font = _loads(blob, font_path)
    except Exception:  # noqa: BLE001 - any damaged or foreign entry: parse the font itself
        font = None
    if not isinstance(font, TTFont) or font.fontName != name:
        diskcache.forget(entry)
        return TTFont(name, str(font_path), subfontIndex=font_index(font_path, family))
    return font


# What a parsed TTFont holds that is not its parse: the font file's bytes (21 MB, read again from
# the file), its scale function (a lambda ReportLab builds from the em size) and its per-document
# state (a WeakKeyDictionary, empty until a PDF uses the font).
_DATA, _SCALE, _STATE = "font-file-bytes", "pdf-scale", "document-state"


def _dumps(font: TTFont) -> bytes:
    face = font.face
    outside = {
        id(face._ttf_data): (_DATA, len(face._ttf_data), _head_crc(face._ttf_data)),
        id(face._pdfScale): (_SCALE, face.unitsPerEm),
        id(font.state): _STATE,
    }

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj: object) -> object:
            return outside.get(id(obj))

    buffer = io.BytesIO()
    Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(font)
    return buffer.getvalue()


def _loads(blob: bytes, font_path: Path) -> TTFont:
    class Unpickler(pickle.Unpickler):
        def persistent_load(self, pid: object) -> object:
            if isinstance(pid, tuple) and pid[0] == _DATA:
                data = font_path.read_bytes()
                if (len(data), _head_crc(data)) != pid[1:]:
                    # Same size and time, other bytes (a copy that kept the time): parse it afresh.
                    raise pickle.UnpicklingError("the font file is not the one the cache was built from")
                return data
            if pid == _STATE:
                return weakref.WeakKeyDictionary()
            if isinstance(pid, tuple) and pid[0] == _SCALE:
                return _pdf_scale(pid[1])
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")

    # The face is ~50,000 containers (a list of characters per glyph, the metrics' tuples): made
    # one by one, they had the collector walk the whole heap (ReportLab's modules included) again
    # and again while none of them can be garbage yet.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return Unpickler(io.BytesIO(blob)).load()
    finally:
        if collecting:
            gc.enable()


def _head_crc(data: bytes) -> int:
    """A checksum of the collection's header and table directories, which hold every table's own
    checksum: any real change to the font shows here, for the cost of 64 KiB."""
    return zlib.crc32(data[:65536])


def _pdf_scale(units_per_em: int) -> Callable[[float], float]:
    """Font units to PDF's 1/1000 em: ReportLab's own formula from TTFontFile.extractInfo."""
    if units_per_em == 1000:
        return lambda x: x
    factor = 1000 / units_per_em
    return lambda x: x * factor


@lru_cache(maxsize=4)
def registered_coverage(font_path: Path, family: str = PRINT_FAMILY) -> frozenset[int]:
    """The code points the registered print font draws, from the face ReportLab already parsed.

    Same set as glyphs.load_coverage (tests/test_glyphs.py holds them equal); `render` uses this
    to skip parsing the 21 MB collection a second time.
    """
    face = pdfmetrics.getFont(register_font(font_path, family)).face
    return frozenset(cp for cp, glyph in face.charToGlyph.items() if glyph)
