"""E-mail addresses: the shape agents type, and the slips they make."""

from __future__ import annotations

import re

from desktop.domain.validation import common  # the findings' helpers: common.error, common.result, …
from desktop.domain.validation.common import Result, check_invisible

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
    text = common.stable(lambda t: t.replace("。", "."), common.normalise_entry(raw))
    if not text:
        return Result(value="")
    space = _WHITESPACE.search(text)
    if space is not None:
        # Removing it would silently make another address (test1@invalid.co m is not .com).
        message = f"邮箱地址中间有空格（第 {space.start() + 1} 个字符），请删除"
        return common.result(text, [common.error("space_inside", message)])
    if len(text) > 254:
        return common.result(text, [common.error("too_long", "邮箱地址太长（最多 254 个字符）")])
    if "@" not in text:
        return common.result(text, [common.error("no_at", "缺少 @，例如 name@example.com")])
    if text.count("@") > 1:
        return common.result(text, [common.error("many_at", "只能有一个 @")])
    local, domain = text.split("@")
    domain = domain.lower()
    value = f"{local}@{domain}"
    problems = []
    if not local:
        problems.append(common.error("no_local", "@ 前面缺少用户名"))
    else:
        bad = [c for c in local if c not in _EMAIL_LOCAL_CHARS]
        if bad:
            problems.append(common.error("bad_char", f"@ 前面含有无效字符{common.quote(bad)}"))
        elif local.startswith(".") or local.endswith(".") or ".." in local:
            problems.append(common.error("bad_dot", "@ 前面的“.”不能在开头、结尾或连用"))
        elif len(local) > 64:
            problems.append(common.error("too_long", "@ 前面的用户名太长（最多 64 个字符）"))
    labels = domain.split(".")
    if not domain:
        problems.append(common.error("no_domain", "@ 后面缺少域名，例如 qq.com"))
    elif len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        problems.append(
            common.error("bad_domain", f"@ 后面的域名 {domain} 不对，应像 qq.com、example.com.cn")
        )
    elif not _TOP_LEVEL.fullmatch(labels[-1]):
        problems.append(common.error("bad_domain", "域名最后一段应为字母，如 .com、.cn"))
    elif labels[-1] in _TLD_SLIPS:
        problems.append(common.warning("tld_slip", f"域名以 .{labels[-1]} 结尾，是否应为 .com？"))
    return common.result(value, problems)
