"""Whether an imported case file may replace the stored case: a pure decision, no SQLite.

Each stored case keeps the digest of the values this machine last exported or imported for it
(its handover). With it an import can tell "edited only on the other machine" from "edited on
both since they last met", and refuse the second instead of losing an edit silently.

A version-2 file carries its base: when this machine knows the base's values, `merge` decides
field by field instead (docs/case-file.md): a field changed on one side only takes that side, a
field changed on both sides to different values is a conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from desktop.domain.merge import merge3
from desktop.files.casefile import CaseFile, Value, is_empty

Decision = Literal["create", "unchanged", "replace", "merge", "older", "stale", "both", "fields"]
CLASHES: frozenset[str] = frozenset({"older", "stale", "both", "fields"})


@dataclass(frozen=True)
class StoredCase:
    """What the decision needs of the case already in the drafts file."""

    bundle: str
    updated: str
    fields: Mapping[str, Value]
    handover: str | None


def decide(stored: StoredCase | None, incoming: CaseFile) -> Decision:
    """Accept ("create", "replace"), skip ("unchanged") or refuse as a clash ("older", "stale",
    "both"; see ImportClash for what each means) one imported case file."""
    if stored is None:
        return "create"
    if same_content(stored.fields, incoming.fields) and stored.bundle == incoming.bundle:
        return "unchanged"
    handed = stored.handover
    edited_here = handed is not None and handed != digest(stored.fields)
    if edited_here and handed == digest(incoming.fields):
        return "stale"
    if datetime.fromisoformat(incoming.updated) <= datetime.fromisoformat(stored.updated):
        return "older"
    if edited_here:
        return "both"
    return "replace"


def filled(fields: Mapping[str, Value]) -> dict[str, Value]:
    """The values a case file carries: an empty field is the same as a missing key."""
    return {k: v for k, v in fields.items() if not is_empty(v)}


def same_content(a: Mapping[str, Value], b: Mapping[str, Value]) -> bool:
    """Equal values, a missing key counting as an empty field (as in the case file)."""
    return filled(a) == filled(b)


def digest(fields: Mapping[str, Value]) -> str:
    """A fingerprint of a case's values: the same values (empty ones aside) give the same digest."""
    return hashlib.sha256(json.dumps(filled(fields), ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Merged:
    """A version-2 import's outcome: the decision, the values the case takes ("replace", "merge"),
    and for "fields" each field changed on both sides: (key, mine, theirs)."""

    decision: Decision
    fields: dict[str, Value]
    conflicts: tuple[tuple[str, Value, Value], ...] = ()


def merge(stored: Mapping[str, Value], incoming: Mapping[str, Value], base: Mapping[str, Value]) -> Merged:
    """Merge a version-2 file's values into the stored case's against the base both last shared."""
    mine, theirs, common = filled(stored), filled(incoming), filled(base)
    if mine == theirs:
        return Merged("unchanged", mine)
    if mine == common:
        return Merged("replace", dict(incoming))
    result = merge3(common, mine, theirs)
    if result.conflicts:
        return Merged("fields", mine, tuple((k, mine.get(k), theirs.get(k)) for k in result.conflicts))
    values: dict[str, Value] = dict(result.values)  # type: ignore[arg-type]
    if values == mine:
        return Merged("unchanged", mine)
    return Merged("replace", dict(incoming)) if values == theirs else Merged("merge", values)
