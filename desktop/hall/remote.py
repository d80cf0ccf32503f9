"""What one sync round does on the server: push edits (merging against history), pull changes,
pass purges on, append the audit.

Every write takes one transaction-scoped advisory lock, so the change sequence numbers become
visible in the order they were handed out: a desk that has pulled up to number N has seen every
change numbered N or lower, and pulls only what comes after.

Round trips are what a desk waits for, and a lock held across one is what every other desk
waits for. So a push is one statement when the server is still at each base (the lock taken and
released inside it, the schema version a condition of its writes); only cases the server moved
on from are read, merged here and written by another such statement. A pull or an audit append
is one statement, whatever the number of cases; each read asks the schema version, so a server
migrated to a newer schema while a desk stayed connected is refused before anything is written.
(Pipeline mode was tried: no gain on loopback, more CPU under contention.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from desktop.domain.merge import State, merge3, normal
from desktop.hall.schema import LOCK_KEY, SCHEMA, VERSION, VERSION_QUERY, verify_version

PULL_BATCH = 2000
MERGE_ATTEMPTS = 4


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
    state: State  # None only from `pull`, for a case at the revision its caller said it holds
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
    """Apply pushes: fast-forward at the base, else a three-way merge against the history.

    Optimistic, so that no desk holds the lock while a round trip or a merge runs: one statement
    writes every push whose case the server still holds at its base (the lock is taken inside
    it, for as long as the server takes to write). Only the rest are read (with the history at
    their base), merged here, and written by the same kind of statement, on condition that the
    server is still at the revision that was read; a case that moved again meanwhile is read and
    merged again (MERGE_ATTEMPTS), else left for the next round. A push that changes nothing is
    answered without a new revision. The connection must be in autocommit mode (the engine's is).
    """
    results: dict[str, Pushed] = {}
    rows = [_Row(p, normal(p.state), p.number, expected=p.base_revision) for p in items]
    missed = _write(conn, rows, results)
    for _ in range(MERGE_ATTEMPTS):
        if not missed:
            break
        missed = _write(conn, _merged(conn, missed, results), results)
    return [results[p.case_id] for p in items if p.case_id in results]


def _merged(conn: psycopg.Connection, items: Sequence[Push], results: dict[str, Pushed]) -> list[_Row]:
    """Read the server's cases for these pushes and merge; what needs no write is answered here."""
    found = conn.execute(
        f"SELECT m.value, c.id, c.number, c.bundle, c.revision, c.state, c.updated, c.updated_by,"
        f" c.updated_at, c.purged, h.state FROM ({VERSION_QUERY}) AS m LEFT JOIN"
        " (unnest(%b::uuid[], %b::int[]) AS w(id, base)"
        f" JOIN {SCHEMA}.cases c ON c.id = w.id LEFT JOIN {SCHEMA}.history h"
        " ON h.case_id = w.id AND h.revision = w.base AND c.revision <> w.base) ON true",
        [[p.case_id for p in items], [p.base_revision for p in items]],
    ).fetchall()
    verify_version(found[0][:1] if found else None)
    current = {str(r[1]): r[1:10] for r in found if r[1] is not None}
    bases = {str(r[1]): r[10] for r in found if r[10] is not None}
    rows: list[_Row] = []
    for p in items:
        row = current.get(p.case_id)
        if row is None:
            rows.append(_Row(p, normal(p.state), p.number, expected=0))
            continue
        server = _server_case(row)
        if server.purged:
            results[p.case_id] = Pushed(server, (), False)
            continue
        if server.revision == p.base_revision:
            merged, conflicts = normal(p.state), ()
        else:
            result = merge3(bases.get(p.case_id, {}), p.state, server.state)
            merged, conflicts = result.values, result.conflicts
        if merged == normal(server.state) and p.number in (None, server.number):
            results[p.case_id] = Pushed(server, conflicts, not conflicts, server.who, server.when)
            continue
        rows.append(_Row(p, merged, p.number, server.revision, conflicts, server.who, server.when))
    return rows


# One statement, its own transaction: the lock (so change numbers become visible in order), the
# schema version as a condition of every write, new cases inserted unless present, cases updated
# where still at the expected revision (and changed), their history, and what was written.
WRITE = f"""
    WITH lock AS (SELECT pg_advisory_xact_lock(%s)),
    ok AS (SELECT 1 FROM lock, {SCHEMA}.meta WHERE key = 'schema_version' AND value = %s),
    ins AS (
        INSERT INTO {SCHEMA}.cases (id, number, bundle, state, revision, updated, change_seq)
        SELECT u.id, u.number, u.bundle, u.state::jsonb, 1, u.updated, nextval('{SCHEMA}.changes')
        FROM ok, unnest(%b::uuid[], %b::text[], %b::text[], %b::text[], %b::text[])
            AS u(id, number, bundle, state, updated)
        ON CONFLICT (id) DO NOTHING
        RETURNING id, revision, state, number),
    upd AS (
        UPDATE {SCHEMA}.cases c SET number = coalesce(u.number, c.number), state = u.state::jsonb,
            revision = c.revision + 1, updated = u.updated, change_seq = nextval('{SCHEMA}.changes')
        FROM ok, unnest(%b::uuid[], %b::text[], %b::text[], %b::int[], %b::text[])
            AS u(id, number, state, expected, updated)
        WHERE c.id = u.id AND c.revision = u.expected AND NOT c.purged
            AND (c.state <> u.state::jsonb OR c.number IS DISTINCT FROM coalesce(u.number, c.number))
        RETURNING c.id, c.revision, c.state, c.number),
    hist AS (
        INSERT INTO {SCHEMA}.history (case_id, revision, state)
        SELECT id, revision, state FROM ins UNION ALL SELECT id, revision, state FROM upd)
    SELECT m.value, w.id, w.revision, w.number FROM ({VERSION_QUERY}) AS m
    LEFT JOIN (SELECT id, revision, number FROM ins UNION ALL SELECT id, revision, number FROM upd) AS w
    ON true
"""


def _write(conn: psycopg.Connection, rows: Sequence[_Row], results: dict[str, Pushed]) -> list[Push]:
    """Write `rows` in one statement; answer those written, return the pushes that were not."""
    if not rows:
        return []
    inserts = [r for r in rows if r.expected == 0]
    updates = [r for r in rows if r.expected > 0]
    found = conn.execute(
        WRITE,
        [
            LOCK_KEY,
            str(VERSION),
            *_columns(inserts, "id", "number", "bundle", "json", "updated"),
            *_columns(updates, "id", "number", "json", "expected", "updated"),
        ],
    ).fetchall()
    verify_version(found[0][:1] if found else None)
    written = {str(r[1]): (r[2], r[3]) for r in found if r[1] is not None}
    missed = []
    for r in rows:
        if r.push.case_id not in written:
            missed.append(r.push)
            continue
        revision, number = written[r.push.case_id]
        answer = _answer(r.push, revision, r.state, number=number)
        results[r.push.case_id] = Pushed(answer, r.conflicts, not r.conflicts, r.who, r.when)
    return missed


def purge(conn: psycopg.Connection, items: Sequence[tuple[str, int]]) -> set[str]:
    """Purge cases (id, base revision) a machine purged by retention, unless edited since: their
    values are wiped from the case and its history, the id stays as a tombstone for every machine."""
    if not items:
        return set()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        verify_version(conn.execute(VERSION_QUERY).fetchone())
        wiped = conn.execute(
            f"WITH gone AS (UPDATE {SCHEMA}.cases c SET state = '{{}}', number = NULL, purged = true,"
            f" revision = c.revision + 1, change_seq = nextval('{SCHEMA}.changes')"
            " FROM unnest(%b::uuid[], %b::int[]) AS w(id, revision)"
            " WHERE c.id = w.id AND c.revision = w.revision AND NOT c.purged RETURNING c.id)"
            f" , history AS (UPDATE {SCHEMA}.history h SET state = '{{}}' FROM gone WHERE h.case_id = gone.id)"
            " SELECT id FROM gone",
            [[i for i, _ in items], [r for _, r in items]],
        )
        done = {str(r[0]) for r in wiped.fetchall()}
    return done


def pull(conn: psycopg.Connection, after: int, known: Mapping[str, int] | None = None) -> list[ServerCase]:
    """The cases changed after change number `after`, in order (at most PULL_BATCH); one
    statement, the schema version asked with it. A case at the revision `known` gives for it (the
    caller's own push this round) comes with its state None: the caller holds it already."""
    known = known or {}
    rows = conn.execute(
        f"SELECT m.value, c.* FROM ({VERSION_QUERY}) AS m LEFT JOIN LATERAL"
        " (SELECT c.id, c.number, c.bundle, c.revision, CASE WHEN k.id IS NULL THEN c.state END,"
        " c.updated, c.updated_by, c.updated_at, c.purged, c.change_seq"
        f" FROM (SELECT * FROM {SCHEMA}.cases WHERE change_seq > %s ORDER BY change_seq LIMIT %s) AS c"
        " LEFT JOIN unnest(%b::uuid[], %b::int[]) AS k(id, revision)"
        " ON k.id = c.id AND k.revision = c.revision) AS c ON true ORDER BY c.change_seq",
        [after, PULL_BATCH, list(known), list(known.values())],
    ).fetchall()
    verify_version(rows[0][:1] if rows else None)
    return [_server_case(r[1:10], change_seq=r[10]) for r in rows if r[1] is not None]


def fetch(conn: psycopg.Connection, ids: Sequence[str]) -> list[ServerCase]:
    """The server's current version of the cases `ids` (those it holds)."""
    if not ids:
        return []
    rows = conn.execute(
        f"SELECT id, number, bundle, revision, state, updated, updated_by, updated_at, purged, change_seq"
        f" FROM {SCHEMA}.cases WHERE id = ANY(%b::uuid[])",
        [list(ids)],
    ).fetchall()
    return [_server_case(r[:9], change_seq=r[9]) for r in rows]


def append_audit(
    conn: psycopg.Connection, events: Sequence[tuple[str, str | None, str, str | None, str | None]]
) -> None:
    """Append (at, case_id, event, key, detail) audit events; keys and events only, never values.
    One statement (it commits on its own: the connection is in autocommit mode)."""
    if not events:
        return
    conn.execute(
        f"INSERT INTO {SCHEMA}.audit (at, case_id, event, key, detail)"
        " SELECT * FROM unnest(%b::text[], %b::uuid[], %b::text[], %b::text[], %b::text[])",
        [list(column) for column in zip(*events, strict=True)],
    )


@dataclass(frozen=True)
class _Row:
    """One case to write: the push, the state to write, the number it gives (None: keep the
    server's), the server revision it must still be at (0: a new case), and for a merge the keys
    in conflict and who made the server's side when."""

    push: Push
    state: State
    number: str | None
    expected: int
    conflicts: tuple[str, ...] = ()
    who: str = ""
    when: str = ""

    @property
    def json(self) -> str:
        return json.dumps(self.state, ensure_ascii=False)


def _columns(rows: Sequence[_Row], *names: str) -> list[list[Any]]:
    """The rows as one list per column, for `unnest` (one statement however many rows). Arrays go
    as %b (binary): the text format escapes every quote of every JSON value, ~10x slower."""
    values = {
        "id": lambda r: r.push.case_id,
        "number": lambda r: r.number,
        "bundle": lambda r: r.push.bundle,
        "updated": lambda r: r.push.updated,
        "expected": lambda r: r.expected,
        "json": lambda r: r.json,
    }
    return [[values[name](r) for r in rows] for name in names]


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
