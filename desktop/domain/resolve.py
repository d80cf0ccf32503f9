"""The resolved case: every field's value as it prints, and where that value came from.

The screen, `check` and the PDF read this one object, so they cannot disagree. Before it existed
the window worked out fallbacks and derived values for itself: the screen showed 「留空则同经办人：
王霄」 while the PDF printed the line blank. A value is one of

- typed: what the agent typed (or a case file holds); the only values a case file exports;
- default: a fresh case's prefill (today's date, the hall's settings), not yet stored; it becomes
  typed with the case's first save, so a settings change reaches a blank case still on screen;
- derived: filled by a cross-field rule (the organisation code from the licence number);
- fallback: an empty field that prints another value in its place (the signer prints the handler,
  the serial prints the case number).

What each field falls back to or defaults from is declared in forms/ (`default = "today"`,
`"@setting"`, `"=field"`, `"#number"`); derived values come from the rule kinds that declare
`fills` (desktop/domain/rules.py). docs/architecture.md shows where this sits between keystroke and paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from desktop.domain.fields import is_empty
from desktop.domain.forms import Bundle
from desktop.domain.rules import KINDS

NUMBER_SOURCE = "#number"  # the case's own number (DESK-YYYYMMDD-NNN) as a fallback


class Origin(StrEnum):
    TYPED = "typed"
    DEFAULT = "default"
    DERIVED = "derived"
    FALLBACK = "fallback"
    EMPTY = "empty"


@dataclass(frozen=True)
class Resolved:
    """One field's printed value; `note` says where a value the agent did not type came from."""

    value: Any
    origin: Origin
    note: str = ""

    @property
    def typed(self) -> bool:
        return self.origin is Origin.TYPED


EMPTY = Resolved(None, Origin.EMPTY)


@dataclass(frozen=True)
class ResolvedCase:
    fields: Mapping[str, Resolved]

    def __getitem__(self, key: str) -> Resolved:
        return self.fields.get(key, EMPTY)

    def value(self, key: str) -> Any:
        return self[key].value

    def values(self) -> dict[str, Any]:
        """What prints and what `check` judges: every field holding a value, whatever its origin."""
        return {k: r.value for k, r in self.fields.items() if r.origin is not Origin.EMPTY}

    def typed(self) -> dict[str, Any]:
        """What a case file exports: the typed values only."""
        return {k: r.value for k, r in self.fields.items() if r.origin is Origin.TYPED}

    def to_store(self) -> dict[str, Any]:
        """What a first save keeps: the typed values and the fresh case's defaults (now fixed)."""
        return {k: r.value for k, r in self.fields.items() if r.origin in (Origin.TYPED, Origin.DEFAULT)}


def resolve(
    bundle: Bundle,
    typed: Mapping[str, Any],
    *,
    settings: Mapping[str, Any] | None = None,
    today: date,
    number: str | None = None,
    fresh: bool = False,
) -> ResolvedCase:
    """Every field of `typed` resolved for printing.

    `fresh` is a case not yet stored: its empty fields take their defaults. A stored case's empty
    field stays empty (a date the agent cleared prints the blank 「 年 月 日」 for the pen).
    """
    settings = settings or {}
    out: dict[str, Resolved] = {
        k: Resolved(v, Origin.TYPED) for k, v in typed.items() if k in bundle.fields and not is_empty(v)
    }
    if fresh:
        for key, fdef in bundle.fields.items():
            if key in typed or not fdef.default:  # typed, or cleared on purpose
                continue
            if fdef.default == "today":
                out[key] = Resolved(today.isoformat(), Origin.DEFAULT, "默认：今天")
            elif fdef.default.startswith("@"):
                setting = settings.get(fdef.default[1:])
                if isinstance(setting, str) and setting.strip():
                    out[key] = Resolved(setting.strip(), Origin.DEFAULT, "默认：按设置填写")
    for key, fdef in bundle.fields.items():
        if key in out or not fdef.default:
            continue
        if fdef.default.startswith("="):
            source = out.get(fdef.default[1:])
            if source is not None and not is_empty(source.value):
                out[key] = Resolved(
                    source.value, Origin.FALLBACK, f"同{bundle.field(fdef.default[1:]).label}"
                )
        elif fdef.default == NUMBER_SOURCE and number:
            out[key] = Resolved(number, Origin.FALLBACK, "同案卷编号")
    for rule in bundle.rules:
        kind = KINDS[rule.check]
        if kind.derive is None:
            continue
        current = {k: r.value for k, r in out.items()}
        for key, value in kind.derive(rule.params, current).items():
            if key in out or is_empty(value):
                continue
            source = rule.params[kind.fills[1]] if kind.fills else None
            note = f"按{bundle.field(source).label}自动填写" if source in bundle.fields else "自动填写"
            out[key] = Resolved(value, Origin.DERIVED, note)
    order = {k: i for i, k in enumerate(bundle.fields)}
    return ResolvedCase({k: out[k] for k in sorted(out, key=order.__getitem__)})
