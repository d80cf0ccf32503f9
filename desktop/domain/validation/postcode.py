"""Postcodes: six digits, Zhejiang's expected."""

from __future__ import annotations

from desktop.domain.validation import common  # the findings' helpers: common.error, common.result, …
from desktop.domain.validation.common import DIGITS, Result, code_check

# --- other fields --------------------------------------------------------------------------------

POSTCODE_LENGTH = 6


@code_check
def check_postcode(value: str) -> Result:
    """Postcode: 6 digits; outside Zhejiang (31xxxx, 32xxxx, 202450) is a warning."""
    if not common.ascii_digits(value):
        bad = [c for c in value if c not in DIGITS]
        return common.result(
            value, [common.error("bad_char", f"含有无效字符{common.quote(bad)}：邮政编码只能是数字")]
        )
    if len(value) < POSTCODE_LENGTH:
        missing = POSTCODE_LENGTH - len(value)
        return common.result(value, [common.too_short(POSTCODE_LENGTH, missing)], missing=missing)
    if len(value) > POSTCODE_LENGTH:
        return common.result(value, [common.too_long(POSTCODE_LENGTH, len(value) - POSTCODE_LENGTH)])
    if value[:2] in ("31", "32") or value == "202450":
        return common.result(value)
    message = "不是浙江省的邮政编码（浙江为 31xxxx、32xxxx 和嵊泗 202450），请核对"
    return common.result(value, [common.warning("outside_zhejiang", message)])
