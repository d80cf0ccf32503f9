"""What one sync round does on the server: push edits (merging against history), pull changes,
ask the server to apply the hall's retention, append the audit.

Every write goes through the server's own functions (desktop.hall.schema), which take one
transaction-scoped lock on a table no desk can read, so the change sequence numbers become
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from desktop.domain.merge import State, merge3, normal
from desktop.hall.schema import SCHEMA, VERSION, VERSION_QUERY, verify_version

PULL_BATCH = 5000
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
    token: str | None = None  # the client token: a replay of it gets the first answer again


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
    # As pulled, before desktop.hall.checked parses them: the state's JSON text without @bin,
    # and the @bin value's JSON (state is None until then).
    raw: str | None = None
    raw_bin: str | None = None


@dataclass(frozen=True)
class Pushed:
    """The server's answer to one Push: its case now, and the keys where both sides differ."""

    case: ServerCase
    conflicts: tuple[str, ...]
    accepted: bool
    who: str = ""  # who made the server's side of a conflict, and when
    when: str = ""
    sent: State | None = None  # for a replay: what the first push sent
    replayed: bool = False


def push(
    conn: psycopg.Connection, items: Sequence[Push], trusted: Callable[[ServerCase], bool] | None = None
) -> list[Pushed]:
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
        missed = _write(conn, _merged(conn, missed, results, trusted), results)
    return [results[p.case_id] for p in items if p.case_id in results]


def _merged(
    conn: psycopg.Connection,
    items: Sequence[Push],
    results: dict[str, Pushed],
    trusted: Callable[[ServerCase], bool] | None = None,
) -> list[_Row]:
    """Read the server's cases for these pushes and merge; what needs no write is answered here.
    A server case `trusted` refuses (values no push of a checking desk would carry) is not
    merged with: that push waits, pending, and the pull quarantines the case."""
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
        if (
            not isinstance(server.state, dict)
            or not isinstance(bases.get(p.case_id, {}), dict)
            or (trusted is not None and not trusted(server))
        ):
            # A row no push function wrote (a version-1 desk's, or the owner's): nothing to merge
            # with. The push waits, pending, until a valid version arrives; nothing is lost here.
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


# One statement, its own transaction: the server's push function (schema version 2) takes the
# write lock, writes where the server is still at the expected revision, appends history, keeps
# each token, and answers a token it has seen with its first answer. The schema version is asked
# in the same statement (and is a condition of every write inside the function).
WRITE = (
    f"SELECT m.value, w.* FROM ({VERSION_QUERY}) AS m LEFT JOIN {SCHEMA}.push_cases("
    "%s, %b::uuid[], %b::uuid[], %b::text[], %b::text[], %b::text[], %b::int[], %b::text[],"
    " %b::text[], %b::text[]) AS w ON true"
)


def _write(conn: psycopg.Connection, rows: Sequence[_Row], results: dict[str, Pushed]) -> list[Push]:
    """Write `rows` in one statement; answer those written (or replayed), return the rest."""
    if not rows:
        return []
    found = conn.execute(
        WRITE,
        [
            str(VERSION),
            *_columns(rows, "token", "id", "number", "bundle", "json", "expected", "updated"),
            [_json_list(r.conflicts) for r in rows],
            [r.sent for r in rows],
        ],
    ).fetchall()
    verify_version(found[0][:1] if found else None)
    written = {str(r[1]): r[2:] for r in found if r[1] is not None}
    missed = []
    for r in rows:
        if r.push.case_id not in written:
            missed.append(r.push)
            continue
        revision, number, state, conflicts, sent, replayed = written[r.push.case_id]
        if replayed:  # a lost acknowledgement: the first answer again
            keys = tuple(conflicts or ())
            answer = _answer(r.push, revision, state if state is not None else r.state, number=number)
            results[r.push.case_id] = Pushed(answer, keys, not keys, sent=sent, replayed=True)
            continue
        answer = _answer(r.push, revision, r.state, number=number)
        results[r.push.case_id] = Pushed(answer, r.conflicts, not r.conflicts, r.who, r.when)
    return missed


