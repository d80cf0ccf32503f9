"""Mobiles, fixed lines, subscriber numbers, 400 numbers and phone identity."""

from __future__ import annotations

import re

import phonenumbers
import pytest

from desktop import validation as v


def codes(result: v.Result) -> list[str]:
    return [p.code for p in result.problems]


# --- mobiles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13825265634",
        "+86 138 2526 5634",
        "+8613825265634",
        "0086 13825265634",
        "138-2526-5634",
        "１３８２５２６５６３４",
        "14512345678",
        "14712345678",
        "14912345678",
        "16212345678",
        "17012345678",
        "17405123456",
        "17491234567",
        "17812345678",
        "19212345678",
        "19912345678",
    ],
)
def test_mobile_valid(raw):
    result = v.check_mobile(raw)
    assert result.problems == (), result.problems
    digits = result.value
    assert len(digits) == 11 and digits.isdigit()
    assert result.display == f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    assert result.info == f"手机 · {result.display}"


def test_mobile_describe():
    result = v.check_mobile("+86 138 2526 5634")
    assert (result.value, result.display, result.info) == (
        "13825265634",
        "138 2526 5634",
        "手机 · 138 2526 5634",
    )


@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        ("15412345678", "bad_segment", "154 不是已分配的手机号段"),
        ("14012345678", "bad_segment", "140"),
        ("17412345678", "bad_segment", "1741"),
        ("17406123456", "bad_segment", "1740"),
        ("19412345678", "bad_segment", "194"),
        ("16112345678", "bad_segment", "161"),
        ("013825265634", "trunk_mobile", "手机号前面不要加 0，应为 13825265634"),
        ("138252656341", "too_long", "多了 1 位"),
        ("1382526563", "too_short", "还差 1 位"),
        ("138-2526-563A", "letters", "“A”"),
        ("138*2526*5634", "bad_char", "“*”"),
        ("0571-81726504", "not_mobile", "11 位手机号"),
        ("4009030005", "not_subscriber", "400/800"),
        ("+1 650 253 0000", "foreign", "+86"),
        ("13825265634转12", "extension_not_allowed", "分机"),
    ],
)
def test_mobile_errors(raw, code, text):
    result = v.check_mobile(raw)
    assert code in codes(result)
    assert text in " ".join(p.message for p in result.problems)
    assert not result.ok
    assert result.info is None


@pytest.mark.parametrize(
    ("raw", "missing"), [("1", 10), ("13", 9), ("138", 8), ("138 2526", 4), ("+86 138", 8)]
)
def test_mobile_prefix_being_typed(raw, missing):
    result = v.check_mobile(raw)
    assert result.missing == missing
    assert codes(result) == ["too_short"]


def test_mobile_wrong_segment_is_an_error_at_once():
    result = v.check_mobile("154")
    assert result.missing == 0
    assert codes(result) == ["bad_segment", "too_short"]


def test_mobile_segments_agree_with_phonenumbers_except_measured_pitfalls():
    """Our segment table against phonenumbers for every 4-digit prefix (5 for 1740x)."""
    disagree = set()
    for prefix in range(1000, 2000):
        for tail in ("0123456", "5123456", "6123456"):
            number = f"{prefix}{tail}"
            parsed = phonenumbers.parse(number, "CN")
            theirs = phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            )
            ours = v.check_mobile(number).ok
            if theirs != ours:
                disagree.add(number[:4])
    assert disagree == {f"149{d}" for d in range(10)} | {"1749", "1610"}


def test_mobile_segment_is_judged_on_every_prefix_as_typed():
    """A partial mobile is flagged exactly when no completion of it is in validation.md's segments."""
    segments = re.compile(r"13\d|14[579]|15[0-35-9]|16[2567]|17[0-35-8]|1740[0-5]|1749|18\d|19[0-35-9]")
    complete = {str(n) for n in range(10000, 20000) if segments.match(str(n))}
    for length in range(1, 6):
        for n in range(10 ** (length - 1), 2 * 10 ** (length - 1)):
            typed = str(n)
            if typed[1:2] in ("0", "1", "2"):
                continue  # 10x, 11x, 12x are short or service numbers, not mobiles
            open_segment = any(c.startswith(typed) for c in complete)
            assert ("bad_segment" not in codes(v.check_mobile(typed))) == open_segment, typed


