"""Rules over several fields, in one place (like Django's Form.clean()).

forms/<bundle>/rules.toml picks a kind from KINDS and names the fields it reads; a kind may also
fill a field that was left empty (the organisation code from the licence number).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.domain import validation as v

# A finding before it is dressed with the field's label: (key, severity, code, text).
Raw = tuple[str, str, str, str]


@dataclass(frozen=True)
class Kind:
    fields: tuple[str, ...]
    texts: tuple[str, ...]
    optional: tuple[str, ...]
    check: Callable[[Mapping[str, str], Mapping[str, Any], date], list[Raw]]
    derive: Callable[[Mapping[str, str], Mapping[str, Any]], dict[str, Any]] | None = None
    # With `derive`: the parameter naming the field it fills, and the one naming its source.
    fills: tuple[str, str] | None = None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _org_code_check(p: Mapping[str, str], values: Mapping[str, Any], today: date) -> list[Raw]:
    org = str(values.get(p["org_code"]) or "")
    expected = v.org_code_of_uscc(str(values.get(p["uscc"]) or ""))
    if not (org and expected and org != expected):
        return []
    # Beside the field's own 「按前 8 位应为 7」 a second, different fix 「应为 <licence's>」 would
    # contradict it (one field, one finding): compare only a code that is valid on its own or whose
    # own fix is the licence's. A licence with only a warning (Fujian's pilot codes) counts as valid.
    own_fix_agrees = v.check_org_code(org).ok or org[:8] == expected[:8]
    if own_fix_agrees and v.check_uscc(str(values[p["uscc"]])).ok:
        shown = f"{expected[:8]}-{expected[8]}"
        return [
            (p["org_code"], "error", "org_mismatch", f"与营业执照编号不符，应为 {shown}（执照第 9–17 位）")
        ]
    return []


def _org_code_derive(p: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    if values.get(p["org_code"]):
        return {}
    uscc = str(values.get(p["uscc"]) or "")
    expected = v.org_code_of_uscc(uscc)
    if expected and v.check_uscc(uscc).ok:
        return {p["org_code"]: expected}
    return {}


def _date_not_before(p: Mapping[str, str], values: Mapping[str, Any], today: date) -> list[Raw]:
    day, ref = _date(values.get(p["field"])), _date(values.get(p["reference"]))
    if day and ref and day < ref:
        return [(p["field"], p.get("severity", "warning"), "date_order", p["message"])]
    return []


def _adult_on(p: Mapping[str, str], values: Mapping[str, Any], today: date) -> list[Raw]:
    id_number = str(values.get(p["id_number"]) or "")
    if not v.check_resident_id(id_number, today=today).ok:
        return []
    birth = v.resident_id_birth(id_number)
    on = _date(values.get(p["date"])) or today
    if birth is None:
        return []
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if age < 18:
        return [(p["id_number"], p.get("severity", "warning"), "minor", p["message"])]
    return []


def _phones_distinct(p: Mapping[str, str], values: Mapping[str, Any], today: date) -> list[Raw]:
    items = values.get(p["field"]) or []
    seen = [v.phone_identity(str(i)) for i in items if i]
    if len(seen) != len(set(seen)):
        return [(p["field"], p.get("severity", "error"), "duplicate", p["message"])]
    return []


def _phone_differs(p: Mapping[str, str], values: Mapping[str, Any], today: date) -> list[Raw]:
    other = values.get(p["other"])
    if not other:
        return []
    items = values.get(p["field"]) or []
    items = items if isinstance(items, list) else [items]
    target = v.phone_identity(str(other))
    if any(v.phone_identity(str(i)) == target for i in items if i):
        return [(p["field"], p.get("severity", "error"), "same_as_other", p["message"])]
    return []


KINDS: dict[str, Kind] = {
    "org_code_matches_uscc": Kind(
        ("org_code", "uscc"), (), (), _org_code_check, _org_code_derive, fills=("org_code", "uscc")
    ),
    "date_not_before": Kind(("field", "reference"), ("message",), ("severity",), _date_not_before),
    "adult_on": Kind(("id_number", "date"), ("message",), ("severity",), _adult_on),
    "phones_distinct": Kind(("field",), ("message",), ("severity",), _phones_distinct),
    "phone_differs": Kind(("field", "other"), ("message",), ("severity",), _phone_differs),
}
