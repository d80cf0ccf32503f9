"""Phone numbers: mobiles, fixed lines and 400 numbers (phonenumbers, region CN, plus our guards)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers

from desktop.domain import segments
from desktop.domain.validation import common  # the findings' helpers: common.error, common.result, …
from desktop.domain.validation.common import (
    DIGITS,
    ERROR,
    Problem,
    Result,
    check_invisible,
    code_check,
    normalise_code,
)

# --- phone numbers (phonenumbers, region CN, plus our guards) ----------------------------------

MOBILE_LENGTH = 11
N400_LENGTH = 10
_MAX_EXTENSION = 6

_MOBILE_SECOND_DIGITS = frozenset(segments.MOBILE_BLOCKS)
_EXTENSION_MARK = re.compile(r"转|分机|ext\.?|[x#]", re.IGNORECASE)
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
            return _Dial("fixed", digits, (common.error("unknown_area", f"区号 0{area} 不存在"),))
    local = national[area_length:]
    if not local:
        missing = min(lengths) if lengths else MOBILE_LENGTH - len(digits)
        problem = common.error("too_short", "固定电话号码不完整：区号后面还要本地号码")
        return _Dial("fixed", digits, (problem,), missing)
    if local[0] in "01":
        # phonenumbers accepts local numbers starting 0 or 1 (0571-01726504): no such numbers.
        return _Dial(
            "fixed",
            digits,
            (common.error("local_starts_01", f"区号 0{area} 后面的本地号码不能以 {local[0]} 开头"),),
        )
    shortest, longest = min(lengths), max(lengths)
    spelled = "或".join(str(n) for n in lengths)
    if len(local) < shortest:
        missing = shortest - len(local)
        problem = common.error("too_short", f"0{area} 的本地号码应为 {spelled} 位，还差 {missing} 位")
        return _Dial("fixed", digits, (problem,), missing, area)
    if len(local) > longest:
        problem = common.error(
            "too_long", f"0{area} 的本地号码应为 {spelled} 位，多了 {len(local) - longest} 位"
        )
        return _Dial("fixed", digits, (problem,), 0, area)
    if not _cn_valid(national):
        return _Dial(
            "fixed", digits, (common.error("invalid", f"不是有效的固定电话号码（区号 0{area}）"),), 0, area
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
        return _Dial("mobile", national, (common.error("iot_segment", message),))
    if len(national) < MOBILE_LENGTH:
        missing = MOBILE_LENGTH - len(national)
        problem = common.error("too_short", f"手机号应为 11 位，还差 {missing} 位")
        return _Dial("mobile", national, (problem,), missing)
    if len(national) > MOBILE_LENGTH:
        problem = common.error("too_long", f"手机号应为 11 位，多了 {len(national) - MOBILE_LENGTH} 位")
        return _Dial("mobile", national, (problem,))
    if segment.kind == "unallocated":
        # Our data is older than the next allocation: a real customer's number must not be blocked.
        message = f"号段 {segment.name} 尚未见分配，请与客户核对"
        return _Dial("mobile", national, (common.warning("unallocated_segment", message),))
    return _Dial("mobile", national)


def _trunk_problem(national: str) -> Problem:
    # phonenumbers silently drops a trunk 0 before a mobile (013825265634).
    fix = f"，应为 {national}" if len(national) == MOBILE_LENGTH else ""
    return common.error("trunk_mobile", f"手机号前面不要加 0{fix}")


def _short(national: str) -> _Dial:
    # phonenumbers calls 95588 or 12345 merely invalid; say what they are and what is needed.
    message = "短号码（如 95xxx、96xxx、12xxx）不能作为联系号码，请填写手机或带区号的固定电话"
    return _Dial("short", national, (common.error("short_number", message),))


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
        return _Dial("fixed", national, (common.error("no_area_code", message),))
    if 9 <= length <= 11:
        # phonenumbers reads 9551234567 as area 0955: an agent who leaves out the 0 has
        # probably dropped it, not dialled a national number without trunk.
        fixed = _fixed(national)
        if fixed.ok:
            area = fixed.area
            fix = f"0{area}-{national[len(area) :]}"
            return _Dial("fixed", national, (common.error("no_trunk", f"区号前面缺少 0，应为 {fix}"),))
    if national[0] == "1":
        # 10x/11x/12x are service and short numbers, never a mobile's segment: name the segment
        # (the general message below said "手机号以 1 开头" of a number that does start with 1).
        message = f"{national[:3]} 不是已分配的手机号段（手机号的第二位是 3–9），请与客户核对"
        return _Dial("", national, (common.error("not_mobile_segment", message),))
    message = "不是有效的电话号码：固定电话以 0 和区号开头，手机号以 1 开头"
    return _Dial("", national, (common.error("invalid", message),))


def _analyse_main(text: str) -> _Dial:
    """Classify a phone number without extension."""
    compact = normalise_code(text)
    if not compact:
        return _Dial("", "", (common.error("too_short", "缺少电话号码"),))
    bad = [c for i, c in enumerate(compact) if c not in DIGITS and not (c == "+" and i == 0)]
    if bad:
        if any(c.isalpha() for c in bad):
            # phonenumbers turns letters into keypad digits (0571-8172-ABCD): a typo here.
            letters = [c for c in bad if c.isalpha()]
            return _Dial(
                "", compact, (common.error("letters", f"电话号码不能含字母{common.quote(letters)}"),)
            )
        return _Dial("", compact, (common.error("bad_char", f"电话号码含有无效字符{common.quote(bad)}"),))
    digits = compact.lstrip("+")
    international = compact.startswith("+") or digits.startswith("00")
    if international:
        country = digits[2:] if digits.startswith("00") else digits
        if not country.startswith("86"):
            if "86".startswith(country):
                return _Dial("", compact, (common.error("too_short", "号码不完整"),), MOBILE_LENGTH)
            return _Dial("", compact, (common.error("foreign", "只能填写中国大陆的号码（+86）"),))
        digits = country[2:]
        if not digits:
            return _Dial("", compact, (common.error("too_short", "号码不完整"),), MOBILE_LENGTH)
    trunk = digits.startswith("0")
    national = digits[1:] if trunk else digits
    if not national:
        return _Dial("fixed", "0", (common.error("too_short", "固定电话号码不完整"),), MOBILE_LENGTH - 1)
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
        if not (common.ascii_digits(extension) and len(extension) <= _MAX_EXTENSION):
            problem = common.error("bad_extension", f"分机号应为 1–{_MAX_EXTENSION} 位数字")
            return text[: mark.start()], extension, problem
        return text[: mark.start()], extension, None
    return text, None, None


def _analyse_phone(raw: str) -> _Dial | None:
    """Classify any phone-like input; None when it is empty."""
    text = common.DASHES.sub("-", common.normalise_entry(raw))
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
        if not dial.ok and common.ascii_digits(tail) and len(tail) <= _MAX_EXTENSION:
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
        problems.append(common.error("extension_not_allowed", "手机号和 400/800 号码不能带分机号"))
    return _Dial(dial.kind, dial.national, tuple(problems), 0, dial.area, extension)


def _group(national: str) -> str:
    """``138 2526 5634`` for mobiles, ``400-903-0005`` for 400/800, ``0571-81726504`` for fixed lines."""
    if national[:1] == "1":
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    if national[:1] in "48":
        return f"{national[:3]}-{national[3:6]}-{national[6:]}"
    area = _area_of(national[1:])
    return f"0{area}-{national[len(area) + 1 :]}"


def _lookup(national: str) -> tuple[str, str]:
    """The carrier and the place phonenumbers' offline Chinese data give for a number."""
    from phonenumbers import carrier, geocoder  # noqa: PLC0415 (its place data takes ~0.3 s to import: loaded on the first number described, never by a render)

    number = phonenumbers.PhoneNumber(country_code=86, national_number=int(national))
    return carrier.name_for_number(number, "zh"), geocoder.description_for_number(number, "zh")


