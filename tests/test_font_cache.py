"""The parsed print font kept in the disk cache prints exactly what a fresh parse prints."""

from __future__ import annotations

import io
import pickle
import shutil
from pathlib import Path

import pytest
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from desktop.files import paths
from desktop.render import fonts
from desktop.render.glyphs import PRINT_FAMILY, FontFileError

SAMPLE = "中国电信 400 业务受理单 杭州云栖数智科技有限公司 0571-88223344 ☐ 第 1 页 共 6 页 琦玥"


def _cache_entries(name: str) -> list[Path]:
    return list((paths.data_dir() / "cache").glob(f"font-{name}.pickle"))


def _pdf(font: TTFont, monkeypatch) -> bytes:
    monkeypatch.setattr(rl_config, "invariant", 1)
    pdfmetrics.registerFont(font)
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.setFont(font.fontName, 12)
    canvas.drawString(72, 720, SAMPLE)
    canvas.save()
    return out.getvalue()


def test_second_load_comes_from_the_cache_and_prints_the_same(monkeypatch):
    font_path = paths.print_font()
    fresh = fonts.parsed_font("t-cache", font_path, PRINT_FAMILY)
    assert len(_cache_entries("t-cache")) == 1
    cached = fonts.parsed_font("t-cache", font_path, PRINT_FAMILY)
    assert cached is not fresh and cached.face is not fresh.face
    a, b = vars(fresh.face), vars(cached.face)
    assert a.keys() == b.keys()
    for key in a.keys() - {"_pdfScale"}:
        assert a[key] == b[key], key
    assert [a["_pdfScale"](v) for v in (0, 1, 333, 2048)] == [b["_pdfScale"](v) for v in (0, 1, 333, 2048)]
    assert len(cached.state) == 0
    first = _pdf(fresh, monkeypatch)
    assert _pdf(cached, monkeypatch) == first


def test_a_changed_font_file_is_parsed_again(tmp_path, monkeypatch):
    font_path = tmp_path / "print.ttc"
    shutil.copyfile(paths.print_font(), font_path)
    fonts.parsed_font("t-change", font_path, PRINT_FAMILY)
    (before,) = _cache_entries("t-change")
    parses = []
    real = fonts.font_index

    def counting(*args, **kwargs):
        parses.append(args)  # only a parse looks the subfont up
        return real(*args, **kwargs)

    monkeypatch.setattr(fonts, "font_index", counting)
    fonts.parsed_font("t-change", font_path, PRINT_FAMILY)
    assert parses == []  # a hit: nothing parsed
    with font_path.open("ab") as f:
        f.write(b"\0\0\0\0")  # same glyphs, another file: size and time differ
    fonts.parsed_font("t-change", font_path, PRINT_FAMILY)
    assert len(parses) == 1
    assert _cache_entries("t-change") == [before]  # rewritten for the new file
    fonts.parsed_font("t-change", font_path, PRINT_FAMILY)
    assert len(parses) == 1  # and used from then on


def test_a_damaged_entry_is_parsed_again(monkeypatch):
    font_path = paths.print_font()
    fonts.parsed_font("t-damaged", font_path, PRINT_FAMILY)
    (entry,) = _cache_entries("t-damaged")
    # The right stamp and a valid pickle of the wrong bytes: passes the cache's checks, fails as a font.
    with entry.open("rb") as handle:
        stamp = pickle.load(handle)
    entry.write_bytes(pickle.dumps(stamp) + pickle.dumps(b"not a font"))
    font = fonts.parsed_font("t-damaged", font_path, PRINT_FAMILY)
    assert isinstance(font, TTFont) and font.face.numGlyphs > 20000
    assert _cache_entries("t-damaged") == []  # dropped: the next run writes a good one
    fonts.parsed_font("t-damaged", font_path, PRINT_FAMILY)
    assert len(_cache_entries("t-damaged")) == 1


def test_missing_font_is_still_a_font_file_error(tmp_path):
    with pytest.raises(FontFileError):
        fonts.parsed_font("t-missing", tmp_path / "none.ttc", PRINT_FAMILY)


def test_a_font_replaced_keeping_size_and_time_is_parsed_again(tmp_path, monkeypatch):
    """A copy that keeps the file's time (cp -p, unzip) would pass the size-and-time stamp."""
    import os
    import struct

    font_path = tmp_path / "print.ttc"
    shutil.copyfile(paths.print_font(), font_path)
    fonts.parsed_font("t-same-stat", font_path, PRINT_FAMILY)
    before = font_path.stat()
    data = bytearray(font_path.read_bytes())
    directory = struct.unpack_from(">I", data, 12)[0]  # the first font of the collection
    struct.pack_into(">I", data, directory + 12 + 4, 0x12345678)  # its first table's checksum
    font_path.write_bytes(bytes(data))
    os.utime(font_path, ns=(before.st_atime_ns, before.st_mtime_ns))
    parses = []
    real = fonts.font_index
    monkeypatch.setattr(fonts, "font_index", lambda *a, **k: parses.append(a) or real(*a, **k))
    font = fonts.parsed_font("t-same-stat", font_path, PRINT_FAMILY)
    assert len(parses) == 1 and font.face._ttf_data == bytes(data)


def test_a_font_that_will_not_pickle_is_used_and_not_cached(monkeypatch):
    def refuse(font):
        raise TypeError("cannot pickle 'uharfbuzz.Face' object")

    monkeypatch.setattr(fonts, "_dumps", refuse)
    font = fonts.parsed_font("t-unpicklable", paths.print_font(), PRINT_FAMILY)
    assert isinstance(font, TTFont) and font.face.numGlyphs > 20000
    assert _cache_entries("t-unpicklable") == []
