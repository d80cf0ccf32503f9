"""Property tests: no text at all makes a validator raise, and normalising is stable."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.domain import validation as v

TODAY = date(2026, 11, 28)

CHECKS = {
    "resident_id": lambda raw: v.check_resident_id(raw, today=TODAY),
    "uscc": v.check_uscc,
    "org_code": v.check_org_code,
    "mobile": v.check_mobile,
    "fixed_line": v.check_fixed_line,
    "phone": v.check_phone,
    "n400": v.check_n400,
    "postcode": v.check_postcode,
    "email": v.check_email,
    "person_name": v.check_person_name,
    "text": lambda raw: v.check_text(raw, max_length=200),
    "longtext": lambda raw: v.check_text(raw, max_length=500, multiline=True),
    "date": lambda raw: v.check_date(raw, today=TODAY),
}
HELPERS = (
    v.normalise_text,
    v.normalise_code,
    v.resident_id_birth,
    v.org_code_of_uscc,
    v.phone_identity,
)

# Characters agents and their IMEs actually produce, plus the tricky ones: full-width forms,
# dashes, dots, CJK, ideographic space, zero-width and control characters, lone surrogates,
# letters whose upper case is longer (ß) and compatibility characters that NFKC expands (﷽).
FULL_WIDTH = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)
TRICKY = st.sampled_from(
    list("0123456789Xx+-()#转分机ext.@·・•‧年月日号 \u3000\t\n\r\x00\x85\u200b\ufeff\u2028–—－﹣")
    + ["\ud800", "\udfff", "ß", "ﬁ", "﷽", "①", "٣", "²", "〇", "𠀀", "é", "\u0301", "Ⅻ", "ǅ"]
)
CODE_LIKE = st.text(alphabet=st.one_of(FULL_WIDTH, TRICKY, st.sampled_from("0123456789")), max_size=40)
UNICODE_HEAVY = st.text(
    alphabet=st.characters(codec=None, categories=None, exclude_categories=()), max_size=300
)
ANY_TEXT = st.one_of(st.text(max_size=10_000), CODE_LIKE, UNICODE_HEAVY)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG_SETTINGS = settings(SETTINGS, max_examples=40)


def _assert_well_formed(result: v.Result) -> None:
    assert isinstance(result, v.Result)
    assert isinstance(result.value, str)
    assert all(p.severity in ("error", "warning") and p.code and p.message for p in result.problems)
    assert result.missing >= 0
    if result.missing:
        assert not result.ok
    if result.info is not None:
        assert result.ok
    if result.value:
        assert result.display
    result.value.encode("utf-8")


@SETTINGS
@given(ANY_TEXT)
def test_no_text_makes_a_validator_raise(raw):
    for check in CHECKS.values():
        _assert_well_formed(check(raw))
    for helper in HELPERS:
        helper(raw)


def _long(pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Strings of several thousand characters, built by repeating a generated piece."""
    return st.builds(lambda piece, length: (piece * length)[:length], pieces, st.integers(4_400, 10_000))


@LONG_SETTINGS
@given(_long(st.text(alphabet=st.characters(codec=None), min_size=1, max_size=30)))
def test_long_unicode_text_never_raises(raw):
    for check in CHECKS.values():
        _assert_well_formed(check(raw))


@LONG_SETTINGS
@given(_long(st.text(alphabet="0123456789", min_size=1, max_size=12)))
def test_huge_digit_strings_never_raise(raw):
    # int() refuses strings over 4300 digits: no validator may call it on unbounded input.
    for check in CHECKS.values():
        _assert_well_formed(check(raw))
    for helper in HELPERS:
        helper(raw)


@SETTINGS
@given(CODE_LIKE)
def test_code_like_input_never_raises(raw):
    for check in CHECKS.values():
        _assert_well_formed(check(raw))


@SETTINGS
@given(ANY_TEXT)
def test_normalising_is_idempotent(raw):
    text = v.normalise_text(raw)
    assert v.normalise_text(text) == text
    code = v.normalise_code(raw)
    assert v.normalise_code(code) == code


@SETTINGS
@given(st.one_of(CODE_LIKE, st.text(max_size=60)))
def test_a_stored_value_checks_the_same_again(raw):
    """What is stored re-checks to itself with the same verdict (a save/load round trip)."""
    for name, check in CHECKS.items():
        first = check(raw)
        again = check(first.value)
        assert again.value == first.value, name
        if first.ok:
            assert again.ok, name


@st.composite
def resident_ids(draw):
    province = draw(st.sampled_from(sorted(v.ID_PROVINCES)))
    county = draw(st.sampled_from(["0000", "0100", "0102", "0106", "0199"]))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{province}{county}{birth:%Y%m%d}{sequence:03d}"
    return first17 + v.id_check_char(first17)


@SETTINGS
@given(resident_ids(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_every_single_character_typo_in_an_id_is_caught(value, position, replacement):
    assert v.check_resident_id(value, today=TODAY).ok
    typo = value[:position] + replacement + value[position + 1 :]
    if typo != value:
        assert not v.check_resident_id(typo, today=TODAY).ok


@SETTINGS
@given(resident_ids(), st.integers(min_value=1, max_value=17))
def test_any_prefix_of_a_valid_id_asks_for_the_rest(value, length):
    result = v.check_resident_id(value[:length], today=TODAY)
    assert result.missing == 18 - length or [p.code for p in result.problems][0] == "first_generation"


_CJK_CLASS = "\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003134f·"
_SPACE_NEAR_CJK = re.compile(rf"\s+(?=[{_CJK_CLASS}])|(?<=[{_CJK_CLASS}])\s+")
_NAME_PIECES = st.sampled_from(
    ["王", "霄", "A", "b", " ", "·", "\U00020001", "é", "-", "\u2e7f", "\u2e80", "\ufb00", "1"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_NAME_PIECES, max_size=12).map("".join))
def test_spaces_beside_cjk_go_exactly_as_the_regex_class_says(raw):
    """The code-point test in person names equals the (slow to compile) character-class regex."""
    text = " ".join(raw.split())  # as check_person_name hands it over: single spaces
    assert v.drop_spaces_near_cjk(text) == _SPACE_NEAR_CJK.sub("", text)
