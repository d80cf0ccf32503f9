"""Encrypting a plain drafts file from an older desk400, in place, and removing its plain copies;
rewriting one encrypted in an older page format (desktop.store.cipher) in the current one.

The encrypted copy is written beside the file (`*.encrypting`), synced, and renamed over it: a
crash or a kill at any moment leaves either the plain file or the complete encrypted one, never
neither (the key file is written, synced, before the rename). The plain WAL is checkpointed into
the file first, so no plain WAL is left to be replayed onto the encrypted file. Backups are
encrypted the same way, and so are recovery journals; damaged copies set aside are removed (they
cannot be read to be encrypted), since they would keep customers' data in clear.

Deleting a file does not wipe its blocks: on an SSD (wear levelling) or a copy-on-write file
system the old plain pages may survive on the medium until reused. README says so.

A file in an older page format is rewritten the same way (copy beside it, synced, renamed over it),
and so are its backups; the key file records the new format only once all are done, so a kill
at any moment leaves files the next open finishes. A copy readable in neither format is left
as it is (damaged: recovery sets it aside as for any damaged file).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from desktop.files import platform
from desktop.store import backup, journal, keys
from desktop.store.cipher import BY_VERSION, CURRENT, OLDER, Cipher
from desktop.store.connection import (
    CORRUPTION_CODES,
    DATABASE_ERRORS,
    PLAIN_HEADER,
    connect,
    error_code,
    look,
)
from desktop.store.models import DiskFull, NewerStoreError, StoreError
from desktop.store.schema import APPLICATION_ID

SUFFIX = ".encrypting"
DISK_FULL = (
    "磁盘已满，无法加密草稿文件（需要与它一样大的空间），文件没有改动；请清理磁盘空间后重新打开 desk400"
)
IN_USE = "草稿文件正被其他程序（也许是旧版 desk400）使用，无法加密；请关闭其他 desk400 窗口后重试"
# SQLite's unix VFS: every connection in WAL mode, idle or not, holds a shared lock on this byte
# of the -shm file for as long as it is open (UNIX_SHM_DMS in os_unix.c).
SHM_DMS_BYTE = 128


def encrypt_drafts(path: Path, key: bytes | None) -> bytes:
    """Encrypt the plain drafts file at `path` (key: the one its key file already names, from an
    interrupted run, else a new one is made) and its copies; returns the key."""
    with backup.exclusive(path.with_name(path.name + ".lock")):
        if key is None:
            info = keys.read_key_file(path)
            key = keys.unlock_with(path, info) if info is not None else keys.create(path)
        if is_plain(path):  # else another process did it while this one waited for the lock
            encrypt_file(path, key, checkpoint=True, before_rename=lambda: _drop_damaged_copies(path))
        finish(path, key)
    return key


def encrypt_file(
    path: Path,
    key: bytes,
    *,
    source: Cipher | None = None,
    checkpoint: bool = False,
    before_rename: Callable[[], None] | None = None,
) -> None:
    """Replace the SQLite file `path`, plain (or encrypted with `key` in the page format `source`),
    by a copy encrypted with `key` in the current format, atomically."""
    if checkpoint and open_elsewhere(path):
        raise StoreError(IN_USE)
    tmp = path.with_name(path.name + SUFFIX)
    tmp.unlink(missing_ok=True)
    backup.private_file(tmp)
    conn = connect(path, key=key if source is not None else None, cipher=source or CURRENT)
    try:
        if checkpoint:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy and busy[0]:
                raise StoreError(IN_USE)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY {keys.sql_key(key)}", [str(tmp)])
        for pragma in CURRENT.pragmas("encrypted"):
            conn.execute(pragma)
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute(f"PRAGMA encrypted.application_id = {int(app_id) or APPLICATION_ID}")
        conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        conn.execute("DETACH DATABASE encrypted")
    except BaseException as exc:
        conn.close()
        tmp.unlink(missing_ok=True)
        # sqlcipher_export reports the copy's SQLITE_FULL as a plain SQLITE_ERROR with SQLite's
        # fixed text for it: said here as the full disk it is.
        if isinstance(exc, DATABASE_ERRORS) and "database or disk is full" in str(exc):
            raise DiskFull(DISK_FULL) from exc
        raise
    conn.close()  # the last connection: SQLite removes the (checkpointed, empty) plain WAL
    platform.sync_file(tmp)  # opened for writing: Windows cannot flush a read-only handle
    if before_rename is not None:
        before_rename()
    os.replace(tmp, path)
    platform.sync_dir(path.parent)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists() and side.stat().st_size == 0:
            side.unlink(missing_ok=True)


def upgrade_cipher(path: Path, key: bytes, info: keys.KeyFile) -> keys.KeyFile:
    """Rewrite the drafts file at `path` and its backups, encrypted with `key` in the older page
    format its key file `info` names, in the current one; returns the key file that says so."""
    _known_format(path, info)  # before the lock file: a refused file is left as it was
    with backup.exclusive(path.with_name(path.name + ".lock")):
        info = keys.read_key_file(path) or info  # another process may have done it meanwhile
        if info.cipher == CURRENT.version:
            return info
        _rewrite_copies(path, key, (_known_format(path, info),))
        info = replace(info, cipher=CURRENT.version)
        keys.write_key_file(path, info)
    return info


def rewrite_older_copies(path: Path, key: bytes) -> bool:
    """Rewrite, in the current format, each of the drafts file and its backups that only an older
    one reads although the key file names the current one: copies put back from a system backup
    made before the rewrite. True when the drafts file or a backup was."""
    with backup.exclusive(path.with_name(path.name + ".lock")):
        return _rewrite_copies(path, key, OLDER)


def _rewrite_copies(path: Path, key: bytes, formats: tuple[Cipher, ...]) -> bool:
    path.with_name(path.name + SUFFIX).unlink(missing_ok=True)
    done = False
    for copy in (path, *backup.backups(path)):
        if not _has_pages(copy) or _readable(copy, key, CURRENT):
            continue
        source = next((cipher for cipher in formats if _readable(copy, key, cipher)), None)
        if source is None:
            continue  # damaged: recovery sets it aside as any damaged file
        try:
            encrypt_file(copy, key, source=source, checkpoint=copy == path)
            done = True
        except DATABASE_ERRORS as exc:
            if error_code(exc) not in CORRUPTION_CODES:
                raise  # busy, full disk: said as such, the next open tries again
    return done


def open_elsewhere(path: Path) -> bool:
    """True when another process has the drafts file open, even idle: its connection would keep
    writing to the file this one replaces (by name, into the WAL). Checked through the lock SQLite
    holds on the -shm file, on POSIX systems; Windows refuses to replace a file another process
    has open, which stops the rewrite there. Called only while this process has no connection on
    the file: closing the descriptor drops every lock this process holds on the -shm."""
    if platform.fcntl is None:
        return False
    fcntl = platform.fcntl
    try:
        fd = platform.open_fd(path.with_name(path.name + "-shm"), os.O_RDWR)
    except OSError:
        return False  # no -shm: no connection in WAL mode has it open
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_BYTE)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _known_format(path: Path, info: keys.KeyFile) -> Cipher:
    cipher = BY_VERSION.get(info.cipher)
    if cipher is None:
        raise NewerStoreError(
            f"草稿文件 {path} 由更新版本的 desk400 加密（格式 {info.cipher}），本程序无法打开，"
            "文件未做任何改动。请升级 desk400 后再打开。"
        )
    return cipher


def _has_pages(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _readable(path: Path, key: bytes, cipher: Cipher) -> bool:
    """True when SQLite reads `path` with `key` in the format `cipher` (a busy file raises)."""
    return look(path, key, cipher).kind != "unreadable"


def finish(path: Path, key: bytes) -> None:
    """Encrypt plain backups and recovery journals, and remove an interrupted run's temporary
    file: what a run killed after the drafts file was encrypted left to do."""
    path.with_name(path.name + SUFFIX).unlink(missing_ok=True)
    for copy in backup.backups(path):
        if is_plain(copy):
            encrypt_file(copy, key)
    for old in journal.journals(path):
        if journal.is_plain(old):
            journal.seal_plain(path, old, key)


def _drop_damaged_copies(path: Path) -> None:
    """Every damaged copy beside a plain drafts file is plain too (set aside before encryption):
    removed before the encrypted file takes the name, so none outlives the plain era."""
    for damaged in path.parent.glob(f"{path.name}.damaged-*"):
        damaged.unlink(missing_ok=True)


def is_plain(path: Path) -> bool:
    """True for a file that starts as an unencrypted SQLite file does (never the live drafts file
    while a connection of this process may have it open: see connection.py)."""
    try:
        with path.open("rb") as handle:
            return handle.read(16) == PLAIN_HEADER
    except OSError:
        return False
