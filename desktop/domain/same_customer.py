"""The same customer twice: a 400 number or licence already in another live case.

Never an error (a customer comes back to change, suspend or cancel), a warning on the field that
names the other case, so the agent can open it and decide whether this is a change of that one.
The drafts store answers the question (`Store.others_with`, indexed); this module turns its answer
into findings. `check` has no drafts file and so never reports these; the window asks off the GUI
thread, where the store is, and shows the findings with the field's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from desktop.domain.case import Finding
from desktop.domain.fields import is_empty
from desktop.domain.forms import Bundle

CODE = "same_customer"
SHOWN_NUMBERS = 3  # more than this are counted, not listed

# (key, value, exclude_id) -> the other cases' numbers: `Store.others_with`.
OthersWith = Callable[[str, str, "str | None"], Sequence[str]]


def same_customer_findings(bundle: Bundle, key: str, numbers: Sequence[str]) -> list[Finding]:
    """The warning on `key` for the other cases `numbers` holding its value (none: no finding)."""
    if not numbers:
        return []
    label = bundle.field(key).label
    if len(numbers) == 1:
        text = f"另一个案卷 {numbers[0]} 也是这个{label}，请确认是否为同一客户的变更申请"
    else:
        listed = "、".join(numbers[:SHOWN_NUMBERS]) + (" 等" if len(numbers) > SHOWN_NUMBERS else "")
        text = f"另有 {len(numbers)} 个案卷（{listed}）也是这个{label}，请确认是否为同一客户的变更申请"
    return [Finding(key, "warning", CODE, text, label)]


def check_same_customer(
    bundle: Bundle, values: Mapping[str, Any], case_id: str | None, others_with: OthersWith
) -> list[Finding]:
    """Every same-customer warning of a case: each key the bundle declares (bundle.toml
    `[drafts] same_customer`) asked of `others_with` (the store's query; call off the GUI thread)."""
    found: list[Finding] = []
    for key in bundle.drafts.same_customer_keys:
        value = values.get(key)
        if isinstance(value, str) and not is_empty(value):
            found.extend(same_customer_findings(bundle, key, others_with(key, value, case_id)))
    return found
