"""What a drafts file remembers about the hall server, and every read and write a sync makes on it.

Per case: the server revision and values it last agreed with (the base of the next merge), open
conflicts, pulled rows kept aside (quarantine); for the file: how far it has pulled and pushed.
The sync engine (desktop.hall.engine) reaches the drafts file only through `HallBook`, whose calls
take whole batches (a first sync moves ten thousand cases: one statement per table and batch,
never one round of reads and writes per case).

The tables are created by the migration steps of `migrations()` (`hall_tables`, `sync_indexes`,
`quarantine_table`, desktop.store.papers.tables), applied by `ensure_schema` as a migration set of their own ("desk400-hall",
named as when they lived in desktop/hall/local.py: files that have them never run them again).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlite_utils import Database, Migrations

from desktop.domain.merge import State, split_state
from desktop.store import audit, handover, numbers, papers, prints, rows
from desktop.store.models import Case
from desktop.store.text import check_values, dump

if TYPE_CHECKING:
    from desktop.store.store import Store

MIGRATION_SET = "desk400-hall"
STEP_NAME = "0005_hall"
INDEX_STEP_NAME = "0006_hall_sync_indexes"
QUARANTINE_STEP_NAME = "0013_quarantine"
PAPERS_STEP_NAME = "0023_hall_papers"


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


def sync_indexes(db: Database) -> None:
    """Covering indexes for the two questions every round asks (what changed here, what was purged
    here): they read ~0.5 MB of index instead of every case's row, ~40 ms → ~3 ms at 10 000 cases."""
    db.execute("CREATE INDEX hall_sync ON cases(id, revision, deleted)")
    db.execute("CREATE INDEX hall_cases_sync ON hall_cases(case_id, local_revision, local_deleted, revision)")


def quarantine_table(db: Database) -> None:
    """Pulled rows that failed the case-file rules, kept aside (never applied) with the reason."""
    db["hall_quarantine"].create(
        {"case_id": str, "revision": int, "number": str, "reason": str, "row": str, "at": str},
        pk="case_id",
        not_null={"revision", "reason", "row", "at"},
    )


def migrations() -> Migrations:
    steps = Migrations(MIGRATION_SET)
    steps(name=STEP_NAME)(hall_tables)
    steps(name=INDEX_STEP_NAME)(sync_indexes)
    steps(name=QUARANTINE_STEP_NAME)(quarantine_table)
    steps(name=PAPERS_STEP_NAME)(papers.tables)  # the images and scans shared through the hall
    return steps


def ensure_schema(db: Database) -> None:
    """Apply the steps this file has not had yet (one small read when it has them all)."""
    steps = migrations()
    if steps.pending(db):
        steps.apply(db)


# What every round asks first. Both read through covering indexes (sync_indexes), never a case's
# row; `changed_here` sorts in Python, since ORDER BY seq makes SQLite walk the table instead.
CHANGED_HERE = (
    "SELECT c.seq, c.id FROM cases c LEFT JOIN hall_cases h INDEXED BY hall_cases_sync"
    " ON h.case_id = c.id WHERE h.case_id IS NULL OR h.local_revision != c.revision"
    " OR h.local_deleted != (c.deleted IS NOT NULL)"
)
PURGED_HERE = (
    "SELECT h.case_id, h.revision FROM hall_cases h INDEXED BY hall_cases_sync"
    " WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = h.case_id)"
)
AUDIT_UNSENT = (
    "SELECT seq, at, case_id, event, key, detail FROM audit a WHERE seq > ? AND NOT EXISTS"
    " (SELECT 1 FROM hall_audit_skip s WHERE a.seq BETWEEN s.lo AND s.hi) ORDER BY seq LIMIT ?"
)
NOTE_BASE = (
    "INSERT INTO hall_cases (case_id, revision, base, digest, number, local_revision, local_deleted)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(case_id) DO UPDATE SET revision = excluded.revision,"
    " base = excluded.base, digest = excluded.digest, number = coalesce(excluded.number, number),"
    " local_revision = excluded.local_revision, local_deleted = excluded.local_deleted"
)
NEW_CASE_COLUMNS = (
    "id, bundle, edition, status, created, updated, updated_ts, revision, fields, title, search,"
    " search_chars, deleted, deleted_ts, number, handover"
)


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
    """A value the hall's sync keeps for the whole file (how far it pulled and pushed, the server)."""
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
    import finds it by its digest (desktop.exchange.transfer)."""
    if not db["hall_cases"].exists():
        return None
    row = db.execute(
        "SELECT revision, base, local_revision FROM hall_cases WHERE case_id = ?", [case_id]
    ).fetchone()
    if row is None:
        return None
    fields, _, _ = split_state(json.loads(row[1]))
    return row[0], fields, row[2]


class Base(NamedTuple):
    """What this file last agreed with the server for a case, and the drafts revision and bin
    flag it matched then (unchanged since means nothing was typed since)."""

    revision: int
    state: State
    number: str | None
    local_revision: int
    local_deleted: int


class Quarantined(NamedTuple):
    case_id: str
    revision: int
    number: str | None
    reason: str

    @property
    def label(self) -> str:
        return self.number or self.case_id[:8]


class Pulled(NamedTuple):
    """A case the server holds and this file does not, as a first pull creates it: a draft with
    the server's values, number and edit time."""

    case_id: str
    bundle: str
    updated: str
    fields: dict[str, Any]
    number: str | None


