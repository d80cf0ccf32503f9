"""Connecting to one SQLite file of the drafts store, and looking at what a file is.

The lowest room of the store: `connect` (SQLCipher, keyed, in a page format), what SQLite and
SQLCipher raise (`ERRORS`: not one hierarchy), `look`/`inspect` (what is at a path, seen
through SQLite only) and `key_fits` (whether a file was written with a key). `backup`, `encrypt` and `connection` build on it; it imports none of them,
so the store's modules form no import cycle.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlcipher3 import dbapi2 as sqlcipher

from desktop.files import platform
from desktop.store import keys
from desktop.store.cipher import BY_VERSION, CURRENT, Cipher
from desktop.store.models import BUSY_TIMEOUT_MS
from desktop.store.schema import APPLICATION_ID, recorded_migrations

CORRUPTION_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
FULL_CODE = 13  # SQLITE_FULL
PLAIN_HEADER = b"SQLite format 3\0"
# What SQLite (stdlib, for the hall and old code paths) and SQLCipher raise: not one hierarchy.
ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, sqlcipher.DatabaseError)
OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError, sqlcipher.OperationalError)

Kind = Literal["missing", "empty", "drafts", "blank", "foreign", "unreadable"]


# SQLCipher logs every failed decryption to stderr ("ERROR CORE ..."): a wrong key or a damaged
# file is reported by this code in Chinese instead. The level is process-wide.
sqlcipher.connect(":memory:").execute("PRAGMA cipher_log_level = NONE").close()


@dataclass(frozen=True)
class FileState:
    kind: Kind
    migrations: tuple[str, ...] = ()
    plain: bool = False


def connect(
    path: Path,
    *,
    key: bytes | None,
    read_only: bool = False,
    timeout_s: float = BUSY_TIMEOUT_MS / 1000,
    cipher: Cipher = CURRENT,
    any_thread: bool = False,
) -> Any:
    """A connection to a drafts file or one of its backups, keyed with `key` (None: a plain file
    being encrypted) in the page format `cipher` (an older one only to rewrite the file: see
    desktop.store.cipher). Read-only never writes and never creates. `any_thread`: the caller
    makes sure one thread at a time uses it (desktop.ui.workers.StorePool.lend)."""
    same_thread = not any_thread
    if read_only:
        conn = sqlcipher.connect(
            read_only_uri(path), uri=True, timeout=timeout_s, check_same_thread=same_thread
        )
    else:
        conn = sqlcipher.connect(str(path), timeout=timeout_s, check_same_thread=same_thread)
    if key is not None:
        try:
            conn.execute(f"PRAGMA key = {keys.sql_key(key)}")
            for pragma in cipher.pragmas():
                conn.execute(pragma)
            # Wiping and locking every allocation costs much (SQLCipher 4 had it on by default
            # before 4.5); the key stays raw and HMAC stays on, so pages are still checked.
            conn.execute("PRAGMA cipher_memory_security = OFF")
        except BaseException:
            conn.close()
            raise
    return conn


def inspect(path: Path, key: bytes | None) -> FileState:
    """What is at `path`, seen through SQLite only (keyed with `key`; a plain file is recognised
    too, `plain` set). A busy file raises (it is not damage)."""
    if not path.exists():
        return FileState("missing")
    if not path.is_file():
        return FileState("foreign")
    if path.stat().st_size == 0:
        return FileState("empty")
    state = look(path, key)
    if key is not None and state.kind == "unreadable" and plain_header(path):
        plain = look(path, None)
        return FileState(plain.kind, plain.migrations, plain=True)
    return state


def look(path: Path, key: bytes | None, cipher: Cipher = CURRENT) -> FileState:
    """What SQLite reads at `path` keyed with `key` in the page format `cipher`, nothing else."""
    try:
        conn = connect(path, key=key, read_only=True, cipher=cipher)
    except ERRORS:
        return FileState("unreadable", plain=key is None)
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        names = recorded_migrations(conn)
        if app_id == APPLICATION_ID or names:  # names: a drafts file from before application_id
            return FileState("drafts", tuple(names or ()), plain=key is None)
        if app_id == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
            return FileState("blank", plain=key is None)
        return FileState("foreign", plain=key is None)
    except DATABASE_ERRORS as exc:
        if error_code(exc) in CORRUPTION_CODES:
            return FileState("unreadable", plain=key is None)
        raise
    finally:
        conn.close()


def key_fits(path: Path, key: bytes) -> bool | None:
    """Whether the encrypted file at `path` was written with `key`: True when any page of it
    authenticates under the key (in a page format this version knows), False when none of its
    pages does, None when it is too short to tell.

    SQLCipher answers a wrong key and a damaged first page alike ("file is not a database"), but
    every page carries its own HMAC under a key derived from the file's key and its salt (the
    file's first 16 bytes, kept in clear): `PRAGMA cipher_integrity_check` checks each page on its
    own, page 1 unread or not. Damage leaves most pages authentic; another key leaves none. A file
    whose salt itself was overwritten reads as another key's: refused untouched, never set aside.
    """
    size = path.stat().st_size
    told = False
    for cipher in (CURRENT, *(c for c in BY_VERSION.values() if c != CURRENT)):
        pages = size // cipher.page_bytes
        if pages < 2:
            continue
        told = True
        try:
            conn = connect(path, key=key, read_only=True, cipher=cipher)
        except ERRORS:
            continue
        try:
            failed = sum(
                1
                for (line,) in conn.execute("PRAGMA cipher_integrity_check").fetchall()
                if "HMAC verification failed" in str(line)
            )
        except DATABASE_ERRORS:
            continue
        finally:
            conn.close()
        if failed < pages:
            return True
    return False if told else None


def error_code(exc: BaseException) -> int:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


def read_only_uri(path: Path) -> str:
    """A read-only URI SQLite accepts, also for a drafts file on a network share (see platform)."""
    return platform.sqlite_uri(path, mode="ro")


def plain_header(path: Path) -> bool:
    """True when the file starts as a plain SQLite file does (an encrypted one starts at random).

    Read outside SQLite only once SQLite could not read the file with its key."""
    with path.open("rb") as handle:
        return handle.read(16) == PLAIN_HEADER
