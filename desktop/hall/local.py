"""What a drafts file remembers about the hall server: per case the server revision and values it
last agreed with (the base of the next merge), open conflicts, how far it has pulled and pushed.

The tables are created by one migration step, `hall_tables`, meant to be registered in the drafts
store's own migration list (`steps(name="0005_hall")(hall_tables)`). Until it is, `ensure_schema`
applies it as a migration set of its own; either way the step runs once per file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlite_utils import Database, Migrations

from desktop.hall.merge import split_state

MIGRATION_SET = "desk400-hall"
STEP_NAME = "0005_hall"


def hall_tables(db: Database) -> None:
    """The hall bookkeeping tables (never edit once released; add a step instead)."""
    db["hall_cases"].create(
        {
            "case_id": str,
            "revision": int,  # the server revision of `base`
            "base": str,  # the state (JSON) both sides agreed at that revision
            "digest": str,  # sha256 of the base values, as version-2 case files carry it
            "number": str,
            "local_revision": int,  # the drafts revision when this machine last matched the base
            "local_deleted": int,
        },
        pk="case_id",
        not_null={"revision", "base", "digest", "local_revision", "local_deleted"},
    )
    db["hall_conflicts"].create(
        {"case_id": str, "key": str, "mine": str, "theirs": str, "who": str, "at": str},
        pk=("case_id", "key"),
        not_null={"mine", "theirs"},
    )
    db["hall_state"].create({"key": str, "value": str}, pk="key", not_null={"value"})
    # Audit rows the sync itself caused (applying the server's changes): never sent back as edits.
    db["hall_audit_skip"].create({"lo": int, "hi": int}, not_null={"lo", "hi"})


def migrations() -> Migrations:
    steps = Migrations(MIGRATION_SET)
    steps(name=STEP_NAME)(hall_tables)
    return steps


def ensure_schema(db: Database) -> None:
    """Create the tables unless the store's own migrations already did."""
    if not db["hall_cases"].exists():
        migrations().apply(db)


@contextmanager
def write(db: Database) -> Iterator[None]:
    """One write transaction taking the lock up front (as the store does); nests as a savepoint."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_state(db: Database, key: str, default: Any = None) -> Any:
    row = db.execute("SELECT value FROM hall_state WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def set_state(db: Database, key: str, value: Any) -> None:
    db.execute(
        "INSERT INTO hall_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, json.dumps(value)],
    )


def synced_base(db: Database, case_id: str) -> tuple[int, dict[str, Any], int] | None:
    """The base this file last agreed with the server for a case: (server revision, its field
    values, the drafts revision it matched then); None when the case was never synced here.

    A version-2 case file written here carries it when it is newer than the last handover, and an
    import finds it by its digest (desktop.transfer)."""
    if not db["hall_cases"].exists():
        return None
    row = db.execute(
        "SELECT revision, base, local_revision FROM hall_cases WHERE case_id = ?", [case_id]
    ).fetchone()
    if row is None:
        return None
    fields, _, _ = split_state(json.loads(row[1]))
    return row[0], fields, row[2]
