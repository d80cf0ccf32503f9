"""Organisation codes (GB 11714-1997) and unified social credit codes (GB 32100-2015)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from desktop.domain.validation import common  # the findings' helpers: common.error, common.result, …
from desktop.domain.validation.common import DIGITS, Problem, Result, code_check, normalise_code
from desktop.domain.validation.ids import _region_name

# --- organisation code, GB 11714-1997 -----------------------------------------------------------

ORG_CODE_LENGTH = 9
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_CHARS = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def org_check_char(body: str) -> str:
    """Check character for 8 body characters (A=10 … Z=35)."""
    total = sum(_ORG_BODY_CHARS.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def _org_display(code: str) -> str:
    return f"{code[:8]}-{code[8:]}"


@code_check
def check_org_code(value: str) -> Result:
    """Organisation code: 8 characters 0-9 A-Z and a check character, shown ``XXXXXXXX-X``."""
    problems: list[Problem] = []
    bad = [c for c in value[:8] if c not in _ORG_BODY_CHARS] + [
        c for c in value[8:] if c not in _ORG_BODY_CHARS
    ]
    if bad:
        problems.append(common.error("bad_char", f"含有无效字符{common.quote(bad)}：只能是数字和大写字母"))
    if len(value) < ORG_CODE_LENGTH:
        missing = ORG_CODE_LENGTH - len(value)
        problems.append(common.too_short(ORG_CODE_LENGTH, missing))
        return common.result(value, problems, missing=0 if bad else missing)
    if len(value) > ORG_CODE_LENGTH:
        problems.append(common.too_long(ORG_CODE_LENGTH, len(value) - ORG_CODE_LENGTH))
        return common.result(value, problems)
    if not bad:
        expected = org_check_char(value[:8])
        if value[8] != expected:
            problems.append(common.error("check_char", f"校验码错误，按前 8 位应为 {expected}"))
    return common.result(value, problems, display=_org_display(value))


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


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[-total % 31]


def _uscc_prefix_problems(value: str) -> list[Problem]:
    """Findings about authority, kind and region, for a full code or the prefix typed so far."""
    problems = []
    authority = USCC_AUTHORITIES.get(value[0])
    if authority is None:
        problems.append(
            common.error("bad_authority", f"第 1 位登记管理部门代码 {value[0]} 未定义（应为 1–9、A、N 或 Y）")
        )
    elif len(value) > 1 and value[1] not in authority[1]:
        kinds = "、".join(f"{k} {name}" for k, name in authority[1].items())
        problems.append(
            common.error(
                "bad_kind", f"第 2 位机构类别 {value[1]} 对{authority[0]}（{value[0]}）未定义，可为 {kinds}"
            )
        )
    region = value[2:8]
    if region and not common.ascii_digits(region):
        problems.append(common.error("bad_region", "第 3–8 位应为登记机关的行政区划代码（6 位数字）"))
    elif region == "000000":
        # stdnum.cn.uscc accepts region 000000; GB 32100 always names a registering region.
        problems.append(common.error("bad_region", "第 3–8 位行政区划代码不能是 000000"))
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
    from stdnum.iso7064 import mod_11_10  # noqa: PLC0415 (a rare path; stdnum's import costs ~30 ms)

    is_one = mod_11_10.is_valid(value)
    note = "" if is_one else "；这个注册号本身的校验位也不对"
    message = f"这是 15 位旧工商注册号（“三证合一”后已停用），请填写营业执照上的 18 位统一社会信用代码{note}"
    return common.error("legacy_registration", message), is_one


def _fujian_pilot(value: str) -> bool:
    """Fujian's 2015 pilot pattern (9135…, characters 9–12 M000), where real codes fail MOD 31."""
    return value.startswith("9135") and value[8:12] == "M000"


@code_check
def check_uscc(value: str) -> Result:
    """Unified social credit code: authority, kind, region, embedded organisation code, MOD 31 check."""
    problems: list[Problem] = []
    bad = [c for c in value if c not in _USCC_VALUES]
    if bad:
        excluded = [c for c in bad if c in "IOSVZ"]
        other = [c for c in bad if c not in "IOSVZ"]
        if excluded:
            problems.append(
                common.error(
                    "bad_char", f"含有{common.quote(excluded, 5)}：统一社会信用代码不使用字母 I、O、S、V、Z"
                )
            )
        if other:
            problems.append(
                common.error("bad_char", f"含有无效字符{common.quote(other)}：只能是数字和大写字母")
            )
    if len(value) > USCC_LENGTH:
        problems.append(common.too_long(USCC_LENGTH, len(value) - USCC_LENGTH))
        return common.result(value, problems)
    if bad:
        if len(value) < USCC_LENGTH:
            problems.append(common.too_short(USCC_LENGTH, USCC_LENGTH - len(value)))
        return common.result(value, problems)
    prefix_problems = _uscc_prefix_problems(value)
    if len(value) == LEGACY_LENGTH and common.ascii_digits(value):
        # One reading, one finding (as for a first-generation ID): a valid legacy number, or 15
        # digits that cannot begin a credit code, is the legacy number only, without "还差 3 位".
        legacy, is_one = _legacy_registration(value)
        if is_one or prefix_problems:
            return common.result(value, [legacy])
    problems += prefix_problems
    if len(value) < USCC_LENGTH:
        missing = USCC_LENGTH - len(value)
        problems.append(common.too_short(USCC_LENGTH, missing))
        return common.result(value, problems, missing=0 if prefix_problems else missing)

    org_code = value[8:17]
    org_expected = org_check_char(org_code[:8])
    if org_code[8] != org_expected:
        # stdnum.cn.uscc does not look at the embedded organisation code at all.
        problems.append(
            common.error(
                "org_code_check",
                f"第 9–17 位组织机构代码 {_org_display(org_code)} 的校验位错误，按前 8 位应为 {org_expected}",
            )
        )
    if problems:
        # A check character computed from characters already found wrong is no fix: name only those.
        return common.result(value, problems)
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        if _fujian_pilot(value):
            # Real codes from Fujian's pilot fail the check: never suggest a "corrected" one.
            message = (
                "第 18 位校验码不符合国标，但福建 2015 年试点发放的代码（9135…，第 9–12 位 M000）"
                "确有这种情况：请与营业执照原件逐位核对，一致即可使用"
            )
            return common.result(value, [common.warning("pilot_check", message)], info=_uscc_info(value))
        return common.result(value, [common.error("check_char", f"校验码错误，按前 17 位应为 {expected}")])
    return common.result(value, info=_uscc_info(value))


def org_code_of_uscc(value: str) -> str | None:
    """Characters 9–17 (the organisation code) of a normalised 18-character USCC, else None."""
    value = normalise_code(value)
    return value[8:17] if len(value) == USCC_LENGTH else None
