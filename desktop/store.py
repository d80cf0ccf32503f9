"""The drafts store: every case the agent has on this machine, in one SQLite file.

The window saves on every edit, so a single field change is one short `BEGIN IMMEDIATE`
transaction that checks the revision the caller last saw: two windows (or two processes) on the
same case never overwrite each other silently. Nothing here knows the 400 bundle: the keys that
name, search, mask and duplicate a case come in a `DraftsSpec` built from forms/ data.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from sqlite_utils import Database, Migrations

from desktop import backup, paths
from desktop.casefile import CaseFile, Value, new_id

Clock = Callable[[], datetime]

MIGRATION_SET = "desk400-drafts"
STATUSES = ("draft", "complete", "printed")
FINISHED = ("complete", "printed")
EVENTS = ("created", "edited", "printed", "exported", "imported", "deleted", "restored", "purged")
BIN_DAYS = 30
BUSY_TIMEOUT_MS = 5000
DEFAULT_SETTINGS: Mapping[str, Any] = MappingProxyType({"retention_days": 90})
PAGE_SIZE = 50
FTS_MIN = 3  # the trigram tokenizer cannot match anything shorter
PAGE_BYTES = 8192
SCAN_WINDOW = 2000
FTS_AUTOMERGE = 16  # newest cases scanned before a search turns to the indexes


class StoreError(Exception):
    """A drafts-store failure the agent can read: the message is Chinese and says what to do."""


class NewerStoreError(StoreError):
    """The drafts file was written by a newer desk400; it is left untouched."""


class CaseNotFound(StoreError, LookupError):
    """No case with that id (never created, or purged)."""


class CaseDeleted(StoreError):
    """The case is in the bin; it must be restored before it is edited."""


class Conflict(StoreError):
    """The case changed since the caller read it: `actual` is the stored revision."""

    def __init__(self, case_id: str, expected: int, actual: int) -> None:
        super().__init__(f"该草稿已在其他窗口修改（版本 {actual}），请重新打开后再改")
        self.case_id = case_id
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class ImportClash:
    """One file of an import batch that would overwrite an edit made on this machine.

    `reason`: "older" (the file is not newer than the stored edit), "stale" (the file holds the
    very values this machine last handed over, and this machine edited since), or "both" (this
    machine and the file's have both changed the case since this machine last exported or
    imported it).
    """

    source: str
    case_id: str
    file_updated: str
    stored_updated: str
    reason: str = "older"

    def message(self) -> str:
        head = f"{self.source}：案例 {self.case_id} "
        if self.reason == "stale":
            return (
                head + f"的文件就是本机上次导出或导入的版本，本机之后（{self.stored_updated}）又修改过；"
                "文件里没有新的修改，导入只会退回本机的修改"
            )
        if self.reason == "both":
            return (
                head + f"在本机上次导出或导入之后，本机（{self.stored_updated}）和文件（{self.file_updated}）"
                "都修改过，导入会丢掉本机的修改。请核对两边的内容；如确定以文件为准，先把本机版本导出到"
                "另一个文件夹留底（不要覆盖这个文件），再重新导入"
            )
        return (
            head
            + f"的文件修改时间 {self.file_updated} 早于（或等于）本机保存的 {self.stored_updated}，且内容不同"
        )


class ImportConflict(StoreError):
    """At least one imported file would overwrite a newer edit; nothing was imported."""

    def __init__(self, clashes: Sequence[ImportClash]) -> None:
        lines = [c.message() for c in clashes]
        lines.append("没有导入任何文件。请先在本机核对这些草稿。")
        super().__init__("\n".join(lines))
        self.clashes = tuple(clashes)


class DraftsSpec(Protocol):
    """What the store needs to know about a bundle's fields, built by the forms loader from data
    (`desktop.forms.DraftsSpec` fits). `duplicate_clear_keys` may hold shell patterns (`number.*`).
    """

    @property
    def title_key(self) -> str: ...
    @property
    def search_keys(self) -> tuple[str, ...]: ...
    @property
    def mask_keys(self) -> tuple[str, ...]: ...
    @property
    def duplicate_clear_keys(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Case:
    """One case with its unmasked values: what a window opens."""

    id: str
    bundle: str
    edition: str
    status: str
    created: str
    updated: str
    revision: int
    fields: dict[str, Value]
    deleted: str | None = None


@dataclass(frozen=True)
class CaseSummary:
    """One line of a list: the title and the searchable values, ID numbers masked."""

    id: str
    bundle: str
    edition: str
    status: str
    created: str
    updated: str
    revision: int
    title: str
    summary: dict[str, Value]
    deleted: str | None = None


@dataclass(frozen=True)
class Page:
    items: tuple[CaseSummary, ...]
    offset: int
    limit: int
    has_more: bool


@dataclass(frozen=True)
class AuditEvent:
    at: str
    case_id: str | None
    event: str
    key: str | None
    detail: str | None


@dataclass(frozen=True)
class ImportReport:
    created: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


@dataclass(frozen=True)
class PurgeReport:
    finished: tuple[str, ...] = field(default_factory=tuple)
    expired_from_bin: tuple[str, ...] = field(default_factory=tuple)

    @property
    def removed(self) -> int:
        return len(set(self.finished) | set(self.expired_from_bin))


def local_now() -> datetime:
    return datetime.now().astimezone()


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def mask(text: str) -> str:
    """Hide the middle of an identifier: 610113198402242115 -> 610113********2115."""
    n = len(text)
    if n >= 11:
        return text[:6] + "*" * (n - 10) + text[-4:]
    if n > 2:
        return text[0] + "*" * (n - 2) + text[-1]
    return "*" * n


def migrations() -> Migrations:
    """The drafts schema, one recorded migration per step; never edit a step once released."""
    steps = Migrations(MIGRATION_SET)

    @steps(name="0001_tables")
    def tables(db: Database) -> None:
        db["cases"].create(
            {
                "seq": int,
                "id": str,
                "bundle": str,
                "edition": str,
                "status": str,
                "created": str,
                "updated": str,
                "updated_ts": float,
                "revision": int,
                "fields": str,
                "title": str,
                "search": str,
                "deleted": str,
                "deleted_ts": float,
            },
            pk="seq",
            not_null={"id", "bundle", "edition", "status", "created", "updated", "updated_ts", "revision"},
            defaults={"fields": "{}", "title": "", "search": ""},
        )
        db["cases"].create_index(["id"], unique=True)
        db["audit"].create(
            {"seq": int, "at": str, "case_id": str, "event": str, "key": str, "detail": str},
            pk="seq",
            not_null={"at", "event"},
        )
        db["audit"].create_index(["case_id"])
        db["settings"].create({"key": str, "value": str}, pk="key", not_null={"value"})

    @steps(name="0002_search")
    def search(db: Database) -> None:
        # The seq (INTEGER PRIMARY KEY) is the FTS rowid: VACUUM keeps it, unlike a bare rowid.
        db["cases"].enable_fts(["search"], tokenize="trigram")
        _fts_triggers(db, "cases_fts", "search")
        _fts_merge_policy(db, "cases_fts")
        # Newest-first lists walk this index; it also covers the scan of the newest cases.
        db.execute(
            "CREATE INDEX cases_live_recent ON cases(updated_ts, seq, search) WHERE deleted_ts IS NULL"
        )
        db.execute("CREATE INDEX cases_binned ON cases(deleted_ts) WHERE deleted_ts IS NOT NULL")

    @steps(name="0003_short_search")
    def short_search(db: Database) -> None:
        # Trigrams cannot find one or two characters: a second index has one token per character.
        db["cases"].add_column("search_chars", str, not_null_default="")
        rows = db.execute("SELECT seq, search FROM cases").fetchall()
        db.conn.executemany(
            "UPDATE cases SET search_chars = ? WHERE seq = ?", [(_chars(text), seq) for seq, text in rows]
        )
        db.execute(
            "CREATE VIRTUAL TABLE cases_chars USING fts5(search_chars, content='cases',"
            " content_rowid='seq', tokenize='unicode61 remove_diacritics 0')"
        )
        db.execute("INSERT INTO cases_chars(cases_chars) VALUES ('rebuild')")
        _fts_triggers(db, "cases_chars", "search_chars")
        _fts_merge_policy(db, "cases_chars")

    @steps(name="0004_handover")
    def handover(db: Database) -> None:
        # A digest of the values this file last exported or imported for the case: an import can
        # then tell "edited only on the other machine" from "edited on both since they last met".
        db["cases"].add_column("handover", str)

    return steps


def _fts_triggers(db: Database, fts: str, column: str) -> None:
    """Keep an external-content FTS table in step with `cases`; an update fires only when the
    indexed column is written, so most saves leave the index alone. Re-run after transform()."""
    db.executescript(
        f"""
        CREATE TRIGGER {fts}_ai AFTER INSERT ON cases BEGIN
          INSERT INTO {fts}(rowid, {column}) VALUES (new.seq, new.{column});
        END;
        CREATE TRIGGER {fts}_ad AFTER DELETE ON cases BEGIN
          INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.seq, old.{column});
        END;
        CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON cases BEGIN
          INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.seq, old.{column});
          INSERT INTO {fts}(rowid, {column}) VALUES (new.seq, new.{column});
        END;
        """
    )


def _fts_merge_policy(db: Database, fts: str) -> None:
    """Merge index segments in bigger, rarer steps: with the default (4) an edit of a searched field
    now and then waits ~30 ms for a merge at 100 000 cases; purge() optimizes the index fully."""
    db.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('automerge', {FTS_AUTOMERGE})")


def open_store(
    db_path: Path | None, spec: DraftsSpec, *, bundle: str, edition: str, clock: Clock = local_now
) -> Store:
    """Open the drafts file given with `--db`, or the default one in the user's data folder."""
    path = paths.default_db() if db_path is None else db_path
    return Store.open(path, spec, bundle=bundle, edition=edition, clock=clock)


