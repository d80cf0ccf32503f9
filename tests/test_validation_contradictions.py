"""One field, one finding: no value gets two findings that contradict each other (docs/validation.md).

"Contradictory", concretely (`contradictions` below), for the findings of one value:
1. An error beside a warning: "cannot be right" and "unusual, check it" are two verdicts on one value.
2. An error beside a decoded description (`info`), which tells the agent the value is valid.
3. The neutral "keep typing" hint (`missing` > 0) beside any finding but the one length finding:
   the hint says nothing is wrong yet.
4. A length finding (还差 / 多了) beside a finding that reads the value as complete at its present
   length (a check character, a first-generation ID or legacy registration number, an embedded
   organisation code, a segment or address-code verdict): the value cannot be both.
5. Too short and too long at once, or one rule twice (two readings of the same thing).
6. A suggested check character (「按前 17 位应为 X」) beside another error: the suggestion was
   computed from characters that error calls wrong, so following it fixes nothing.

Checked over every public vector and near misses of valid identifiers (one character changed,
dropped or added, or the value cut short as while typing).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.domain import segments
from desktop.domain import validation as v

TODAY = date(2026, 11, 28)
VECTORS = Path(__file__).resolve().parent / "data" / "vectors"

LENGTH = frozenset({"too_short", "too_long"})
COMPLETE_READING = frozenset(
    {
        "check_char",
        "first_generation",
        "legacy_registration",
        "org_code_check",
        "pilot_check",
        "unallocated_segment",
        "unknown_county",
        "province_level",
    }
)


def contradictions(result: v.Result) -> list[str]:
    """What in one value's findings contradicts what else (the numbered rules of the module docstring)."""
    found = []
    severities = {p.severity for p in result.problems}
    codes = [p.code for p in result.problems]
    if {"error", "warning"} <= severities:
        found.append("1: an error beside a warning")
    if "error" in severities and result.info:
        found.append("2: an error beside a decoded description")
    if result.missing and codes != ["too_short"]:
        found.append("3: the keep-typing hint beside another finding")
    if LENGTH & set(codes) and COMPLETE_READING & set(codes):
        found.append("4: a length finding beside a complete reading")
    if LENGTH <= set(codes) or len(codes) != len(set(codes)):
        found.append("5: two readings of one rule")
    if "check_char" in codes and len(codes) > 1:
        found.append("6: a suggested check character beside another error")
    return found


CHECKS = {
    "resident_id": [lambda raw: v.check_resident_id(raw, today=TODAY)],
    "uscc": [v.check_uscc],
    "org_code": [v.check_org_code],
    "mobile": [v.check_mobile, v.check_phone],
    "phone": [v.check_phone, v.check_fixed_line],
    "fixed_line": [v.check_fixed_line, v.check_phone],
    "n400": [v.check_n400, v.check_phone],
    "postcode": [v.check_postcode],
}


def _assert_consistent(kind: str, raw: str) -> None:
    for check in CHECKS[kind]:
        result = check(raw)
        assert contradictions(result) == [], (kind, raw, result)


def test_the_definition_catches_what_it_names():
    """Each rule of the docstring, on a made-up result, so the property below cannot pass vacuously."""
    e, w = v.Problem("x", "error", "错"), v.Problem("y", "warning", "注意")
    short = v.Problem("too_short", "error", "还差 3 位")
    check = v.Problem("check_char", "error", "应为 X")
    assert contradictions(v.Result("1", (e, w)))[0].startswith("1")
    assert contradictions(v.Result("1", (e,), info="有效"))[0].startswith("2")
    assert contradictions(v.Result("1", (short, e), missing=3))[0].startswith("3")
    assert contradictions(v.Result("1", (v.Problem("first_generation", "error", "一代"), short)))[
        0
    ].startswith("4")
    assert contradictions(v.Result("1", (short, v.Problem("too_long", "error", "多了"))))[0].startswith("5")
    assert contradictions(v.Result("1", (v.Problem("bad_birth_date", "error", "日期"), check)))[0].startswith(
        "6"
    )
    assert contradictions(v.Result("1", (short,), missing=3)) == []


def _vectors():
    for path in sorted(VECTORS.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                yield pytest.param(path.stem, row["value"], id=f"{path.stem}:{row['value']}")


@pytest.mark.parametrize(("kind", "raw"), list(_vectors()))
def test_no_public_vector_gets_contradicting_findings(kind, raw):
    _assert_consistent(kind, raw)


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("resident_id", "330106200112030"),  # was: first generation and 还差 3 位
        ("resident_id", "110105194902300029"),  # was: bad date and a check character from it
        ("uscc", "110108000000016"),  # was: legacy number and 还差 3 位
        ("uscc", "91110000600037342N"),  # was: broken org code and a check character from it
        ("uscc", "94330106MA2H00014X"),  # was: undefined kind and a check character from it
        ("mobile", "015412345678"),  # trunk 0 and an unallocated segment
    ],
)
def test_values_that_used_to_contradict_themselves(kind, raw):
    _assert_consistent(kind, raw)