# --- fixed lines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "display", "info"),
    [
        ("057181726504", "057181726504", "0571-81726504", "固定电话 · 浙江杭州 · 0571-81726504"),
        ("0571-81726504", "057181726504", "0571-81726504", "固定电话 · 浙江杭州 · 0571-81726504"),
        ("(0571) 8172 6504", "057181726504", "0571-81726504", "固定电话 · 浙江杭州 · 0571-81726504"),
        (
            "０５７１－８１７２６５０４",
            "057181726504",
            "0571-81726504",
            "固定电话 · 浙江杭州 · 0571-81726504",
        ),
        ("+86 571 8172 6504", "057181726504", "0571-81726504", "固定电话 · 浙江杭州 · 0571-81726504"),
        ("0086-571-81726504", "057181726504", "0571-81726504", "固定电话 · 浙江杭州 · 0571-81726504"),
        ("0572-2123456", "05722123456", "0572-2123456", "固定电话 · 浙江湖州 · 0572-2123456"),
        ("0574-87654321", "057487654321", "0574-87654321", "固定电话 · 浙江宁波 · 0574-87654321"),
        ("0577-88123456", "057788123456", "0577-88123456", "固定电话 · 浙江温州 · 0577-88123456"),
        ("0580-2123456", "05802123456", "0580-2123456", "固定电话 · 浙江舟山 · 0580-2123456"),
        ("010-87654321", "01087654321", "010-87654321", "固定电话 · 北京 · 010-87654321"),
        ("021-62345678", "02162345678", "021-62345678", "固定电话 · 上海 · 021-62345678"),
        ("0991-2345678", "09912345678", "0991-2345678", "固定电话 · 新疆乌鲁木齐 · 0991-2345678"),
        (
            "0571-81726504转123",
            "057181726504转123",
            "0571-81726504 转 123",
            "固定电话 · 浙江杭州 · 0571-81726504 转 123",
        ),
        ("0571-81726504-123", "057181726504转123", "0571-81726504 转 123", None),
        ("0571-81726504 ext. 8", "057181726504转8", "0571-81726504 转 8", None),
        ("0571 81726504 EXT 8001", "057181726504转8001", "0571-81726504 转 8001", None),
        ("0571-81726504 x 22", "057181726504转22", "0571-81726504 转 22", None),
        ("0571-81726504分机22", "057181726504转22", "0571-81726504 转 22", None),
        ("0571-81726504#22", "057181726504转22", "0571-81726504 转 22", None),
    ],
)
def test_fixed_line_valid(raw, value, display, info):
    for check in (v.check_fixed_line, v.check_phone):
        result = check(raw)
        assert result.problems == (), result.problems
        assert (result.value, result.display) == (value, display)
        assert result.info == (info or f"固定电话 · 浙江杭州 · {display}")


@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        ("81726504", "no_area_code", "请加区号"),
        ("2123456", "no_area_code", "请加区号"),
        ("0571-01726504", "local_starts_01", "不能以 0 开头"),
        ("0571-11726504", "local_starts_01", "不能以 1 开头"),
        ("0571-8172-ABCD", "letters", "字母"),
        ("9551234567", "invalid", "以 0 和区号开头"),
        ("57181726504", "no_trunk", "应为 0571-81726504"),
        ("1087654321", "no_trunk", "应为 010-87654321"),
        ("0571-817265041", "too_long", "多了 1 位"),
        ("0571-8172650", "too_short", "0571 的本地号码应为 8 位，还差 1 位"),
        ("0111-2345678", "unknown_area", "区号 011 不存在"),
        ("0400-1234567", "not_subscriber", "400"),
        ("0571-81726504转", "bad_extension", "分机号"),
        ("0571-81726504转1234567", "bad_extension", "1–6 位"),
        ("0571-81726504转12a", "bad_extension", "分机号"),
        ("13825265634", "not_fixed_line", "固定电话"),
        ("95588", "short_number", "短号码"),
    ],
)
def test_fixed_line_errors(raw, code, text):
    result = v.check_fixed_line(raw)
    assert code in codes(result)
    assert text in " ".join(p.message for p in result.problems)
    assert not result.ok