class Store:
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

    @classmethod
    def open(
        cls,
        path: Path,
        spec: DraftsSpec,
        *,
        bundle: str,
        edition: str,
        clock: Clock = local_now,
        backups: bool = True,
    ) -> Store:
        """Check, migrate and open `path` (created 0600 in a 0700 folder when missing).

        `bundle` and `edition` (the forms' id and edition) are stamped on the cases it creates.

        A damaged file is set aside and the newest healthy backup restored: `store.recovery` then
        says what happened. A file from a newer desk400 raises NewerStoreError, untouched.
        """
        path = Path(path)
        try:
            return cls._open(path, spec, bundle, edition, clock, backups)
        except StoreError:
            raise
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"无法打开草稿文件 {path}（{exc}）。请检查文件位置和权限，或关闭其他正在使用它的程序后重试。"
            ) from exc

    @classmethod
    def _open(
        cls, path: Path, spec: DraftsSpec, bundle: str, edition: str, clock: Clock, backups: bool
    ) -> Store:
        if not path.parent.exists():
            backup.private_dir(path.parent)
        recovery = None
        if path.exists() and path.stat().st_size > 0 and backup.is_damaged(path):
            recovery = backup.recover(path, clock())
        if path.exists():
            _refuse_newer(path)
        backup.private_file(path)
        db = Database(path)
        try:
            conn = db.conn
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # A case row is about 2 KB: 8 KB pages hold three where 4 KB pages waste half of each.
            # Only takes effect on a new, empty file.
            conn.execute(f"PRAGMA page_size = {PAGE_BYTES}")
            db.enable_wal()
            # FULL: a committed save survives a power cut, not only a crash of the app.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA secure_delete = ON")
            migrations().apply(db)
        except BaseException:
            db.close()
            raise
        store = cls(db, path, spec, bundle, edition, clock)
        store.recovery = recovery
        if backups:
            store.daily_backup()
        return store

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- cases -----------------------------------------------------------------------------

    def create(self, fields: Mapping[str, Value] | None = None, *, edition: str | None = None) -> Case:
        """A new draft case, revision 1."""
        values = dict(fields or {})
        _check_values(values)
        now = self.clock()
        case_id = new_id()
        with self._write():
            self.db["cases"].insert(self._new_row(case_id, values, now, edition or self.edition))
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
            rows = []
            events = []
            for fields in items:
                values = dict(fields)
                _check_values(values)
                now = self.clock()
                case_id = new_id()
                row = self._new_row(case_id, values, now, edition or self.edition)
                row["status"] = status
                rows.append(row)
                events.append(_event_row(now, case_id, "created"))
                ids.append(case_id)
            self.db["cases"].insert_all(rows, batch_size=500)
            self.db["audit"].insert_all(events, batch_size=500)
        return ids

    def get(self, case_id: str) -> Case:
        row = self._row(case_id)
        return Case(
            id=row["id"],
            bundle=row["bundle"],
            edition=row["edition"],
            status=row["status"],
            created=row["created"],
            updated=row["updated"],
            revision=row["revision"],
            fields=json.loads(row["fields"]),
            deleted=row["deleted"],
        )

    def save_field(self, case_id: str, key: str, value: Value, revision: int) -> int:
        """Save one field if the case is still at `revision`; returns the new revision."""
        _check_values({key: value})
        now = self.clock()
        with self._write():
            row = self._editable_row(case_id, revision)
            fields = json.loads(row["fields"])
            if key in fields and fields[key] == value:
                return revision
            fields[key] = value
            new_revision = self._rewrite(row, fields, now)
            self._log_edit(now, case_id, key)
        return new_revision

    def save_fields(self, case_id: str, fields: Mapping[str, Value], revision: int) -> int:
        """Replace all values if the case is still at `revision`; returns the new revision."""
        values = dict(fields)
        _check_values(values)
        now = self.clock()
        with self._write():
            row = self._editable_row(case_id, revision)
            old = json.loads(row["fields"])
            changed = sorted(k for k in set(old) | set(values) if old.get(k) != values.get(k))
            if not changed and old.keys() == values.keys():
                return revision
            new_revision = self._rewrite(row, values, now)
            for key in changed:
                self._log_edit(now, case_id, key)
        return new_revision

    def set_status(self, case_id: str, status: str, revision: int) -> int:
        """Record the status the caller's validation decided; `printed` is an audited event."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        now = self.clock()
        with self._write():
            row = self._editable_row(case_id, revision)
            if status == row["status"] and status != "printed":
                return revision
            new_revision = revision + 1
            self.db["cases"].update(
                row["seq"],
                {
                    "status": status,
                    "revision": new_revision,
                    "updated": iso(now),
                    "updated_ts": now.timestamp(),
                },
            )
            if status == "printed":
                self._log(now, case_id, "printed")
            else:
                self._log(now, case_id, "edited", key="status", detail=status)
        return new_revision

    def duplicate(self, case_id: str) -> Case:
        """A new draft for the same customer: request-specific fields cleared."""
        source = self.get(case_id)
        patterns = self.spec.duplicate_clear_keys
        kept = {
            k: v for k, v in source.fields.items() if not any(fnmatch.fnmatchcase(k, p) for p in patterns)
        }
        now = self.clock()
        new = new_id()
        with self._write():
            self.db["cases"].insert(self._new_row(new, kept, now, source.edition))
            self._log(now, new, "created", detail=f"duplicate of {case_id}")
        return self.get(new)

    def delete(self, case_id: str) -> None:
        """Move a case to the bin; it can be restored for BIN_DAYS days."""
        now = self.clock()
        with self._write():
            row = self._row(case_id)
            if row["deleted"] is not None:
                return
            self.db["cases"].update(row["seq"], {"deleted": iso(now), "deleted_ts": now.timestamp()})
            self._log(now, case_id, "deleted")

    def restore(self, case_id: str) -> None:
        """Take a case back out of the bin."""
        now = self.clock()
        with self._write():
            row = self._row(case_id)
            if row["deleted"] is None:
                return
            self.db["cases"].update(row["seq"], {"deleted": None, "deleted_ts": None})
            self._log(now, case_id, "restored")

    # -- lists -----------------------------------------------------------------------------

    def list_cases(self, offset: int = 0, limit: int = PAGE_SIZE) -> Page:
        """Cases not in the bin, most recently edited first."""
        sql = (
            f"SELECT {_SUMMARY_COLUMNS} FROM cases WHERE deleted_ts IS NULL "
            "ORDER BY updated_ts DESC, seq DESC LIMIT ? OFFSET ?"
        )
        return self._page(sql, [limit + 1, offset], offset, limit)

    def search(self, query: str, offset: int = 0, limit: int = PAGE_SIZE) -> Page:
        """Cases whose searchable values contain every word of `query`, newest first.

        First the newest cases are scanned in order (cheap, and enough for a common word such as
        有限公司); when they do not fill the page, the full-text indexes answer: trigrams for words of
        three characters or more, one token per character for shorter ones.
        """
        terms = _terms(query)
        if not terms:
            return self.list_cases(offset, limit)
        exact = " AND ".join("instr(search, ?) > 0" for _ in terms)
        window = max(SCAN_WINDOW, 10 * (offset + limit + 1))
        recent = self.db.execute(
            "SELECT seq FROM (SELECT seq, updated_ts, search FROM cases WHERE deleted_ts IS NULL"
            f" ORDER BY updated_ts DESC, seq DESC LIMIT ?) WHERE {exact}"
            " ORDER BY updated_ts DESC, seq DESC LIMIT ? OFFSET ?",
            [window, *terms, limit + 1, offset],
        ).fetchall()
        if len(recent) > limit:
            return self._page_of([r[0] for r in recent], offset, limit)
        where = ["deleted_ts IS NULL", exact]
        args: list[Any] = list(terms)
        long_terms = [t for t in terms if len(t) >= FTS_MIN]
        if long_terms:
            where.append("seq IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)")
            args.append(" AND ".join(_phrase(t) for t in long_terms))
        short_terms = [_chars(t) for t in terms if len(t) < FTS_MIN and _chars(t)]
        if short_terms:
            where.append("seq IN (SELECT rowid FROM cases_chars WHERE cases_chars MATCH ?)")
            args.append(" AND ".join(_phrase(t) for t in short_terms))
        hits = self.db.execute(
            f"SELECT seq FROM cases WHERE {' AND '.join(where)}"
            " ORDER BY updated_ts DESC, seq DESC LIMIT ? OFFSET ?",
            [*args, limit + 1, offset],
        ).fetchall()
        return self._page_of([r[0] for r in hits], offset, limit)

    def binned(self, offset: int = 0, limit: int = PAGE_SIZE) -> Page:
        """The bin, most recently deleted first."""
        sql = (
            f"SELECT {_SUMMARY_COLUMNS} FROM cases WHERE deleted_ts IS NOT NULL "
            "ORDER BY deleted_ts DESC, seq DESC LIMIT ? OFFSET ?"
        )
        return self._page(sql, [limit + 1, offset], offset, limit)

    def ids(self) -> list[str]:
        """Every case not in the bin, newest first (for export --all)."""
        sql = "SELECT id FROM cases WHERE deleted_ts IS NULL ORDER BY updated_ts DESC, seq DESC"
        return [r[0] for r in self.db.execute(sql).fetchall()]

    # -- retention -------------------------------------------------------------------------

    def purge(self) -> PurgeReport:
        """Remove finished cases older than the retention days and bin entries older than
        BIN_DAYS, then vacuum so their bytes leave the file (and its WAL and backups)."""
        now = self.clock()
        days = int(self.setting("retention_days"))
        finished_before = (now - timedelta(days=days)).timestamp()
        binned_before = (now - timedelta(days=BIN_DAYS)).timestamp()
        marks = ",".join("?" * len(FINISHED))
        with self._write():
            finished = self.db.execute(
                f"SELECT seq, id FROM cases WHERE status IN ({marks}) AND updated_ts < ?",
                [*FINISHED, finished_before],
            ).fetchall()
            expired = self.db.execute(
                "SELECT seq, id FROM cases WHERE deleted_ts IS NOT NULL AND deleted_ts < ?",
                [binned_before],
            ).fetchall()
            doomed = {seq: case_id for seq, case_id in [*finished, *expired]}
            self.db.conn.executemany("DELETE FROM cases WHERE seq = ?", [(s,) for s in doomed])
            self.db["audit"].insert_all(
                (_event_row(now, case_id, "purged") for case_id in doomed.values()), batch_size=500
            )
        report = PurgeReport(
            finished=tuple(r[1] for r in finished), expired_from_bin=tuple(r[1] for r in expired)
        )
        if doomed:
            with self._write():
                for fts in ("cases_fts", "cases_chars"):
                    self.db.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            backup.drop_backups(self.path)
            backup.make_backup(self.db.conn, self.path, now)
        return report

    # -- settings and audit ----------------------------------------------------------------

    def setting(self, key: str) -> Any:
        """A setting's value, or its default (None when there is none)."""
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else DEFAULT_SETTINGS.get(key)

    def settings(self) -> dict[str, Any]:
        values = dict(DEFAULT_SETTINGS)
        values.update({k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM settings")})
        return values

    def set_setting(self, key: str, value: Any) -> None:
        if key == "retention_days" and (
            not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3650
        ):
            raise StoreError("保留天数应为 1 到 3650 之间的整数")
        with self._write():
            self.db["settings"].upsert({"key": key, "value": json.dumps(value, ensure_ascii=False)}, pk="key")

    def audit(self, case_id: str | None = None, limit: int = 1000) -> list[AuditEvent]:
        """Audit events, oldest first; keys and event names only, never the values."""
        where, args = ("WHERE case_id = ?", [case_id]) if case_id else ("", [])
        rows = self.db.execute(
            f"SELECT at, case_id, event, key, detail FROM audit {where} ORDER BY seq LIMIT ?", [*args, limit]
        ).fetchall()
        return [AuditEvent(*r) for r in rows]

    def log_event(self, case_id: str, event: str, detail: str | None = None) -> None:
        """Record an event that happens outside the store (`exported`)."""
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        with self._write():
            self._log(self.clock(), case_id, event, detail=detail)

    # -- transfer --------------------------------------------------------------------------

    def record_export(self, case_id: str, fields: Mapping[str, Value]) -> None:
        """Note that `fields` of the case left this machine in a case file (audit and handover)."""
        with self._write():
            row = self._row(case_id)
            self.db["cases"].update(row["seq"], {"handover": _digest(fields)})
            self._log(self.clock(), case_id, "exported")

    def import_cases(self, cases: Sequence[tuple[str, CaseFile]]) -> ImportReport:
        """Import (source name, case file) pairs in one transaction: all or nothing.

        A file different from the stored case is a clash when it is older than (or as old as) the
        stored edit, or when the stored values also changed since this file last exported or
        imported the case: ImportConflict lists every clash and nothing changes. Otherwise a newer
        file replaces the stored values and comes back as a draft (out of the bin if it was there).
        Every imported case records its values as the last handed over.
        """
        now = self.clock()
        created: list[str] = []
        replaced: list[str] = []
        unchanged: list[str] = []
        clashes: list[ImportClash] = []
        with self._write():
            for source, case in cases:
                _check_values(case.fields)
                stored = self._find(case.id)
                file_time = datetime.fromisoformat(case.updated)
                if stored is None:
                    fresh = self._new_row(case.id, dict(case.fields), file_time, self.edition)
                    fresh["bundle"] = case.bundle
                    fresh["created"] = iso(now)
                    fresh["updated"] = case.updated
                    fresh["handover"] = _digest(case.fields)
                    self.db["cases"].insert(fresh)
                    self._log(now, case.id, "imported", detail="created")
                    created.append(case.id)
                    continue
                if (
                    same_content(json.loads(stored["fields"]), case.fields)
                    and stored["bundle"] == case.bundle
                ):
                    self.db["cases"].update(stored["seq"], {"handover": _digest(case.fields)})
                    unchanged.append(case.id)
                    continue
                handed = stored["handover"]
                edited_here = handed is not None and handed != _digest(json.loads(stored["fields"]))
                if edited_here and handed == _digest(case.fields):
                    clashes.append(ImportClash(source, case.id, case.updated, stored["updated"], "stale"))
                    continue
                if file_time <= datetime.fromisoformat(stored["updated"]):
                    clashes.append(ImportClash(source, case.id, case.updated, stored["updated"]))
                    continue
                if edited_here:
                    clashes.append(ImportClash(source, case.id, case.updated, stored["updated"], "both"))
                    continue
                updates = self._derived(dict(case.fields))
                updates.update(
                    {
                        "fields": _dump(case.fields),
                        "bundle": case.bundle,
                        "status": "draft",
                        "revision": stored["revision"] + 1,
                        "updated": case.updated,
                        "updated_ts": file_time.timestamp(),
                        "deleted": None,
                        "deleted_ts": None,
                        "handover": _digest(case.fields),
                    }
                )
                self.db["cases"].update(stored["seq"], updates)
                self._log(now, case.id, "imported", detail="replaced")
                replaced.append(case.id)
            if clashes:
                raise ImportConflict(clashes)
        return ImportReport(tuple(created), tuple(replaced), tuple(unchanged))

    # -- housekeeping ----------------------------------------------------------------------

    def daily_backup(self) -> Path | None:
        """Make today's backup unless it exists; keeps the newest few."""
        now = self.clock()
        if backup.has_backup(self.path, now):
            return None
        return backup.make_backup(self.db.conn, self.path, now)

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    # -- internals -------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[None]:
        """A write transaction that takes the write lock up front, so the revision read inside
        it cannot go stale and a busy database waits (busy_timeout) instead of failing."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
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

    def _find(self, case_id: str) -> dict[str, Any] | None:
        cursor = self.db.execute(
            "SELECT seq, id, bundle, edition, status, created, updated, revision, fields, title, search,"
            " search_chars, deleted, handover FROM cases WHERE id = ?",
            [case_id],
        )
        row = cursor.fetchone()
        return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))

    def _row(self, case_id: str) -> dict[str, Any]:
        row = self._find(case_id)
        if row is None:
            raise CaseNotFound(f"找不到草稿 {case_id}，它可能已被清理；请刷新草稿列表")
        return row

    def _editable_row(self, case_id: str, revision: int) -> dict[str, Any]:
        row = self._row(case_id)
        if row["deleted"] is not None:
            raise CaseDeleted("该草稿已移到回收站，请先从回收站恢复后再修改")
        if row["revision"] != revision:
            raise Conflict(case_id, revision, row["revision"])
        return row

    def _rewrite(self, row: dict[str, Any], fields: dict[str, Value], now: datetime) -> int:
        new_revision = row["revision"] + 1
        updates: dict[str, Any] = {
            "fields": _dump(fields),
            "revision": new_revision,
            "updated": iso(now),
            "updated_ts": now.timestamp(),
        }
        # Only touch the derived columns that changed, so most saves leave the FTS index alone.
        for column, value in self._derived(fields).items():
            if row[column] != value:
                updates[column] = value
        self.db["cases"].update(row["seq"], updates)
        return new_revision

    def _derived(self, fields: Mapping[str, Value]) -> dict[str, str]:
        spec = self.spec
        title = _text(fields.get(spec.title_key))
        search = "\n".join(_text(fields.get(k)).lower() for k in spec.search_keys if k not in spec.mask_keys)
        return {"title": title, "search": search, "search_chars": _chars(search)}

    def _summary(self, fields: Mapping[str, Value]) -> dict[str, Value]:
        """The values a list shows: the searchable ones, and the personal ones masked."""
        spec = self.spec
        summary: dict[str, Value] = {}
        for key in (*spec.search_keys, *spec.mask_keys):
            value = fields.get(key)
            summary[key] = _masked(value) if key in spec.mask_keys else value
        return summary

    def _new_row(self, case_id: str, fields: dict[str, Value], now: datetime, edition: str) -> dict[str, Any]:
        return {
            "id": case_id,
            "bundle": self.bundle,
            "edition": edition,
            "status": "draft",
            "created": iso(now),
            "updated": iso(now),
            "updated_ts": now.timestamp(),
            "revision": 1,
            "fields": _dump(fields),
            **self._derived(fields),
            "deleted": None,
            "deleted_ts": None,
        }

    def _page(self, sql: str, args: list[Any], offset: int, limit: int) -> Page:
        rows = self.db.execute(sql, args).fetchall()
        return Page(
            items=self._page_rows(rows[:limit]), offset=offset, limit=limit, has_more=len(rows) > limit
        )

    def _page_rows(self, rows: Sequence[Sequence[Any]]) -> tuple[CaseSummary, ...]:
        return tuple(
            CaseSummary(
                id=r[0],
                bundle=r[1],
                edition=r[2],
                status=r[3],
                created=r[4],
                updated=r[5],
                revision=r[6],
                title=r[7],
                summary=self._summary(json.loads(r[8])),
                deleted=r[9],
            )
            for r in rows
        )

    def _page_of(self, seqs: list[int], offset: int, limit: int) -> Page:
        """The page of the cases `seqs` (one more than a page means there are more)."""
        shown = seqs[:limit]
        marks = ",".join("?" * len(shown))
        rows = self.db.execute(f"SELECT seq, {_SUMMARY_COLUMNS} FROM cases WHERE seq IN ({marks})", shown)
        by_seq = {r[0]: r[1:] for r in rows.fetchall()}
        page = self._page_rows([by_seq[s] for s in shown])
        return Page(items=page, offset=offset, limit=limit, has_more=len(seqs) > limit)

    def _log(
        self, now: datetime, case_id: str, event: str, *, key: str | None = None, detail: str | None = None
    ) -> None:
        self.db["audit"].insert(_event_row(now, case_id, event, key=key, detail=detail))

    def _log_edit(self, now: datetime, case_id: str, key: str) -> None:
        """Consecutive edits of one field (every keystroke) make one audit line, kept current."""
        last = self.db.execute(
            "SELECT seq, case_id, event, key FROM audit ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if last is not None and last[1:] == (case_id, "edited", key):
            self.db.execute("UPDATE audit SET at = ? WHERE seq = ?", [iso(now), last[0]])
        else:
            self._log(now, case_id, "edited", key=key)


_SUMMARY_COLUMNS = "id, bundle, edition, status, created, updated, revision, title, fields, deleted"


def _refuse_newer(path: Path) -> None:
    """Raise NewerStoreError if the file records migrations this version does not know."""
    known = {m.name for m in migrations().pending(Database(memory=True))}
    conn = sqlite3.connect(backup.read_only_uri(path), uri=True)
    try:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [Migrations.migrations_table]
        ).fetchone()
        if not exists:
            return
        names = [
            r[0]
            for r in conn.execute(
                f"SELECT name FROM {Migrations.migrations_table} WHERE migration_set = ?", [MIGRATION_SET]
            )
        ]
    finally:
        conn.close()
    unknown = sorted(set(names) - known)
    if unknown:
        raise NewerStoreError(
            f"草稿文件 {path} 由更新版本的 desk400 创建（结构版本 {unknown[-1]}），本程序无法打开，"
            "文件未做任何改动。请升级 desk400 后再打开。"
        )


def _terms(query: str) -> list[str]:
    """Lower-cased words of a query; a phone-style fragment (400-903 0005) loses its separators."""
    text = query.strip().lower()
    if text and all(c.isdigit() or c in " -" for c in text):
        text = text.replace("-", "").replace(" ", "")
    return [t for t in text.split() if t]


def _chars(text: str) -> str:
    """One token per letter or digit, for the character index (punctuation separates)."""
    return " ".join(c for c in text if c.isalnum())


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(value)
    return str(value)


def _masked(value: Value) -> Value:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, int):
        return mask(str(value))
    return value


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _is_empty(value: Value) -> bool:
    return value is None or value == "" or value == []


def _filled(fields: Mapping[str, Value]) -> dict[str, Value]:
    """The values a case file carries: an empty field is the same as a missing key."""
    return {k: v for k, v in fields.items() if not _is_empty(v)}


def same_content(a: Mapping[str, Value], b: Mapping[str, Value]) -> bool:
    """Equal values, a missing key counting as an empty field (as in the case file)."""
    return _filled(a) == _filled(b)


def _digest(fields: Mapping[str, Value]) -> str:
    """A fingerprint of a case's values: the same values (empty ones aside) give the same digest."""
    return hashlib.sha256(
        json.dumps(_filled(fields), ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()


def _check_values(values: Mapping[str, Value]) -> None:
    for key, value in values.items():
        if not isinstance(key, str):
            raise TypeError(f"field key must be str, got {key!r}")
        ok = (
            value is None
            or isinstance(value, str)
            or (isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        )
        if not ok:
            raise TypeError(f"field {key}: unsupported value type {type(value).__name__}")


def _event_row(
    now: datetime, case_id: str | None, event: str, *, key: str | None = None, detail: str | None = None
) -> dict[str, Any]:
    return {"at": iso(now), "case_id": case_id, "event": event, "key": key, "detail": detail}
