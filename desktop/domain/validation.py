"""Single-field rules: normalise what the agent typed, say what is wrong and, where it can, the fix.

Pure functions without Qt and without module state that calls change (the two caches below memoise
pure look-ups). Every public function accepts any string and never raises. Rules and messages
follow docs/validation.md, which gives each rule's reason and source; messages never start with
the field's label, the caller adds it.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType

import phonenumbers

from desktop.domain import invisible, segments

ERROR = "error"
WARNING = "warning"

DIGITS = "0123456789"


@dataclass(frozen=True)
class Problem:
    """One finding about a value: a stable code, its severity and a Chinese message."""

    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class Result:
    """The normalised value, what is wrong with it and, when valid, what it decodes to."""

    value: str
    problems: tuple[Problem, ...] = ()
    info: str | None = None
    display: str = ""
    missing: int = 0

    @property
    def ok(self) -> bool:
        return all(p.severity != ERROR for p in self.problems)


def _error(code: str, message: str) -> Problem:
    return Problem(code, ERROR, message)


def _warning(code: str, message: str) -> Problem:
    return Problem(code, WARNING, message)


def _result(
    value: str,
    problems: Iterable[Problem] = (),
    *,
    info: str | None = None,
    display: str | None = None,
    missing: int = 0,
) -> Result:
    problems = tuple(problems)
    ok = all(p.severity != ERROR for p in problems)
    if not ok:
        # A warning says "unusual, check it", which contradicts an error saying "cannot be right"
        # and usually presumes the value is otherwise fine; it shows again once the errors are fixed.
        problems = tuple(p for p in problems if p.severity == ERROR)
    return Result(
        value=value,
        problems=problems,
        info=info if ok else None,
        display=value if display is None or not ok else display,
        missing=missing,
    )


def _quote(chars: Iterable[str], limit: int = 3) -> str:
    """「“A”、“B”」 for the first few distinct characters."""
    seen = list(dict.fromkeys(chars))
    shown = "、".join(f"“{c}”" for c in seen[:limit])
    return shown + ("等" if len(seen) > limit else "")


def _too_short(length: int, missing: int) -> Problem:
    return _error("too_short", f"应为 {length} 位，还差 {missing} 位")


def _too_long(length: int, extra: int) -> Problem:
    return _error("too_long", f"应为 {length} 位，多了 {extra} 位")


def check_invisible(raw: str, *, multiline: bool = False) -> Result | None:
    """The error for a value holding a control or format character (every field type), else None.

    Never cleaned silently (docs/validation.md, free text): the stored value keeps the character, so
    the error stays until the agent deletes it. The position counts from the trimmed value.
    """
    if raw.isprintable():  # no Cc, Cf, Cs, Zl or Zp at all: the keystroke path's usual case
        return None
    text = invisible.drop_surrogates(raw).strip()
    hidden = invisible.find_invisible(text, multiline=multiline)
    if hidden is None:
        return None
    return _result(text, [_error("invisible_char", hidden.message())])


# --- normalising -----------------------------------------------------------------------------

_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_LINE_BREAKS = re.compile("\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
# Separators agents put into codes and numbers: spaces, hyphens, parentheses and every dash an
# IME offers (after NFKC full-width － and small ﹣ are already ASCII "-").
_CODE_SEPARATORS = re.compile(r"[\s\-()\u2010-\u2015\u2212\u2043\u2e3a\u2e3b\u30fc\ufe58]+")


def _drop_controls(text: str, keep: str = "") -> str:
    if text.isascii() and text.isprintable():
        return text
    return "".join(c for c in text if c in keep or unicodedata.category(c) not in _CONTROL_CATEGORIES)


def _stable(clean: Callable[[str], str], text: str, fold: Callable[[str], str] | None = None) -> str:
    """Apply ``clean`` and NFKC until nothing changes, so normalising twice changes nothing.

    Removing a character or upper-casing can make a new NFKC composition (``A-̀`` → ``À``,
    ``ß́`` → ``SŚ``); a few rounds always settle it.
    """
    for _round in range(4):
        cleaned = clean(text)
        if cleaned.isascii():
            return cleaned
        cleaned = fold(cleaned) if fold else unicodedata.normalize("NFKC", cleaned)
        if cleaned == text:
            return cleaned
        text = cleaned
    return text


_WIDTH_FOLD = {
    **{cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)},  # ０-９
    **{cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)},  # Ａ-Ｚ
    **{cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)},  # ａ-ｚ
    0x3000: 0x20,  # ideographic space
    0xFF20: 0x40,  # ＠ in e-mail addresses
    0xFF0E: 0x2E,  # ． in e-mail addresses and numbers
}


def _fold_width(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_WIDTH_FOLD)


def _normalise_entry(raw: str) -> str:
    """Full NFKC for what is not the customer's prose: phone numbers, dates, e-mail addresses."""
    return _stable(lambda t: _drop_controls(t).strip(), unicodedata.normalize("NFKC", raw))


def normalise_text(raw: str, *, multiline: bool = False) -> str:
    """Full-width letters and digits folded (not full NFKC), control characters removed, surrounding whitespace trimmed.

    Line breaks and tabs become spaces, so words never run together; with ``multiline`` line
    breaks are kept as ``\\n`` for long text such as notes. The checks refuse control and format
    characters before normalising (`check_invisible`), so a stored value is never silently
    cleaned; dropping them here only serves comparisons of what is already stored.
    """
    # Not full NFKC: it would turn the customer's Chinese punctuation (，（）：) into ASCII and
    # change a printed contract. Fold only full-width letters, digits and spaces, as IMEs type them.
    text = _fold_width(_drop_controls(raw, "\t\n\r\v\f\x1c\x1d\x1e\x85"))
    text = _LINE_BREAKS.sub("\n" if multiline else " ", text).replace("\t", " ")
    return _stable(lambda t: _drop_controls(t, "\n").strip(), text, _fold_width)


