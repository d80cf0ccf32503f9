"""Postcodes, e-mail addresses, person names, free text and dates."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.domain import validation as v

TODAY = date(2026, 11, 28)


def codes(result: v.Result) -> list[str]:
    return [p.code for p in result.problems]


# --- postcodes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["310000", "325000", "202450", "312000", "321000", "３１０ ０００"])
def test_postcode_zhejiang(raw):
    result = v.check_postcode(raw)
    assert result.problems == ()
    assert result.display == result.value == v.normalise_code(raw)


@pytest.mark.parametrize("raw", ["100020", "330000", "202400", "200000", "999077"])
def test_postcode_outside_zhejiang_is_a_warning(raw):
    result = v.check_postcode(raw)
    assert result.ok
    assert [(p.code, p.severity) for p in result.problems] == [("outside_zhejiang", "warning")]
    assert "浙江" in result.problems[0].message


@pytest.mark.parametrize(
    ("raw", "code", "missing"),
    [("31000", "too_short", 1), ("3", "too_short", 5), ("3100001", "too_long", 0), ("31000A", "bad_char", 0)],
)
def test_postcode_errors(raw, code, missing):
    result = v.check_postcode(raw)
    assert codes(result) == [code]
    assert result.missing == missing


# --- e-mail ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("wangxiao@example.com", "wangxiao@example.com"),
        ("Wang.Xiao+400@Example.COM.cn", "Wang.Xiao+400@example.com.cn"),
        ("ｗａｎｇ＠ｑｑ．ｃｏｍ", "wang@qq.com"),
        ("wang@qq。com", "wang@qq.com"),
        (" wang@163.com\u3000", "wang@163.com"),
        ("a_b-c@mail-server.zj.gov.cn", "a_b-c@mail-server.zj.gov.cn"),
        ("x@example.xn--fiqs8s", "x@example.xn--fiqs8s"),
    ],
)
def test_email_valid(raw, value):
    result = v.check_email(raw)
    assert result.problems == (), result.problems
    assert result.value == result.display == value


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("wangxiao.example.com", "no_at"),
        ("wang@@example.com", "many_at"),
        ("a@b@example.com", "many_at"),
        ("@example.com", "no_local"),
        ("wang@", "no_domain"),
        ("wang@example", "bad_domain"),
        ("wang@example..com", "bad_domain"),
        ("wang@-example.com", "bad_domain"),
        ("wang@exa_mple.com", "bad_domain"),
        ("wang@example.c0m", "bad_domain"),
        ("wang@例子.中国", "bad_domain"),
        (".wang@example.com", "bad_dot"),
        ("wang..xiao@example.com", "bad_dot"),
        ("王霄@example.com", "bad_char"),
        ("wang,xiao@example.com", "bad_char"),
        ("a" * 65 + "@example.com", "too_long"),
        ("a@" + "b" * 260 + ".com", "too_long"),
    ],
)
def test_email_errors(raw, code):
    result = v.check_email(raw)
    assert codes(result) == [code]
    assert not result.ok


@pytest.mark.parametrize(
    ("raw", "position"),
    [("test1@invalid.co m", 17), ("wang @163.com", 5), ("wang@ 163.com", 6), ("wang\u3000@qq.com", 5)],
)
def test_email_space_inside_is_an_error_never_silently_removed(raw, position):
    # Removing it changes the address: test1@invalid.co m is not test1@invalid.com.
    result = v.check_email(raw)
    assert codes(result) == ["space_inside"]
    assert f"第 {position} 个字符" in result.problems[0].message
    assert result.value != raw.replace(" ", "")


@pytest.mark.parametrize(
    "raw", ["wang\x00@qq.com", "wang@qq\u200b.com", "wang\t@qq.com", "\ufeffwang@qq.com"]
)
def test_email_control_character_inside_is_an_error_never_silently_removed(raw):
    result = v.check_email(raw)
    assert codes(result) == ["invisible_char"]


def test_email_tld_slip_is_a_warning():
    result = v.check_email("wang@qq.con")
    assert result.ok
    assert [(p.code, p.severity) for p in result.problems] == [("tld_slip", "warning")]
    assert ".com" in result.problems[0].message


# --- person names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("王霄", "王霄"),
        (" 王霄 ", "王霄"),
        ("王 霄", "王霄"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("买买提·艾力", "买买提·艾力"),
        ("买买提・艾力", "买买提·艾力"),
        ("买买提•艾力", "买买提·艾力"),
        ("买买提‧艾力", "买买提·艾力"),
        ("买买提･艾力", "买买提·艾力"),
        ("买买提 · 艾力", "买买提·艾力"),
        ("阿依古丽·买买提·艾力", "阿依古丽·买买提·艾力"),
        ("John  Smith", "John Smith"),
        ("Jean-Luc O'Neil", "Jean-Luc O'Neil"),
        ("José García", "José García"),
        ("王", "王"),
        ("㐀", "㐀"),
    ],
)
def test_person_name_valid(raw, value):
    result = v.check_person_name(raw)
    assert result.problems == (), result.problems
    assert result.value == result.display == value


@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        ("王霄1", "digits", "“1”"),
        ("王霄２", "digits", "“2”"),
        ("王霄①", "digits", "“1”"),
        ("王霄#", "symbol", "“#”"),
        ("王霄（经办）", "symbol", "“(”"),
        ("买买提.艾力", "symbol", "“·”"),
        ("王_霄", "symbol", "“_”"),
        ("-王霄", "symbol", "“-”"),
        ("·王霄", "dot_position", "两部分之间"),
        ("王霄·", "dot_position", "两部分之间"),
        ("买买提··艾力", "dot_position", "两部分之间"),
        ("王" * 31, "too_long", "不能超过 30 个字（现有 31 个）"),
    ],
)
def test_person_name_errors(raw, code, text):
    result = v.check_person_name(raw)
    assert codes(result) == [code]
    assert text in result.problems[0].message


def test_person_name_max_length_is_configurable():
    assert v.check_person_name("王" * 30).ok
    result = v.check_person_name("王霄王霄", max_length=3)
    assert codes(result) == ["too_long"]
    assert "不能超过 3 个字" in result.problems[0].message


def test_person_name_reports_every_problem():
    result = v.check_person_name("·王霄1#")
    assert codes(result) == ["digits", "symbol", "dot_position"]


# --- free text -------------------------------------------------------------------------------------


def test_text_within_limit():
    result = v.check_text("  杭州市西湖区文三路 100 号 ", max_length=100)
    assert result.problems == ()
    assert result.value == result.display == "杭州市西湖区文三路 100 号"


def test_text_control_character_is_an_error_not_silently_dropped():
    result = v.check_text("  杭州市西湖区文三路 100 号\x07 ", max_length=100)
    assert codes(result) == ["invisible_char"]
    assert result.problems[0].message == "第 16 个字符是不可见的控制字符（U+0007），请删除"


@pytest.mark.parametrize("limit", [100, 200, 500])
def test_text_too_long_names_the_limit(limit):
    assert v.check_text("字" * limit, max_length=limit).ok
    result = v.check_text("字" * (limit + 1), max_length=limit)
    assert codes(result) == ["too_long"]
    assert result.problems[0].message == f"不能超过 {limit} 个字（现有 {limit + 1} 个）"


def test_text_multiline_keeps_line_breaks():
    assert v.check_text("第一行\r\n第二行", max_length=50, multiline=True).value == "第一行\n第二行"
    assert v.check_text("第一行\u2028第二行", max_length=50, multiline=True).value == "第一行\n第二行"


def test_text_single_line_field_refuses_a_line_break_it_cannot_show():
    result = v.check_text("第一行\r\n第二行", max_length=50)
    assert codes(result) == ["invisible_char"]
    assert "第 4 个字符是回车符（U+000D）" in result.problems[0].message
    assert "只能填一行" in result.problems[0].message


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2026-11-28",
        "2026/11/28",
        "2026.11.28",
        "2026年11月28日",
        "2026 年 11 月 28 日",
        "2026年11月28号",
        "２０２６－１１－２８",
        "２０２６年１１月２８日",
        "20261128",
        "2026-11-28 ",
    ],
)
def test_date_formats(raw):
    result = v.check_date(raw, today=TODAY)
    assert result.problems == ()
    assert result.value == result.display == "2026-11-28"


def test_date_single_digit_month_and_day():
    assert v.check_date("2026-1-5", today=TODAY).value == "2026-01-05"


@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        ("2026-02-29", "no_such_date", "2026 年 2 月没有 29 日"),
        ("2026-13-01", "no_such_date", "没有 13 月"),
        ("2026-00-10", "no_such_date", "没有 0 月"),
        ("2026-11-31", "no_such_date", "11 月没有 31 日"),
        ("1899-12-31", "too_early", "早于 1900 年"),
        ("0000-01-01", "too_early", "早于 1900 年"),
        ("28/11/2026", "bad_format", "2026-11-28"),
        ("明天", "bad_format", "2026-11-28"),
        ("2026-11", "bad_format", "2026-11-28"),
    ],
)
def test_date_errors(raw, code, text):
    result = v.check_date(raw, today=TODAY)
    assert codes(result) == [code]
    assert text in result.problems[0].message


def test_date_leap_day():
    assert v.check_date("2028-02-29", today=TODAY).ok


def test_date_more_than_a_year_ahead_is_a_warning():
    assert v.check_date("2027-11-28", today=TODAY).problems == ()
    result = v.check_date("2027-11-29", today=TODAY)
    assert result.ok
    assert [(p.code, p.severity) for p in result.problems] == [("far_future", "warning")]
    assert v.check_date("2025-03-01", today=date(2024, 2, 29)).problems[0].code == "far_future"
    assert v.check_date("2025-02-28", today=date(2024, 2, 29)).problems == ()


def test_date_past_is_fine():
    assert v.check_date("1990-01-01", today=TODAY).problems == ()
