"""Removing what the agent no longer needs: old finished cases, the bin, and their copies.

A purge removes this machine's copies only. On a machine that syncs with the hall (its drafts
file holds the hall's bookkeeping table), a case with edits the server has not taken yet (never
synced, changed since, or in conflict) is kept until they are pushed, and the purged cases'
bookkeeping goes with them; the hall's own retention is the server's (desktop.hall.schema).
Signed and handed-over cases (paper-trail.md) never leave through the bin's 30 days: only their
retention ends them.

A purge is finished or redone: the DELETE and a `meta` row saying "the backups still hold purged
cases" commit together, and the backups are rewritten (then the row cleared) right after, or at
the next start or purge if the process died in between.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from desktop.domain.statuses import RETAINED
from desktop.store import backup, papers, prints, scans
from desktop.store.models import BIN_DAYS, FINISHED, PurgeReport

BACKUPS_STALE = "backups_hold_purged"
# The hall's bookkeeping (desktop.store.hallbook, created by the first sync): a case this returns
# holds edits the server has not had: never purged.
HALL_TABLE = "hall_cases"
UNPUSHED = (
    "SELECT c.id FROM cases c LEFT JOIN hall_cases h ON h.case_id = c.id WHERE h.case_id IS NULL"
    " OR h.local_revision != c.revision OR h.local_deleted != (c.deleted IS NOT NULL)"
    " OR EXISTS (SELECT 1 FROM hall_conflicts k WHERE k.case_id = c.id)"
)
_STAMP = re.compile(r"\.damaged-(\d{8}-\d{6})")


def purge_cases(
    db: Database,
    write: Callable[[], AbstractContextManager[None]],
    retention_days: int,
    now: datetime,
    log_purged: Callable[[list[str]], None],
) -> PurgeReport:
    """Delete finished cases older than `retention_days` and bin entries older than BIN_DAYS,
    marking the backups stale in the same transaction."""
    finished_before = (now - timedelta(days=retention_days)).timestamp()
    binned_before = (now - timedelta(days=BIN_DAYS)).timestamp()
    marks = ",".join("?" * len(FINISHED))
    kept = ",".join("?" * len(RETAINED))
    synced = db[HALL_TABLE].exists()
    with write():
        unpushed = {r[0] for r in db.execute(UNPUSHED).fetchall()} if synced else set()
        finished = [
            r
            for r in db.execute(
                f"SELECT seq, id FROM cases WHERE status IN ({marks}) AND updated_ts < ?",
                [*FINISHED, finished_before],
            ).fetchall()
            if r[1] not in unpushed
        ]
        expired = [
            r
            for r in db.execute(
                f"SELECT seq, id FROM cases WHERE deleted_ts IS NOT NULL AND deleted_ts < ?"
                f" AND status NOT IN ({kept})",
                [binned_before, *RETAINED],
            ).fetchall()
            if r[1] not in unpushed
        ]
        doomed = {seq: case_id for seq, case_id in [*finished, *expired]}
        db.conn.executemany("DELETE FROM cases WHERE seq = ?", [(s,) for s in doomed])
        prints.forget(db, list(doomed.values()))
        scans.forget(db, doomed.values())
        papers.forget(db, doomed.values())
        if synced:
            db.conn.executemany("DELETE FROM hall_cases WHERE case_id = ?", [(i,) for i in doomed.values()])
        log_purged(list(doomed.values()))
        if doomed:
            db["meta"].upsert({"key": BACKUPS_STALE, "value": "1"}, pk="key")
    if doomed:
        with write():
            for fts in ("cases_fts", "cases_chars"):
                db.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
    return PurgeReport(finished=tuple(r[1] for r in finished), expired_from_bin=tuple(r[1] for r in expired))


def backups_stale(db: Database) -> bool:
    return db.execute("SELECT 1 FROM meta WHERE key = ?", [BACKUPS_STALE]).fetchone() is not None


def rewrite_backups(
    db: Database, write: Callable[[], AbstractContextManager[None]], path: Path, now: datetime, key: bytes
) -> None:
    """Vacuum so purged bytes leave the file and its WAL, replace every backup by one new copy,
    then clear the stale mark (a crash before that redoes all of it)."""
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    backup.drop_backups(path)
    backup.make_backup(db.conn, path, now, key=key)
    with write():
        db.execute("DELETE FROM meta WHERE key = ?", [BACKUPS_STALE])


def old_copies(path: Path, now: datetime, days: int = BIN_DAYS) -> Iterator[Path]:
    """Damaged copies set aside and recovery journals beside the drafts file older than `days`:
    they hold the same personal data as the bin, and are kept no longer."""
    cutoff = now - timedelta(days=days)
    patterns = (f"{path.name}.damaged-*", f"{path.name}.recovery-*.jsonl")
    for pattern in patterns:
        for copy in path.parent.glob(pattern):
            if _made(copy, now) < cutoff:
                yield copy


def _made(copy: Path, now: datetime) -> datetime:
    """When a copy was made: the stamp in a damaged copy's name, else its modification time."""
    found = _STAMP.search(copy.name)
    if found:
        try:
            return datetime.strptime(found.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=now.tzinfo)
        except ValueError:
            pass
    return datetime.fromtimestamp(copy.stat().st_mtime, tz=now.tzinfo)


def drop_old_copies(path: Path, now: datetime) -> list[Path]:
    removed = []
    for copy in old_copies(path, now):
        copy.unlink(missing_ok=True)
        removed.append(copy)
    return removed