def normalise_code(raw: str) -> str:
    """NFKC, whitespace and separators (- ( ) and look-alike dashes) removed, upper-cased."""
    text = unicodedata.normalize("NFKC", raw)
    return _stable(lambda t: _CODE_SEPARATORS.sub("", _drop_controls(t)).upper(), text)


def _ascii_digits(text: str) -> bool:
    """True for a non-empty string of 0-9 only (str.isdigit also accepts ² and ٣)."""
    return bool(text) and text.isascii() and text.isdigit()


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
    from desktop.files import diskcache

    # Located without importing stdnum: its package import pulls in pydoc and ssl (~30 ms), which
    # only a cache miss needs.
    spec = importlib.util.find_spec("stdnum")
    source = Path(spec.origin if spec and spec.origin else "stdnum").parent / "cn" / "loc.dat"
    provinces, counties = diskcache.cached("divisions", [source], _parse_divisions, kind=tuple)
    return MappingProxyType(provinces), MappingProxyType(counties)


def _parse_divisions() -> tuple[dict[str, str], dict[str, str]]:
    from stdnum import numdb

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
_ID_PROVINCES = frozenset(
    str(code)
    for low, high in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65))
    for code in range(low, high + 1)
)
_PERMIT_REGIONS = MappingProxyType({"81": "香港", "82": "澳门", "83": "台湾"})
_EARLIEST_BIRTH = date(1900, 1, 1)


def _id_check_char(first17: str) -> str:
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
        if province and not any(code.startswith(province) for code in _ID_PROVINCES):
            message = (
                f"地址码前两位 {value[:2]} 不存在"
                "（以 9 开头的外国人永久居留身份证，第 2–3 位应为受理地的省级代码）"
            )
            return [_error("bad_province", message)]
        return []
    if len(value) < 2:
        return []
    province = value[:2]
    if province == "71":
        return [_error("taiwan_province", "地址码 71（台湾省）从未签发身份证；台湾居民居住证以 830000 开头")]
    if province in _PERMIT_REGIONS:
        if not "0000".startswith(value[2:6]):
            return [
                _error(
                    "bad_permit_region",
                    f"港澳台居民居住证的地址码只能是 {province}0000，不能是 {value[:6]}",
                )
            ]
        return []
    if province not in _ID_PROVINCES:
        return [_error("bad_province", f"地址码前两位 {province} 不是有效的省级代码")]
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
            return [_error("bad_birth_date", f"出生日期 {shown} 不存在")]
        if birth < _EARLIEST_BIRTH:
            return [_error("birth_too_early", f"出生日期 {shown} 早于 1900 年")]
        if birth > today:
            return [_error("birth_in_future", f"出生日期 {shown} 晚于今天")]
        return []
    year, month, day = typed[:4], typed[4:6], typed[6:]
    possible = (
        _year_prefix_possible(year, today)
        and (not month or ("01" <= month <= "12" if len(month) == 2 else month in "01"))
        and (not day or day in "0123")
    )
    if possible:
        return []
    return [_error("bad_birth_date", "第 7–14 位应为出生日期（年月日），1900 年至今天之间")]


def _first_generation(value: str) -> tuple[Problem, bool]:
    """15 digits read as the withdrawn first-generation number: its finding, and whether it is one.

    A valid one names the 18-digit form it upgrades to (insert 19 after the address code, append
    the check); otherwise the finding names what makes it impossible, e.g. 「1962-09-32 不存在」.
    """
    reasons = []
    province = value[:2]
    if province not in _ID_PROVINCES:
        reasons.append(f"地址码前两位 {province} 不是签发身份证的省级代码")
    shown = f"19{value[6:8]}-{value[8:10]}-{value[10:12]}"
    if _parse_ymd("19" + value[6:12]) is None:
        reasons.append(f"出生日期 {shown} 不存在")
    if reasons:
        message = f"按 15 位一代身份证号读，{'，'.join(reasons)}；一代号码已于 2013 年停用，请核对证件后填写 18 位号码"
        return _error("first_generation", message), False
    first17 = value[:6] + "19" + value[6:]
    upgraded = first17 + _id_check_char(first17)
    message = f"15 位一代身份证号已于 2013 年停用，请填写 18 位号码（按此号升位为 {upgraded}）"
    return _error("first_generation", message), True


def _province_level(value: str) -> Problem | None:
    """A warning for a province's own code (440000) where an ID names its county."""
    if value[2:6] != "0000" or value[0] == "9" or value[:2] in _PERMIT_REGIONS:
        return None
    return _warning(
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
            _warning(
                "unknown_county",
                f"地址码 {value[:6]} 不在行政区划代码表中，请核对（已撤销的旧代码仍然有效）",
            )
        )
    return f"{region} · {tail}", problems


