"""Field types: how a raw input becomes a stored value, how it is checked and how it prints.

One dispatch table per concern keeps the field types in one place; the validators themselves live
in desktop.domain.validation and know nothing about forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

from desktop.domain import validation as v
from desktop.domain.forms import FieldDef
from desktop.files.casefile import Value, is_empty

_INT = re.compile(r"^[+-]?\d{1,6}$")


def normalise(fdef: FieldDef, raw: Any, *, today: date) -> Value:
    """The stored form of an input: what the validators normalise it to, lists cleaned item by item."""
    if raw is None:
        return None
    if fdef.type == "multichoice":
        items = raw if isinstance(raw, list) else [raw]
        known = [c.id for c in fdef.choices]
        chosen = {str(i) for i in items}
        # Keep the form's order so the same choices always store (and compare) the same way.
        return [cid for cid in known if cid in chosen] + sorted(chosen - set(known))
    if fdef.type == "phone_list":
        items = raw if isinstance(raw, list) else [raw]
        return [
            check(fdef, str(item), today=today, describe=False).value for item in items if str(item).strip()
        ]
    if fdef.type == "integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if not text:
            return None
        return int(text) if _INT.match(text) else text
    return check(fdef, str(raw), today=today, describe=False).value


def check(fdef: FieldDef, raw: str, *, today: date, describe: bool = True) -> v.Result:
    """Check one scalar input of a field's type (a list field checks one of its items).

    `describe=False` skips what only the window shows (a fixed line's city), which is slow to load.
    """
    if fdef.type in _PHONES:
        return _PHONES[fdef.type](raw, describe=describe)
    return _CHECKS[fdef.type](fdef, raw, today)


def _choice(fdef: FieldDef, raw: str, today: date) -> v.Result:
    hidden = v.check_invisible(raw)  # before quoting the value: U+202E would reorder the message
    if hidden is not None:
        return hidden
    value = raw.strip()
    if value and value not in {c.id for c in fdef.choices}:
        allowed = "、".join(f"{c.id}（{c.label}）" for c in fdef.choices)
        return v.Result(
            value, (v.Problem("unknown_choice", "error", f"「{value}」不是可选项，可选：{allowed}"),)
        )
    return v.Result(value, display=fdef.choice_label(value) if value else "")


def _integer(fdef: FieldDef, raw: str, today: date) -> v.Result:
    hidden = v.check_invisible(raw)
    if hidden is not None:
        return hidden
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return v.Result("")
    bounds = f"{fdef.minimum}–{fdef.maximum}" if fdef.minimum is not None else ""
    if not _INT.match(text):
        return v.Result(
            text,
            (v.Problem("not_integer", "error", f"请填写整数{('（' + bounds + '）') if bounds else ''}"),),
        )
    number = int(text)
    low = fdef.minimum if fdef.minimum is not None else number
    high = fdef.maximum if fdef.maximum is not None else number
    if not low <= number <= high:
        return v.Result(str(number), (v.Problem("out_of_range", "error", f"应为 {bounds} 之间的整数"),))
    return v.Result(str(number), display=str(number))


_CHECKS: dict[str, Callable[[FieldDef, str, date], v.Result]] = {
    "text": lambda f, raw, today: v.check_text(raw, max_length=f.max_length or 200),
    "longtext": lambda f, raw, today: v.check_text(raw, max_length=f.max_length or 500, multiline=True),
    "person_name": lambda f, raw, today: v.check_person_name(raw, max_length=f.max_length or 30),
    "resident_id": lambda f, raw, today: v.check_resident_id(raw, today=today),
    "uscc": lambda f, raw, today: v.check_uscc(raw),
    "org_code": lambda f, raw, today: v.check_org_code(raw),
    "postcode": lambda f, raw, today: v.check_postcode(raw),
    "n400": lambda f, raw, today: v.check_n400(raw),
    "email": lambda f, raw, today: v.check_email(raw),
    "date": lambda f, raw, today: v.check_date(raw, today=today),
    "choice": _choice,
    "multichoice": _choice,
    "integer": _integer,
}


_PHONES: dict[str, Callable[..., v.Result]] = {
    "phone": v.check_phone,
    "phone_list": v.check_phone,
    "mobile": v.check_mobile,
}


def display_value(fdef: FieldDef, value: Value, *, today: date | None = None) -> str:
    """How a stored value prints: dates in Chinese, codes and numbers grouped, choices by label."""
    if is_empty(value):
        return ""
    today = today or date.today()
    if fdef.type == "date":
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return f"{day.year} 年 {day.month} 月 {day.day} 日"
    if fdef.type == "multichoice":
        items = value if isinstance(value, list) else [str(value)]
        return "、".join(fdef.choice_label(i) for i in items)
    if fdef.type == "phone_list":
        items = value if isinstance(value, list) else [str(value)]
        return "、".join(_shown(check(fdef, i, today=today, describe=False)) for i in items)
    if fdef.type == "integer":
        return str(value)
    return _shown(check(fdef, str(value), today=today, describe=False))


def _shown(result: v.Result) -> str:
    return result.display or result.value
