"""Which characters the print font can draw.

A value with a character the font lacks would print as a box or a blank on a signed contract, so
the app refuses it instead; this module answers "can the font draw this?" from the font's own
character map. It reads the TrueType tables directly (a few milliseconds for the 20 MB UMing
collection) rather than parsing every glyph through a full font library.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path

# The subfont of the shipped collection the documents are printed with (simplified Chinese forms).
PRINT_FAMILY = "AR PL UMing CN"


class FontFileError(ValueError):
    """A font file that is not a TrueType font or collection this module can read."""


def _u16(data: bytes, at: int) -> int:
    return struct.unpack_from(">H", data, at)[0]


def _u32(data: bytes, at: int) -> int:
    return struct.unpack_from(">I", data, at)[0]


def _font_offsets(data: bytes) -> list[int]:
    """Offsets of the table directories: one per font of a collection, one for a single font."""
    tag = data[:4]
    if tag == b"ttcf":
        count = _u32(data, 8)
        return [_u32(data, 12 + 4 * i) for i in range(count)]
    if tag in (b"\x00\x01\x00\x00", b"true"):
        return [0]
    if tag == b"OTTO":
        raise FontFileError("PostScript-outline (CFF) fonts cannot be embedded; use a TrueType font")
    raise FontFileError("not a TrueType font or collection")


def _tables(data: bytes, offset: int) -> dict[bytes, tuple[int, int]]:
    count = _u16(data, offset + 4)
    tables = {}
    for i in range(count):
        rec = offset + 12 + 16 * i
        tables[data[rec : rec + 4]] = (_u32(data, rec + 8), _u32(data, rec + 12))
    return tables


def _family(data: bytes, tables: dict[bytes, tuple[int, int]]) -> str:
    """The font's family name (name ID 1), preferring the Windows Unicode record."""
    if b"name" not in tables:
        return ""
    base, _ = tables[b"name"]
    count, strings = _u16(data, base + 2), base + _u16(data, base + 4)
    found = ""
    for i in range(count):
        rec = base + 6 + 12 * i
        platform, encoding, _lang, name_id, length, at = struct.unpack_from(">6H", data, rec)
        if name_id != 1:
            continue
        raw = data[strings + at : strings + at + length]
        if platform == 3 and encoding in (0, 1, 10):
            return raw.decode("utf-16-be", "replace")
        if platform == 1 and not found:
            found = raw.decode("latin-1")
    return found


def font_index(font_path: Path, family: str = PRINT_FAMILY) -> int:
    """The index of `family` in a collection (0 for a single font); the name, not a guessed index."""
    data = _read(font_path)
    offsets = _font_offsets(data)
    if len(offsets) == 1:
        return 0
    names = [_family(data, _tables(data, off)) for off in offsets]
    if family not in names:
        raise FontFileError(f"{font_path}: no font named {family!r} (has {', '.join(names)})")
    return names.index(family)


def _cmap_format4(data: bytes, at: int) -> set[int]:
    segs = _u16(data, at + 6) // 2
    ends, starts = at + 14, at + 16 + 2 * segs
    deltas, ranges = starts + 2 * segs, starts + 4 * segs
    out: set[int] = set()
    for i in range(segs):
        end, start = _u16(data, ends + 2 * i), _u16(data, starts + 2 * i)
        delta, range_offset = _u16(data, deltas + 2 * i), _u16(data, ranges + 2 * i)
        if start == 0xFFFF:
            continue
        if range_offset == 0:
            out.update(c for c in range(start, end + 1) if (c + delta) & 0xFFFF)
            continue
        base = ranges + 2 * i + range_offset
        for c in range(start, end + 1):
            glyph = _u16(data, base + 2 * (c - start))
            if glyph and (glyph + delta) & 0xFFFF:
                out.add(c)
    return out


def _cmap_format12(data: bytes, at: int) -> set[int]:
    groups = _u32(data, at + 12)
    out: set[int] = set()
    for i in range(groups):
        start, end, glyph = struct.unpack_from(">3I", data, at + 16 + 12 * i)
        out.update(range(start if glyph else start + 1, end + 1))
    return out


def _coverage(data: bytes, tables: dict[bytes, tuple[int, int]]) -> set[int]:
    if b"cmap" not in tables:
        raise FontFileError("font has no character map")
    base, _ = tables[b"cmap"]
    subtables = {}
    for i in range(_u16(data, base + 2)):
        platform, encoding, offset = struct.unpack_from(">HHI", data, base + 4 + 8 * i)
        subtables[(platform, encoding)] = base + offset
    for key in ((3, 10), (0, 4), (0, 6)):
        if key in subtables and _u16(data, subtables[key]) == 12:
            return _cmap_format12(data, subtables[key])
    for key in ((3, 1), (0, 3), (0, 1), (0, 0)):
        if key in subtables and _u16(data, subtables[key]) == 4:
            return _cmap_format4(data, subtables[key])
    raise FontFileError("font has no Unicode character map")


def _read(font_path: Path) -> bytes:
    try:
        return Path(font_path).read_bytes()
    except OSError as exc:
        raise FontFileError(f"{font_path}: {exc.strerror}") from None


@lru_cache(maxsize=8)
def load_coverage(font_path: Path, family: str = PRINT_FAMILY) -> frozenset[int]:
    """The code points the font can draw (glyph other than .notdef); cached per path and family."""
    data = _read(font_path)
    try:
        offsets = _font_offsets(data)
        index = font_index(font_path, family) if len(offsets) > 1 else 0
        return frozenset(_coverage(data, _tables(data, offsets[index])))
    except (struct.error, IndexError):
        raise FontFileError(f"{font_path}: damaged font file") from None
