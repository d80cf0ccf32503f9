"""The audit log: what happened to which case and when; keys and event names only, never values.

Called inside the store's write transactions, so an event commits (or not) with the change it
records.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from desktop.store.models import AuditEvent
from desktop.store.rows import iso


def event_row(
    now: datetime, case_id: str | None, event: str, *, key: str | None = None, detail: str | None = None
) -> dict[str, Any]:
    return {"at": iso(now), "case_id": case_id, "event": event, "key": key, "detail": detail}


def log(
    db: Database,
    now: datetime,
    case_id: str,
    event: str,
    *,
    key: str | None = None,
    detail: str | None = None,
) -> None:
    db["audit"].insert(event_row(now, case_id, event, key=key, detail=detail))


def log_all(db: Database, now: datetime, case_ids: Iterable[str], event: str) -> None:
    """One `event` line for each of `case_ids` (bulk creation, purging)."""
    db["audit"].insert_all((event_row(now, c, event) for c in case_ids), batch_size=500)


def log_edit(db: Database, now: datetime, case_id: str, key: str) -> None:
    """Consecutive edits of one field (every keystroke) make one audit line, kept current."""
    last = db.execute("SELECT seq, case_id, event, key FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    if last is not None and last[1:] == (case_id, "edited", key):
        db.execute("UPDATE audit SET at = ? WHERE seq = ?", [iso(now), last[0]])
    else:
        log(db, now, case_id, "edited", key=key)


def events(db: Database, case_id: str | None, limit: int) -> list[AuditEvent]:
    """Audit events, oldest first (of one case when `case_id` is given)."""
    where, args = ("WHERE case_id = ?", [case_id]) if case_id else ("", [])
    rows = db.execute(
        f"SELECT at, case_id, event, key, detail FROM audit {where} ORDER BY seq LIMIT ?", [*args, limit]
    ).fetchall()
    return [AuditEvent(*r) for r in rows]