# (case id, server revision, base state JSON, its digest, number, drafts revision, in the bin)
NotedBase = tuple[str, int, str, str, str | None, int, int]
# (case id, revision, number, reason, raw row, when): a pulled row kept aside
Refused = tuple[str, int, str | None, str, str, str]
# (case id, key, mine JSON, theirs JSON, who, when)
OpenConflict = tuple[str, str, str, str, str | None, str | None]


class HallBook:
    """The hall's bookkeeping of one Store's drafts file (the Store's connection and thread)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db: Database = store.db
        ensure_schema(self.db)

    # -- transactions and the file's own state ---------------------------------------------

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction taking the lock up front (as the store does); nests as a savepoint."""
        with write(self.db):
            yield

    def get_state(self, key: str, default: Any = None) -> Any:
        return get_state(self.db, key, default)

    def set_state(self, key: str, value: Any) -> None:
        set_state(self.db, key, value)

    def start_over(self, server_id: str) -> None:
        """This file now syncs with the server `server_id`: every base is forgotten (each case
        merges as new) and the pull starts from the beginning."""
        with self.write():
            if self.get_state("server_id") is not None:
                self.db.execute("DELETE FROM hall_cases")
            self.set_state("server_id", server_id)
            self.set_state("pulled", 0)

    # -- what changed here -----------------------------------------------------------------

    def changed_here(self) -> list[str]:
        """Cases whose drafts revision or bin state moved since they last matched the server,
        oldest first."""
        return [case_id for _, case_id in sorted(self.db.execute(CHANGED_HERE).fetchall())]

    def purged_here(self) -> list[tuple[str, int]]:
        """(case id, server revision) of the synced cases this file no longer holds (purged here)."""
        return [(r[0], r[1]) for r in self.db.execute(PURGED_HERE).fetchall()]

    def forget_purged_here(self) -> None:
        """Cases purged here by this machine's retention: only the local copy goes, the server
        keeps the case (issue 21: no desk's clock decides for the hall). The store drops the
        bookkeeping with the case; an older file's leftovers are dropped here."""
        items = self.purged_here()
        if items:
            with self.write():
                for case_id, _ in items:
                    self.drop_bookkeeping(case_id)

    def revisions(self, ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(drafts revision, in the bin) of each of these cases this file holds, by id."""
        found: dict[str, tuple[int, int]] = {}
        for chunk in chunks(ids):
            marks = ", ".join("?" * len(chunk))
            for case_id, revision, deleted in self.db.execute(
                f"SELECT id, revision, deleted IS NOT NULL FROM cases WHERE id IN ({marks})", chunk
            ):
                found[case_id] = (revision, deleted)
        return found

    def cases(self, ids: Sequence[str]) -> dict[str, Case]:
        """These cases as `Store.get` gives each (those this file holds), by id: one query per
        500 for the rows and one for their latest prints, where a push of thousands read one
        case at a time. DamagedCase for a row that cannot be read, as `Store.get`."""
        found = rows.find_many(self.db, ids)
        printed = prints.latest_digests(self.db, list(found))
        return {case_id: rows.case_of(row, printed.get(case_id)) for case_id, row in found.items()}

    # -- bases -------------------------------------------------------------------------------

    def bases(self, ids: Sequence[str], *, values: bool = True) -> dict[str, Base]:
        """The base of each of these cases this file has agreed with the server, by id. Without
        `values` the state is left unread (None): a pull asks for thousands only to compare
        revisions."""
        found: dict[str, Base] = {}
        column = "base" if values else "NULL"
        for chunk in chunks(ids):
            marks = ", ".join("?" * len(chunk))
            for case_id, revision, base, number, local_revision, local_deleted in self.db.execute(
                f"SELECT case_id, revision, {column}, number, local_revision, local_deleted"
                f" FROM hall_cases WHERE case_id IN ({marks})",
                chunk,
            ):
                state = json.loads(base) if base is not None else None
                found[case_id] = Base(revision, state, number, local_revision, local_deleted)  # type: ignore[arg-type]
        return found

    def note_bases(self, items: Iterable[NotedBase]) -> None:
        """Note each case's base as agreed with the server, in one statement; a case the server
        gave no number keeps the one noted before."""
        self.db.conn.executemany(NOTE_BASE, items)

    def mark_pending(self, case_id: str) -> None:
        """The case counts as changed here (drafts revision -1 never matches): the next round
        pushes what it holds now."""
        self.db.execute("UPDATE hall_cases SET local_revision = -1 WHERE case_id = ?", [case_id])

    def drop_bookkeeping(self, case_id: str) -> None:
        """Forget the case's sync base, conflicts and quarantined row (it is gone here)."""
        self.db.execute("DELETE FROM hall_cases WHERE case_id = ?", [case_id])
        self.db.execute("DELETE FROM hall_conflicts WHERE case_id = ?", [case_id])
        self.db.execute("DELETE FROM hall_quarantine WHERE case_id = ?", [case_id])

    # -- conflicts ---------------------------------------------------------------------------

    def open_keys(self, ids: Sequence[str]) -> dict[str, list[str]]:
        """The keys in open conflict of each of these cases, by id."""
        found: dict[str, list[str]] = {}
        for chunk in chunks(ids):
            marks = ", ".join("?" * len(chunk))
            for case_id, key in self.db.execute(
                f"SELECT case_id, key FROM hall_conflicts WHERE case_id IN ({marks})", chunk
            ):
                found.setdefault(case_id, []).append(key)
        return found

    def open_conflicts(self, case_id: str) -> dict[str, tuple[Any, Any, str, str]]:
        """The case's open conflicts: key → (mine, theirs, who, at)."""
        found = self.db.execute(
            "SELECT key, mine, theirs, who, at FROM hall_conflicts WHERE case_id = ?", [case_id]
        )
        return {r[0]: (json.loads(r[1]), json.loads(r[2]), r[3], r[4]) for r in found.fetchall()}

    def all_conflicts(self) -> list[tuple[str, str | None, str, str, str, str | None, str | None]]:
        """Every open conflict: (case id, number noted with its base, key, mine JSON, theirs JSON,
        who, when), by case and key."""
        return self.db.execute(
            "SELECT c.case_id, h.number, c.key, c.mine, c.theirs, c.who, c.at FROM hall_conflicts c"
            " LEFT JOIN hall_cases h ON h.case_id = c.case_id ORDER BY c.case_id, c.key"
        ).fetchall()

    def theirs(self, case_id: str, key: str) -> tuple[bool, Any]:
        """(whether the field is in open conflict, the server's value for it)."""
        row = self.db.execute(
            "SELECT theirs FROM hall_conflicts WHERE case_id = ? AND key = ?", [case_id, key]
        ).fetchone()
        return (False, None) if row is None else (True, json.loads(row[0]))

    def close_conflict(self, case_id: str, key: str) -> None:
        """The agent picked a side for the field: its conflict is closed and the case pending."""
        self.db.execute("DELETE FROM hall_conflicts WHERE case_id = ? AND key = ?", [case_id, key])
        self.mark_pending(case_id)

    def set_conflicts(self, case_id: str, items: Sequence[OpenConflict]) -> None:
        """The case's open conflicts become `items` (none: no conflict left)."""
        self.db.execute("DELETE FROM hall_conflicts WHERE case_id = ?", [case_id])
        self.db.conn.executemany("INSERT INTO hall_conflicts VALUES (?, ?, ?, ?, ?, ?)", items)

    def clear_conflicts(self, ids: Sequence[str]) -> None:
        self.db.conn.executemany("DELETE FROM hall_conflicts WHERE case_id = ?", [(i,) for i in ids])

    # -- quarantine ------------------------------------------------------------------------

    def quarantine(self, items: Sequence[Refused]) -> None:
        """Keep (case id, revision, number, reason, raw row, when) aside, one row per case."""
        self.db.conn.executemany("INSERT OR REPLACE INTO hall_quarantine VALUES (?, ?, ?, ?, ?, ?)", items)

    def release(self, ids: Sequence[str]) -> None:
        """A newer, valid version of these cases arrived: their quarantined rows are done with."""
        self.db.conn.executemany("DELETE FROM hall_quarantine WHERE case_id = ?", [(i,) for i in ids])

    def quarantined(self) -> list[Quarantined]:
        found = self.db.execute(
            "SELECT case_id, revision, number, reason FROM hall_quarantine ORDER BY at, case_id"
        )
        return [Quarantined(*r) for r in found.fetchall()]

    # -- audit -------------------------------------------------------------------------------

    def audit_top(self) -> int:
        """The newest audit row's number: what a round has pushed up to."""
        return self.db.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]

    def audit_unsent(self, after: int, limit: int) -> list[tuple[Any, ...]]:
        """(seq, at, case id, event, key, detail) of the audit rows after `after` that this file's
        own edits made (the sync's own are skipped), oldest first, at most `limit`."""
        return self.db.execute(AUDIT_UNSENT, [after, limit]).fetchall()

    def skip_audit(self, lo: int, hi: int) -> None:
        """Audit rows lo..hi were caused by the sync itself: never sent back as edits."""
        self.db.execute("INSERT INTO hall_audit_skip (lo, hi) VALUES (?, ?)", [lo, hi])

    def audit_sent(self, top: int) -> None:
        """The audit is on the server up to row `top`."""
        self.set_state("audit_pushed", top)
        self.db.execute("DELETE FROM hall_audit_skip WHERE hi <= ?", [top])

    # -- cases the hall brings or ends -------------------------------------------------------

    def create_pulled(self, cases: Sequence[Pulled], now: datetime) -> None:
        """Create cases the server holds and this file does not, as drafts, in one statement per
        table: the rows an import of their case files would write (values checked by the store's
        own rules, the number the server gave, the server's edit time, one "imported" audit line
        each), with no handover recorded (the hall keeps its own base)."""
        store = self.store
        spec, edition, created = store.spec, store.edition, rows.iso(now)
        # A case the server holds without a number gets this desk's next one, as an import does.
        next_number = numbers.Batch(self.db.conn, numbers.desk_code(store.setting(numbers.DESK_CODE_KEY)))
        new_rows, events = [], []
        for case in cases:
            check_values(case.fields)
            moment = datetime.fromisoformat(case.updated)
            number = case.number or next_number(now)
            shown = rows.derived(spec, case.fields, number)
            new_rows.append(
                (
                    case.case_id, case.bundle, edition, "draft", created, case.updated,
                    moment.timestamp(), 1, dump(case.fields), shown["title"], shown["search"],
                    shown["search_chars"], None, None, number, handover.digest(case.fields),
                )
            )  # fmt: skip
            events.append((created, case.case_id, "imported", None, "created"))
        self.db.conn.executemany(
            f"INSERT INTO cases ({NEW_CASE_COLUMNS}) VALUES ({', '.join('?' * 16)})", new_rows
        )
        self.db.conn.executemany(
            "INSERT INTO audit (at, case_id, event, key, detail) VALUES (?, ?, ?, ?, ?)", events
        )

    def remove_retired(self, case_id: str, now: datetime) -> None:
        """Remove a case the hall's retention ended (its tombstone was pulled), with an audit line."""
        self.db.execute("DELETE FROM cases WHERE id = ?", [case_id])
        audit.log(self.db, now, case_id, "purged", detail="hall")


def chunks(ids: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """IN-list sized pieces (SQLite's bound-parameter limit)."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


__all__ = ["Base", "HallBook", "Pulled", "Quarantined", "ensure_schema", "synced_base"]
