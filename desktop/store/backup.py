"""Daily copies of the drafts file, and setting a damaged file aside.

Backups are made with SQLite's online backup API, so a copy taken while another window is saving
is still a consistent database. They hold the same personal data as the drafts file: encrypted
with its key (every connection here is made by desktop.store.connection.connect), the folder 0700
and every file 0600.
"""

from __future__ import annotations

import os
import shutil
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop.files import platform

KEEP = 5
SIDE_FILES = ("-wal", "-shm", "-journal")
CORRUPTION_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
CHECK_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Recovery:
    """What happened when the drafts file was found damaged on open."""

    damaged_copy: Path
    restored_from: Path | None
    message: str


def backup_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".backups")


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def private_file(path: Path) -> None:
    """Create `path` empty if missing, and make it readable and writable by its owner only.

    Never for the live drafts file: closing this descriptor would drop the process's SQLite locks."""
    os.close(platform.open_fd(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


def backups(db_path: Path) -> list[Path]:
    """Existing backups, newest first."""
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("????-??-??.sqlite"), reverse=True)


def _connect(path: Path, key: bytes | None, **options: Any) -> Any:
    from desktop.store.connection import connect  # the store imports this module first

    return connect(path, key=key, **options)


def _errors() -> tuple[type[Exception], ...]:
    from desktop.store.connection import ERRORS

    return ERRORS


def make_backup(conn: Any, db_path: Path, day: datetime, *, key: bytes, keep: int = KEEP) -> Path:
    """Copy the open database to the backup for `day` (replacing it, encrypted with the drafts
    file's `key`) and keep the newest `keep`."""
    folder = backup_dir(db_path)
    private_dir(folder)
    target = folder / f"{day.date().isoformat()}.sqlite"
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    private_file(tmp)
    dest = _connect(tmp, key)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    tmp.replace(target)
    for old in rotated(backups(db_path), keep, key):
        old.unlink(missing_ok=True)
    return target


def rotated(existing: list[Path], keep: int, key: bytes | None) -> list[Path]:
    """The backups (newest first) to remove so `keep` remain, except the last good one.

    A drafts file that lost its cases (emptied, or most rows gone) would otherwise be copied day
    after day until the last backup that held them is rotated away, days before anyone notices.
    So when the newest backup holds far fewer cases than an older one (under half, or none where
    there were some), the newest older backup that still holds most of them is kept beyond `keep`.
    A purge drops every backup first, so cases removed on purpose are never kept this way.
    """
    doomed = existing[keep:]
    if not doomed:
        return []
    counts = {b: case_count(b, key) for b in existing}
    most = max(counts[b] for b in existing[1:])
    if counts[existing[0]] * 2 < most:
        good = next(b for b in existing[1:] if counts[b] * 2 >= most)
        doomed = [b for b in doomed if b != good]
    return doomed


def case_count(copy: Path, key: bytes | None) -> int:
    """How many cases a backup holds (-1 when it cannot be read)."""
    try:
        conn = _connect(copy, key, read_only=True)
    except _errors():
        return -1
    try:
        return conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    except _errors():
        return -1
    finally:
        conn.close()


def has_backup(db_path: Path, day: datetime) -> bool:
    return (backup_dir(db_path) / f"{day.date().isoformat()}.sqlite").exists()


def drop_backups(db_path: Path) -> None:
    """Remove every backup (after a purge, so removed personal data does not live on in copies)."""
    for old in backups(db_path):
        old.unlink(missing_ok=True)


def read_only_uri(path: Path) -> str:
    """A read-only URI SQLite accepts, also for a drafts file on a network share (see platform)."""
    return platform.sqlite_uri(path, mode="ro")


def is_healthy(path: Path, key: bytes | None) -> bool:
    """True when `path` is a database readable with `key` that passes `PRAGMA quick_check`."""
    try:
        conn = _connect(path, key, read_only=True)
    except _errors():
        return False
    try:
        return conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    except _errors():
        return False
    finally:
        conn.close()


def is_damaged(path: Path, key: bytes | None) -> bool:
    """True when `path` fails `PRAGMA quick_check` or is not an SQLite file at all, read with its
    (already verified) `key`.

    A busy or unreadable file is not damage: that error is raised, so a file another program
    holds is never moved aside. The connection replays a WAL left by a crash before checking.
    """
    from desktop.store.connection import DATABASE_ERRORS

    conn = _connect(path, key, timeout_s=CHECK_TIMEOUT_S)
    try:
        return conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]
    except DATABASE_ERRORS as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF in CORRUPTION_CODES:
            return True
        raise
    finally:
        conn.close()


def recover(db_path: Path, now: datetime, key: bytes | None) -> Recovery:
    """Keep the damaged file (and its WAL) as `*.damaged-…`, and put the newest healthy backup (or
    a new empty file) in its place. The path never goes missing meanwhile: the damaged file is
    linked aside and the replacement renamed over it, so a process starting now finds one or the
    other, never nothing to create anew. Callers hold the recovery lock (`exclusive`)."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    damaged = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    n = 1
    while damaged.exists():
        n += 1
        damaged = db_path.with_name(f"{db_path.name}.damaged-{stamp}-{n}")
    restored = next((b for b in backups(db_path) if is_healthy(b, key)), None)
    fresh = db_path.with_name(f"{db_path.name}.restoring")
    fresh.unlink(missing_ok=True)
    if restored is not None:
        shutil.copyfile(restored, fresh)
        os.chmod(fresh, 0o600)
    else:
        private_file(fresh)
    _set_aside(db_path, damaged)
    for suffix in SIDE_FILES:
        side = db_path.with_name(db_path.name + suffix)
        if side.exists():
            side.replace(damaged.with_name(damaged.name + suffix))
    fresh.replace(db_path)
    if restored is not None:
        message = (
            f"草稿文件已损坏，已另存为 {damaged.name}，并已恢复 {restored.stem} 的自动备份。"
            "备份之后的修改可能缺失，请核对最近的草稿；如需找回，请把损坏的文件交给技术支持。"
        )
    else:
        message = (
            f"草稿文件已损坏，已另存为 {damaged.name}。没有可用的自动备份，已新建空的草稿文件；"
            "如需找回原有草稿，请把损坏的文件交给技术支持。"
        )
    return Recovery(damaged_copy=damaged, restored_from=restored, message=message)


def _set_aside(db_path: Path, damaged: Path) -> None:
    try:
        os.link(db_path, damaged)
    except OSError:
        shutil.copyfile(db_path, damaged)  # no hard links here (FAT, some network shares)
    os.chmod(damaged, 0o600)


def exclusive(lock_path: Path) -> AbstractContextManager[None]:
    """Hold an exclusive lock on `lock_path` (created beside the drafts file, never the drafts
    file itself): two processes starting on one damaged file recover it one after the other,
    the second waiting as long as the first takes (platform.exclusive)."""
    return platform.exclusive(lock_path)
