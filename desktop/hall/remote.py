"""What one sync round does on the server: push edits (merging against history), pull changes,
pass purges on, append the audit.

Every write takes one transaction-scoped advisory lock, so the change sequence numbers become
visible in the order they were handed out: a desk that has pulled up to number N has seen every
change numbered N or lower, and pulls only what comes after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from desktop.hall.merge import State, merge3, normal
from desktop.hall.schema import LOCK_KEY, SCHEMA

PULL_BATCH = 2000


@dataclass(frozen=True)
class Push:
    """One case's edits: its state now and the server revision they started from (0: never synced)."""

    case_id: str
    number: str | None
    bundle: str
    base_revision: int
    state: State
    updated: str


@dataclass(frozen=True)
class ServerCase:
    """A case as the server holds it (after a push, or pulled)."""

    case_id: str
    number: str | None
    bundle: str
    revision: int
    state: State
    updated: str
    who: str
    when: str
    purged: bool
    change_seq: int = 0


@dataclass(frozen=True)
class Pushed:
    """The server's answer to one Push: its case now, and the keys where both sides differ."""

    case: ServerCase
    conflicts: tuple[str, ...]
    accepted: bool
    who: str = ""  # who made the server's side of a conflict, and when
    when: str = ""


def push(conn: psycopg.Connection, items: Sequence[Push]) -> list[Pushed]:
    """Apply pushes in one transaction: fast-forward at the base, else a three-way merge."""
    if not items:
        return []
    results: list[Pushed] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        ids = [p.case_id for p in items]
        current = {
            str(r[0]): r
            for r in conn.execute(
                f"SELECT id, number, bundle, revision, state, updated, updated_by, updated_at, purged"
                f" FROM {SCHEMA}.cases WHERE id = ANY(%s::uuid[])",
                [ids],
            ).fetchall()
        }
        wanted = [(p.case_id, p.base_revision) for p in items if _moved(current.get(p.case_id), p)]
        bases = _history(conn, wanted)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for p in items:
            row = current.get(p.case_id)
            if row is None:
                inserts.append(_row(p, 1, normal(p.state)))
                results.append(Pushed(_answer(p, 1, normal(p.state)), (), True))
                continue
            server = _server_case(row)
            if server.purged:
                results.append(Pushed(server, (), False))
                continue
            if server.revision == p.base_revision:
                merged, conflicts = normal(p.state), ()
            else:
                result = merge3(bases.get((p.case_id, p.base_revision), {}), p.state, server.state)
                merged, conflicts = result.values, result.conflicts
            if merged == normal(server.state) and p.number in (None, server.number):
                results.append(Pushed(server, conflicts, not conflicts, server.who, server.when))
                continue
            revision = server.revision + 1
            updates.append(_row(p, revision, merged, number=p.number or server.number))
            answer = _answer(p, revision, merged, number=p.number or server.number)
            results.append(Pushed(answer, conflicts, not conflicts, server.who, server.when))
        with conn.cursor() as cur:
            if inserts:
                cur.executemany(
                    f"INSERT INTO {SCHEMA}.cases (id, number, bundle, state, revision, updated, change_seq)"
                    f" VALUES (%(id)s, %(number)s, %(bundle)s, %(state)s, %(revision)s, %(updated)s,"
                    f" nextval('{SCHEMA}.changes'))",
                    inserts,
                )
            if updates:
                cur.executemany(
                    f"UPDATE {SCHEMA}.cases SET number = %(number)s, state = %(state)s, revision = %(revision)s,"
                    f" updated = %(updated)s, change_seq = nextval('{SCHEMA}.changes') WHERE id = %(id)s",
                    updates,
                )
            if inserts or updates:
                cur.executemany(
                    f"INSERT INTO {SCHEMA}.history (case_id, revision, state) VALUES (%(id)s, %(revision)s, %(state)s)",
                    [*inserts, *updates],
                )
    return results


