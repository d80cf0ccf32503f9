"""Check-digit repair of a misread credit code or ID number, never a guess.

A code read by OCR is checked as typed (desktop.domain.validation: GB 32100 MOD 31 with the
embedded GB 11714 organisation code, authority, kind and region; GB 11643 MOD 11-2 with birth
date and region). When the check fails, the lowest-confidence character is tried first: if it is
clearly the doubtful one (confidence below SUSPECT) and exactly one character in its place passes
every check, that is the repair. Otherwise every single OCR confusion (O↔0, B↔8 …) anywhere is
tried, and a repair is made only when exactly one passes. Anything else is left as read, for the
agent: a wrong code filled silently is worse than one the agent retypes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from desktop.domain.validation import check_resident_id, check_uscc

# A character read with less confidence than this is the suspect one.
SUSPECT = 0.9
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ID_ALPHABET = "0123456789X"
# Shapes OCR mixes up, each group both ways (Latin letters and digits in the fonts on licences).
_CONFUSABLE_GROUPS = (
    "0ODQUC",
    "1ILTJ7",
    "2Z",
    "5S",
    "8B3",
    "6GB",
    "9G",
    "4A",
    "UV",
    "MN",
    "HN",
    "PR",
    "KX",
    "EF",
)
CONFUSABLE: dict[str, str] = {}
for _group in _CONFUSABLE_GROUPS:
    for _char in _group:
        CONFUSABLE[_char] = "".join(dict.fromkeys(CONFUSABLE.get(_char, "") + _group.replace(_char, "")))


@dataclass(frozen=True)
class Repair:
    """The outcome: the value (repaired or as read), and whether it is valid and was repaired."""

    value: str
    valid: bool
    repaired: bool = False
    position: int | None = None  # 0-based index of the character changed


def repair_uscc(text: str, confidences: Sequence[float]) -> Repair:
    """An 18-character unified social credit code read by OCR, repaired when exactly one fix fits."""
    return _repair(text, confidences, USCC_ALPHABET, _uscc_strict, _uscc_accepts)


def repair_id_number(text: str, confidences: Sequence[float], *, today: date) -> Repair:
    """An 18-character resident ID number read by OCR, repaired when exactly one fix fits."""
    return _repair(
        text,
        confidences,
        ID_ALPHABET,
        lambda v: _id_strict(v, today),
        lambda v: check_resident_id(v, today=today).ok,
    )


def _uscc_accepts(value: str) -> bool:
    return check_uscc(value).ok  # a Fujian pilot code (a warning) is accepted as read


def _uscc_strict(value: str) -> bool:
    result = check_uscc(value)
    return len(result.value) == 18 and not result.problems


def _id_strict(value: str, today: date) -> bool:
    result = check_resident_id(value, today=today)
    return len(result.value) == 18 and not result.problems


def _repair(
    text: str,
    confidences: Sequence[float],
    alphabet: str,
    strict: Callable[[str], bool],
    accepts: Callable[[str], bool],
) -> Repair:
    value = text.upper()
    if len(confidences) != len(value):
        confidences = [1.0] * len(value)
    if accepts(value):
        return Repair(value, valid=True)
    if len(value) != 18:
        return Repair(value, valid=False)  # a dropped or extra character is not repaired
    order = sorted(range(len(value)), key=lambda i: confidences[i])
    lowest = order[0]
    if confidences[lowest] < SUSPECT and all(confidences[i] > confidences[lowest] for i in order[1:]):
        found = [
            c for c in alphabet if c != value[lowest] and strict(value[:lowest] + c + value[lowest + 1 :])
        ]
        if len(found) == 1:
            return Repair(value[:lowest] + found[0] + value[lowest + 1 :], True, True, lowest)
    candidates = {
        (i, c)
        for i in order
        for c in CONFUSABLE.get(value[i], "")
        if c in alphabet and strict(value[:i] + c + value[i + 1 :])
    }
    if len(candidates) == 1:
        ((i, c),) = candidates
        return Repair(value[:i] + c + value[i + 1 :], True, True, i)
    return Repair(value, valid=False)