# --- near misses -----------------------------------------------------------------------------------

DIGIT = st.sampled_from("0123456789")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# What a slip of the finger or the IME puts in: digits, letters, the check X, separators, full width.
TYPO = st.sampled_from(list("0123456789XxAMIOZ -+０９Ｘ") + ["转"])


@st.composite
def resident_ids(draw):
    kind = draw(st.sampled_from(["resident", "resident", "permit", "foreigner"]))
    if kind == "resident":
        region = draw(st.sampled_from(sorted(v.ID_PROVINCES))) + draw(
            st.sampled_from(["0000", "0100", "0106", "0199", "2723"])
        )
    elif kind == "permit":
        region = draw(st.sampled_from(["810000", "820000", "830000"]))
    else:
        region = "9" + draw(st.sampled_from(sorted(v.ID_PROVINCES))) + draw(st.sampled_from(["840", "392"]))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    first17 = f"{region}{birth:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + v.id_check_char(first17)


@st.composite
def first_generation_ids(draw):
    region = draw(st.sampled_from(sorted(v.ID_PROVINCES))) + draw(st.sampled_from(["0106", "0000", "2723"]))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)))
    return f"{region}{birth:%y%m%d}{draw(st.integers(0, 999)):03d}"


@st.composite
def org_codes(draw, alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
    body = "".join(draw(st.lists(st.sampled_from(alphabet), min_size=8, max_size=8)))
    return body + v.org_check_char(body)


@st.composite
def usccs(draw):
    authority = draw(st.sampled_from(sorted(v.USCC_AUTHORITIES)))
    kind = draw(st.sampled_from(sorted(v.USCC_AUTHORITIES[authority][1])))
    region = draw(st.sampled_from(["110000", "330106", "350211", "100000", "412723"]))
    org = draw(org_codes(_USCC_ALPHABET).filter(lambda code: code[-1] in _USCC_ALPHABET))
    first17 = f"{authority}{kind}{region}{org}"
    return first17 + v.uscc_check_char(first17)


@st.composite
def fujian_pilot_codes(draw):
    """Fujian's pilot pattern with any final character: valid, a pilot warning or another error."""
    org = draw(org_codes().filter(lambda code: code.startswith("M000") and code[-1] in _USCC_ALPHABET))
    return (
        f"9135{draw(st.sampled_from(['0211', '0100', '0581']))}{org}{draw(st.sampled_from(_USCC_ALPHABET))}"
    )


@st.composite
def legacy_numbers(draw):
    from stdnum.iso7064 import mod_11_10

    body = "".join(draw(st.lists(DIGIT, min_size=14, max_size=14)))
    return body + mod_11_10.calc_check_digit(body)


@st.composite
def mobiles(draw):
    prefix = draw(st.sampled_from(sorted(segments.allocated_prefixes()) + ["154", "1611", "179"]))
    rest = "".join(draw(st.lists(DIGIT, min_size=11 - len(prefix), max_size=11 - len(prefix))))
    return draw(st.sampled_from(["", "+86 ", "0086"])) + prefix + rest


@st.composite
def fixed_lines(draw):
    area, length = draw(
        st.sampled_from([("10", 8), ("20", 8), ("571", 8), ("572", 7), ("991", 7), ("755", 8)])
    )
    local = draw(st.sampled_from("23456789")) + "".join(
        draw(st.lists(DIGIT, min_size=length - 1, max_size=length - 1))
    )
    extension = draw(st.sampled_from(["", "", "转123", "-8"]))
    return f"0{area}-{local}{extension}"


@st.composite
def n400s(draw):
    return "400" + "".join(draw(st.lists(DIGIT, min_size=7, max_size=7)))


@st.composite
def near_misses(draw, valid):
    """A valid value with one character changed, dropped or added, or cut short as while typing."""
    value = draw(valid)
    how = draw(st.sampled_from(["changed", "dropped", "added", "cut", "as is"]))
    at = draw(st.integers(0, len(value)))
    if how == "changed" and at < len(value):
        return value[:at] + draw(TYPO) + value[at + 1 :]
    if how == "dropped":
        return value[:at] + value[at + 1 :]
    if how == "added":
        return value[:at] + draw(TYPO) + value[at:]
    if how == "cut":
        return value[:at]
    return value


SOURCES = {
    "resident_id": st.one_of(resident_ids(), first_generation_ids()),
    "uscc": st.one_of(usccs(), fujian_pilot_codes(), legacy_numbers()),
    "org_code": org_codes(),
    "mobile": mobiles(),
    "fixed_line": fixed_lines(),
    "n400": n400s(),
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(SOURCES)).flatmap(
        lambda kind: st.tuples(st.just(kind), near_misses(SOURCES[kind]))
    )
)
def test_no_near_miss_identifier_gets_contradicting_findings(kind_and_raw):
    kind, raw = kind_and_raw
    _assert_consistent(kind, raw)
