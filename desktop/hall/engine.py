"""The sync engine: one round exchanges a drafts file's cases with the hall server.

A round asks the server to apply the hall's retention (now and then), pushes every case changed
here since it last matched the server (with the server revision it started from and a client
token), pulls every case changed on the server since the last round, and appends the new audit
events. Nothing local changes until the server has committed, so a connection lost at any point
leaves both sides consistent, and the next round repeats the work: a push the server took but
never acknowledged is recognised when it comes again (by its token, or as this desk's push from
the same base revision), and the server answers as it did the first time (never a conflict with
this desk's own value). A purge here is this machine's business
only: the server keeps the case until the hall's retention ends it. Every pulled row passes the
case-file rules (desktop.hall.checked) or is quarantined, and the pull goes on.

Qt-free: the window runs `sync_once` off the GUI thread with its own Store (one per thread).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from desktop.domain.forms import default_bundle
from desktop.domain.merge import BIN, STATUS, State, normal, split_state, state_of, text_and_digest
from desktop.domain.session import settled_status
from desktop.hall import remote, schema
from desktop.hall.checked import RowRefused, checked, sort_pulled
from desktop.hall.connection import AuthFailed, Connector, HallError, Offline, SchemaMismatch, ServerBusy
from desktop.hall.papers import PaperSync
from desktop.store import Case, CaseNotFound, Store
from desktop.store.hallbook import Base, HallBook, NotedBase, Pulled, Quarantined, Refused

PUSH_BATCH = 2500
AUDIT_BATCH = 5000
IDLE = TransactionStatus.IDLE
PICKS = ("mine", "theirs")
RETIRE_EVERY_S = 3600.0  # how often a desk asks the server to apply the hall's retention


@dataclass(frozen=True)
class ConflictItem:
    """One field both sides changed differently: this machine's value, the server's, and who
    made the server's (its desk role) and when."""

    case_id: str
    number: str | None
    key: str
    mine: Any
    theirs: Any
    who: str
    when: str

    @property
    def label(self) -> str:
        """The case as a person names it: its number, else the first 8 characters of its id."""
        return self.number or self.case_id[:8]


@dataclass(frozen=True)
class SyncReport:
    pushed: int
    pulled: int
    purged: int
    conflicts: tuple[ConflictItem, ...]

    @property
    def in_step(self) -> bool:
        return not self.conflicts


@dataclass(frozen=True)
class Sent:
    """One case's push: the local state when it was read, what went out (conflicted fields keep
    the server's value), and the drafts revision and bin flag it was read at."""

    mine: State
    outgoing: State
    revision: int
    binned: bool

    @property
    def seen(self) -> tuple[int, int]:
        return self.revision, int(self.binned)


Seen = tuple[int, int] | None  # a case's (drafts revision, in the bin) here; None: not here