def _place(national: str) -> str:
    """「浙江杭州」 for a fixed line, from phonenumbers' offline Chinese geocoding data."""
    return _CITY_SUFFIX.sub("", _PLACE_SUFFIXES.sub("", _lookup(national)[1]))


def _mobile_about(national: str) -> str:
    """「中国移动 · 浙江杭州」 for a mobile, from phonenumbers' carrier and geocoder data; the carrier
    alone where the data names only the country (「中国」), nothing when neither is known."""
    operator, place = _lookup(national)
    place = "" if place in ("", "中国") else _CITY_SUFFIX.sub("", _PLACE_SUFFIXES.sub("", place))
    return " · ".join(part for part in (operator, place) if part)


def _phone_result(dial: _Dial | None, accept: tuple[str, ...], describe: bool = True) -> Result:
    if dial is None:
        return Result(value="")
    problems = list(dial.problems)
    missing = dial.missing
    if dial.kind == "special":
        problems = [common.error("not_subscriber", "400/800 号码不能用在这里，请填写手机或固定电话")]
    elif dial.kind in ("mobile", "fixed") and dial.kind not in accept:
        missing = 0
        if "mobile" in accept:
            problems = [common.error("not_mobile", "这里需要 11 位手机号（以 1 开头）")]
        else:
            problems = [common.error("not_fixed_line", "这是手机号，这里需要带区号的固定电话")]
    value = dial.national
    if dial.extension:
        value += "转" + dial.extension
    if any(p.severity == ERROR for p in problems):
        return common.result(value, problems, missing=missing)
    display = _group(dial.national)
    if dial.kind == "mobile":
        # Carrier and region from phonenumbers' own offline data (loaded only when described).
        about = _mobile_about(dial.national) if describe else ""
        info = f"手机 · {about} · {display}" if about else f"手机 · {display}"
        return common.result(value, problems, info=info, display=display)
    if dial.extension:
        display += f" 转 {dial.extension}"
    # The city comes from phonenumbers' geocoder, whose import alone takes ~0.5 s: only when the
    # description is wanted (the window's info label), not for a verdict or a stored value.
    place = _place(dial.national) if describe else ""
    info = f"固定电话 · {place} · {display}" if place else f"固定电话 · {display}"
    return common.result(value, problems, info=info, display=display)


