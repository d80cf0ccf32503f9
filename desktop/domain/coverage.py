"""Which characters of a value the print font cannot draw, given the font's coverage.

The coverage (the code points of the font's character map) is read by desktop.render.glyphs;
judging a value against it is the domain's (a character the font lacks is a field error), so it
lives here and the domain never imports the renderer.
"""

from __future__ import annotations

from collections.abc import Iterable


def missing_glyphs(text: str, coverage: Iterable[int] | frozenset[int]) -> list[str]:
    """The distinct characters of `text` the font cannot draw, in order of first appearance.

    Whitespace and control characters are ignored: they are never drawn as glyphs.
    """
    if not isinstance(coverage, (set, frozenset)):
        coverage = frozenset(coverage)
    missing: dict[str, None] = {}
    for ch in text:
        if ord(ch) in coverage or ch.isspace() or not ch.isprintable():
            continue
        missing.setdefault(ch)
    return list(missing)