class SyncEngine:
    """Synchronises one Store with the hall server reached through `connect`."""

    def __init__(self, store: Store, connect: Connector, shapes: Mapping[str, str] | None = None) -> None:
        """`shapes` (desktop.files.casefile.shapes_for the bundle's fields) lets the pulled-row
        check refuse unknown fields and wrong value types, as `import` does."""
        self.store = store
        self.bundle = default_bundle()  # judges what a pull may record as complete (the desk's one bundle)
        self.book = HallBook(store)  # the drafts file's side of the hall: bases, conflicts, quarantine
        self.connect = connect
        self.shapes = shapes
        self._conn: psycopg.Connection | None = None  # kept between rounds while it works
        self._retired_at: float | None = None
        self._forgotten = 0  # cases this round removed here because the server retired them
        self._pulled_to: int | None = None  # how far this round pulled, not yet written
        self.papers = PaperSync(store)  # the print log, images and scans, after the cases

    # -- public --------------------------------------------------------------------------
    def sync_once(self) -> SyncReport:
        """One round. Raises Offline, AuthFailed, UnsafeConnection or SchemaMismatch (HallError).

        The connection is kept for the next round (a new one costs a login, with TLS several
        round trips); a round that fails on a kept connection (the server restarted, the link was
        dropped) is run once more on a new one. A round can always be repeated: nothing local
        changes until the server has committed."""
        kept = self._conn is not None
        try:
            return self._round()
        except Offline:
            if not kept:
                raise
        return self._round()

    def close(self) -> None:
        """Close the kept connection (the next round opens a new one)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def __enter__(self) -> SyncEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _round(self) -> SyncReport:
        conn = self._connection()
        try:
            self.book.forget_purged_here()
            self._retire(conn)
            self._forgotten = 0
            self._pulled_to = None
            known: dict[str, int] = {}
            pushed = self._push(conn, known)
            pulled = self._pull(conn, known)
            self._push_audit(conn)
            self.papers.round(conn, forgot=self._forgotten > 0)
        except psycopg.Error as exc:
            self.close()
            raise _readable(exc) from None
        except BaseException:
            self.close()
            raise
        return SyncReport(pushed, pulled, self._forgotten, tuple(self.conflicts()))

    def _connection(self) -> psycopg.Connection:
        """The kept connection when it is idle and open, else a new one: checked (schema version,
        server id) once, in autocommit mode (each remote call makes its own transactions)."""
        conn = self._conn
        if conn is not None and not conn.closed and conn.info.transaction_status == IDLE:
            return conn
        self.close()
        conn = self.connect()
        try:
            conn.autocommit = True
            server_id = schema.check(conn)
            self._adopt(server_id)
        except psycopg.Error as exc:
            conn.close()
            raise _readable(exc) from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def conflicts(self) -> list[ConflictItem]:
        """Every open conflict, by case and key; mine is the value on this machine now."""
        rows = self.book.all_conflicts()
        held: dict[str, tuple[State | None, str | None]] = {}  # each case read once
        items = []
        for case_id, number, key, mine, theirs, who, at in rows:
            if case_id not in held:
                case = self._get(case_id)
                held[case_id] = (
                    (None, number)
                    if case is None
                    else (state_of(case.fields, case.status, case.deleted), case.number or number)
                )
            state, shown = held[case_id]
            here = json.loads(mine) if state is None else state.get(key)
            items.append(ConflictItem(case_id, shown, key, here, json.loads(theirs), who or "", at or ""))
        return items

    def resolve(self, case_id: str, key: str, pick: str) -> None:
        """The agent's choice for one conflicted field; the next round pushes it as a normal edit."""
        if pick not in PICKS:
            raise ValueError(f"pick must be one of {PICKS}")
        open_, theirs = self.book.theirs(case_id, key)
        if not open_:
            return
        with self.book.write():
            if pick == "theirs":
                case = self.store.get(case_id)
                now = state_of(case.fields, case.status, case.deleted)
                wanted = dict(now)
                wanted[key] = theirs
                self._write_local(case, normal(wanted))
            # The case counts as changed here, so the next round pushes what is now on screen.
            self.book.close_conflict(case_id, key)

    def quarantined(self) -> list[Quarantined]:
        """The pulled rows kept aside because they failed the case-file rules, with the reason."""
        return self.book.quarantined()

    def pending_count(self) -> int:
        """Cases changed here that the server has not taken yet (conflicts aside)."""
        candidates = self.book.changed_here()
        bases, cases = self.book.bases(candidates), self.book.cases(candidates)
        return sum(1 for case_id, case in cases.items() if self._dirty(case, bases.get(case_id)))

    # -- rounds --------------------------------------------------------------------------

    def _adopt(self, server_id: str) -> None:
        """A drafts file pointed at another server starts over: every case merges as new."""
        if self.book.get_state("server_id") != server_id:
            self.book.start_over(server_id)

    def _retire(self, conn: psycopg.Connection) -> None:
        """Ask the server, now and then, to retire what the hall's retention ends (by its own
        setting and clock); the tombstones arrive with this round's pull."""
        now = time.monotonic()
        if self._retired_at is not None and now - self._retired_at < RETIRE_EVERY_S:
            return 0
        remote.retire(conn)
        self._retired_at = now

    def _push(self, conn: psycopg.Connection, known: dict[str, int]) -> int:
        """Push every case changed here; `known` gets the revision the server answered for each.
        A push the server answers as a replay (its answer to an earlier push of this desk was
        lost) is applied as that answer, and what was typed since goes out at once after it."""
        pushed, replayed = self._push_some(conn, self.book.changed_here(), known)
        if replayed:
            pushed += self._push_some(conn, replayed, known)[0]
        return pushed

    def _push_some(
        self, conn: psycopg.Connection, candidates: Sequence[str], known: dict[str, int]
    ) -> tuple[int, list[str]]:
        pushed = 0
        replayed: list[str] = []
        for start in range(0, len(candidates), PUSH_BATCH):
            ids = candidates[start : start + PUSH_BATCH]
            bases, opens, cases = self.book.bases(ids), self.book.open_keys(ids), self.book.cases(ids)
            batch: list[remote.Push] = []
            sent: dict[str, Sent] = {}
            for case_id in ids:
                case = cases.get(case_id)
                if case is None:
                    continue
                base = bases.get(case_id)
                mine = state_of(case.fields, case.status, case.deleted)
                outgoing = _outgoing(mine, base.state if base else {}, opens.get(case_id, ()))
                batch.append(
                    remote.Push(
                        case_id,
                        case.number or (base.number if base else None),
                        case.bundle,
                        base.revision if base else 0,
                        outgoing,
                        case.updated,
                        token=str(uuid.uuid4()),
                    )
                )
                sent[case_id] = Sent(mine, outgoing, case.revision, case.deleted is not None)
            results = remote.push(conn, batch, self._trusted)
            pushed += sum(
                1
                for r in results
                if r.accepted and r.case.revision != getattr(bases.get(r.case.case_id), "revision", None)
            )
            self._applying(pushed=[(r, _replayed(r) or sent[r.case.case_id]) for r in results])
            known.update((r.case.case_id, r.case.revision) for r in results if not r.case.purged)
            replayed += [r.case.case_id for r in results if r.replayed]
        return pushed, replayed

    def _trusted(self, server: remote.ServerCase) -> bool:
        """Whether a server case read for a merge passes the pulled-row rules (desktop.hall.checked):
        a merge never carries another desk's malformed value into this file or back out."""
        state = dict(server.state)
        binned = state.pop(BIN, None)
        raw = replace(server, raw=_json(state), raw_bin=None if binned is None else _json(binned))
        try:
            checked(raw, self.store.bundle, self.shapes)
        except RowRefused:
            return False
        return True

    def _pull(self, conn: psycopg.Connection, known: Mapping[str, int]) -> int:
        """Pull what changed on the server; the cases at a revision in `known` (this round's own
        pushes) come without their values, which this file already holds."""
        pulled = 0
        while True:
            after = self._pulled_to if self._pulled_to is not None else self.book.get_state("pulled", 0)
            cases = remote.pull(conn, after, known)
            if not cases:
                return pulled
            ids = [case.case_id for case in cases]
            bases, here = self.book.bases(ids, values=False), self.book.revisions(ids)
            missing = [
                c.case_id
                for c in cases
                if c.raw is None
                and not c.purged
                and getattr(bases.get(c.case_id), "revision", None) != c.revision
            ]
            if missing:  # not noted at that revision after all: ask for the values
                full = {c.case_id: c for c in remote.fetch(conn, missing)}
                cases = [full.get(c.case_id, c) if c.case_id in missing else c for c in cases]
            top = cases[-1].change_seq
            cases, refused = sort_pulled(cases, self.store.bundle, self.shapes)
            todo: list[tuple[remote.ServerCase, Seen]] = []
            for case in cases:
                base, seen = bases.get(case.case_id), here.get(case.case_id)
                if base is not None and base.revision == case.revision:
                    continue
                if seen is not None and self._changed_here(case.case_id, base, seen):
                    continue  # changed here too: the next push merges it on the server
                todo.append((case, seen))
            pulled += len(todo)
            if todo or refused:
                self._applying(pulled=todo, pulled_to=top, refused=refused)
                self._pulled_to = None
            else:  # nothing to write but how far: noted with the audit's write (a commit less)
                self._pulled_to = top
            if len(cases) + len(refused) < remote.PULL_BATCH:
                return pulled

    def _changed_here(self, case_id: str, base: Base | None, seen: tuple[int, int]) -> bool:
        """Whether this file holds edits of the case the server has not had. A case whose drafts
        revision and bin flag are those it matched the base at has none (no read needed)."""
        if base is None:
            return True
        if seen == (base.local_revision, base.local_deleted):
            return False
        case = self._get(case_id)
        if case is None:
            return False
        full = base if base.state is not None else self.book.bases([case_id]).get(case_id)
        return self._dirty(case, full)

    def _push_audit(self, conn: psycopg.Connection) -> None:
        while True:
            after = self.book.get_state("audit_pushed", 0)
            rows = self.book.audit_unsent(after, AUDIT_BATCH)
            last = self.book.audit_top()
            if not rows and last == after and self._pulled_to is None:
                return  # nothing new here: no write at all
            remote.append_audit(conn, [tuple(r[1:]) for r in rows])
            top = rows[-1][0] if len(rows) == AUDIT_BATCH else last
            with self.book.write():
                self.book.audit_sent(top)
                if self._pulled_to is not None:
                    self.book.set_state("pulled", self._pulled_to)
                    self._pulled_to = None
            if len(rows) < AUDIT_BATCH:
                return

    # -- applying the server's answer ----------------------------------------------------

    def _applying(
        self,
        pushed: Sequence[tuple[remote.Pushed, Sent]] = (),
        pulled: Sequence[tuple[remote.ServerCase, Seen]] = (),
        pulled_to: int | None = None,
        refused: Sequence[Refused] = (),
    ) -> None:
        """Apply the server's answer locally in one transaction; the audit rows it causes are skipped.

        Cases new to this machine (most of a first pull), and pushes the server took as they were
        while nothing was typed here since (most of a first push), need no case write: they are
        settled together, one statement each, instead of a round of reads and writes per case.
        A pulled case typed into here since it was looked at is left for the next push to merge.
        """
        book = self.book
        with book.write():
            before = book.audit_top()
            ids = [p.case.case_id for p, _ in pushed] + [c.case_id for c, _ in pulled]
            here = book.revisions(ids)
            pulled = [(case, seen) for case, seen in pulled if here.get(case.case_id) == seen]
            fresh = _fresh([case for case, _ in pulled], here)
            self._create_many(fresh)
            settled = _settled(book, pushed, here)
            self._note_bases((case_id, server, *sent.seen) for case_id, (server, sent) in settled.items())
            for answer, sent in pushed:
                if answer.case.case_id not in settled:
                    self._apply(answer.case, sent, answer.conflicts, answer.who, answer.when)
            for case, _ in pulled:
                if case.case_id not in fresh:
                    self._apply(case, None, (), case.who, case.when)
            after = book.audit_top()
            if after > before and book.get_state("audit_pushed", 0) == before:
                book.set_state("audit_pushed", after)  # nothing else to send: no range
            elif after > before:
                book.skip_audit(before + 1, after)
            book.quarantine(refused)
            # A newer version taken (pulled, or the answer to a push): a quarantined row is done with.
            book.release([c.case_id for c, _ in pulled] + [p.case.case_id for p, _ in pushed])
            if pulled_to is not None:
                book.set_state("pulled", pulled_to)

    def _create_many(self, fresh: Mapping[str, remote.ServerCase]) -> None:
        """Create the server's new cases here together (one statement per table), then note each
        one's base. A case the server holds finished or in the bin is one more write each."""
        if not fresh:
            return
        pulled, more = [], []
        for server in fresh.values():
            fields, status, binned = split_state(server.state)
            pulled.append(
                Pulled(server.case_id, server.bundle, _stamp(server.updated), fields, server.number)
            )
            if status != "draft" or binned:
                more.append(server)
        self.book.create_pulled(pulled, self.store.clock())
        for server in more:
            self._write_local(self.store.get(server.case_id), normal(server.state))
        ids = list(fresh)
        rows = self.book.revisions(ids)
        self._note_bases((case_id, server, *rows[case_id]) for case_id, server in fresh.items())
        self.book.clear_conflicts(ids)

    def _note_bases(self, items: Iterable[tuple[str, remote.ServerCase, int, int]]) -> None:
        """Note (case id, the server's case, drafts revision, in the bin) as agreed, in one
        statement; a case the server gave no number keeps the one noted before."""
        self.book.note_bases(
            _noted(case_id, server, revision, binned) for case_id, server, revision, binned in items
        )

    def _apply(
        self,
        server: remote.ServerCase,
        sent: Sent | None,
        merge_conflicts: tuple[str, ...],
        who: str,
        when: str,
    ) -> None:
        """Make the local case agree with `server`, keeping every local value the server lacks.

        `sent` is what the push was made of; None for a pull.
        A value typed here while the round was in flight stays and is pushed next round.
        """
        case_id = server.case_id
        case = self._get(case_id)
        if server.purged:
            if case is not None:
                self._forget(case_id)
            self.book.drop_bookkeeping(case_id)
            return
        theirs = normal(server.state)
        if case is None:
            case = self._create(server)
        now = state_of(case.fields, case.status, case.deleted)
        read, pushed = (sent.mine, sent.outgoing) if sent is not None else (now, now)
        open_conflicts = self.book.open_conflicts(case_id)
        result: State = {}
        conflicts: dict[str, tuple[Any, Any, str, str]] = {}
        for key in set(now) | set(read) | set(theirs) | set(open_conflicts) | set(merge_conflicts):
            here, there = now.get(key), theirs.get(key)
            if here != read.get(key):  # typed meanwhile
                value = here
                if (key in open_conflicts or key in merge_conflicts) and here != there:
                    conflicts[key] = (here, there, who, when)
            elif key in open_conflicts or key in merge_conflicts:
                mine = read.get(key) if key in open_conflicts else pushed.get(key)
                value = mine
                if mine != there:
                    old = open_conflicts.get(key)
                    stamp = (old[2], old[3]) if old and old[1] == there else (who, when)
                    conflicts[key] = (mine, there, *stamp)
            else:
                value = there
            if value is not None:
                result[key] = value
        case = self._write_local(case, result)
        # A value typed meanwhile (not in conflict) is ahead of the server: the case stays
        # pending, so the next round pushes it.
        ahead = any(result.get(k) != theirs.get(k) for k in set(result) | set(theirs) if k not in conflicts)
        self._save_base(case, server, ahead)
        self.book.set_conflicts(
            case_id,
            [
                (case_id, key, _json(mine), _json(there), by, at)
                for key, (mine, there, by, at) in conflicts.items()
            ],
        )

    def _write_local(self, case: Case, wanted: State) -> Case:
        """Change the drafts file's case to `wanted` through the store's public API."""
        fields, status, binned = split_state(wanted)
        store = self.store
        if state_of(case.fields, case.status, case.deleted) == normal(wanted):
            return case
        # The server's "complete" is the other desk's verdict: recorded only if it holds here.
        status = settled_status(self.bundle, fields, status, number=case.number)
        # `case` was read in this write transaction: only a restore changes it before the writes.
        current = case
        if case.deleted is not None:
            store.restore(case.id)
            current = store.get(case.id)
        revision = current.revision
        have = normal(current.fields)
        changed = {k for k in set(fields) | set(have) if have.get(k) != fields.get(k)}
        if changed:
            values = {k: v for k, v in current.fields.items() if k not in changed}
            values.update({k: fields[k] for k in changed if k in fields})
            revision = store.save_fields(case.id, values, revision)
        if status != current.status:
            revision = store.set_status(case.id, status, revision)
        if binned:
            store.delete(case.id)
        return store.get(case.id)

    def _create(self, server: remote.ServerCase) -> Case:
        fields, _, _ = split_state(server.state)
        pulled = Pulled(server.case_id, server.bundle, _stamp(server.updated), fields, server.number)
        self.book.create_pulled([pulled], self.store.clock())
        return self.store.get(server.case_id)

    def _forget(self, case_id: str) -> None:
        """Remove a case the server retired."""
        self._forgotten += 1
        self.book.remove_retired(case_id, datetime.now().astimezone())

    def _save_base(self, case: Case, server: remote.ServerCase, ahead: bool = False) -> None:
        # local_revision -1 never matches: the case stays pending (as a conflict pick does).
        revision = -1 if ahead else case.revision
        self._note_bases([(case.id, server, revision, int(case.deleted is not None))])

    # -- reading local state -------------------------------------------------------------

    def _get(self, case_id: str) -> Case | None:
        try:
            return self.store.get(case_id)
        except CaseNotFound:
            return None

    def _dirty(self, case: Case, base: Base | None) -> bool:
        """Whether the case holds edits the server has not had (a conflicted field aside)."""
        if base is None:
            return True
        mine = state_of(case.fields, case.status, case.deleted)
        return _outgoing(mine, base.state, self.book.open_conflicts(case.id)) != normal(base.state)


