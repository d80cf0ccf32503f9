"""Person names and free text."""

from __future__ import annotations

import re
import unicodedata

from desktop.domain.validation import common  # the findings' helpers: common.error, common.result, …
from desktop.domain.validation.common import Result, check_invisible, normalise_text

# Middle dots that IMEs and fonts offer in place of the name separator U+00B7.
_DOT_LOOKALIKES = str.maketrans(dict.fromkeys("・•‧∙⋅･·ꞏ", "·"))
_SPACES = re.compile(r"\s+")


def _joins_tight(ch: str) -> bool:
    """CJK ideographs (and radicals, kana, compatibility and extension B–G forms) and the separator.

    Tested by code point rather than a regex class: that class spans 200 000 code points and took
    ~5 ms to compile in every process that checks a name.
    """
    point = ord(ch)
    return ch == "·" or 0x2E80 <= point <= 0x9FFF or 0xF900 <= point <= 0xFAFF or 0x20000 <= point <= 0x3134F


def drop_spaces_near_cjk(text: str) -> str:
    """「王 霄」 -> 「王霄」, 「Anna · Li」 -> 「Anna·Li」; a space between Latin words stays.

    `text` has its whitespace collapsed to single spaces already (check_person_name does that).
    """

    def keep(match: re.Match[str]) -> str:
        before, after = match.start() - 1, match.end()
        near = (before >= 0 and _joins_tight(text[before])) or (
            after < len(text) and _joins_tight(text[after])
        )
        return "" if near else match.group()

    return _SPACES.sub(keep, text)


_LATIN_JOINERS = frozenset("-'’")


def check_person_name(raw: str, *, max_length: int = 30) -> Result:
    """Person name: letters, ``·`` between parts; no digits or other symbols; 1–max_length characters."""
    hidden = check_invisible(raw)
    if hidden is not None:
        return hidden
    text = common.stable(
        lambda t: drop_spaces_near_cjk(" ".join(t.translate(_DOT_LOOKALIKES).split())), normalise_text(raw)
    )
    if not text:
        return Result(value="")
    problems = []
    digits = [c for c in text if unicodedata.category(c) in ("Nd", "No")]
    if digits:
        problems.append(common.error("digits", f"姓名不能含数字{common.quote(digits)}"))
    symbols = []
    for i, c in enumerate(text):
        category = unicodedata.category(c)
        if category[0] in "LM" or category == "Nl" or c in "· " or category in ("Nd", "No"):
            continue
        if c in _LATIN_JOINERS and 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha():
            continue
        symbols.append(c)
    if symbols:
        hint = "；名字中间的点请用“·”" if "." in symbols else ""
        problems.append(common.error("symbol", f"姓名不能含符号{common.quote(symbols)}{hint}"))
    if text.startswith("·") or text.endswith("·") or "··" in text:
        problems.append(common.error("dot_position", "“·”只能用在名字的两部分之间"))
    if len(text) > max_length:
        problems.append(common.error("too_long", f"不能超过 {max_length} 个字（现有 {len(text)} 个）"))
    return common.result(text, problems)


def check_text(raw: str, *, max_length: int, multiline: bool = False) -> Result:
    """Free text: normalised, no longer than ``max_length`` characters, no invisible characters."""
    hidden = check_invisible(raw, multiline=multiline)
    if hidden is not None:
        return hidden
    text = normalise_text(raw, multiline=multiline)
    if len(text) > max_length:
        return common.result(
            text, [common.error("too_long", f"不能超过 {max_length} 个字（现有 {len(text)} 个）")]
        )
    return common.result(text)
