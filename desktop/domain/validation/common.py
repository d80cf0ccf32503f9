"""Shared by every code family: findings, results, and how typed text is normalised."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from desktop.domain import invisible

ERROR = "error"
WARNING = "warning"

DIGITS = "0123456789"


@dataclass(frozen=True)
class Problem:
    """One finding about a value: a stable code, its severity and a Chinese message."""

    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class Result:
    """The normalised value, what is wrong with it and, when valid, what it decodes to."""

    value: str
    problems: tuple[Problem, ...] = ()
    info: str | None = None
    display: str = ""
    missing: int = 0

    @property
    def ok(self) -> bool:
        return all(p.severity != ERROR for p in self.problems)


def error(code: str, message: str) -> Problem:
    return Problem(code, ERROR, message)


def warning(code: str, message: str) -> Problem:
    return Problem(code, WARNING, message)


def result(
    value: str,
    problems: Iterable[Problem] = (),
    *,
    info: str | None = None,
    display: str | None = None,
    missing: int = 0,
) -> Result:
    problems = tuple(problems)
    ok = all(p.severity != ERROR for p in problems)
    if not ok:
        # A warning says "unusual, check it", which contradicts an error saying "cannot be right"
        # and usually presumes the value is otherwise fine; it shows again once the errors are fixed.
        problems = tuple(p for p in problems if p.severity == ERROR)
    return Result(
        value=value,
        problems=problems,
        info=info if ok else None,
        display=value if display is None or not ok else display,
        missing=missing,
    )


def quote(chars: Iterable[str], limit: int = 3) -> str:
    """「“A”、“B”」 for the first few distinct characters."""
    seen = list(dict.fromkeys(chars))
    shown = "、".join(f"“{c}”" for c in seen[:limit])
    return shown + ("等" if len(seen) > limit else "")


def too_short(length: int, missing: int) -> Problem:
    return error("too_short", f"应为 {length} 位，还差 {missing} 位")


def too_long(length: int, extra: int) -> Problem:
    return error("too_long", f"应为 {length} 位，多了 {extra} 位")


def check_invisible(raw: str, *, multiline: bool = False) -> Result | None:
    """The error for a value holding a control or format character (every field type), else None.

    Never cleaned silently (docs/validation.md, free text): the stored value keeps the character, so
    the error stays until the agent deletes it. The position counts from the trimmed value.
    """
    if raw.isprintable():  # no Cc, Cf, Cs, Zl or Zp at all: the keystroke path's usual case
        return None
    text = invisible.drop_surrogates(raw).strip()
    hidden = invisible.find_invisible(text, multiline=multiline)
    if hidden is None:
        return None
    return result(text, [error("invisible_char", hidden.message())])


# --- normalising -----------------------------------------------------------------------------

DASHES = re.compile(r"[\u2010-\u2015\u2212\u2043\ufe58]")
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_LINE_BREAKS = re.compile("\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
# Separators agents put into codes and numbers: spaces, hyphens, parentheses and every dash an
# IME offers (after NFKC full-width － and small ﹣ are already ASCII "-").
_CODE_SEPARATORS = re.compile(r"[\s\-()\u2010-\u2015\u2212\u2043\u2e3a\u2e3b\u30fc\ufe58]+")


def _drop_controls(text: str, keep: str = "") -> str:
    if text.isascii() and text.isprintable():
        return text
    return "".join(c for c in text if c in keep or unicodedata.category(c) not in _CONTROL_CATEGORIES)


def stable(clean: Callable[[str], str], text: str, fold: Callable[[str], str] | None = None) -> str:
    """Apply ``clean`` and NFKC until nothing changes, so normalising twice changes nothing.

    Removing a character or upper-casing can make a new NFKC composition (``A-̀`` → ``À``,
    ``ß́`` → ``SŚ``); a few rounds always settle it.
    """
    for _round in range(4):
        cleaned = clean(text)
        if cleaned.isascii():
            return cleaned
        cleaned = fold(cleaned) if fold else unicodedata.normalize("NFKC", cleaned)
        if cleaned == text:
            return cleaned
        text = cleaned
    return text


_WIDTH_FOLD = {
    **{cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)},  # ０-９
    **{cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)},  # Ａ-Ｚ
    **{cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)},  # ａ-ｚ
    0x3000: 0x20,  # ideographic space
    0xFF20: 0x40,  # ＠ in e-mail addresses
    0xFF0E: 0x2E,  # ． in e-mail addresses and numbers
}


def _fold_width(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_WIDTH_FOLD)


def normalise_entry(raw: str) -> str:
    """Full NFKC for what is not the customer's prose: phone numbers, dates, e-mail addresses."""
    return stable(lambda t: _drop_controls(t).strip(), unicodedata.normalize("NFKC", raw))


def normalise_text(raw: str, *, multiline: bool = False) -> str:
    """Full-width letters and digits folded (not full NFKC), control characters removed, surrounding whitespace trimmed.

    Line breaks and tabs become spaces, so words never run together; with ``multiline`` line
    breaks are kept as ``\\n`` for long text such as notes. The checks refuse control and format
    characters before normalising (`check_invisible`), so a stored value is never silently
    cleaned; dropping them here only serves comparisons of what is already stored.
    """
    # Not full NFKC: it would turn the customer's Chinese punctuation (，（）：) into ASCII and
    # change a printed contract. Fold only full-width letters, digits and spaces, as IMEs type them.
    text = _fold_width(_drop_controls(raw, "\t\n\r\v\f\x1c\x1d\x1e\x85"))
    text = _LINE_BREAKS.sub("\n" if multiline else " ", text).replace("\t", " ")
    return stable(lambda t: _drop_controls(t, "\n").strip(), text, _fold_width)


def normalise_code(raw: str) -> str:
    """NFKC, whitespace and separators (- ( ) and look-alike dashes) removed, upper-cased."""
    text = unicodedata.normalize("NFKC", raw)
    return stable(lambda t: _CODE_SEPARATORS.sub("", _drop_controls(t)).upper(), text)


def code_check(check: Callable[..., Result]) -> Callable[..., Result]:
    """The way every code is checked (organisation code, USCC, ID number, 400 number, postcode):
    hidden characters refused first, as typed (a stored value is never silently cleaned); then
    the code normalised (`normalise_code`) and an empty one fine (whether it is required is the
    form's). The decorated check gets the normalised, non-empty code (and any keyword options);
    the five checks wrote these six lines each before."""

    @functools.wraps(check)
    def checked(raw: str, **options: object) -> Result:
        hidden = check_invisible(raw)
        if hidden is not None:
            return hidden
        value = normalise_code(raw)
        return check(value, **options) if value else Result(value="")

    return checked


def ascii_digits(text: str) -> bool:
    """True for a non-empty string of 0-9 only (str.isdigit also accepts ² and ٣)."""
    return bool(text) and text.isascii() and text.isdigit()