def _replayed(answer: remote.Pushed) -> Sent | None:
    """For a replayed answer, what that earlier push sent (what was typed since stays here, and
    the case stays pending: seen (-1, -1) never matches a drafts revision)."""
    if not answer.replayed:
        return None
    sent = normal(answer.sent or answer.case.state)
    return Sent(sent, sent, -1, False)


def _settled(
    book: HallBook, pushed: Sequence[tuple[remote.Pushed, Sent]], here: Mapping[str, tuple[int, int]]
) -> dict[str, tuple[remote.ServerCase, Sent]]:
    """The pushes that leave this file's case as it is: accepted as sent, no conflict open,
    nothing typed since it was read. Only their base is noted."""
    conflicted = set(book.open_keys([answer.case.case_id for answer, _ in pushed]))
    return {
        answer.case.case_id: (answer.case, sent)
        for answer, sent in pushed
        if not answer.case.purged
        and not answer.conflicts
        and answer.case.case_id not in conflicted
        and here.get(answer.case.case_id) == sent.seen
        and (answer.case.state == sent.mine or normal(answer.case.state) == sent.mine)
    }


def _fresh(
    cases: list[remote.ServerCase], here: Mapping[str, tuple[int, int]]
) -> dict[str, remote.ServerCase]:
    """The pulled cases this drafts file does not hold (purged ones aside), by id."""
    return {c.case_id: c for c in cases if not c.purged and c.case_id not in here}


