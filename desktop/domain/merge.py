"""The merge rule of the hall server and of case files (docs/architecture.md), as pure functions over a case's *state*.

A state is one flat mapping: the case's field values plus two case-level keys, `@status` and
`@bin`, so a status change or a move to the bin merges (and conflicts) exactly like a field. An
empty value ("", None, []) is the same as a missing key, as in the case file, so a field cleared on
one side and never typed on the other is not a change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from desktop.files.casefile import Value, canonical_text, values_digest

STATUS = "@status"
BIN = "@bin"
CASE_KEYS = (STATUS, BIN)

State = dict[str, Value | bool]


def is_empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value is False


def normal(state: Mapping[str, object]) -> State:
    """The state without its empty values: two states are equal exactly when their normal forms are.

    `is_empty` written out: a sync calls this for every case it moves, several times each."""
    return {
        k: v
        for k, v in state.items()
        if v is not None and v is not False and v != "" and v != []  # type: ignore[misc]
    }


def state_of(fields: Mapping[str, Value], status: str, deleted: object) -> State:
    """A case's state: its values, its status and whether it is in the bin."""
    state = normal(fields)
    if status and status != "draft":
        state[STATUS] = status
    if deleted:
        state[BIN] = True
    return state


def split_state(state: Mapping[str, object]) -> tuple[dict[str, Value], str, bool]:
    """The fields, status and bin flag a state stands for."""
    fields = {k: v for k, v in normal(state).items() if k not in CASE_KEYS}
    status = state.get(STATUS) or "draft"
    return fields, str(status), bool(state.get(BIN))  # type: ignore[return-value]


def digest(values: Mapping[str, object]) -> str:
    """The sha256 of a state's values (empty ones aside), as version-2 case files carry it: a state
    without case-level keys has the digest of its fields (casefile.values_digest)."""
    return values_digest(normal(values))  # type: ignore[arg-type]


def text_and_digest(values: Mapping[str, object]) -> tuple[str, str]:
    """A state's values (empty ones aside) as canonical JSON, and `digest` of them: the hall notes
    both for every case it moves, and the digest is the hash of that very text (one dump, not two)."""
    text = canonical_text(normal(values))  # type: ignore[arg-type]
    return text, hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Merged:
    """The result of a three-way merge: the state the server keeps and the keys in conflict.

    For a conflicted key `values` holds theirs (the server keeps its value); mine is the caller's.
    """

    values: State
    conflicts: tuple[str, ...]


def merge3(base: Mapping[str, object], mine: Mapping[str, object], theirs: Mapping[str, object]) -> Merged:
    """Merge `mine` into `theirs` field by field against their common `base`.

    Changed on one side only: that side. Changed on both sides to the same value: that value.
    Changed on both sides to different values: a conflict; `theirs` stays until someone picks.
    """
    b, m, t = normal(base), normal(mine), normal(theirs)
    values: State = {}
    conflicts: list[str] = []
    for key in sorted(set(b) | set(m) | set(t)):
        old, left, right = b.get(key), m.get(key), t.get(key)
        if left == right or left == old:
            chosen = right
        elif right == old:
            chosen = left
        else:
            conflicts.append(key)
            chosen = right
        if not is_empty(chosen):
            values[key] = chosen  # type: ignore[assignment]
    return Merged(values, tuple(conflicts))


def changed_keys(a: Mapping[str, object], b: Mapping[str, object]) -> set[str]:
    """The keys whose values differ between two states (empty counting as missing)."""
    na, nb = normal(a), normal(b)
    return {k for k in set(na) | set(nb) if na.get(k) != nb.get(k)}