def check_resident_id(raw: str, *, today: date) -> Result:
    """Resident identity number (GB 11643), HK/Macau/Taiwan residence permit or foreigner's PR ID."""
    hidden = check_invisible(raw)
    if hidden is not None:
        return hidden
    value = normalise_code(raw)
    if not value:
        return Result(value="")
    problems: list[Problem] = []
    bad = [c for i, c in enumerate(value) if c not in DIGITS and not (c == "X" and i == ID_LENGTH - 1)]
    if bad:
        if set(bad) == {"X"}:
            problems.append(_error("bad_char", "X 只能是最后一位（校验码）"))
        else:
            problems.append(_error("bad_char", f"含有无效字符{_quote(bad)}：只能是数字，最后一位可以是 X"))
        if len(value) != ID_LENGTH:
            problems.append(
                _too_short(ID_LENGTH, ID_LENGTH - len(value))
                if len(value) < ID_LENGTH
                else _too_long(ID_LENGTH, len(value) - ID_LENGTH)
            )
        return _result(value, problems)
    if len(value) > ID_LENGTH:
        return _result(value, [_too_long(ID_LENGTH, len(value) - ID_LENGTH)])
    if len(value) < ID_LENGTH:
        prefix_problems = _id_region_problems(value) + _id_birth_problems(value, today)
        if len(value) == FIRST_GENERATION_LENGTH:
            # One reading, one finding: a valid first-generation number, or 15 digits that cannot
            # begin an 18-digit ID either, is read as first-generation only (no "还差 3 位").
            # Otherwise it is an 18-digit ID being typed, and its 15-digit reading is no news.
            first_generation, is_one = _first_generation(value)
            if is_one or prefix_problems:
                return _result(value, [first_generation])
        problems += prefix_problems
        problems.append(_too_short(ID_LENGTH, ID_LENGTH - len(value)))
        return _result(value, problems, missing=0 if prefix_problems else ID_LENGTH - len(value))

    problems += _id_region_problems(value) + _id_birth_problems(value, today)
    if problems:
        # A check character computed from a wrong address code or date is no fix: name only those.
        return _result(value, problems)
    expected = _id_check_char(value[:17])
    if value[17] != expected:
        return _result(value, [_error("check_char", f"校验码错误，按前 17 位应为 {expected}")])
    birth = _parse_ymd(value[6:14])
    assert birth is not None
    info, warnings = _id_info(value, birth)
    return _result(value, problems + warnings, info=info)


def resident_id_birth(value: str) -> date | None:
    """Birth date of a normalised 18-character ID, None if it cannot be decoded."""
    value = normalise_code(value)
    if len(value) != ID_LENGTH or not _ascii_digits(value[:17]):
        return None
    return _parse_ymd(value[6:14])


# --- organisation code, GB 11714-1997 -----------------------------------------------------------

