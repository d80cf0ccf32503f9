"""The drafts store: every case the agent has on this machine, in one SQLite file.

The window saves on every edit, so a single field change is one short `BEGIN IMMEDIATE`
transaction that checks the revision the caller last saw: two windows (or two processes) on the
same case never overwrite each other silently. Nothing here knows the 400 bundle: the keys that
name, search, mask and duplicate a case come in a `DraftsSpec` built from forms/ data.

The class holds the connection and the write transaction and delegates whole jobs: reading and
building rows (`rows`), the audit log (`audit`), settings (`settings`), case-file import and
export (`imports`), lists and search (`lists`), purging and backups (`retention`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from desktop.files import paths
from desktop.files.casefile import CaseFile, Value, new_id
from desktop.store import audit as audit_log
from desktop.store import (
    backup,
    bases,
    escrow,
    images,
    imports,
    lists,
    numbers,
    prints,
    retention,
    rows,
    scans,
)
from desktop.store import settings as stored_settings
from desktop.store.connection import closed, damage_mark, open_drafts, opened, store_errors
from desktop.store.escrow import ESCROW_SETTING
from desktop.store.models import (
    EVENTS,
    PAGE_SIZE,
    STATUSES,
    AuditEvent,
    Case,
    CaseDeleted,
    Conflict,
    DamagedCase,
    DraftsSpec,
    ImportReport,
    Page,
    PurgeReport,
    StoreError,
)
from desktop.store.papers import PaperBook
from desktop.store.rows import derived, iso, new_row
from desktop.store.text import check_values, dump

Clock = Callable[[], datetime]


def local_now() -> datetime:
    return datetime.now().astimezone()


__all__ = ["Clock", "Store", "derived", "iso", "local_now", "new_row"]


class Store(prints.PrintLog, scans.ScanLog, images.ImageShelf, PaperBook):
    """One connection to a drafts file. Use one Store per thread or process."""

    def __init__(
        self, db: Database, path: Path, spec: DraftsSpec, bundle: str, edition: str, clock: Clock
    ) -> None:
        self.db = db
        self.path = path
        self.spec = spec
        self.bundle = bundle
        self.edition = edition
        self.clock = clock
        self.recovery: backup.Recovery | None = None
        self.key = b""  # the drafts file's SQLCipher key (desktop.store.keys), set by open_for
        self._closed = False

    @classmethod
    def open_for(
        cls,
        db_path: Path | None,
        spec: DraftsSpec,
        *,
        bundle: str,
        edition: str,
        clock: Clock = local_now,
        backups: bool = True,
        create: bool = True,
        any_thread: bool = False,
    ) -> Store:
        """Check, migrate and open the drafts file `db_path` (None: the one in the user's data
        folder), created 0600 in a 0700 folder when missing unless `create` is False.

        `bundle` and `edition` (the forms' id and edition) are stamped on the cases it creates.
        `backups`: make today's backup and finish a purge a crash interrupted (one connection
        per process should, the one that does housekeeping).

        A damaged drafts file is set aside and the newest healthy backup restored: `store.recovery`
        then says what happened. A file that is not a drafts file raises NotDraftsFile and one from
        a newer desk400 NewerStoreError, both untouched; with `create=False` a missing file raises
        NoDraftsFile. `any_thread`: usable from any thread, one at a time (the caller's lock).
        """
        path = Path(paths.default_db() if db_path is None else db_path)
        db, recovery, key = open_drafts(path, create=create, now=clock(), any_thread=any_thread)
        opened(path)
        store = cls(db, path, spec, bundle, edition, clock)
        store.recovery = recovery
        store.key = key
        if db.execute("SELECT 1 FROM meta WHERE key = ?", [rows.SEARCH_STALE]).fetchone():
            with store._write():  # once, after migration 0012, with the bundle's search keys
                rows.rebuild_search(db, spec)
        if backups:
            try:
                store.housekeeping()
            except BaseException:
                store.close()
                raise
        return store

    @classmethod
    def open(cls, path: Path, spec: DraftsSpec, **options: Any) -> Store:  # the window's call sites
        return cls.open_for(path, spec, **options)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.db.close()
            closed(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- cases -----------------------------------------------------------------------------

    def create(
        self, fields: Mapping[str, Value] | None = None, *, edition: str | None = None, example: bool = False
    ) -> Case:
        """A new draft case, revision 1, numbered in the same transaction (`Case.number`); the
        example case is numbered EXAMPLE and takes no number from the desk's day."""
        values = dict(fields or {})
        check_values(values)
        now = self.clock()
        case_id = new_id()
        with self._write():
            number = numbers.EXAMPLE if example else numbers.next_number(self.db.conn, self._desk_code(), now)
            self.db["cases"].insert(self._new_row(case_id, values, now, edition or self.edition, number))
            self._log(now, case_id, "created")
        return self.get(case_id)

    def create_many(
        self, items: Iterable[Mapping[str, Value]], *, status: str = "draft", edition: str | None = None
    ) -> list[str]:
        """Create many cases in one transaction (bulk loading); returns their ids."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        ids: list[str] = []
        with self._write():
            new_rows = []
            events = []
            batch = numbers.Batch(self.db.conn, self._desk_code())
            for fields in items:
                values = dict(fields)
                check_values(values)
                now = self.clock()
                case_id = new_id()
                row = self._new_row(case_id, values, now, edition or self.edition, batch(now))
                row["status"] = status
                new_rows.append(row)
                events.append(audit_log.event_row(now, case_id, "created"))
                ids.append(case_id)
            self.db["cases"].insert_all(new_rows, batch_size=500)
            self.db["audit"].insert_all(events, batch_size=500)
        return ids

    def get(self, case_id: str) -> Case:
        """The case with its values; DamagedCase when its stored row cannot be read."""
        return rows.case_of(self._row(case_id), prints.latest_digest(self.db, case_id))

    def warm_cache(self) -> None:
        """Keep what opening any case reads decrypted in this connection's cache (see rows.warm)."""
        rows.warm(self.db)

    def save_field(self, case_id: str, key: str, value: Value, revision: int) -> int:
        """Save one field if the case is still at `revision`; returns the new revision."""
        check_values({key: value})
        now = self.clock()
        with self._write():
            row = self._editable_row(case_id, revision)
            fields = row["fields"]
            if key in fields and fields[key] == value:
                return revision
            fields[key] = value
            new_revision = self._rewrite(row, fields, now)
            self._log_edit(now, case_id, key)
        return new_revision

    def save_fields(self, case_id: str, fields: Mapping[str, Value], revision: int) -> int:
        """Replace all values if the case is still at `revision`; returns the new revision."""
        values = dict(fields)
        check_values(values)
        now = self.clock()
        with self._write():
            row = self._editable_row(case_id, revision)
            old = row["fields"]
            changed = sorted(k for k in set(old) | set(values) if old.get(k) != values.get(k))
            if not changed and old.keys() == values.keys():
                return revision
            new_revision = self._rewrite(row, values, now)
            for key in changed:
                self._log_edit(now, case_id, key)
        return new_revision

    def set_status(self, case_id: str, status: str, revision: int) -> int:
        """Record the status desktop.domain.status.decide gave; record_print records a print."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        now = self.clock()
        with self._write():
            row = self._editable_row(case_id, revision)
            if status == row["status"]:
                return revision
            rows.set_status(self.db, row, status, now)
            self._log(now, case_id, "edited", key="status", detail=status)
        return revision + 1

    def duplicate(self, case_id: str, start: Mapping[str, Value] | None = None) -> Case:
        """A new draft for the same customer, started like a new case.

        The customer's values are kept, request-specific ones cleared, and the fields the bundle
        resets (`spec.duplicate_reset_keys`: dates that default to today, settings) take their
        value from `start`, the values a new case starts with today under the current settings
        (`desktop.domain.case.initial_values`); a reset field `start` lacks stays empty.
        """
        source = self.get(case_id)
        kept = rows.duplicate_values(self.spec, source.fields, start or {})
        check_values(kept)
        now = self.clock()
        new = new_id()
        with self._write():
            number = numbers.next_number(self.db.conn, self._desk_code(), now)
            self.db["cases"].insert(self._new_row(new, kept, now, source.edition, number))
            self._log(now, new, "created", detail=f"duplicate of {case_id}")
        return self.get(new)

    def set_materials(self, case_id: str, ticked: Sequence[str]) -> None:
        """Record the checklist items ticked for a case (ids from the bundle's materials.toml).

        Bookkeeping beside the case, not an edit of it: the revision and the edit time stay, so a
        tick never makes another window's save a conflict; the last tick written wins."""
        ids = list(dict.fromkeys(ticked))
        if not all(isinstance(t, str) for t in ids):
            raise TypeError("material ids must be str")
        now = self.clock()
        with self._write():
            row = self._row(case_id)
            if row["deleted"] is not None:
                raise CaseDeleted("该草稿已移到回收站，请先从回收站恢复后再修改")
            if rows.ticks(row["materials"]) == tuple(ids):
                return
            self.db.execute("UPDATE cases SET materials = ? WHERE seq = ?", [dump(ids), row["seq"]])
            self._log_edit(now, case_id, "materials")

    def delete(self, case_id: str) -> None:
        """Move a case to the bin; it can be restored for BIN_DAYS days."""
        now = self.clock()
        with self._write():
            row = self._row(case_id, readable=False)
            if row["deleted"] is not None:
                return
            self._set_deleted(row["seq"], iso(now), now.timestamp())
            self._log(now, case_id, "deleted")

    def restore(self, case_id: str) -> None:
        """Take a case back out of the bin."""
        now = self.clock()
        with self._write():
            row = self._row(case_id, readable=False)
            if row["deleted"] is None:
                return
            self._set_deleted(row["seq"], None, None)
            self._log(now, case_id, "restored")

    def repair_case(self, case_id: str) -> Case:
        """Put back a damaged case's row from the newest backup holding a readable copy of it.

        Raises DamagedCase when no backup has one; a case that is not damaged is returned as is."""
        try:
            return self.get(case_id)
        except DamagedCase:
            pass
        found = rows.backup_copy(self.path, case_id, self.key)
        if found is None:
            raise DamagedCase(case_id)
        copy, good = found
        now = self.clock()
        with self._write():
            row = self._row(case_id, readable=False)
            good["revision"] = max(int(good["revision"]), int(row["revision"] or 0)) + 1
            # Plain SQL: sqlite-utils' update() reads the damaged row back first.
            columns = ", ".join(f"{name} = ?" for name in good)
            self.db.execute(f"UPDATE cases SET {columns} WHERE seq = ?", [*good.values(), row["seq"]])
            self._log(now, case_id, "restored", detail=f"from backup {copy.stem}")
        return self.get(case_id)

    # -- lists -----------------------------------------------------------------------------

    def list_cases(self, offset: int = 0, limit: int = PAGE_SIZE, status: str | None = None) -> Page:
        """Live cases (of `status`, if given), newest first (damaged ones marked, not skipped)."""
        with store_errors():
            return lists.live(self.db, self.spec, offset, limit, status)

    def search(self, query: str, offset: int = 0, limit: int = PAGE_SIZE, status: str | None = None) -> Page:
        """Cases (of `status`, if given) whose searchable values hold every word of `query`."""
        with store_errors():
            return lists.search(self.db, self.spec, query, offset, limit, status)

    def status_counts(self) -> dict[str, int]:
        """How many live cases each status has (the status filter's counts), from an index."""
        with store_errors():
            return lists.status_counts(self.db)

    def others_with(self, key: str, value: str, exclude_id: str | None = None) -> list[str]:
        """The numbers of the other live cases whose `key` is exactly `value`, newest first: the
        same 400 number or licence in another case (see desktop.domain.same_customer). Indexed for the
        searchable keys: a few milliseconds at 100 000 cases."""
        if not value:
            return []
        with store_errors():
            return lists.others_with(self.db, self.spec, key, value, exclude_id)

    def binned(self, offset: int = 0, limit: int = PAGE_SIZE) -> Page:
        """The bin, most recently deleted first."""
        with store_errors():
            return lists.binned(self.db, self.spec, offset, limit)

    def ids(self) -> list[str]:
        """Every case not in the bin, newest first (for export --all)."""
        sql = "SELECT CAST(id AS BLOB) FROM cases WHERE deleted_ts IS NULL ORDER BY updated_ts DESC, seq DESC"
        with store_errors():
            return [bytes(r[0]).decode("utf-8", errors="replace") for r in self.db.execute(sql)]

    # -- retention -------------------------------------------------------------------------

    def purge(self) -> PurgeReport:
        """Remove finished cases older than the retention days and bin entries older than
        BIN_DAYS, then vacuum and rewrite the backups so their bytes leave every copy; damaged
        copies and recovery journals older than BIN_DAYS go too."""
        now = self.clock()
        report = retention.purge_cases(
            self.db, self._write, int(self.setting("retention_days")), now, self._log_purged
        )
        with store_errors():
            if retention.backups_stale(self.db):
                retention.rewrite_backups(self.db, self._write, self.path, now, self.key)
            retention.drop_old_copies(self.path, now)
        return report

    def check_health(self) -> None:
        """The full damage check opening skips (`PRAGMA quick_check` reads every page).

        A damaged file is marked, then recovered at once when this is the process's only Store
        on it (`recovery` says what happened, as after a recovery at open); otherwise DamagedFile
        says to restart, and the next start recovers it (see desktop.store.connection)."""
        with store_errors():
            if not backup.is_damaged(self.path, self.key):
                return
        damage_mark(self.path).touch(mode=0o600)
        self.close()
        self.db, self.recovery, self.key = open_drafts(self.path, create=False, now=self.clock())
        self._closed = False
        opened(self.path)

    def housekeeping(self) -> None:
        """At start: the full damage check, finish a purge a crash interrupted, then make today's
        backup; seal the key to the hall's recipient if the key file lost (or never had) that
        sealed copy."""
        self.check_health()
        recipient = self.setting(ESCROW_SETTING)
        if recipient and not escrow.is_sealed_to(self.path, recipient):
            try:
                escrow.seal_key(self.path, self.key, recipient)
            except StoreError:
                pass  # a bad recipient was refused when it was set; the next start tries again
        with store_errors():
            if retention.backups_stale(self.db):
                retention.rewrite_backups(self.db, self._write, self.path, self.clock(), self.key)
        self.daily_backup()

    def daily_backup(self) -> Path | None:
        """Make today's backup unless it exists; keeps the newest few (see backup.make_backup)."""
        now = self.clock()
        if backup.has_backup(self.path, now):
            return None
        with store_errors():
            return backup.make_backup(self.db.conn, self.path, now, key=self.key)

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    # -- settings and audit (desktop.store.settings, desktop.store.audit) ------------------

    def setting(self, key: str) -> Any:
        """A setting's value, or its default (None when there is none)."""
        return stored_settings.value(self.db, key)

    def settings(self) -> dict[str, Any]:
        return stored_settings.values(self.db)

    def set_setting(self, key: str, value: Any) -> None:
        stored_settings.check(key, value)
        if key == ESCROW_SETTING:
            escrow.seal_key(self.path, self.key, value)  # before the setting: never set but not sealed
        with self._write():
            stored_settings.put(self.db, key, value)

    def audit(self, case_id: str | None = None, limit: int = 1000) -> list[AuditEvent]:
        """Audit events, oldest first; keys and event names only, never the values."""
        return audit_log.events(self.db, case_id, limit)

    def log_event(self, case_id: str, event: str, detail: str | None = None) -> None:
        """Record an event that happens outside the store (`exported`)."""
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        with self._write():
            self._log(self.clock(), case_id, event, detail=detail)

    # -- transfer (desktop.store.imports) ---------------------------------------------------

    def record_export(self, case_id: str, fields: Mapping[str, Value], *, revision: int = 1) -> None:
        """`fields` of the case left in a case file (audit, handover) as `revision` (base's + 1, or 1)."""
        with self._write():
            imports.record_export(self.db, case_id, fields, self.clock(), revision)

    def last_handover(self, case_id: str) -> bases.Handover | None:
        """The values this machine last exported or imported for the case (revision and digest)."""
        with store_errors():
            return bases.last(self.db, case_id)

    def handover_values(self, case_id: str, digest: str) -> dict[str, Value] | None:
        """The values of one of the case's recent handovers, by their digest (a version-2 base)."""
        with store_errors():
            return bases.values(self.db, case_id, digest)

    def hall_base(self, case_id: str) -> tuple[int, dict[str, Value], int] | None:
        """The case's last agreement with the hall: server revision, its values, drafts revision."""
        return bases.synced(self.db, case_id)

    def import_cases(
        self,
        cases: Sequence[tuple[str, CaseFile]],
        *,
        bases_known: Mapping[str, Mapping[str, Value]] | None = None,
        handed_over: bool = True,
    ) -> ImportReport:
        """Import (source name, case file) pairs in one transaction: all or nothing.

        A version-2 file whose base values are in `bases_known` (by case id) merges field by field
        (`handover.merge`); any other is accepted, skipped or refused by `handover.decide`.
        ImportConflict lists every clash and nothing changes. A changed case comes back as a draft
        (out of the bin if it was there). With `handed_over` (case files; not the hall's pull)
        every imported case records the file's values as the last handed over.
        """
        now = self.clock()
        with self._write():
            return imports.import_cases(
                self.db,
                self.spec,
                self.edition,
                cases,
                now,
                numbers.Batch(self.db.conn, self._desk_code()),
                bases_known=bases_known,
                handed_over=handed_over,
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several writes as one, all or none: a save's values and the status they give the case
        (desktop.domain.session.write_save). Calls inside it nest as savepoints."""
        with self._write():
            yield

    # -- internals -------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[None]:
        """A write transaction that takes the write lock up front, so the revision read inside
        it cannot go stale and a busy database waits (busy_timeout) instead of failing. A busy
        file or a full disk raises its StoreError, the SQLite error chained."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        with store_errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _set_deleted(self, seq: int, deleted: str | None, deleted_ts: float | None) -> None:
        # Plain SQL: a damaged case can go to the bin too, and sqlite-utils' update() reads it first.
        self.db.execute(
            "UPDATE cases SET deleted = ?, deleted_ts = ? WHERE seq = ?", [deleted, deleted_ts, seq]
        )

    def _row(self, case_id: str, *, readable: bool = True) -> dict[str, Any]:
        return rows.row(self.db, case_id, readable=readable)

    def _editable_row(self, case_id: str, revision: int) -> dict[str, Any]:
        row = self._row(case_id)
        if row["deleted"] is not None:
            raise CaseDeleted("该草稿已移到回收站，请先从回收站恢复后再修改")
        if row["revision"] != revision:
            raise Conflict(case_id, revision, row["revision"])
        return row

    def _rewrite(self, row: dict[str, Any], fields: dict[str, Value], now: datetime) -> int:
        updates = rows.rewritten(self.spec, row, fields, now)
        self.db["cases"].update(row["seq"], updates)
        return int(updates["revision"])

    def _new_row(
        self, case_id: str, fields: dict[str, Value], now: datetime, edition: str, number: str
    ) -> dict[str, Any]:
        return new_row(self.spec, self.bundle, case_id, fields, now, edition, number)

    def _desk_code(self) -> str:
        return numbers.desk_code(self.setting(numbers.DESK_CODE_KEY))

    def _log(
        self, now: datetime, case_id: str, event: str, *, key: str | None = None, detail: str | None = None
    ) -> None:
        audit_log.log(self.db, now, case_id, event, key=key, detail=detail)

    def _log_purged(self, case_ids: list[str]) -> None:
        audit_log.log_all(self.db, self.clock(), case_ids, "purged")

    def _log_edit(self, now: datetime, case_id: str, key: str) -> None:
        audit_log.log_edit(self.db, now, case_id, key)
