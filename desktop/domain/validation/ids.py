"""The resident identity number, GB 11643-1999, and the administrative divisions it names (GB/T 2260)."""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType

from desktop.domain.validation import common  # the findings' helpers: common.error, common.result, …
from desktop.domain.validation.common import DIGITS, Problem, Result, code_check, normalise_code
from desktop.files import diskcache

# --- administrative divisions (GB/T 2260, from python-stdnum's cn/loc data) ---------------------

# Pieces of the division table that are not place names and stay out of a decoded region.
_NOT_PLACE_NAMES = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "省直辖县级行政单位", "自治区直辖县级行政区划"}
)
_DATED_NAME = re.compile(r"\[(\d*)-(\d*)\](.+)")


@functools.cache
def _divisions() -> tuple[Mapping[str, str], Mapping[str, str]]:
    """Province names by 2-digit code and raw county entries by 6-digit code.

    Parsing stdnum's data takes ~0.1 s, so it happens on first use (or in ``preload``) and is kept
    in the disk cache while stdnum's file is unchanged. Only the
    names are used: stdnum.cn.ric's verdict is wrong for counties created after the birth year,
    residence permits and foreigners' IDs (see docs/validation.md).
    """
    # Located without importing stdnum: its package import pulls in pydoc and ssl (~30 ms), which
    # only a cache miss needs.
    spec = importlib.util.find_spec("stdnum")
    source = Path(spec.origin if spec and spec.origin else "stdnum").parent / "cn" / "loc.dat"
    provinces, counties = diskcache.cached("divisions", [source], _parse_divisions, kind=tuple)
    return MappingProxyType(provinces), MappingProxyType(counties)


def _parse_divisions() -> tuple[dict[str, str], dict[str, str]]:
    from stdnum import numdb  # noqa: PLC0415 (only on a cache miss: pulls in pydoc and ssl)

    provinces: dict[str, str] = {}
    counties: dict[str, str] = {}
    for _length, code, _high, props, children in numdb.get("cn/loc").prefixes:
        provinces[code] = props.get("province", "")
        for _clength, county, _chigh, cprops, _grandchildren in children:
            counties[code + county] = cprops.get("county", "")
    return provinces, counties


def _pick_name(entry: str, year: int | None) -> str:
    """The name in force in ``year`` from an entry like ``[-1991]北郊区,[1992-]北辰区``.

    Without a year, or when no name covers it, the latest name; for a year before every name the
    earliest one after it (a code is the one in force when the number was assigned, which for an
    ID can be years after birth).
    """
    dated: list[tuple[int, int, str]] = []
    for part in entry.split(","):
        match = _DATED_NAME.fullmatch(part)
        if not match:
            return part
        start = int(match[1]) if match[1] else 0
        end = int(match[2]) if match[2] else 9999
        dated.append((start, end, match[3]))
    if not dated:
        return ""
    if year is not None:
        for start, end, name in dated:
            if start <= year <= end:
                return name
        later = [d for d in dated if d[0] > year]
        if later:
            return min(later)[2]
    return max(dated)[2]


def _region_name(code: str, year: int | None) -> tuple[str, bool]:
    """Province + prefecture + county for a 6-digit code, and whether the county itself is known."""
    provinces, counties = _divisions()
    province = provinces.get(code[:2], "")
    if not province:
        return "", False
    if code[2:] == "0000":
        return province, True
    parts = [province]
    if code[4:] != "00":
        prefecture = _pick_name(counties.get(code[:4] + "00", ""), year)
        if prefecture not in _NOT_PLACE_NAMES:
            parts.append(prefecture)
    entry = counties.get(code)
    if entry is not None:
        name = _pick_name(entry, year)
        if name not in _NOT_PLACE_NAMES:
            parts.append(name)
    return "".join(parts), entry is not None


# --- resident identity number, GB 11643-1999 -------------------------------------------------

ID_LENGTH = 18
FIRST_GENERATION_LENGTH = 15
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_PROVINCES = frozenset(
    str(code)
    for low, high in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65))
    for code in range(low, high + 1)
)
_PERMIT_REGIONS = MappingProxyType({"81": "香港", "82": "澳门", "83": "台湾"})
_EARLIEST_BIRTH = date(1900, 1, 1)