ORG_CODE_LENGTH = 9
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_CHARS = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _org_check_char(body: str) -> str:
    """Check character for 8 body characters (A=10 … Z=35)."""
    total = sum(_ORG_BODY_CHARS.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def _org_display(code: str) -> str:
    return f"{code[:8]}-{code[8:]}"


def check_org_code(raw: str) -> Result:
    """Organisation code: 8 characters 0-9 A-Z and a check character, shown ``XXXXXXXX-X``."""
    hidden = check_invisible(raw)
    if hidden is not None:
        return hidden
    value = normalise_code(raw)
    if not value:
        return Result(value="")
    problems: list[Problem] = []
    bad = [c for c in value[:8] if c not in _ORG_BODY_CHARS] + [
        c for c in value[8:] if c not in _ORG_BODY_CHARS
    ]
    if bad:
        problems.append(_error("bad_char", f"含有无效字符{_quote(bad)}：只能是数字和大写字母"))
    if len(value) < ORG_CODE_LENGTH:
        missing = ORG_CODE_LENGTH - len(value)
        problems.append(_too_short(ORG_CODE_LENGTH, missing))
        return _result(value, problems, missing=0 if bad else missing)
    if len(value) > ORG_CODE_LENGTH:
        problems.append(_too_long(ORG_CODE_LENGTH, len(value) - ORG_CODE_LENGTH))
        return _result(value, problems)
    if not bad:
        expected = _org_check_char(value[:8])
        if value[8] != expected:
            problems.append(_error("check_char", f"校验码错误，按前 8 位应为 {expected}"))
    return _result(value, problems, display=_org_display(value))


# --- unified social credit code, GB 32100-2015 --------------------------------------------------

USCC_LENGTH = 18
LEGACY_LENGTH = 15
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = MappingProxyType({c: i for i, c in enumerate(_USCC_ALPHABET)})
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 32100-2015 appendix A (with amendments adding A and N): registration authority (position 1)
# and the kinds of entity it registers (position 2). stdnum.cn.uscc checks neither, and rejects
# every code that does not start with a digit; we accept A, N and Y and refuse undefined pairs.
USCC_AUTHORITIES: Mapping[str, tuple[str, Mapping[str, str]]] = MappingProxyType(
    {
        "1": (
            "机构编制",
            {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
        ),
        "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
        "3": (
            "司法行政",
            {
                "1": "律师执业机构",
                "2": "公证处",
                "3": "基层法律服务所",
                "4": "司法鉴定机构",
                "5": "仲裁委员会",
                "9": "其他",
            },
        ),
        "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
        "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
        "6": (
            "旅游",
            {
                "1": "外国旅游部门常驻代表机构",
                "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
                "9": "其他",
            },
        ),
        "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
        "8": ("工会", {"1": "基层工会", "9": "其他"}),
        "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
        "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
        "N": (
            "农业",
            {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
        ),
        "Y": ("其他", {"1": "其他"}),
    }
)
_USCC_NATIONAL_REGION = "100000"


def _uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[-total % 31]


def _uscc_prefix_problems(value: str) -> list[Problem]:
    """Findings about authority, kind and region, for a full code or the prefix typed so far."""
    problems = []
    authority = USCC_AUTHORITIES.get(value[0])
    if authority is None:
        problems.append(
            _error("bad_authority", f"第 1 位登记管理部门代码 {value[0]} 未定义（应为 1–9、A、N 或 Y）")
        )
    elif len(value) > 1 and value[1] not in authority[1]:
        kinds = "、".join(f"{k} {name}" for k, name in authority[1].items())
        problems.append(
            _error(
                "bad_kind", f"第 2 位机构类别 {value[1]} 对{authority[0]}（{value[0]}）未定义，可为 {kinds}"
            )
        )
    region = value[2:8]
    if region and not _ascii_digits(region):
        problems.append(_error("bad_region", "第 3–8 位应为登记机关的行政区划代码（6 位数字）"))
    elif region == "000000":
        # stdnum.cn.uscc accepts region 000000; GB 32100 always names a registering region.
        problems.append(_error("bad_region", "第 3–8 位行政区划代码不能是 000000"))
    return problems


def _uscc_info(value: str) -> str:
    authority, kinds = USCC_AUTHORITIES[value[0]]
    kind = "其他登记管理部门登记的机构" if value[0] == "Y" else f"{kinds[value[1]]}（{authority}登记）"
    region_code = value[2:8]
    if region_code == _USCC_NATIONAL_REGION:
        return f"{kind} · 国家级"
    region, _known = _region_name(region_code, None)
    return f"{kind} · {region}" if region else kind


def _legacy_registration(value: str) -> tuple[Problem, bool]:
    """15 digits read as the retired business registration number: its finding, and whether it is one."""
    from stdnum.iso7064 import mod_11_10  # only for this rare path: stdnum's import costs ~30 ms

    is_one = mod_11_10.is_valid(value)
    note = "" if is_one else "；这个注册号本身的校验位也不对"
    message = f"这是 15 位旧工商注册号（“三证合一”后已停用），请填写营业执照上的 18 位统一社会信用代码{note}"
    return _error("legacy_registration", message), is_one


def _fujian_pilot(value: str) -> bool:
    """Fujian's 2015 pilot pattern (9135…, characters 9–12 M000), where real codes fail MOD 31."""
    return value.startswith("9135") and value[8:12] == "M000"


def check_uscc(raw: str) -> Result:
    """Unified social credit code: authority, kind, region, embedded organisation code, MOD 31 check."""
    hidden = check_invisible(raw)
    if hidden is not None:
        return hidden
    value = normalise_code(raw)
    if not value:
        return Result(value="")
    problems: list[Problem] = []
    bad = [c for c in value if c not in _USCC_VALUES]
    if bad:
        excluded = [c for c in bad if c in "IOSVZ"]
        other = [c for c in bad if c not in "IOSVZ"]
        if excluded:
            problems.append(
                _error("bad_char", f"含有{_quote(excluded, 5)}：统一社会信用代码不使用字母 I、O、S、V、Z")
            )
        if other:
            problems.append(_error("bad_char", f"含有无效字符{_quote(other)}：只能是数字和大写字母"))
    if len(value) > USCC_LENGTH:
        problems.append(_too_long(USCC_LENGTH, len(value) - USCC_LENGTH))
        return _result(value, problems)
    if bad:
        if len(value) < USCC_LENGTH:
            problems.append(_too_short(USCC_LENGTH, USCC_LENGTH - len(value)))
        return _result(value, problems)
    prefix_problems = _uscc_prefix_problems(value)
    if len(value) == LEGACY_LENGTH and _ascii_digits(value):
        # One reading, one finding (as for a first-generation ID): a valid legacy number, or 15
        # digits that cannot begin a credit code, is the legacy number only, without "还差 3 位".
        legacy, is_one = _legacy_registration(value)
        if is_one or prefix_problems:
            return _result(value, [legacy])
    problems += prefix_problems
    if len(value) < USCC_LENGTH:
        missing = USCC_LENGTH - len(value)
        problems.append(_too_short(USCC_LENGTH, missing))
        return _result(value, problems, missing=0 if prefix_problems else missing)

    org_code = value[8:17]
    org_expected = _org_check_char(org_code[:8])
    if org_code[8] != org_expected:
        # stdnum.cn.uscc does not look at the embedded organisation code at all.
        problems.append(
            _error(
                "org_code_check",
                f"第 9–17 位组织机构代码 {_org_display(org_code)} 的校验位错误，按前 8 位应为 {org_expected}",
            )
        )
    if problems:
        # A check character computed from characters already found wrong is no fix: name only those.
        return _result(value, problems)
    expected = _uscc_check_char(value[:17])
    if value[17] != expected:
        if _fujian_pilot(value):
            # Real codes from Fujian's pilot fail the check: never suggest a "corrected" one.
            message = (
                "第 18 位校验码不符合国标，但福建 2015 年试点发放的代码（9135…，第 9–12 位 M000）"
                "确有这种情况：请与营业执照原件逐位核对，一致即可使用"
            )
            return _result(value, [_warning("pilot_check", message)], info=_uscc_info(value))
        return _result(value, [_error("check_char", f"校验码错误，按前 17 位应为 {expected}")])
    return _result(value, info=_uscc_info(value))


def org_code_of_uscc(value: str) -> str | None:
    """Characters 9–17 (the organisation code) of a normalised 18-character USCC, else None."""
    value = normalise_code(value)
    return value[8:17] if len(value) == USCC_LENGTH else None


# --- phone numbers (phonenumbers, region CN, plus our guards) ----------------------------------

MOBILE_LENGTH = 11
N400_LENGTH = 10
_MAX_EXTENSION = 6

_MOBILE_SECOND_DIGITS = frozenset(segments.MOBILE_BLOCKS)
_EXTENSION_MARK = re.compile(r"转|分机|ext\.?|[x#]", re.IGNORECASE)
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2043\ufe58]")
_PLACE_SUFFIXES = re.compile(r"省|壮族自治区|回族自治区|维吾尔自治区|自治区")
_CITY_SUFFIX = re.compile(r"市(?=、|$)")


@dataclass(frozen=True)
class _Dial:
    """What a phone-like input turned out to be."""

    kind: str  # "mobile", "fixed", "special" (400/800), "short", or "" when unknown
    national: str  # canonical digits: mobile 11, fixed 0 + area + local, 400/800 10, else as typed
    problems: tuple[Problem, ...] = ()
    missing: int = 0
    area: str = ""
    extension: str = ""

    @property
    def ok(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)


def _cn_valid(national: str) -> bool:
    number = phonenumbers.PhoneNumber(country_code=86, national_number=int(national))
    return phonenumbers.is_valid_number(number)


@functools.cache
def _local_lengths(area: str) -> tuple[int, ...]:
    """Local-number lengths phonenumbers accepts after an area code; () for an unknown area."""
    return tuple(
        length
        for length in (7, 8)
        if any(_cn_valid(area + first + "2345678"[: length - 1]) for first in "23456789")
    )


def _area_of(national: str) -> str:
    """The area code (without trunk 0) a fixed-line national number starts with: 10, 2x or 3 digits."""
    return national[: 2 if national[0] in "12" else 3]


def _fixed(national: str) -> _Dial:
    """A fixed line given as area code + local number, without the trunk 0."""
    digits = "0" + national
    area = _area_of(national)
    area_length = 2 if national[0] in "12" else 3
    lengths: tuple[int, ...] = ()
    if len(area) == area_length:
        lengths = _local_lengths(area)
        if not lengths:
            return _Dial("fixed", digits, (_error("unknown_area", f"区号 0{area} 不存在"),))
    local = national[area_length:]
    if not local:
        missing = min(lengths) if lengths else MOBILE_LENGTH - len(digits)
        problem = _error("too_short", "固定电话号码不完整：区号后面还要本地号码")
        return _Dial("fixed", digits, (problem,), missing)
    if local[0] in "01":
        # phonenumbers accepts local numbers starting 0 or 1 (0571-01726504): no such numbers.
        return _Dial(
            "fixed",
            digits,
            (_error("local_starts_01", f"区号 0{area} 后面的本地号码不能以 {local[0]} 开头"),),
        )
    shortest, longest = min(lengths), max(lengths)
    spelled = "或".join(str(n) for n in lengths)
    if len(local) < shortest:
        missing = shortest - len(local)
        problem = _error("too_short", f"0{area} 的本地号码应为 {spelled} 位，还差 {missing} 位")
        return _Dial("fixed", digits, (problem,), missing, area)
    if len(local) > longest:
        problem = _error("too_long", f"0{area} 的本地号码应为 {spelled} 位，多了 {len(local) - longest} 位")
        return _Dial("fixed", digits, (problem,), 0, area)
    if not _cn_valid(national):
        return _Dial(
            "fixed", digits, (_error("invalid", f"不是有效的固定电话号码（区号 0{area}）"),), 0, area
        )
    return _Dial("fixed", digits, (), 0, area)


def _mobile(national: str, trunk: bool) -> _Dial:
    if trunk:
        # Keep the trunk 0 in the stored value: storing the corrected number would make the
        # error vanish on the next check, and the agent never sees what was wrong.
        return _Dial("mobile", "0" + national, (_trunk_problem(national), *_mobile(national, False).problems))
    segment = segments.classify(national)
    if segment.kind == "iot":
        message = f"{segment.name} 号段只用于 13 位物联网号码，不能作为手机号"
        return _Dial("mobile", national, (_error("iot_segment", message),))
    if len(national) < MOBILE_LENGTH:
        missing = MOBILE_LENGTH - len(national)
        problem = _error("too_short", f"手机号应为 11 位，还差 {missing} 位")
        return _Dial("mobile", national, (problem,), missing)
    if len(national) > MOBILE_LENGTH:
        problem = _error("too_long", f"手机号应为 11 位，多了 {len(national) - MOBILE_LENGTH} 位")
        return _Dial("mobile", national, (problem,))
    if segment.kind == "unallocated":
        # Our data is older than the next allocation: a real customer's number must not be blocked.
        message = f"号段 {segment.name} 尚未见分配，请与客户核对"
        return _Dial("mobile", national, (_warning("unallocated_segment", message),))
    return _Dial("mobile", national)


def _trunk_problem(national: str) -> Problem:
    # phonenumbers silently drops a trunk 0 before a mobile (013825265634).
    fix = f"，应为 {national}" if len(national) == MOBILE_LENGTH else ""
    return _error("trunk_mobile", f"手机号前面不要加 0{fix}")


def _short(national: str) -> _Dial:
    # phonenumbers calls 95588 or 12345 merely invalid; say what they are and what is needed.
    message = "短号码（如 95xxx、96xxx、12xxx）不能作为联系号码，请填写手机或带区号的固定电话"
    return _Dial("short", national, (_error("short_number", message),))


def _without_trunk(national: str) -> _Dial:
    """Digits starting 1-9 without +86 or a trunk 0."""
    length = len(national)
    if national[0] == "1" and national[1:2] in ("0", "1", "2"):
        if length <= 6:
            return _short(national)
    elif national[:2] in ("95", "96") and length <= 6:
        return _short(national)
    elif length <= 8:
        message = "缺少区号：固定电话请加区号，如 0571-81726504"
        return _Dial("fixed", national, (_error("no_area_code", message),))
    if 9 <= length <= 11:
        # phonenumbers reads 9551234567 as area 0955: an agent who leaves out the 0 has
        # probably dropped it, not dialled a national number without trunk.
        fixed = _fixed(national)
        if fixed.ok:
            area = fixed.area
            fix = f"0{area}-{national[len(area) :]}"
            return _Dial("fixed", national, (_error("no_trunk", f"区号前面缺少 0，应为 {fix}"),))
    message = "不是有效的电话号码：固定电话以 0 和区号开头，手机号以 1 开头"
    return _Dial("", national, (_error("invalid", message),))


def _analyse_main(text: str) -> _Dial:
    """Classify a phone number without extension."""
    compact = normalise_code(text)
    if not compact:
        return _Dial("", "", (_error("too_short", "缺少电话号码"),))
    bad = [c for i, c in enumerate(compact) if c not in DIGITS and not (c == "+" and i == 0)]
    if bad:
        if any(c.isalpha() for c in bad):
            # phonenumbers turns letters into keypad digits (0571-8172-ABCD): a typo here.
            letters = [c for c in bad if c.isalpha()]
            return _Dial("", compact, (_error("letters", f"电话号码不能含字母{_quote(letters)}"),))
        return _Dial("", compact, (_error("bad_char", f"电话号码含有无效字符{_quote(bad)}"),))
    digits = compact.lstrip("+")
    international = compact.startswith("+") or digits.startswith("00")
    if international:
        country = digits[2:] if digits.startswith("00") else digits
        if not country.startswith("86"):
            if "86".startswith(country):
                return _Dial("", compact, (_error("too_short", "号码不完整"),), MOBILE_LENGTH)
            return _Dial("", compact, (_error("foreign", "只能填写中国大陆的号码（+86）"),))
        digits = country[2:]
        if not digits:
            return _Dial("", compact, (_error("too_short", "号码不完整"),), MOBILE_LENGTH)
    trunk = digits.startswith("0")
    national = digits[1:] if trunk else digits
    if not national:
        return _Dial("fixed", "0", (_error("too_short", "固定电话号码不完整"),), MOBILE_LENGTH - 1)
    second = national[1:2]
    if national[0] == "1" and (second in _MOBILE_SECOND_DIGITS or (not second and not trunk)):
        return _mobile(national, trunk and not international)
    if national.startswith(("400", "800")):
        # Refused by every subscriber-number check; check_n400 has its own messages.
        return _Dial("special", national)
    if trunk or international:
        return _fixed(national)
    return _without_trunk(national)


def _split_extension(text: str) -> tuple[str, str | None, Problem | None]:
    """Main number, extension digits (None when there is none) and a finding about the extension."""
    mark = _EXTENSION_MARK.search(text)
    if mark is not None and mark.start() > 0:
        extension = normalise_code(text[mark.end() :])
        if not (_ascii_digits(extension) and len(extension) <= _MAX_EXTENSION):
            problem = _error("bad_extension", f"分机号应为 1–{_MAX_EXTENSION} 位数字")
            return text[: mark.start()], extension, problem
        return text[: mark.start()], extension, None
    return text, None, None


def _analyse_phone(raw: str) -> _Dial | None:
    """Classify any phone-like input; None when it is empty."""
    text = _DASHES.sub("-", _normalise_entry(raw))
    if not normalise_code(text):
        return None
    main, extension, extension_problem = _split_extension(text)
    dial = _analyse_main(main)
    if extension is None and "-" in main:
        # "0571-81726504-123": phonenumbers reads it as one invalid 15-digit number. The last
        # group is an extension when what precedes it is a complete fixed line and the whole
        # is not a valid number.
        head, _sep, tail = main.rpartition("-")
        tail = tail.strip()
        if not dial.ok and _ascii_digits(tail) and len(tail) <= _MAX_EXTENSION:
            head_dial = _analyse_main(head)
            if head_dial.kind == "fixed" and head_dial.ok:
                return _with_extension(head_dial, tail, None)
    if extension is None:
        return dial
    return _with_extension(dial, extension, extension_problem)


def _with_extension(dial: _Dial, extension: str, problem: Problem | None) -> _Dial:
    problems = list(dial.problems)
    if problem is not None:
        problems.append(problem)
    if dial.kind in ("mobile", "special"):
        problems.append(_error("extension_not_allowed", "手机号和 400/800 号码不能带分机号"))
    return _Dial(dial.kind, dial.national, tuple(problems), 0, dial.area, extension)


def _group(national: str) -> str:
    """``138 2526 5634`` for mobiles, ``400-903-0005`` for 400/800, ``0571-81726504`` for fixed lines."""
    if national[:1] == "1":
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    if national[:1] in "48":
        return f"{national[:3]}-{national[3:6]}-{national[6:]}"
    area = _area_of(national[1:])
    return f"0{area}-{national[len(area) + 1 :]}"


def _place(national: str) -> str:
    """「浙江杭州」 for a fixed line, from phonenumbers' offline Chinese geocoding data."""
    from phonenumbers import geocoder

    number = phonenumbers.PhoneNumber(country_code=86, national_number=int(national))
    place = geocoder.description_for_number(number, "zh")
    return _CITY_SUFFIX.sub("", _PLACE_SUFFIXES.sub("", place))


def _phone_result(dial: _Dial | None, accept: tuple[str, ...], describe: bool = True) -> Result:
    if dial is None:
        return Result(value="")
    problems = list(dial.problems)
    missing = dial.missing
    if dial.kind == "special":
        problems = [_error("not_subscriber", "400/800 号码不能用在这里，请填写手机或固定电话")]
    elif dial.kind in ("mobile", "fixed") and dial.kind not in accept:
        missing = 0
        if "mobile" in accept:
            problems = [_error("not_mobile", "这里需要 11 位手机号（以 1 开头）")]
        else:
            problems = [_error("not_fixed_line", "这是手机号，这里需要带区号的固定电话")]
    value = dial.national
    if dial.extension:
        value += "转" + dial.extension
    if any(p.severity == ERROR for p in problems):
        return _result(value, problems, missing=missing)
    display = _group(dial.national)
    if dial.kind == "mobile":
        return _result(value, problems, info=f"手机 · {display}", display=display)
    if dial.extension:
        display += f" 转 {dial.extension}"
    # The city comes from phonenumbers' geocoder, whose import alone takes ~0.5 s: only when the
    # description is wanted (the window's info label), not for a verdict or a stored value.
    place = _place(dial.national) if describe else ""
    info = f"固定电话 · {place} · {display}" if place else f"固定电话 · {display}"
    return _result(value, problems, info=info, display=display)


def check_phone(raw: str, *, describe: bool = True) -> Result:
    """Subscriber number: a mobile or a fixed line with area code; never 400/800 or short numbers."""
    return check_invisible(raw) or _phone_result(_analyse_phone(raw), ("mobile", "fixed"), describe)


def check_mobile(raw: str, *, describe: bool = True) -> Result:
    """Mobile number, 11 digits; +86 / 0086 accepted and dropped."""
    return check_invisible(raw) or _phone_result(_analyse_phone(raw), ("mobile",), describe)


def check_fixed_line(raw: str, *, describe: bool = True) -> Result:
    """Fixed line: 0 + area code + local number, extension kept as ``…转123``."""
    return check_invisible(raw) or _phone_result(_analyse_phone(raw), ("fixed",), describe)


def check_n400(raw: str) -> Result:
    """400 number: 400 + 7 digits, shown ``400-903-0005``."""
    hidden = check_invisible(raw)
    if hidden is not None:
        return hidden
    value = normalise_code(raw)
    if not value:
        return Result(value="")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    bad = [c for c in value if c not in DIGITS]
    if bad:
        letters = [c for c in bad if c.isalpha()]
        if letters:
            message = f"400 号码只能是数字，不能用字母代替数字（{_quote(letters)}）"
            return _result(value, [_error("letters", message)])
        return _result(value, [_error("bad_char", f"含有无效字符{_quote(bad)}：400 号码只能是数字")])
    if value.startswith("0"):
        if value[1:4] == "400" or "400".startswith(value[1:]):
            fix = f"，应为 {value[1:]}" if len(value) == N400_LENGTH + 1 else ""
            return _result(value, [_error("trunk", f"400 号码前面不要加 0{fix}")])
        # A landline (0571-…) typed here: say what it is, not "drop the 0".
        return _result(
            value, [_error("landline", "这是固定电话号码；这里要填 400 开头的 10 位 400 业务号码")]
        )
    if value.startswith("800"):
        return _result(value, [_error("n800", "这是 800 号码，这里只能填 400 号码")])
    if not value.startswith("400") and not "400".startswith(value):
        return _result(value, [_error("not_400", "400 号码应以 400 开头，共 10 位")])
    if len(value) < N400_LENGTH:
        missing = N400_LENGTH - len(value)
        return _result(value, [_too_short(N400_LENGTH, missing)], missing=missing)
    if len(value) > N400_LENGTH:
        return _result(value, [_too_long(N400_LENGTH, len(value) - N400_LENGTH)])
    display = _group(value)
    return _result(value, info=f"400 号码 · {display}", display=display)


def phone_identity(value: str) -> str:
    """Canonical national digits of a phone (no +86, no extension), for comparing destinations."""
    dial = _analyse_phone(value)
    if dial is None:
        return ""
    if dial.kind:
        return dial.national
    return "".join(c for c in dial.national if c in DIGITS)


# --- other fields --------------------------------------------------------------------------------

POSTCODE_LENGTH = 6


def check_postcode(raw: str) -> Result:
    """Postcode: 6 digits; outside Zhejiang (31xxxx, 32xxxx, 202450) is a warning."""
    hidden = check_invisible(raw)
    if hidden is not None:
        return hidden
    value = normalise_code(raw)
    if not value:
        return Result(value="")
    if not _ascii_digits(value):
        bad = [c for c in value if c not in DIGITS]
        return _result(value, [_error("bad_char", f"含有无效字符{_quote(bad)}：邮政编码只能是数字")])
    if len(value) < POSTCODE_LENGTH:
        missing = POSTCODE_LENGTH - len(value)
        return _result(value, [_too_short(POSTCODE_LENGTH, missing)], missing=missing)
    if len(value) > POSTCODE_LENGTH:
        return _result(value, [_too_long(POSTCODE_LENGTH, len(value) - POSTCODE_LENGTH)])
    if value[:2] in ("31", "32") or value == "202450":
        return _result(value)
    message = "不是浙江省的邮政编码（浙江为 31xxxx、32xxxx 和嵊泗 202450），请核对"
    return _result(value, [_warning("outside_zhejiang", message)])


_WHITESPACE = re.compile(r"\s")
_EMAIL_LOCAL_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-."
)
_DOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TOP_LEVEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
# Top-level domains that are almost always a slip for .com.
_TLD_SLIPS = frozenset({"con", "cmo", "comm", "ocm"})


def check_email(raw: str) -> Result:
    """E-mail address, syntax only (no look-up)."""
    hidden = check_invisible(raw)
    if hidden is not None:
        return hidden
    # NFKC already maps ＠ and ．; the IME's full stop 。 is the other common slip.
    text = _stable(lambda t: t.replace("。", "."), _normalise_entry(raw))
    if not text:
        return Result(value="")
    space = _WHITESPACE.search(text)
    if space is not None:
        # Removing it would silently make another address (test1@invalid.co m is not .com).
        message = f"邮箱地址中间有空格（第 {space.start() + 1} 个字符），请删除"
        return _result(text, [_error("space_inside", message)])
    if len(text) > 254:
        return _result(text, [_error("too_long", "邮箱地址太长（最多 254 个字符）")])
    if "@" not in text:
        return _result(text, [_error("no_at", "缺少 @，例如 name@example.com")])
    if text.count("@") > 1:
        return _result(text, [_error("many_at", "只能有一个 @")])
    local, domain = text.split("@")
    domain = domain.lower()
    value = f"{local}@{domain}"
    problems = []
    if not local:
        problems.append(_error("no_local", "@ 前面缺少用户名"))
    else:
        bad = [c for c in local if c not in _EMAIL_LOCAL_CHARS]
        if bad:
            problems.append(_error("bad_char", f"@ 前面含有无效字符{_quote(bad)}"))
        elif local.startswith(".") or local.endswith(".") or ".." in local:
            problems.append(_error("bad_dot", "@ 前面的“.”不能在开头、结尾或连用"))
        elif len(local) > 64:
            problems.append(_error("too_long", "@ 前面的用户名太长（最多 64 个字符）"))
    labels = domain.split(".")
    if not domain:
        problems.append(_error("no_domain", "@ 后面缺少域名，例如 qq.com"))
    elif len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        problems.append(_error("bad_domain", f"@ 后面的域名 {domain} 不对，应像 qq.com、example.com.cn"))
    elif not _TOP_LEVEL.fullmatch(labels[-1]):
        problems.append(_error("bad_domain", "域名最后一段应为字母，如 .com、.cn"))
    elif labels[-1] in _TLD_SLIPS:
        problems.append(_warning("tld_slip", f"域名以 .{labels[-1]} 结尾，是否应为 .com？"))
    return _result(value, problems)


# Middle dots that IMEs and fonts offer in place of the name separator U+00B7.
_DOT_LOOKALIKES = str.maketrans(dict.fromkeys("・•‧∙⋅･·ꞏ", "·"))
_SPACES = re.compile(r"\s+")


def _joins_tight(ch: str) -> bool:
    """CJK ideographs (and radicals, kana, compatibility and extension B–G forms) and the separator.

    Tested by code point rather than a regex class: that class spans 200 000 code points and took
    ~5 ms to compile in every process that checks a name.
    """
    point = ord(ch)
    return ch == "·" or 0x2E80 <= point <= 0x9FFF or 0xF900 <= point <= 0xFAFF or 0x20000 <= point <= 0x3134F


def _drop_spaces_near_cjk(text: str) -> str:
    """「王 霄」 -> 「王霄」, 「Anna · Li」 -> 「Anna·Li」; a space between Latin words stays.

    `text` has its whitespace collapsed to single spaces already (check_person_name does that).
    """

    def keep(match: re.Match[str]) -> str:
        before, after = match.start() - 1, match.end()
        near = (before >= 0 and _joins_tight(text[before])) or (
            after < len(text) and _joins_tight(text[after])
        )
        return "" if near else match.group()

    return _SPACES.sub(keep, text)


_LATIN_JOINERS = frozenset("-'’")


def check_person_name(raw: str, *, max_length: int = 30) -> Result:
    """Person name: letters, ``·`` between parts; no digits or other symbols; 1–max_length characters."""
    hidden = check_invisible(raw)
    if hidden is not None:
        return hidden
    text = _stable(
        lambda t: _drop_spaces_near_cjk(" ".join(t.translate(_DOT_LOOKALIKES).split())), normalise_text(raw)
    )
    if not text:
        return Result(value="")
    problems = []
    digits = [c for c in text if unicodedata.category(c) in ("Nd", "No")]
    if digits:
        problems.append(_error("digits", f"姓名不能含数字{_quote(digits)}"))
    symbols = []
    for i, c in enumerate(text):
        category = unicodedata.category(c)
        if category[0] in "LM" or category == "Nl" or c in "· " or category in ("Nd", "No"):
            continue
        if c in _LATIN_JOINERS and 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha():
            continue
        symbols.append(c)
    if symbols:
        hint = "；名字中间的点请用“·”" if "." in symbols else ""
        problems.append(_error("symbol", f"姓名不能含符号{_quote(symbols)}{hint}"))
    if text.startswith("·") or text.endswith("·") or "··" in text:
        problems.append(_error("dot_position", "“·”只能用在名字的两部分之间"))
    if len(text) > max_length:
        problems.append(_error("too_long", f"不能超过 {max_length} 个字（现有 {len(text)} 个）"))
    return _result(text, problems)


def check_text(raw: str, *, max_length: int, multiline: bool = False) -> Result:
    """Free text: normalised, no longer than ``max_length`` characters, no invisible characters."""
    hidden = check_invisible(raw, multiline=multiline)
    if hidden is not None:
        return hidden
    text = normalise_text(raw, multiline=multiline)
    if len(text) > max_length:
        return _result(text, [_error("too_long", f"不能超过 {max_length} 个字（现有 {len(text)} 个）")])
    return _result(text)


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?", re.ASCII)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_EARLIEST_DATE = date(1900, 1, 1)


def _one_year_after(day: date) -> date:
    if day.year >= date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 2, 28)


