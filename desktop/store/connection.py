"""The one place connections to a drafts file are made, and what happens before the first one.

Before connecting, the file at the path is looked at through SQLite only: a drafts file (marked by
its `application_id`, or an older one by its recorded migrations) is opened, a damaged one set
aside and recovered from a backup, and any other file refused untouched. The drafts file is never
opened with `open()`: on POSIX, closing any descriptor of a file drops every lock the process holds
on it, and another process closing its connection would then delete the WAL the window still
writes to.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from sqlite_utils import Database

from desktop import backup
from desktop.store.models import BUSY_TIMEOUT_MS, NewerStoreError, NoDraftsFile, NotDraftsFile, StoreError
from desktop.store.schema import APPLICATION_ID, known_migrations, migrations, recorded_migrations

PAGE_BYTES = 8192
CORRUPTION_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
FULL_CODE = 13  # SQLITE_FULL

Kind = Literal["missing", "empty", "drafts", "blank", "foreign", "unreadable"]

# Threads of one process prepare (create, recover) one at a time; other processes are kept out
# of a recovery by the lock file beside the drafts file.
_PREPARING = threading.Lock()


@dataclass(frozen=True)
class FileState:
    kind: Kind
    migrations: tuple[str, ...] = ()


def connect(
    path: Path, *, read_only: bool = False, timeout_s: float = BUSY_TIMEOUT_MS / 1000
) -> sqlite3.Connection:
    """A connection to a drafts file or one of its backups (read-only: never writes, never creates)."""
    if read_only:
        return sqlite3.connect(backup.read_only_uri(path), uri=True, timeout=timeout_s)
    return sqlite3.connect(path, timeout=timeout_s)


def inspect(path: Path) -> FileState:
    """What is at `path`, seen through SQLite only. A busy file raises (it is not damage)."""
    if not path.exists():
        return FileState("missing")
    if not path.is_file():
        return FileState("foreign")
    if path.stat().st_size == 0:
        return FileState("empty")
    try:
        conn = connect(path, read_only=True)
    except sqlite3.Error:
        return FileState("unreadable")
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        names = recorded_migrations(conn)
        if app_id == APPLICATION_ID or names:  # names: a drafts file from before application_id
            return FileState("drafts", tuple(names or ()))
        if app_id == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
            return FileState("blank")
        return FileState("foreign")
    except sqlite3.DatabaseError as exc:
        if error_code(exc) in CORRUPTION_CODES:
            return FileState("unreadable")
        raise
    finally:
        conn.close()


def error_code(exc: BaseException) -> int:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


def open_database(path: Path, *, create: bool, now: datetime) -> tuple[Database, backup.Recovery | None]:
    """Check, recover if damaged, migrate and connect; see the module docstring."""
    with _PREPARING:
        recovery = _prepare(path, create=create, now=now)
    db = Database(connect(path))
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
    return db, recovery


def _prepare(path: Path, *, create: bool, now: datetime) -> backup.Recovery | None:
    state = inspect(path)
    if state.kind in ("missing", "blank") or (state.kind == "empty" and not backup.backups(path)):
        if not create:
            raise NoDraftsFile(f"{path} 处没有草稿文件；请用 --db 指定已有的草稿文件")
        if state.kind == "missing":
            if not path.parent.exists():
                backup.private_dir(path.parent)
            _create_private(path)
        os.chmod(path, 0o600)
        return None
    if state.kind == "foreign" or (
        state.kind == "unreadable" and not backup.backups(path) and not _marked(path)
    ):
        raise NotDraftsFile(
            f"{path} 不是 desk400 的草稿文件（或已损坏且没有自动备份），本程序没有改动它；请用 --db 指定草稿文件"
        )
    if state.kind == "drafts":
        _refuse_newer(path, state.migrations)
        if not backup.is_damaged(path):
            os.chmod(path, 0o600)
            return None
    return _recover(path, now)


def _marked(path: Path) -> bool:
    """True when an unreadable file's header still says it is a drafts file.

    The one place the file is read outside SQLite: only once SQLite could not read it at all, when
    no connection of this process can still be using it."""
    with path.open("rb") as handle:
        head = handle.read(100)
    return head[:16] == b"SQLite format 3\0" and head[68:72] == APPLICATION_ID.to_bytes(4, "big")


def _recover(path: Path, now: datetime) -> backup.Recovery | None:
    """Set the damaged file aside and restore a backup, unless another process did it first."""
    with backup.exclusive(path.with_name(path.name + ".lock")):
        state = inspect(path)
        if state.kind == "drafts" and not backup.is_damaged(path):
            return None  # another process recovered it while this one waited for the lock
        if state.kind == "foreign":
            raise NotDraftsFile(f"{path} 不是 desk400 的草稿文件，本程序没有改动它；请用 --db 指定草稿文件")
        return backup.recover(path, now)


def _create_private(path: Path) -> None:
    """Create the new drafts file 0600 before SQLite opens it. Safe here: no connection can hold a
    lock on a file that did not exist a moment ago (O_EXCL), and threads create one at a time."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _refuse_newer(path: Path, recorded: tuple[str, ...]) -> None:
    """Raise NewerStoreError if the file records migrations this version does not know."""
    unknown = sorted(set(recorded) - known_migrations())
    if unknown:
        raise NewerStoreError(
            f"草稿文件 {path} 由更新版本的 desk400 创建（结构版本 {unknown[-1]}），本程序无法打开，"
            "文件未做任何改动。请升级 desk400 后再打开。"
        )


def translated(exc: BaseException) -> StoreError | None:
    """The StoreError for a busy file or a full disk, or None for any other failure."""
    from desktop.store.models import DiskFull, StoreBusy

    if isinstance(exc, sqlite3.OperationalError) and error_code(exc) in BUSY_CODES:
        return StoreBusy("草稿文件正被其他程序占用，请稍后重试")
    full = (isinstance(exc, sqlite3.Error) and error_code(exc) == FULL_CODE) or (
        isinstance(exc, OSError) and exc.errno == errno.ENOSPC
    )
    if full:
        return DiskFull("磁盘已满，刚才的修改没有保存；请清理磁盘空间后重试")
    return None


@contextmanager
def store_errors() -> Iterator[None]:
    """Raise a busy file or a full disk as its StoreError, the original chained."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        mapped = translated(exc)
        if mapped is None:
            raise
        raise mapped from exc
