"""The settings kept in the drafts file: JSON values by key, defaults from models.DEFAULT_SETTINGS.

A value is checked here before it is stored, so a bad retention or desk code is a Chinese
message for the settings dialog, never a stored value that breaks numbering or purging later.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from desktop.store import numbers
from desktop.store.models import DEFAULT_SETTINGS, StoreError


def value(db: Database, key: str) -> Any:
    """A setting's value, or its default (None when there is none)."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else DEFAULT_SETTINGS.get(key)


def values(db: Database) -> dict[str, Any]:
    """Every setting: the stored ones over the defaults."""
    found = dict(DEFAULT_SETTINGS)
    found.update({k: json.loads(v) for k, v in db.execute("SELECT key, value FROM settings")})
    return found


def check(key: str, value: Any) -> None:
    """Raise StoreError (its message for the agent) when `value` cannot be stored under `key`."""
    if key == "retention_days" and (
        not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3650
    ):
        raise StoreError("保留天数应为 1 到 3650 之间的整数")
    if key == numbers.DESK_CODE_KEY and value not in ("", None):
        problem = numbers.desk_code_problem(value)
        if problem:
            raise StoreError(problem)


def put(db: Database, key: str, value: Any) -> None:
    """Store `value` (call inside a write transaction, after `check`)."""
    db["settings"].upsert({"key": key, "value": json.dumps(value, ensure_ascii=False)}, pk="key")