def check_phone(raw: str, *, describe: bool = True) -> Result:
    """Subscriber number: a mobile or a fixed line with area code; never 400/800 or short numbers."""
    return check_invisible(raw) or _phone_result(_analyse_phone(raw), ("mobile", "fixed"), describe)


def check_mobile(raw: str, *, describe: bool = True) -> Result:
    """Mobile number, 11 digits; +86 / 0086 accepted and dropped."""
    return check_invisible(raw) or _phone_result(_analyse_phone(raw), ("mobile",), describe)


def check_fixed_line(raw: str, *, describe: bool = True) -> Result:
    """Fixed line: 0 + area code + local number, extension kept as ``…转123``."""
    return check_invisible(raw) or _phone_result(_analyse_phone(raw), ("fixed",), describe)


@code_check
def check_n400(value: str) -> Result:
    """400 number: 400 + 7 digits, shown ``400-903-0005``."""
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    bad = [c for c in value if c not in DIGITS]
    if bad:
        letters = [c for c in bad if c.isalpha()]
        if letters:
            message = f"400 号码只能是数字，不能用字母代替数字（{common.quote(letters)}）"
            return common.result(value, [common.error("letters", message)])
        return common.result(
            value, [common.error("bad_char", f"含有无效字符{common.quote(bad)}：400 号码只能是数字")]
        )
    if value.startswith("0"):
        if value[1:4] == "400" or "400".startswith(value[1:]):
            fix = f"，应为 {value[1:]}" if len(value) == N400_LENGTH + 1 else ""
            return common.result(value, [common.error("trunk", f"400 号码前面不要加 0{fix}")])
        # A landline (0571-…) typed here: say what it is, not "drop the 0".
        return common.result(
            value, [common.error("landline", "这是固定电话号码；这里要填 400 开头的 10 位 400 业务号码")]
        )
    if value.startswith("800"):
        return common.result(value, [common.error("n800", "这是 800 号码，这里只能填 400 号码")])
    if not value.startswith("400") and not "400".startswith(value):
        return common.result(value, [common.error("not_400", "400 号码应以 400 开头，共 10 位")])
    if len(value) < N400_LENGTH:
        missing = N400_LENGTH - len(value)
        return common.result(value, [common.too_short(N400_LENGTH, missing)], missing=missing)
    if len(value) > N400_LENGTH:
        return common.result(value, [common.too_long(N400_LENGTH, len(value) - N400_LENGTH)])
    display = _group(value)
    return common.result(value, info=f"400 号码 · {display}", display=display)


def phone_identity(value: str) -> str:
    """Canonical national digits of a phone (no +86, no extension), for comparing destinations."""
    dial = _analyse_phone(value)
    if dial is None:
        return ""
    if dial.kind:
        return dial.national
    return "".join(c for c in dial.national if c in DIGITS)


def preload_phones() -> None:
    """Load the mobile segments and phone geocoding data now (from a worker at start-up)."""
    segments.allocated_prefixes()
    _place("57181726504")
    _mobile_about("13805710000")
    _local_lengths("571")
