"""The print font can draw everything the forms print, and undrawable characters are found."""

from __future__ import annotations

import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.coverage import missing_glyphs
from desktop.files import paths
from desktop.render import TICK_MARKER
from desktop.render.glyphs import PRINT_FAMILY, FontFileError, font_index, load_coverage


@pytest.fixture(scope="module")
def coverage() -> frozenset[int]:
    return load_coverage(paths.print_font())


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def test_every_character_of_every_form_file_has_a_glyph(coverage):
    files = sorted(paths.forms_dir().rglob("*.toml"))
    assert len(files) >= 7
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        text = "".join(_strings(data))
        assert missing_glyphs(text, coverage) == [], path


def test_page_furniture_and_markers_have_glyphs(coverage):
    furniture = "案卷编号：第 1 页 共 9 页 草稿：尚有错误，不得签署 · （）" + TICK_MARKER + "[U+1F600]"
    assert missing_glyphs(furniture, coverage) == []


def test_latin_digits_and_cjk_are_drawable(coverage):
    for ch in "AZaz09@.-_:/()、，。“”《》（）年月日￥":
        assert ord(ch) in coverage, ch


def test_missing_glyphs_lists_distinct_characters_in_order(coverage):
    assert missing_glyphs("✓公司✓ 𠀀\t☑", coverage) == ["✓", "𠀀", "☑"]


def test_whitespace_and_controls_are_never_reported(coverage):
    assert missing_glyphs(" \t\n\r\u3000\u00a0\u2028\x00\x1f\x7f", coverage) == []


def test_coverage_accepts_any_iterable():
    assert missing_glyphs("ab", [ord("a")]) == ["b"]


def test_coverage_is_fast_and_cached():
    load_coverage.cache_clear()
    start = time.perf_counter()
    first = load_coverage(paths.print_font())
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"reading the font's character map took {elapsed:.2f}s"
    assert load_coverage(paths.print_font()) is first
    assert len(first) > 20000


def test_collection_subfont_is_picked_by_name():
    assert font_index(paths.print_font(), PRINT_FAMILY) == 0
    assert font_index(paths.print_font(), "AR PL UMing TW") == 2
    with pytest.raises(FontFileError, match="no font named"):
        font_index(paths.print_font(), "No Such Family")


def test_licence_ships_beside_the_font():
    assert (paths.fonts_dir() / "uming-LICENSE.txt").is_file()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"OTTO" + bytes(64), "PostScript"), (b"hello world, not a font", "not a TrueType")],
)
def test_unusable_font_files_are_refused(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "bad.ttf"
    path.write_bytes(content)
    with pytest.raises(FontFileError, match=message):
        load_coverage(path)


def test_missing_font_file_is_refused(tmp_path: Path):
    with pytest.raises(FontFileError):
        load_coverage(tmp_path / "none.ttf")


def test_registered_coverage_equals_the_parsed_cmap():
    from desktop.render.fonts import registered_coverage

    assert registered_coverage(paths.print_font()) == load_coverage(paths.print_font())


def test_the_font_is_parsed_once_however_it_is_asked_for():
    from desktop.render import fonts

    fonts.register_font(paths.print_font())
    misses = fonts._register.cache_info().misses
    fonts.register_font(paths.print_font(), PRINT_FAMILY)
    fonts.register_font(str(paths.print_font()))
    assert fonts._register.cache_info().misses == misses
