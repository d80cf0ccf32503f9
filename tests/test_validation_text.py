"""Free text: declared maximum lengths, and invisible characters refused in every field (docs/validation.md)."""

from __future__ import annotations

import sys
import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain import fields as ft
from desktop.domain import invisible
from desktop.domain import validation as v
from desktop.domain.case import check_case, normalise_values

TODAY = date(2026, 11, 29)
TEXT_LIKE = ("text", "longtext", "person_name")


def codes(result: v.Result) -> list[str]:
    return [p.code for p in result.problems]


# --- maximum lengths -----------------------------------------------------------------------------


def test_every_free_text_field_declares_its_maximum_length(bundle):
    undeclared = [f.key for f in bundle.fields.values() if f.type in TEXT_LIKE and f.max_length is None]
    assert undeclared == []


@pytest.mark.parametrize(
    ("key", "limit"),
    [("customer.name", 100), ("customer.address", 200), ("notes", 500), ("handler.name", 30)],
)
def test_free_text_limits_are_validation_mds(bundle, key, limit):
    fdef = bundle.field(key)
    assert fdef.max_length == limit
    filler = "王" if fdef.type == "person_name" else "字"
    assert ft.check(fdef, filler * limit, today=TODAY).ok
    result = ft.check(fdef, filler * (limit + 1), today=TODAY)
    assert codes(result) == ["too_long"]
    assert f"不能超过 {limit} 个字" in result.problems[0].message


# --- invisible characters --------------------------------------------------------------------------

# One example value per field type, and where in it the invisible character goes.
SAMPLES = {
    "text": "杭州市西湖区文三路 100 号",
    "longtext": "第一行\n第二行",
    "person_name": "王小霄",
    "resident_id": "610113198402242115",
    "uscc": "91330100MA2H3KX74D",
    "org_code": "MA2H3KX7-4",
    "postcode": "310012",
    "phone": "0571-81726504",
    "phone_list": "13825265634",
    "mobile": "13825265634",
    "n400": "4009030005",
    "email": "wang@example.com",
    "date": "2026-11-28",
    "integer": "10",
}
HIDDEN = [
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\x00",
    "\x07",
    "\x1b",
    "\x85",
    "\u00ad",
    "\u2060",
]


def _one_per_type(bundle):
    chosen = {}
    for fdef in bundle.fields.values():
        chosen.setdefault(fdef.type, fdef)
    return chosen


@pytest.mark.parametrize("char", HIDDEN)
def test_an_invisible_character_is_an_error_naming_its_position_in_every_field_type(bundle, char):
    for ftype, fdef in _one_per_type(bundle).items():
        if ftype in ("choice", "multichoice"):
            sample = fdef.choices[0].id
        else:
            sample = SAMPLES[ftype]
        raw = sample[:1] + char + sample[1:]
        assert ft.check(fdef, sample, today=TODAY).ok, ftype
        result = ft.check(fdef, raw, today=TODAY)
        assert codes(result) == ["invisible_char"], (ftype, result)
        assert result.problems[0].message.startswith("第 2 个字符是")
        assert f"U+{ord(char):04X}" in result.problems[0].message
        assert result.value == raw  # kept, so the error stays until the agent removes it
        assert ft.check(fdef, result.value, today=TODAY) == result


def test_the_message_reads_as_validation_md_says():
    result = v.check_text("合同甲方\u202e乙方", max_length=50)
    assert result.problems[0].message == "第 5 个字符是不可见的控制字符（U+202E），请删除"


def test_several_invisible_characters_are_counted():
    result = v.check_person_name("王\u200b霄\u200b")
    assert result.problems[0].message == "第 2 个字符是不可见的控制字符（U+200B），共 2 个，请删除"


def test_surrounding_spaces_are_still_trimmed_and_line_breaks_kept_where_allowed():
    assert v.check_text(" \t杭州 \n", max_length=10).problems == ()
    assert v.check_text("甲\n乙", max_length=10, multiline=True).problems == ()
    assert v.check_text("甲\r\n乙", max_length=10, multiline=True).value == "甲\n乙"
    assert codes(v.check_text("甲\t乙", max_length=10, multiline=True)) == ["invisible_char"]
    assert codes(v.check_text("甲\n乙", max_length=10)) == ["invisible_char"]


def test_variation_selectors_of_rare_name_characters_are_not_refused():
    assert v.check_person_name("王\U000e0100霄").problems == ()


def test_a_case_file_holding_a_bidi_override_gets_the_error(bundle, example_values):
    raw = {
        **example_values,
        "customer.name": "杭州\u202e司公限有",
        "number.destinations": ["0571\u200b81726504"],
    }
    values = normalise_values(bundle, raw, today=TODAY)
    found = {(f.key, f.code) for f in check_case(bundle, values, today=TODAY)}
    assert {("customer.name", "invisible_char"), ("number.destinations", "invisible_char")} <= found
    assert values["customer.name"] == "杭州\u202e司公限有"


def _category_set(categories: set[str]) -> set[str]:
    return {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in categories}


def test_the_spelled_out_class_is_exactly_cc_and_cf_of_this_pythons_unicode():
    """The regex class against every code point: all of Cc and Cf (plus line and paragraph separators in
    a single-line field, minus CR and LF in a multi-line one), and beyond them only unassigned points."""
    wanted = _category_set({"Cc", "Cf"})
    unassigned = _category_set({"Cn"})
    single = {c for c in map(chr, range(sys.maxunicode + 1)) if invisible._SINGLE_LINE.match(c)}
    multi = {c for c in map(chr, range(sys.maxunicode + 1)) if invisible._MULTI_LINE.match(c)}
    surrogates = {chr(c) for c in range(0xD800, 0xE000)}
    assert single - surrogates >= wanted | {"\u2028", "\u2029"}
    assert single - wanted - {"\u2028", "\u2029"} <= unassigned
    assert multi == single - {"\n", "\r", "\u2028", "\u2029"}


# --- strip_invisible, for the window ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "multiline", "clean", "dropped"),
    [
        ("杭州\u202e公司", False, "杭州公司", 1),
        ("\ufeff王\u200b霄\x00", False, "王霄", 3),
        ("Room\t5", False, "Room 5", 0),
        ("第一行\r\n第二行", False, "第一行 第二行", 0),
        ("第一行\r\n第二行\u200b", True, "第一行\r\n第二行", 1),
        ("甲\t乙", True, "甲 乙", 0),
        ("王\ud800霄", False, "王霄", 1),
        ("0571-81726504", False, "0571-81726504", 0),
    ],
)
def test_strip_invisible_drops_and_counts(raw, multiline, clean, dropped):
    assert invisible.strip_invisible(raw, multiline=multiline) == (clean, dropped)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=60), st.booleans())
def test_what_strip_invisible_leaves_passes_the_check(raw, multiline):
    clean, dropped = invisible.strip_invisible(raw, multiline=multiline)
    assert invisible.find_invisible(clean, multiline=multiline) is None
    assert dropped <= len(raw)
    assert "invisible_char" not in codes(v.check_text(clean, max_length=10_000, multiline=multiline))