def _noted(case_id: str, server: remote.ServerCase, revision: int, binned: int) -> NotedBase:
    base, digest = text_and_digest(server.state)
    return (case_id, server.revision, base, digest, server.number, revision, binned)


def _readable(exc: psycopg.Error) -> HallError:
    """A server error as the HallError the agent reads."""
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return AuthFailed("这个柜台账号没有读写案卷的权限：请管理员用 desk400 server add-desk 建立")
    if isinstance(exc, psycopg.errors.UndefinedTable | psycopg.errors.UndefinedFunction):
        return SchemaMismatch(schema.NOT_INITIALISED)
    if isinstance(exc, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled):
        return ServerBusy(BUSY)
    return Offline(f"与服务器的连接中断（{type(exc).__name__}），本机数据未受影响，稍后会自动重试")


BUSY = "服务器忙（等待其他柜台的操作超时），本机的修改已保留，稍后会自动重试"


def _outgoing(mine: State, base: Mapping[str, Any], conflicted: Iterable[str]) -> State:
    """What to push: the local state, but a conflicted field keeps the server's value until picked."""
    state = dict(mine)
    for key in conflicted:
        if key in base:
            state[key] = base[key]
        else:
            state.pop(key, None)
    return normal(state)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _stamp(updated: str) -> str:
    """The server's edit time when it is an ISO time (a case file needs one), else now."""
    try:
        datetime.fromisoformat(updated)
    except (TypeError, ValueError):
        return datetime.now().astimezone().isoformat("seconds")
    return updated


__all__ = ["BIN", "STATUS", "ConflictItem", "SyncEngine", "SyncReport"]
