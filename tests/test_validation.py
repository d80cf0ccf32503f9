"""Public vectors, identifiers (resident ID, USCC, organisation code) and normalising."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from desktop.domain import validation as v

TODAY = date(2026, 11, 28)
VECTORS = Path(__file__).resolve().parent / "data" / "vectors"

CHECKS = {
    "mobile": v.check_mobile,
    "n400": v.check_n400,
    "org_code": v.check_org_code,
    "phone": v.check_phone,
    "postcode": v.check_postcode,
    "resident_id": lambda raw: v.check_resident_id(raw, today=TODAY),
    "uscc": v.check_uscc,
}


def _vectors():
    for path in sorted(VECTORS.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                yield pytest.param(path.stem, row["value"], row["expect"], id=f"{path.stem}:{row['value']}")


def codes(result: v.Result) -> list[str]:
    return [p.code for p in result.problems]


def messages(result: v.Result) -> str:
    return " | ".join(p.message for p in result.problems)


def test_every_vector_file_is_covered():
    assert {p.stem for p in VECTORS.glob("*.tsv")} == set(CHECKS)


@pytest.mark.parametrize(("kind", "value", "expect"), list(_vectors()))
def test_public_vector(kind, value, expect):
    result = CHECKS[kind](value)
    if expect == "valid":
        assert result.ok, messages(result)
        # Only the minor's ID may carry a warning, and that one is the caller's (age on the
        # application date), so a valid vector has no finding at all here.
        assert result.problems == ()
        # Codes that decode to something say so; org codes and postcodes have nothing to add.
        assert bool(result.info) == (kind not in ("org_code", "postcode"))
    elif expect == "warning":
        assert result.ok
        assert [p.severity for p in result.problems] == ["warning"]
    else:
        assert not result.ok
        assert all(p.message for p in result.problems)


# --- normalising ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  abc  ", "abc"),
        ("ＡＢＣ１２３", "ABC123"),
        ("a\x00b\u200bc\ufeff", "abc"),
        ("line\nbreak\ttab", "line break tab"),
        ("\u3000全角空格\u3000", "全角空格"),
        ("杭州（西湖）", "杭州（西湖）"),  # Chinese punctuation is the customer's text: kept
    ],
)
def test_normalise_text(raw, expected):
    assert v.normalise_text(raw) == expected


def test_normalise_text_multiline_keeps_line_breaks():
    assert v.normalise_text(" a\r\nb\rc\n ", multiline=True) == "a\nb\nc"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0571-8172 6504", "057181726504"),
        ("(0571)81726504", "057181726504"),
        ("（０５７１）８１７２６５０４", "057181726504"),
        ("0571–8172—6504", "057181726504"),
        ("0571－8172﹣6504", "057181726504"),
        ("0571‐8172‑6504−1", "0571817265041"),
        ("ab c\u200bd", "ABCD"),
        ("９１１１００００６０００３７３４１ｌ", "91110000600037341L"),
    ],
)
def test_normalise_code(raw, expected):
    assert v.normalise_code(raw) == expected


def test_empty_after_normalisation_is_empty_without_problems():
    blank = " \u3000\t-() \t"
    results = [
        v.check_resident_id(blank, today=TODAY),
        v.check_uscc(blank),
        v.check_org_code(blank),
        v.check_mobile(blank),
        v.check_fixed_line(blank),
        v.check_phone(blank),
        v.check_n400(blank),
        v.check_postcode(blank),
        v.check_email(" "),
        v.check_person_name(" "),
        v.check_text(" ", max_length=5),
        v.check_date(" ", today=TODAY),
    ]
    for result in results:
        assert result == v.Result(value="")
        assert result.ok and result.missing == 0


def test_result_ok_ignores_warnings():
    warning = v.Problem("w", "warning", "注意")
    error = v.Problem("e", "error", "错误")
    assert v.Result("x", (warning,)).ok
    assert not v.Result("x", (warning, error)).ok


# --- resident identity number --------------------------------------------------------------------


def _id(first17: str) -> str:
    """A full ID with its check character, computed by python-stdnum as an independent oracle."""
    return first17 + ric.calc_check_digit(first17 + "0")


def check_id(raw: str, today: date = TODAY) -> v.Result:
    return v.check_resident_id(raw, today=today)


@pytest.mark.parametrize(
    ("value", "info"),
    [
        ("610113198402242115", "陕西省西安市雁塔区 · 1984-02-24 · 男"),
        ("11010519491231002X", "北京市朝阳区 · 1949-12-31 · 女"),
        ("330106200002290010", "浙江省杭州市西湖区 · 2000-02-29 · 男"),
        ("31011519851010001X", "上海市浦东新区 · 1985-10-10 · 男"),
        ("412723199010050012", "河南省周口地区商水县 · 1990-10-05 · 男"),
        (_id("33010019900101002"), "浙江省杭州市 · 1990-01-01 · 女"),
        ("810000198507010011", "香港居民居住证 · 1985-07-01 · 男"),
        (_id("82000019900101002"), "澳门居民居住证 · 1990-01-01 · 女"),
        ("830000198808080017", "台湾居民居住证 · 1988-08-08 · 男"),
        ("91184019850101001X", "外国人永久居留身份证 · 北京市受理 · 国籍代码 840 · 1985-01-01 · 男"),
        (_id("93339219700101002"), "外国人永久居留身份证 · 浙江省受理 · 国籍代码 392 · 1970-01-01 · 女"),
    ],
)
def test_resident_id_valid_and_described(value, info):
    result = check_id(value)
    assert result.ok and result.problems == (), messages(result)
    assert result.value == value
    assert result.display == value
    assert result.info == info
    assert result.missing == 0


def test_resident_id_stdnum_pitfalls_are_fixed():
    # Each of these is valid but stdnum.cn.ric rejects it (or accepts the invalid one).
    for value in ("31011519851010001X", "810000198507010011", "830000198808080017", "91184019850101001X"):
        assert not ric.is_valid(value)
        assert check_id(value).ok
    for value in ("110105209901010012", _id("71000019800101001")):
        assert not check_id(value).ok


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("44011320141005001x", "44011320141005001X"),
        ("110105 19491231 002X", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("110105-19491231-002X", "11010519491231002X"),
        ("\t11010519491231002X\n", "11010519491231002X"),
    ],
)
def test_resident_id_normalised(raw, value):
    result = check_id(raw)
    assert result.ok
    assert result.value == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [("36042619910102009X", "3"), ("11010519491231002Y", None), ("110105194912310020", "X")],
)
def test_resident_id_check_char_named(value, expected):
    result = check_id(value)
    assert not result.ok
    if expected is None:
        assert codes(result) == ["bad_char"]
    else:
        assert codes(result) == ["check_char"]
        assert result.problems[0].message == f"校验码错误，按前 17 位应为 {expected}"


@pytest.mark.parametrize(
    ("first17", "code", "text"),
    [
        ("36042619911301007", "bad_birth_date", "1991-13-01 不存在"),
        ("11010519490230002", "bad_birth_date", "1949-02-30 不存在"),
        ("11010519010229001", "bad_birth_date", "1901-02-29 不存在"),
        ("11010520990101001", "birth_in_future", "晚于今天"),
        ("11010518991231001", "birth_too_early", "早于 1900 年"),
        ("71000019800101001", "taiwan_province", "830000"),
        ("99042619911201007", "bad_province", "99"),
        ("20010519800101001", "bad_province", "20"),
        ("81010019850701001", "bad_permit_region", "810000"),
        ("97042619911201007", "bad_province", "97"),
        ("96011019850101001", "bad_province", "96"),
    ],
)
def test_resident_id_errors(first17, code, text):
    result = check_id(_id(first17))
    assert codes(result) == [code]
    assert text in result.problems[0].message
    assert result.info is None
    assert result.display == result.value


def test_resident_id_birth_today_is_allowed_tomorrow_is_not():
    assert check_id(_id("33010620261128001")).ok
    assert codes(check_id(_id("33010620261129001"))) == ["birth_in_future"]
    assert check_id(_id("33010620261129001"), today=date(2026, 11, 29)).ok
    assert check_id(_id("11010519000101001")).ok


def test_resident_id_unknown_county_is_only_a_warning():
    result = check_id(_id("33019919900101001"))
    assert result.ok
    assert [(p.code, p.severity) for p in result.problems] == [("unknown_county", "warning")]
    assert "330199" in result.problems[0].message
    assert result.info == "浙江省杭州市 · 1990-01-01 · 男"


def test_resident_id_several_errors_reported_together():
    result = check_id(_id("71000019490230002"))
    assert codes(result) == ["taiwan_province", "bad_birth_date"]


def test_resident_id_no_check_char_suggested_beside_a_wrong_date_it_was_computed_from():
    # 「按前 17 位应为 9」 would "fix" a number whose date is already wrong: one finding, the date.
    result = check_id("110105194902300029")
    assert codes(result) == ["bad_birth_date"]
    assert "应为" not in messages(result)


@pytest.mark.parametrize("province", ["44", "33", "11", "65"])
def test_resident_id_province_level_address_code_is_a_warning_not_a_county(province):
    result = check_id(_id(f"{province}000019900101001"))
    assert result.ok
    assert [(p.code, p.severity) for p in result.problems] == [("province_level", "warning")]
    assert f"{province}0000" in result.problems[0].message
    assert result.info is not None and result.info.endswith(" · 1990-01-01 · 男")


@pytest.mark.parametrize("value", ["810000198507010011", "830000198808080017", _id("82000019900101002")])
def test_resident_id_province_level_code_is_right_for_hk_macau_taiwan_permits(value):
    assert check_id(value).problems == ()


@pytest.mark.parametrize(
    ("first17", "province"), [("91184019850101001", "北京市"), ("94484019850101001", "广东省")]
)
def test_resident_id_foreigner_pr_id_is_9_plus_accepting_province(first17, province):
    result = check_id(_id(first17))
    assert result.problems == ()
    assert f"{province}受理" in (result.info or "")


@pytest.mark.parametrize("first17", ["97184019850101001", "90184019850101001", "97"])
def test_resident_id_foreigner_pr_id_without_a_province_code_is_an_error(first17):
    result = check_id(_id(first17) if len(first17) == 17 else first17)
    assert codes(result)[0] == "bad_province"
    assert "受理地" in result.problems[0].message


@pytest.mark.parametrize(
    ("raw", "missing"),
    [
        ("1", 17),
        ("33", 16),
        ("330106", 12),
        ("3301062", 11),
        ("33010620", 10),
        ("3301062000", 8),
        ("33010620000", 7),
        ("330106200002", 6),
        ("3301062000022", 5),
        ("33010620000229", 4),
        ("33010620000229001", 1),
        ("9", 17),
        ("91", 16),
        ("8100", 14),
        ("330106 2000 0229", 4),
    ],
)
def test_resident_id_prefix_being_typed(raw, missing):
    result = check_id(raw)
    assert result.missing == missing
    assert codes(result) == ["too_short"]
    assert result.problems[0].message == f"应为 18 位，还差 {missing} 位"


@pytest.mark.parametrize(
    ("raw", "first_code"),
    [
        ("71", "taiwan_province"),
        ("99", "bad_province"),
        ("8101", "bad_permit_region"),
        ("3301063", "bad_birth_date"),
        ("330106185", "bad_birth_date"),
        ("33010620002", "bad_birth_date"),
        ("330106200013", "bad_birth_date"),
        ("3301062000124", "bad_birth_date"),
        ("33010620000230", "bad_birth_date"),
        ("33010620991231", "birth_in_future"),
        ("33010620000229A", "bad_char"),
        ("3301062000022X", "bad_char"),
    ],
)
def test_resident_id_wrong_prefix_is_an_error_at_once(raw, first_code):
    result = check_id(raw)
    assert result.missing == 0
    assert codes(result)[0] == first_code
    assert codes(result)[-1] == "too_short"


def test_resident_id_too_long():
    result = check_id("11010519491231002X1")
    assert codes(result) == ["too_long"]
    assert result.problems[0].message == "应为 18 位，多了 1 位"


def test_resident_id_first_generation_names_the_upgrade():
    result = check_id("110105491231002")
    assert codes(result) == ["first_generation"]
    assert result.missing == 0
    assert "11010519491231002X" in result.problems[0].message
    assert v.check_resident_id("11010519491231002X", today=TODAY).ok


def test_resident_id_valid_first_generation_number_gets_no_18_digit_hint():
    # Plausible as the start of an 18-digit ID (born 2001-12-03) too, but fifteen digits that
    # make a valid first-generation number (born 1920-01-12) are read as that only.
    result = check_id("330106200112030")
    assert result.missing == 0
    assert codes(result) == ["first_generation"]
    assert "330106192001120303" in result.problems[0].message


def test_resident_id_fifteen_digits_are_one_reading_with_the_impossible_date_named():
    # Not 「出生日期 6209-32-69 不存在」 and 「还差 3 位」: a first-generation number born 1962-09-32.
    result = check_id("610104620932690")
    assert codes(result) == ["first_generation"]
    assert result.missing == 0
    assert "1962-09-32 不存在" in result.problems[0].message
    assert "6209" not in result.problems[0].message and "还差" not in result.problems[0].message


def test_resident_id_fifteen_digits_that_cannot_be_first_generation_are_an_18_digit_id_being_typed():
    result = check_id("610113198402242")  # as first-generation: born 1919-84-02, impossible
    assert codes(result) == ["too_short"]
    assert result.missing == 3


def test_resident_id_fifteen_digits_with_a_bad_province_name_it_once():
    result = check_id("990426911201007")
    assert codes(result) == ["first_generation"]
    assert "99" in result.problems[0].message


def test_resident_id_birth():
    assert v.resident_id_birth("610113198402242115") == date(1984, 2, 24)
    assert v.resident_id_birth("11010519491231002x") == date(1949, 12, 31)
    assert v.resident_id_birth("91184019850101001X") == date(1985, 1, 1)
    assert v.resident_id_birth("110105194902300020") is None
    assert v.resident_id_birth("1101051949") is None
    assert v.resident_id_birth("11010519491231002X9") is None
    assert v.resident_id_birth("１１０１０５１９４９１２３１００２Ｘ") == date(1949, 12, 31)
    assert v.resident_id_birth("") is None
    assert v.resident_id_birth("1101051949123100XX") is None


# --- unified social credit code ------------------------------------------------------------------


def _uscc(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17 + "0")


@pytest.mark.parametrize(
    ("value", "info"),
    [
        ("91110000600037341L", "企业（工商登记） · 北京市"),
        ("91320621MA1MRHG205", "企业（工商登记） · 江苏省南通市海安县"),
        ("121200004013590816", "事业单位（机构编制登记） · 天津市"),
        ("92340602MA2PBMEM24", "个体工商户（工商登记） · 安徽省淮北市杜集区"),
        ("N2330106MA2H000148", "村级集体经济组织（农业登记） · 浙江省杭州市西湖区"),
        (_uscc("93330100MA2H00014"), "农民专业合作社（工商登记） · 浙江省杭州市"),
        (_uscc("51100000MA2H00014"), "社会团体（民政登记） · 国家级"),
        (_uscc("A1330000MA2H00014"), "军队事业单位（中央军委改革和编制办公室登记） · 浙江省"),
        (_uscc("Y1330106MA2H00014"), "其他登记管理部门登记的机构 · 浙江省杭州市西湖区"),
        (_uscc("N1330106MA2H00014"), "组级集体经济组织（农业登记） · 浙江省杭州市西湖区"),
        (_uscc("N9330106MA2H00014"), "其他（农业登记） · 浙江省杭州市西湖区"),
        (_uscc("31330106MA2H00014"), "律师执业机构（司法行政登记） · 浙江省杭州市西湖区"),
        (_uscc("81999999MA2H00014"), "基层工会（工会登记）"),
    ],
)
def test_uscc_valid_and_described(value, info):
    result = v.check_uscc(value)
    assert result.problems == (), messages(result)
    assert result.info == info
    assert result.display == result.value == value


def test_uscc_every_defined_authority_and_kind_is_accepted():
    for authority, (_name, kinds) in v.USCC_AUTHORITIES.items():
        for kind in kinds:
            assert v.check_uscc(_uscc(f"{authority}{kind}330106MA2H00014")).ok, authority + kind


def test_uscc_stdnum_pitfalls_are_fixed():
    # stdnum rejects A/N/Y codes and accepts undefined kinds, region 000000, broken org codes.
    for value in ("N2330106MA2H000148", _uscc("A1330000MA2H00014"), _uscc("Y1330106MA2H00014")):
        assert not uscc.is_valid(value)
        assert v.check_uscc(value).ok
    for value in (_uscc("94330106MA2H00014"), _uscc("91000000MA2H00014"), "91110000600037342P"):
        assert uscc.is_valid(value)
        assert not v.check_uscc(value).ok


@pytest.mark.parametrize(
    ("value", "code", "text"),
    [
        ("91110000600037341N", "check_char", "校验码错误，按前 17 位应为 L"),
        ("91110000600037342P", "org_code_check", "60003734-2 的校验位错误，按前 8 位应为 1"),
        ("01330106MA2H000142", "bad_authority", "登记管理部门代码 0 未定义"),
        (_uscc("B1330106MA2H00014"), "bad_authority", "B"),
        (_uscc("94330106MA2H00014"), "bad_kind", "可为 1 企业、2 个体工商户、3 农民专业合作社"),
        (_uscc("Y2330106MA2H00014"), "bad_kind", "可为 1 其他"),
        (_uscc("N4330106MA2H00014"), "bad_kind", "农业"),
        (_uscc("91000000MA2H00014"), "bad_region", "000000"),
        (_uscc("9133A106MA2H00014"), "bad_region", "6 位数字"),
    ],
)
def test_uscc_errors(value, code, text):
    result = v.check_uscc(value)
    assert codes(result) == [code]
    assert text in result.problems[0].message
    assert result.info is None


def test_uscc_excluded_letters_named():
    result = v.check_uscc("9111000060003IOZSV")
    assert codes(result) == ["bad_char"]
    assert "“I”、“O”、“Z”、“S”、“V”" in result.problems[0].message
    result = v.check_uscc("91110000600037341*")
    assert codes(result) == ["bad_char"]
    assert "“*”" in result.problems[0].message


def test_uscc_legacy_registration_number_is_one_finding_without_the_18_character_hint():
    result = v.check_uscc("110108000000016")
    assert codes(result) == ["legacy_registration"]
    assert result.missing == 0
    assert "18 位统一社会信用代码" in result.problems[0].message
    assert "校验位也不对" not in result.problems[0].message


def test_uscc_broken_legacy_number_that_cannot_begin_a_credit_code_says_so_once():
    result = v.check_uscc("010108000000017")  # authority 0: no credit code starts so
    assert codes(result) == ["legacy_registration"]
    assert "校验位也不对" in result.problems[0].message


def test_uscc_fifteen_digits_that_are_no_legacy_number_are_a_credit_code_being_typed():
    result = v.check_uscc("110108000000017")  # MOD 11,10 fails; 11 + 010800 is a plausible start
    assert codes(result) == ["too_short"]
    assert result.missing == 3


def _failing_mod31(prefix8: str, org8: str) -> str:
    """A code with a valid embedded organisation code whose MOD 31 check fails."""
    org = org8 + next(c for c in "0123456789X" if v.check_org_code(org8 + c).ok)
    right = _uscc(prefix8 + org)
    return right[:-1] + ("0" if right[-1] != "0" else "1")


@pytest.mark.parametrize("value", ["91350211M0000XUF46", _failing_mod31("91350100", "M0001234")])
def test_uscc_fujian_pilot_code_failing_mod31_is_a_warning_without_a_corrected_check(value):
    result = v.check_uscc(value)
    assert result.ok
    assert [(p.code, p.severity) for p in result.problems] == [("pilot_check", "warning")]
    message = result.problems[0].message
    assert "营业执照" in message and "福建" in message and "应为" not in message
    assert result.info is not None and "福建省" in result.info


@pytest.mark.parametrize(
    ("prefix8", "org8"),
    [("91330211", "M0000XUF"), ("91350211", "MA000XUF"), ("92350211", "M0000XUF"), ("91350211", "00000XUF")],
)
def test_uscc_outside_the_fujian_pilot_pattern_a_failed_mod31_stays_an_error(prefix8, org8):
    result = v.check_uscc(_failing_mod31(prefix8, org8))
    assert codes(result) == ["check_char"]


def test_uscc_fujian_pilot_code_with_a_broken_org_code_is_an_error_not_a_warning():
    result = v.check_uscc("91350211M0000XUF56")  # embedded M0000XUF-5: its check is 4
    assert codes(result) == ["org_code_check"]


def test_uscc_no_check_char_suggested_beside_a_broken_org_code_it_was_computed_from():
    result = v.check_uscc("91110000600037342N")
    assert codes(result) == ["org_code_check"]


@pytest.mark.parametrize(
    ("raw", "missing"), [("9", 17), ("91", 16), ("91330106", 10), ("91330106MA2H0001", 2)]
)
def test_uscc_prefix_being_typed(raw, missing):
    result = v.check_uscc(raw)
    assert result.missing == missing
    assert codes(result) == ["too_short"]


@pytest.mark.parametrize(
    ("raw", "code"), [("0", "bad_authority"), ("95", "bad_kind"), ("910000000", "bad_region")]
)
def test_uscc_wrong_prefix_is_an_error_at_once(raw, code):
    result = v.check_uscc(raw)
    assert result.missing == 0
    assert codes(result) == [code, "too_short"]


def test_uscc_too_long():
    assert codes(v.check_uscc("91110000600037341L0")) == ["too_long"]


def test_org_code_of_uscc():
    assert v.org_code_of_uscc("91110000600037341L") == "600037341"
    assert v.org_code_of_uscc("9111 0000 6000 3734 1l") == "600037341"
    assert v.org_code_of_uscc("9111000060003734") is None
    assert v.org_code_of_uscc("") is None


# --- organisation code ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "display"),
    [
        ("00251805-7", "002518057", "00251805-7"),
        ("00251809-X", "00251809X", "00251809-X"),
        ("00251809-x", "00251809X", "00251809-X"),
        ("MA2PBPLU0", "MA2PBPLU0", "MA2PBPLU-0"),
        ("60003734-1", "600037341", "60003734-1"),
        ("MA1MRHG2-0", "MA1MRHG20", "MA1MRHG2-0"),
        ("４０１３５９０８－１", "401359081", "40135908-1"),
        ("MA2H0001 4", "MA2H00014", "MA2H0001-4"),
    ],
)
def test_org_code_valid(raw, value, display):
    result = v.check_org_code(raw)
    assert result.problems == (), messages(result)
    assert (result.value, result.display) == (value, display)


@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        ("00251805-4", "check_char", "校验码错误，按前 8 位应为 7"),
        ("MA1MRHG2-7", "check_char", "按前 8 位应为 0"),
        ("00251809-0", "check_char", "按前 8 位应为 X"),
        ("60003734-A", "check_char", "按前 8 位应为 1"),
        ("0025180*-7", "bad_char", "“*”"),
        ("甲0251805-7", "bad_char", "“甲”"),
        ("00251805-77", "too_long", "多了 1 位"),
    ],
)
def test_org_code_errors(raw, code, text):
    result = v.check_org_code(raw)
    assert codes(result) == [code]
    assert text in result.problems[0].message


def test_org_code_prefix():
    result = v.check_org_code("002518")
    assert result.missing == 3
    assert codes(result) == ["too_short"]
    result = v.check_org_code("0025*")
    assert result.missing == 0
    assert codes(result) == ["bad_char", "too_short"]