def id_check_char(first17: str) -> str:
    total = sum((ord(c) - 48) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def _parse_ymd(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _year_prefix_possible(prefix: str, today: date) -> bool:
    """Whether some year from 1900 to today's starts with these typed digits."""
    scale = 10 ** (4 - len(prefix))
    low = int(prefix) * scale
    return low <= today.year and low + scale - 1 >= _EARLIEST_BIRTH.year


def _id_region_problems(value: str) -> list[Problem]:
    """Findings about the address code, for a full ID or the prefix typed so far."""
    if value[0] == "9":
        # Foreigner's permanent residence ID (2023): 9, province of acceptance, nationality.
        province = value[1:3]
        if province and not any(code.startswith(province) for code in ID_PROVINCES):
            message = (
                f"地址码前两位 {value[:2]} 不存在"
                "（以 9 开头的外国人永久居留身份证，第 2–3 位应为受理地的省级代码）"
            )
            return [common.error("bad_province", message)]
        return []
    if len(value) < 2:
        return []
    province = value[:2]
    if province == "71":
        return [
            common.error("taiwan_province", "地址码 71（台湾省）从未签发身份证；台湾居民居住证以 830000 开头")
        ]
    if province in _PERMIT_REGIONS:
        if not "0000".startswith(value[2:6]):
            return [
                common.error(
                    "bad_permit_region",
                    f"港澳台居民居住证的地址码只能是 {province}0000，不能是 {value[:6]}",
                )
            ]
        return []
    if province not in ID_PROVINCES:
        return [common.error("bad_province", f"地址码前两位 {province} 不是有效的省级代码")]
    return []


def _id_birth_problems(value: str, today: date) -> list[Problem]:
    """Findings about the birth date (characters 7–14), for a full ID or a prefix."""
    typed = value[6:14]
    if not typed:
        return []
    if len(typed) == 8:
        birth = _parse_ymd(typed)
        shown = f"{typed[:4]}-{typed[4:6]}-{typed[6:]}"
        if birth is None:
            return [common.error("bad_birth_date", f"出生日期 {shown} 不存在")]
        if birth < _EARLIEST_BIRTH:
            return [common.error("birth_too_early", f"出生日期 {shown} 早于 1900 年")]
        if birth > today:
            return [common.error("birth_in_future", f"出生日期 {shown} 晚于今天")]
        return []
    year, month, day = typed[:4], typed[4:6], typed[6:]
    possible = (
        _year_prefix_possible(year, today)
        and (not month or ("01" <= month <= "12" if len(month) == 2 else month in "01"))
        and (not day or day in "0123")
    )
    if possible:
        return []
    return [common.error("bad_birth_date", "第 7–14 位应为出生日期（年月日），1900 年至今天之间")]


def _first_generation(value: str) -> tuple[Problem, bool]:
    """15 digits read as the withdrawn first-generation number: its finding, and whether it is one.

    A valid one names the 18-digit form it upgrades to (insert 19 after the address code, append
    the check); otherwise the finding names what makes it impossible, e.g. 「1962-09-32 不存在」.
    """
    reasons = []
    province = value[:2]
    if province not in ID_PROVINCES:
        reasons.append(f"地址码前两位 {province} 不是签发身份证的省级代码")
    shown = f"19{value[6:8]}-{value[8:10]}-{value[10:12]}"
    if _parse_ymd("19" + value[6:12]) is None:
        reasons.append(f"出生日期 {shown} 不存在")
    if reasons:
        message = f"按 15 位一代身份证号读，{'，'.join(reasons)}；一代号码已于 2013 年停用，请核对证件后填写 18 位号码"
        return common.error("first_generation", message), False
    first17 = value[:6] + "19" + value[6:]
    upgraded = first17 + id_check_char(first17)
    message = f"15 位一代身份证号已于 2013 年停用，请填写 18 位号码（按此号升位为 {upgraded}）"
    return common.error("first_generation", message), True


def _province_level(value: str) -> Problem | None:
    """A warning for a province's own code (440000) where an ID names its county."""
    if value[2:6] != "0000" or value[0] == "9" or value[:2] in _PERMIT_REGIONS:
        return None
    return common.warning(
        "province_level",
        f"地址码 {value[:6]} 是省级代码，身份证上通常是区县代码，请与证件核对",
    )


def _id_info(value: str, birth: date) -> tuple[str, list[Problem]]:
    sex = "男" if (ord(value[16]) - 48) % 2 else "女"
    tail = f"{birth.isoformat()} · {sex}"
    if value[0] == "9":
        province, _known = _region_name(value[1:3] + "0000", None)
        return f"外国人永久居留身份证 · {province}受理 · 国籍代码 {value[3:6]} · {tail}", []
    if value[:2] in _PERMIT_REGIONS:
        return f"{_PERMIT_REGIONS[value[:2]]}居民居住证 · {tail}", []
    region, known = _region_name(value[:6], birth.year)
    problems = []
    province_level = _province_level(value)
    if province_level is not None:
        problems.append(province_level)
    elif not known:
        # The code in force when the number was assigned is legitimate even if since abolished,
        # and our table may lack a code: only warn.
        problems.append(
            common.warning(
                "unknown_county",
                f"地址码 {value[:6]} 不在行政区划代码表中，请核对（已撤销的旧代码仍然有效）",
            )
        )
    return f"{region} · {tail}", problems


@code_check
def check_resident_id(value: str, *, today: date) -> Result:
    """Resident identity number (GB 11643), HK/Macau/Taiwan residence permit or foreigner's PR ID."""
    problems: list[Problem] = []
    bad = [c for i, c in enumerate(value) if c not in DIGITS and not (c == "X" and i == ID_LENGTH - 1)]
    if bad:
        if set(bad) == {"X"}:
            problems.append(common.error("bad_char", "X 只能是最后一位（校验码）"))
        else:
            problems.append(
                common.error("bad_char", f"含有无效字符{common.quote(bad)}：只能是数字，最后一位可以是 X")
            )
        if len(value) != ID_LENGTH:
            problems.append(
                common.too_short(ID_LENGTH, ID_LENGTH - len(value))
                if len(value) < ID_LENGTH
                else common.too_long(ID_LENGTH, len(value) - ID_LENGTH)
            )
        return common.result(value, problems)
    if len(value) > ID_LENGTH:
        return common.result(value, [common.too_long(ID_LENGTH, len(value) - ID_LENGTH)])
    if len(value) < ID_LENGTH:
        prefix_problems = _id_region_problems(value) + _id_birth_problems(value, today)
        if len(value) == FIRST_GENERATION_LENGTH:
            # One reading, one finding: a valid first-generation number, or 15 digits that cannot
            # begin an 18-digit ID either, is read as first-generation only (no "还差 3 位").
            # Otherwise it is an 18-digit ID being typed, and its 15-digit reading is no news.
            first_generation, is_one = _first_generation(value)
            if is_one or prefix_problems:
                return common.result(value, [first_generation])
        problems += prefix_problems
        problems.append(common.too_short(ID_LENGTH, ID_LENGTH - len(value)))
        return common.result(value, problems, missing=0 if prefix_problems else ID_LENGTH - len(value))

    problems += _id_region_problems(value) + _id_birth_problems(value, today)
    if problems:
        # A check character computed from a wrong address code or date is no fix: name only those.
        return common.result(value, problems)
    expected = id_check_char(value[:17])
    if value[17] != expected:
        return common.result(value, [common.error("check_char", f"校验码错误，按前 17 位应为 {expected}")])
    birth = _parse_ymd(value[6:14])
    assert birth is not None
    info, warnings = _id_info(value, birth)
    return common.result(value, problems + warnings, info=info)


def resident_id_birth(value: str) -> date | None:
    """Birth date of a normalised 18-character ID, None if it cannot be decoded."""
    value = normalise_code(value)
    if len(value) != ID_LENGTH or not common.ascii_digits(value[:17]):
        return None
    return _parse_ymd(value[6:14])


def preload_divisions() -> None:
    """Load the division table now (from a worker at start-up, not on the first keystroke)."""
    _divisions()