def purge(conn: psycopg.Connection, items: Sequence[tuple[str, int]]) -> set[str]:
    """Purge cases (id, base revision) a machine purged by retention, unless edited since: their
    values are wiped from the case and its history, the id stays as a tombstone for every machine."""
    if not items:
        return set()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        done: set[str] = set()
        for case_id, revision in items:
            row = conn.execute(
                f"UPDATE {SCHEMA}.cases SET state = '{{}}', number = NULL, purged = true,"
                f" revision = revision + 1, change_seq = nextval('{SCHEMA}.changes')"
                " WHERE id = %s AND revision = %s AND NOT purged RETURNING id",
                [case_id, revision],
            ).fetchone()
            if row is None:
                continue
            conn.execute(f"UPDATE {SCHEMA}.history SET state = '{{}}' WHERE case_id = %s", [case_id])
            done.add(case_id)
    return done


def pull(conn: psycopg.Connection, after: int) -> list[ServerCase]:
    """The cases changed after change number `after`, in order (at most PULL_BATCH)."""
    with conn.transaction():
        rows = conn.execute(
            f"SELECT id, number, bundle, revision, state, updated, updated_by, updated_at, purged, change_seq"
            f" FROM {SCHEMA}.cases WHERE change_seq > %s ORDER BY change_seq LIMIT %s",
            [after, PULL_BATCH],
        ).fetchall()
    return [_server_case(r[:9], change_seq=r[9]) for r in rows]


def fetch(conn: psycopg.Connection, ids: Sequence[str]) -> list[ServerCase]:
    """The server's current version of the cases `ids` (those it holds)."""
    if not ids:
        return []
    with conn.transaction():
        rows = conn.execute(
            f"SELECT id, number, bundle, revision, state, updated, updated_by, updated_at, purged, change_seq"
            f" FROM {SCHEMA}.cases WHERE id = ANY(%s::uuid[])",
            [list(ids)],
        ).fetchall()
    return [_server_case(r[:9], change_seq=r[9]) for r in rows]


def append_audit(
    conn: psycopg.Connection, events: Sequence[tuple[str, str | None, str, str | None, str | None]]
) -> None:
    """Append (at, case_id, event, key, detail) audit events; keys and events only, never values."""
    if not events:
        return
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {SCHEMA}.audit (at, case_id, event, key, detail) VALUES (%s, %s, %s, %s, %s)",
            list(events),
        )


def _moved(row: Any, p: Push) -> bool:
    return row is not None and row[3] != p.base_revision


def _history(conn: psycopg.Connection, wanted: list[tuple[str, int]]) -> dict[tuple[str, int], State]:
    if not wanted:
        return {}
    rows = conn.execute(
        f"SELECT h.case_id, h.revision, h.state FROM {SCHEMA}.history h"
        " JOIN unnest(%s::uuid[], %s::int[]) AS w(case_id, revision) USING (case_id, revision)",
        [[w[0] for w in wanted], [w[1] for w in wanted]],
    ).fetchall()
    return {(str(r[0]), r[1]): r[2] for r in rows}


def _row(p: Push, revision: int, state: State, number: str | None = None) -> dict[str, Any]:
    return {
        "id": p.case_id,
        "number": number if number is not None else p.number,
        "bundle": p.bundle,
        "state": Jsonb(state),
        "revision": revision,
        "updated": p.updated,
    }


def _answer(p: Push, revision: int, state: State, number: str | None = None) -> ServerCase:
    return ServerCase(
        p.case_id, number or p.number, p.bundle, revision, state, p.updated, "", "", purged=False
    )


def _server_case(row: Sequence[Any], change_seq: int = 0) -> ServerCase:
    return ServerCase(
        case_id=str(row[0]),
        number=row[1],
        bundle=row[2],
        revision=row[3],
        state=row[4],
        updated=row[5],
        who=row[6],
        when=_when(row[7]),
        purged=row[8],
        change_seq=change_seq,
    )


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone().isoformat(timespec="seconds")