def check_date(raw: str, *, today: date) -> Result:
    """Calendar date, stored ``YYYY-MM-DD``; also 2026/11/28, 2026.11.28, 2026年11月28日."""
    hidden = check_invisible(raw)
    if hidden is not None:
        return hidden
    text = _DASHES.sub("-", _normalise_entry(raw))
    if not text:
        return Result(value="")
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        return _result(text, [_error("bad_format", "无法识别的日期，请按 2026-11-28 的格式填写")])
    year, month, day = (int(part) for part in match.groups())
    shown = f"{year:04d}-{month:02d}-{day:02d}"
    if year < _EARLIEST_DATE.year:
        return _result(shown, [_error("too_early", f"{shown} 早于 1900 年，请核对")])
    try:
        value = date(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            return _result(shown, [_error("no_such_date", f"{shown} 不存在：没有 {month} 月")])
        return _result(shown, [_error("no_such_date", f"{shown} 不存在：{year} 年 {month} 月没有 {day} 日")])
    if value > _one_year_after(today):
        return _result(shown, [_warning("far_future", f"{shown} 在一年以后，请核对")])
    return _result(shown)


def preload() -> None:
    """Load the division table, mobile segments and phone geocoding data now (e.g. from a worker at start-up)."""
    _divisions()
    segments.allocated_prefixes()
    _place("57181726504")
    _local_lengths("571")