def test_phonenumbers_pitfalls_are_guarded():
    # phonenumbers accepts each of these; they are typos here.
    for raw in ("0571-01726504", "0571-8172-ABCD", "9551234567", "013825265634"):
        assert phonenumbers.is_valid_number(phonenumbers.parse(raw, "CN"))
        assert not v.check_phone(raw).ok


@pytest.mark.parametrize(
    ("raw", "missing"),
    [("0", 10), ("05", 9), ("057", 8), ("0571", 8), ("0571-8172", 4), ("010", 8), ("01", 9), ("0572-212", 4)],
)
def test_fixed_line_prefix_being_typed(raw, missing):
    result = v.check_fixed_line(raw)
    assert result.missing == missing
    assert codes(result) == ["too_short"]


# --- subscriber numbers (check_phone) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("4009030005", "not_subscriber"),
        ("400-903-0005", "not_subscriber"),
        ("04009030005", "not_subscriber"),
        ("8001234567", "not_subscriber"),
        ("400903", "not_subscriber"),
        ("95588", "short_number"),
        ("96123", "short_number"),
        ("12345", "short_number"),
        ("10086", "short_number"),
        ("+44 20 7946 0000", "foreign"),
        ("0044 20 7946 0000", "foreign"),
        ("138 2526 5634 / 0571 81726504", "bad_char"),
        ("TEL 13825265634", "letters"),
    ],
)
def test_phone_refuses(raw, code):
    result = v.check_phone(raw)
    assert codes(result) == [code]
    assert not result.ok


def test_phone_accepts_mobile_and_fixed_line():
    assert v.check_phone("13825265634").info == "手机 · 138 2526 5634"
    assert v.check_phone("0571-81726504").info == "固定电话 · 浙江杭州 · 0571-81726504"


def test_phone_prefix_being_typed():
    assert v.check_phone("138").missing == 8
    assert v.check_phone("+86").missing == 11
    assert v.check_phone("0571").missing == 8


# --- 400 numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["4009030005", "400-903-0005", "400 903 0005", "400903000５", "+86 400 903 0005"]
)
def test_n400_valid(raw):
    result = v.check_n400(raw)
    assert result.problems == ()
    assert (result.value, result.display, result.info) == (
        "4009030005",
        "400-903-0005",
        "400 号码 · 400-903-0005",
    )


@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        ("400903000", "too_short", "应为 10 位，还差 1 位"),
        ("40090300051", "too_long", "多了 1 位"),
        ("04009030005", "trunk", "400 号码前面不要加 0，应为 4009030005"),
        ("0400", "trunk", "不要加 0"),
        ("400-TEL-0005", "letters", "“T”"),
        ("400*903*0005", "bad_char", "“*”"),
        ("8001234567", "n800", "800 号码"),
        ("057181726504", "trunk", "不要加 0"),
        ("13825265634", "not_400", "以 400 开头"),
        ("401", "not_400", "以 400 开头"),
    ],
)
def test_n400_errors(raw, code, text):
    result = v.check_n400(raw)
    assert codes(result) == [code]
    assert text in result.problems[0].message


@pytest.mark.parametrize(("raw", "missing"), [("4", 9), ("40", 8), ("400", 7), ("400-903", 4)])
def test_n400_prefix_being_typed(raw, missing):
    result = v.check_n400(raw)
    assert result.missing == missing
    assert codes(result) == ["too_short"]


# --- phone identity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "identity"),
    [
        ("13825265634", "13825265634"),
        ("+86 138 2526 5634", "13825265634"),
        ("0086-13825265634", "13825265634"),
        ("057181726504", "057181726504"),
        ("057181726504转123", "057181726504"),
        ("0571-81726504 ext 9", "057181726504"),
        ("+86 571 81726504", "057181726504"),
        ("4009030005", "4009030005"),
        ("400-903-0005", "4009030005"),
        ("04009030005", "4009030005"),
        ("", ""),
        ("abc", ""),
    ],
)
def test_phone_identity(raw, identity):
    assert v.phone_identity(raw) == identity


def test_phone_identity_makes_equal_destinations_equal():
    stored = {v.check_phone(raw).value for raw in ("0571-81726504", "057181726504转8", "+86 571 8172 6504")}
    assert {v.phone_identity(value) for value in stored} == {"057181726504"}
    assert v.phone_identity(v.check_n400("400-903-0005").value) == v.phone_identity("4009030005")
