"""Whether an imported case file may replace the stored case: a pure decision, no SQLite.

Each stored case keeps the digest of the values this machine last exported or imported for it
(its handover). With it an import can tell "edited only on the other machine" from "edited on
both since they last met", and refuse the second instead of losing an edit silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from desktop.casefile import CaseFile, Value, is_empty

Decision = Literal["create", "unchanged", "replace", "older", "stale", "both"]
CLASHES: frozenset[str] = frozenset({"older", "stale", "both"})


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
