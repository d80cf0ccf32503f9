"""Dates as agents type them."""

from __future__ import annotations

import re
from datetime import date

from desktop.domain.validation import common  # the findings' helpers: common.error, common.result, …
from desktop.domain.validation.common import Result, check_invisible

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
    text = common.DASHES.sub("-", common.normalise_entry(raw))
    if not text:
        return Result(value="")
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        return common.result(text, [common.error("bad_format", "无法识别的日期，请按 2026-11-28 的格式填写")])
    year, month, day = (int(part) for part in match.groups())
    shown = f"{year:04d}-{month:02d}-{day:02d}"
    if year < _EARLIEST_DATE.year:
        return common.result(shown, [common.error("too_early", f"{shown} 早于 1900 年，请核对")])
    try:
        value = date(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            return common.result(shown, [common.error("no_such_date", f"{shown} 不存在：没有 {month} 月")])
        return common.result(
            shown, [common.error("no_such_date", f"{shown} 不存在：{year} 年 {month} 月没有 {day} 日")]
        )
    if value > _one_year_after(today):
        return common.result(shown, [common.warning("far_future", f"{shown} 在一年以后，请核对")])
    return common.result(shown)
