"""Mobile number segments: which leading digits of an 11-digit number China's operators have allocated.

The allocations come from phonenumbers' metadata, which its monthly releases keep current (9.0.43
knows China Broadnet's 1610): `pip install -U phonenumbers` (or a rebuilt app) brings a new
segment with no change here. The table is derived on first use, ~0.1 s, and kept in the disk
cache stamped with phonenumbers' version and this file, so it is rebuilt exactly when either
changes. Our own corrections to the library live in the two constants below and nowhere else.

An unallocated segment in the 13–19 blocks is only a warning (the app is older than the next
allocation); segments that can never hold an 11-digit mobile are errors.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from desktop.files import diskcache

# Where phonenumbers is wrong, by our measurement (tests/test_validation_phones.py): it rejects
# 149 (data cards, allocated to all three operators) and 1749 (Tiantong satellite phones).
EXTRA_ALLOCATED = ("149", "1749")
# Segments for 13-digit IoT numbers only: an 11-digit number there is always a mistake.
IOT_ONLY = ("140", "141", "144", "146", "148")

MOBILE_BLOCKS = "3456789"  # second digit of a mobile: 13–19 (10–12 are service and short numbers)
_LONGEST = 5  # allocations are made per 3-, 4- or 5-digit prefix (1740x)
# Representative subscriber parts after a 5-digit prefix; a prefix counts as allocated when any
# of them is a mobile, so a pattern that looked at later digits errs towards accepting.
_SAMPLE_TAILS = ("123456", "987650", "000000")


@dataclass(frozen=True)
class Segment:
    """What the leading digits of a mobile say about it."""

    kind: str  # "allocated", "open" (too few digits to tell), "unallocated" or "iot"
    name: str = ""  # the segment to name in a message: 154, 1611, 17406


@dataclass(frozen=True)
class _Table:
    allocated: frozenset[str]  # shortest allocated prefixes, 3–5 digits
    open: frozenset[str]  # every proper prefix of one of them: still able to grow into one


def classify(digits: str) -> Segment:
    """Classify a mobile's leading digits (a typed prefix or all 11); `digits` starts with 1."""
    table = _table()
    for length in range(3, _LONGEST + 1):
        if digits[:length] in table.allocated:
            return Segment("allocated", digits[:length])
    if digits[:3] in IOT_ONLY:
        return Segment("iot", digits[:3])
    for length in range(1, min(len(digits), _LONGEST) + 1):
        if digits[:length] not in table.open:
            return Segment("unallocated", digits[: max(length, 3)])
    return Segment("open")


def allocated_prefixes() -> frozenset[str]:
    """The shortest allocated prefixes in force (phonenumbers' metadata with our corrections)."""
    return _table().allocated


@functools.cache
def _table() -> _Table:
    import phonenumbers  # noqa: PLC0415 (~100 ms: the mobile table is built once, then cached)

    derived = diskcache.cached(
        "mobile-segments", diskcache.code(__file__), _derive, kind=tuple, version=phonenumbers.__version__
    )
    allocated = frozenset(derived) | frozenset(EXTRA_ALLOCATED)
    opening = frozenset(p[:n] for p in allocated for n in range(1, len(p)))
    return _Table(allocated, opening)


def _derive() -> tuple[str, ...]:
    """Every 5-digit prefix 13000–19999 that phonenumbers calls a mobile, merged into the shortest prefixes."""
    import phonenumbers  # noqa: PLC0415 (only on a cache miss)

    mobile = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    found = set()
    for prefix in range(13000, 20000):
        for tail in _SAMPLE_TAILS:
            number = phonenumbers.PhoneNumber(country_code=86, national_number=int(f"{prefix}{tail}"))
            if phonenumbers.number_type(number) in mobile:
                found.add(str(prefix))
                break
    return tuple(sorted(_merge(found)))


def _merge(prefixes: set[str]) -> set[str]:
    """Replace ten sibling prefixes by their parent, repeatedly: {1300…1309} → {130}."""
    merged = set(prefixes)
    for length in range(_LONGEST, 3, -1):
        parents = {p[:-1] for p in merged if len(p) == length}
        for parent in parents:
            children = {parent + d for d in "0123456789"}
            if children <= merged:
                merged -= children
                merged.add(parent)
    return merged