def retire(conn: psycopg.Connection) -> int:
    """Ask the server to retire what the hall's retention (its own setting and clock) ends; the
    tombstones reach every desk through the pull. One statement."""
    return int(conn.execute(f"SELECT {SCHEMA}.retire()").fetchone()[0])  # type: ignore[index]


# The state as text (parsed by desktop.hall.checked, never by the driver), @bin apart.
RAW = (
    "CASE WHEN jsonb_typeof(c.state) = 'object' THEN c.state - '@bin' ELSE c.state END::text,"
    " CASE WHEN jsonb_typeof(c.state) = 'object' THEN (c.state -> '@bin')::text END"
)


def pull(conn: psycopg.Connection, after: int, known: Mapping[str, int] | None = None) -> list[ServerCase]:
    """The cases changed after change number `after`, in order (at most PULL_BATCH); one
    statement, the schema version asked with it. Each comes with its raw state (see RAW) for the
    caller to check; a case at the revision `known` gives for it (the caller's own push this
    round) comes without: the caller holds it already."""
    known = known or {}
    rows = conn.execute(
        f"SELECT m.value, c.* FROM ({VERSION_QUERY}) AS m LEFT JOIN LATERAL"
        " (SELECT c.id, c.number, c.bundle, c.revision, c.updated, c.updated_by, c.updated_at,"
        f" c.purged, c.change_seq, k.id IS NULL AS wanted, {RAW}"
        f" FROM (SELECT * FROM {SCHEMA}.cases WHERE change_seq > %s ORDER BY change_seq LIMIT %s) AS c"
        " LEFT JOIN unnest(%b::uuid[], %b::int[]) AS k(id, revision)"
        " ON k.id = c.id AND k.revision = c.revision) AS c ON true ORDER BY c.change_seq",
        [after, PULL_BATCH, list(known), list(known.values())],
    ).fetchall()
    verify_version(rows[0][:1] if rows else None)
    return [_raw_case(r[1:]) for r in rows if r[1] is not None]


def fetch(conn: psycopg.Connection, ids: Sequence[str]) -> list[ServerCase]:
    """The server's current version of the cases `ids` (those it holds), raw (see RAW)."""
    if not ids:
        return []
    rows = conn.execute(
        "SELECT c.id, c.number, c.bundle, c.revision, c.updated, c.updated_by, c.updated_at, c.purged,"
        f" c.change_seq, true, {RAW} FROM {SCHEMA}.cases c WHERE c.id = ANY(%b::uuid[])",
        [list(ids)],
    ).fetchall()
    return [_raw_case(r) for r in rows]


def _raw_case(row: Sequence[Any]) -> ServerCase:
    case_id, number, bundle, revision, updated, who, when, purged, change_seq, wanted, raw, raw_bin = row
    return ServerCase(
        case_id=str(case_id),
        number=number,
        bundle=bundle,
        revision=revision,
        state=None,  # type: ignore[arg-type]
        updated=updated,
        who=who,
        when=_when(when),
        purged=purged,
        change_seq=change_seq,
        raw=raw if wanted else None,
        raw_bin=raw_bin if wanted else None,
    )


def append_audit(
    conn: psycopg.Connection, events: Sequence[tuple[str, str | None, str, str | None, str | None]]
) -> None:
    """Append (at, case_id, event, key, detail) audit events; keys and events only, never values.
    One statement (it commits on its own: the connection is in autocommit mode)."""
    if not events:
        return
    conn.execute(
        f"SELECT {SCHEMA}.append_audit(%b::text[], %b::uuid[], %b::text[], %b::text[], %b::text[])",
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

    @property
    def sent(self) -> str | None:
        """What the desk sent, kept with the token when the server writes something else (a
        merge), so a replay can tell what was typed since; None when it writes what was sent."""
        if self.state == self.push.state or self.state == normal(self.push.state):
            return None  # (the first test is the common case, and spares a copy)
        return json.dumps(self.push.state, ensure_ascii=False)


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
        "token": lambda r: r.push.token,
    }
    return [[values[name](r) for r in rows] for name in names]


def _json_list(keys: Sequence[str]) -> str | None:
    return json.dumps(list(keys), ensure_ascii=False) if keys else None


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
