"""Mobiles, fixed lines, subscriber numbers, 400 numbers and phone identity."""

from __future__ import annotations

import re

import phonenumbers
import pytest

from desktop.domain import segments
from desktop.domain import validation as v


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
        "16101234567",
    ],
)
def test_mobile_valid(raw):
    result = v.check_mobile(raw)
    assert result.problems == (), result.problems
    digits = result.value
    assert len(digits) == 11 and digits.isdigit()
    assert result.display == f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    # Issue 23 item 5: a mobile is decoded with its carrier (and region where the data has one).
    assert result.info.startswith("手机 · ") and result.info.endswith(f" · {result.display}")


def test_mobile_describe():
    result = v.check_mobile("+86 138 2526 5634")
    assert (result.value, result.display, result.info) == (
        "13825265634",
        "138 2526 5634",
        "手机 · 中国移动 · 广东深圳 · 138 2526 5634",
    )
    assert v.check_mobile("18957100000").info == "手机 · 中国电信 · 浙江杭州 · 189 5710 0000"
    assert v.check_mobile("13825265634", describe=False).info == "手机 · 138 2526 5634"


@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        ("14012345678", "iot_segment", "140 号段只用于 13 位物联网号码"),
        ("14112345678", "iot_segment", "141"),
        ("14412345678", "iot_segment", "144"),
        ("14612345678", "iot_segment", "146"),
        ("14812345678", "iot_segment", "148"),
        ("1401234567890", "iot_segment", "13 位物联网"),
        ("12345678901", "not_mobile_segment", "123 不是已分配的手机号段"),
        ("10012345678", "not_mobile_segment", "100 不是已分配的手机号段"),
        ("11012345678", "not_mobile_segment", "110 不是已分配的手机号段"),
        ("015412345678", "trunk_mobile", "不要加 0"),
        ("1541234567", "too_short", "还差 1 位"),
        ("154123456789", "too_long", "多了 1 位"),
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


@pytest.mark.parametrize(
    ("raw", "segment"),
    [
        ("15412345678", "154"),
        ("17412345678", "1741"),
        ("17406123456", "17406"),
        ("17912345678", "179"),
        ("19412345678", "194"),
        ("16112345678", "1611"),
        ("+86 154 1234 5678", "154"),
    ],
)
def test_mobile_unallocated_segment_is_a_warning_because_our_data_may_be_older(raw, segment):
    result = v.check_mobile(raw)
    assert result.ok
    assert [(p.code, p.severity) for p in result.problems] == [("unallocated_segment", "warning")]
    assert result.problems[0].message == f"号段 {segment} 尚未见分配，请与客户核对"
    assert result.info is not None and result.info.startswith("手机 · ")


def test_mobile_unallocated_segment_waits_for_all_digits_iot_segment_is_an_error_at_once():
    typing = v.check_mobile("154")
    assert (codes(typing), typing.missing) == (["too_short"], 8)
    iot = v.check_mobile("140")
    assert (codes(iot), iot.missing) == (["iot_segment"], 0)


def test_mobile_unallocated_segment_gets_no_warning_beside_an_error():
    assert codes(v.check_mobile("015412345678")) == ["trunk_mobile"]
    assert codes(v.check_mobile("15412345678转12")) == ["extension_not_allowed"]


def _phonenumbers_mobile(number: str) -> bool:
    parsed = phonenumbers.parse(number, "CN")
    return phonenumbers.is_valid_number_for_region(parsed, "CN") and phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def test_every_mobile_the_installed_phonenumbers_accepts_has_no_finding_here():
    """Exhaustive over every 4-digit prefix 1300–1999, three subscriber parts each (1740x differs by
    its fifth digit): where phonenumbers calls a number a CN mobile we have nothing to say."""
    accepted = 0
    for prefix in range(1300, 2000):
        for tail in ("0123456", "5123456", "9876543"):
            number = f"{prefix}{tail}"
            if _phonenumbers_mobile(number):
                accepted += 1
                assert v.check_mobile(number).problems == (), number
    assert accepted > 1500  # the loop really met phonenumbers' mobiles


