"""A case's values and its findings: every field rule plus the bundle's cross-field rules.

This is the one verdict the command line, the window and the printer share: the window shows it
field by field, `check` prints it, and the renderer marks the bundle 草稿 while it holds an error.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.domain import fields as ft
from desktop.domain.coverage import missing_glyphs
from desktop.domain.forms import Bundle, FieldDef
from desktop.domain.resolve import resolve
from desktop.domain.rules import KINDS

Values = Mapping[str, Any]
SEVERITY_ORDER = {"error": 0, "warning": 1}


@dataclass(frozen=True)
class Finding:
    key: str
    severity: str  # "error" blocks the final print, "warning" does not
    code: str
    text: str  # the problem and its fix, shown under the field
    label: str  # the field's label, so a list of findings names the field

    @property
    def message(self) -> str:
        return f"{self.label}：{self.text}"


@dataclass(frozen=True)
class FieldVerdict:
    """What the window shows for one field after a keystroke."""

    value: Any
    findings: tuple[Finding, ...]
    info: str | None
    missing: int


def normalise_values(bundle: Bundle, raw: Values, *, today: date) -> dict[str, Any]:
    """Stored form of every known field in `raw` (unknown keys are the case file's business)."""
    return {
        k: ft.normalise(bundle.field(k), val, today=today) for k, val in raw.items() if k in bundle.fields
    }


def initial_values(bundle: Bundle, settings: Mapping[str, str], *, today: date) -> dict[str, Any]:
    """A new case: today's dates and the hall's settings prefilled, everything else empty."""
    return resolve(bundle, {}, settings=settings, today=today, fresh=True).to_store()


def effective_values(bundle: Bundle, values: Values) -> dict[str, Any]:
    """The values as printed and checked (desktop.domain.resolve): fallbacks and derived values filled in."""
    return resolve(bundle, values, today=date.today()).values()


def check_case(
    bundle: Bundle, values: Values, *, today: date, coverage: Collection[int] | None = None
) -> list[Finding]:
    """Every finding of a case, fields in form order, errors before warnings within a field."""
    eff = effective_values(bundle, values)
    found: list[Finding] = []
    for fdef in bundle.fields.values():
        found.extend(_field_findings(bundle, fdef, eff, today=today, coverage=coverage, describe=False)[0])
    for rule in bundle.rules:
        kind = KINDS[rule.check]
        for key, severity, code, text in kind.check(rule.params, eff, today):
            if bundle.relevant(key, eff):
                found.append(Finding(key, severity, code, text, bundle.field(key).label))
    order = {key: i for i, key in enumerate(bundle.fields)}
    found.sort(key=lambda f: (order[f.key], SEVERITY_ORDER[f.severity]))
    return found


def check_field(
    bundle: Bundle, key: str, values: Values, *, today: date, coverage: Collection[int] | None = None
) -> FieldVerdict:
    """One field's verdict in the context of the whole case (one keystroke's re-check)."""
    return judge_field(bundle, key, effective_values(bundle, values), today=today, coverage=coverage)


def judge_field(
    bundle: Bundle, key: str, eff: Values, *, today: date, coverage: Collection[int] | None = None
) -> FieldVerdict:
    """One field's verdict on values already resolved (`ResolvedCase.values()`): no second resolve."""
    fdef = bundle.field(key)
    own, info, missing = _field_findings(bundle, fdef, eff, today=today, coverage=coverage)
    for rule in bundle.rules:
        if key in rule.params.values():
            for rkey, severity, code, text in KINDS[rule.check].check(rule.params, eff, today):
                if rkey == key:
                    own.append(Finding(key, severity, code, text, fdef.label))
    return _verdict(eff.get(key), own, info, missing)


def judge_all(
    bundle: Bundle, eff: Values, *, today: date, coverage: Collection[int] | None = None
) -> dict[str, FieldVerdict]:
    """Every field's verdict (form order) on values already resolved, each cross-field rule run
    once: what an `EditSession` counts after each edit (the same verdicts `judge_field` gives)."""
    found: dict[str, tuple[list[Finding], str | None, int]] = {
        key: _field_findings(bundle, fdef, eff, today=today, coverage=coverage)
        for key, fdef in bundle.fields.items()
    }
    for rule in bundle.rules:
        params = set(rule.params.values())
        for rkey, severity, code, text in KINDS[rule.check].check(rule.params, eff, today):
            if rkey in params and rkey in found:
                found[rkey][0].append(Finding(rkey, severity, code, text, bundle.field(rkey).label))
    return {key: _verdict(eff.get(key), *parts) for key, parts in found.items()}


def _verdict(value: Any, own: list[Finding], info: str | None, missing: int) -> FieldVerdict:
    own.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return FieldVerdict(
        value, tuple(own), info if not any(f.severity == "error" for f in own) else None, missing
    )


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def _field_findings(
    bundle: Bundle,
    fdef: FieldDef,
    values: Values,
    *,
    today: date,
    coverage: Collection[int] | None,
    describe: bool = True,
) -> tuple[list[Finding], str | None, int]:
    if not bundle.relevant(fdef.key, values):
        return [], None, 0
    value = values.get(fdef.key)

    def finding(severity: str, code: str, text: str) -> Finding:
        return Finding(fdef.key, severity, code, text, fdef.label)

    if ft.is_empty(value):
        if fdef.required:
            what = "请至少选择一项" if fdef.type in ("multichoice", "choice") else "必填，请填写"
            return [finding("error", "required", what)], None, 0
        return [], None, 0

    out: list[Finding] = []
    info: str | None = None
    missing = 0
    if fdef.type in ("multichoice", "phone_list"):
        items = value if isinstance(value, list) else [value]
        if fdef.max_items is not None and len(items) > fdef.max_items:
            out.append(finding("error", "too_many", f"最多 {fdef.max_items} 项，现有 {len(items)} 项"))
        if len(items) < fdef.min_items:
            out.append(finding("error", "too_few", f"至少 {fdef.min_items} 项"))
        for n, item in enumerate(items, start=1):
            result = ft.check(fdef, str(item), today=today, describe=False)
            prefix = f"第 {n} 个号码：" if fdef.type == "phone_list" else ""
            out.extend(finding(p.severity, p.code, prefix + p.message) for p in result.problems)
    else:
        result = ft.check(fdef, str(value), today=today, describe=describe)
        out.extend(finding(p.severity, p.code, p.message) for p in result.problems)
        info, missing = result.info, result.missing
    if coverage is not None and fdef.type not in ("choice", "multichoice", "integer"):
        text = "".join(value) if isinstance(value, list) else str(value)
        bad = missing_glyphs(text, coverage)
        if bad:
            shown = "、".join(f"「{c}」(U+{ord(c):04X})" for c in bad[:5])
            out.append(
                finding("error", "no_glyph", f"打印字体无法显示 {shown}，请改用常用字或同音规范字并备注")
            )
    return out, info, missing