def test_segments_beyond_phonenumbers_are_exactly_our_overrides():
    """Where we differ from phonenumbers over 13–19: 149 and 1749 accepted (it wrongly rejects them),
    the IoT-only segments refused, every other segment it does not know only a warning."""
    ours_only, warned, refused = set(), set(), set()
    for prefix in range(1300, 2000):
        number = f"{prefix}5123456"
        if _phonenumbers_mobile(number):
            continue
        result = v.check_mobile(number)
        if not result.ok:
            refused.add(number[:3])
        elif result.problems:
            warned.add(number[:4])
        else:
            ours_only.add(number[:4])
    assert ours_only == {f"149{d}" for d in range(10)} | {"1749"}
    assert refused == set(segments.IOT_ONLY)
    assert {"1540", "1611", "1790", "1940"} <= warned


def test_segment_table_is_derived_from_phonenumbers_not_copied(monkeypatch):
    """A segment phonenumbers starts to call mobile (a new release) enters the table with no code change."""
    real = phonenumbers.number_type

    def newer_release(number):
        if str(number.national_number).startswith("1541"):
            return phonenumbers.PhoneNumberType.MOBILE
        return real(number)

    assert "1541" not in segments._derive()
    monkeypatch.setattr(phonenumbers, "number_type", newer_release)
    assert "1541" in segments._derive()


def test_segment_table_is_cached_stamped_with_phonenumbers_version_and_its_code(monkeypatch):
    from desktop.files import diskcache

    seen = {}

    def spy(name, sources, build, *, kind, version=""):
        seen.update(name=name, version=version, sources=[str(p) for p in sources])
        return build()

    monkeypatch.setattr(diskcache, "cached", spy)
    segments._table.cache_clear()
    try:
        assert "1610" in segments.allocated_prefixes()
    finally:
        segments._table.cache_clear()
    assert seen["version"] == phonenumbers.__version__
    assert any(p.endswith("segments.py") for p in seen["sources"])


def test_segment_table_merges_whole_families_into_short_prefixes():
    assert segments._merge({f"138{d}{e}" for d in range(10) for e in range(10)} | {"17400", "17401"}) == {
        "138",
        "17400",
        "17401",
    }


def test_mobile_segment_is_judged_on_every_prefix_as_typed():
    """A partial mobile is a neutral hint unless it is in an IoT-only segment: that is wrong at once."""
    iot = re.compile(r"14[01468]")
    for length in range(1, 6):
        for n in range(10 ** (length - 1), 2 * 10 ** (length - 1)):
            typed = str(n)
            if typed[1:2] in ("0", "1", "2"):
                continue  # 10x, 11x, 12x are short or service numbers, not mobiles
            result = v.check_mobile(typed)
            if iot.match(typed):
                assert (codes(result), result.missing) == (["iot_segment"], 0), typed
            else:
                assert (codes(result), result.missing) == (["too_short"], 11 - length), typed


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
    assert v.check_phone("13825265634").info == "手机 · 中国移动 · 广东深圳 · 138 2526 5634"
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
        ("057181726504", "landline", "这是固定电话号码"),  # a landline typed here: say so
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


# --- local number lengths per city (phonenumbers' metadata) --------------------------------------


@pytest.mark.parametrize(
    ("area", "length"),
    [("10", 8), ("20", 8), ("21", 8), ("755", 8), ("571", 8), ("574", 8), ("572", 7), ("580", 7), ("991", 7)],
)
def test_fixed_line_local_number_has_the_length_its_city_uses_not_a_generic_7_to_8(area, length):
    right = f"0{area}-" + "9" * length
    assert v.check_fixed_line(right).problems == (), right
    for wrong_length in {7, 8} - {length}:
        wrong = v.check_fixed_line(f"0{area}-" + "9" * wrong_length)
        assert not wrong.ok
        assert f"0{area} 的本地号码应为 {length} 位" in wrong.problems[0].message


def test_guangzhou_seven_digit_local_number_is_an_error():
    result = v.check_fixed_line("020-9999999")
    assert codes(result) == ["too_short"]
    assert result.problems[0].message == "020 的本地号码应为 8 位，还差 1 位"


@pytest.mark.parametrize(
    ("raw", "segment"), [("12905718826", "129"), ("11905718826", "119"), ("10912345678", "109")]
)
def test_a_number_in_the_10_12_blocks_names_its_segment(raw, segment):
    """Issue 23 item 5: not 「…手机号以 1 开头」 of a number that starts with 1."""
    for check in (v.check_phone, v.check_mobile):
        result = check(raw)
        assert not result.ok
        (problem,) = result.problems
        assert problem.message.startswith(f"{segment} 不是已分配的手机号段")
        assert "以 1 开头" not in problem.message
