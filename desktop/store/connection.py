"""The one place connections to a drafts file are made, and what happens before the first one.

Every drafts file, WAL and backup is encrypted with SQLCipher under the file's own key
(desktop.store.keys). Before connecting, the file at the path is looked at through SQLite only: a
drafts file (marked by its key file beside it, or a plain one by its `application_id` or its
recorded migrations) is opened, a plain one encrypted (desktop.store.encrypt), a damaged one set
aside and recovered from a backup, and any other file refused untouched. The key is verified
(its check value) before any of this, so a wrong key is said as such and never taken for damage;
and a key right for its key file that no page of the drafts file authenticates under (a drafts
file copied without its own key file, key files swapped) is refused as not this file's
(`key_fits`), nothing renamed or set aside.

Opening checks only what it reads anyway (the header, the key, the schema): the full
`PRAGMA quick_check` decrypts every page, seconds at 100 000 cases, so it runs in housekeeping on
its own connection (`Store.check_health`). Damage found there with no other connection of this
process on the file is recovered at once; otherwise the file is marked (`damage_mark`) and the
next open, with nothing else holding it, recovers it. A file is never set aside under a live
connection: closing that connection later would delete the restored file's WAL by name.
The drafts file is never opened with `open()` while it may be in use: on POSIX, closing any
descriptor of a file drops every lock the process holds on it, and another process closing its
connection would then delete the WAL the window still writes to.
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
from typing import Any, Literal

from sqlcipher3 import dbapi2 as sqlcipher
from sqlite_utils import Database

from desktop.files import platform
from desktop.store import backup, keys
from desktop.store.cipher import CURRENT, Cipher
from desktop.store.models import (
    BUSY_TIMEOUT_MS,
    DamagedFile,
    NewerStoreError,
    NoDraftsFile,
    NotDraftsFile,
    StoreError,
)
from desktop.store.schema import APPLICATION_ID, known_migrations, migrations, recorded_migrations

CACHE_KIB = 16384
CORRUPTION_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
FULL_CODE = 13  # SQLITE_FULL
PLAIN_HEADER = b"SQLite format 3\0"
# What SQLite (stdlib, for the hall and old code paths) and SQLCipher raise: not one hierarchy.
ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, sqlcipher.DatabaseError)
OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError, sqlcipher.OperationalError)

Kind = Literal["missing", "empty", "drafts", "blank", "foreign", "unreadable"]

# Threads of one process prepare (create, recover) one at a time; other processes are kept out
# of a recovery by the lock file beside the drafts file.
_PREPARING = threading.Lock()
# The Stores of this process open on each drafts file (resolved path): a damaged file is set
# aside only when none is.
_OPEN: dict[str, int] = {}
DAMAGE_MARK = ".damage-found"
DAMAGED_IN_USE = (
    "草稿文件已损坏（后台检查发现）。请关闭 desk400 后重新打开：启动时会把损坏的文件另存一份，"
    "并从最近的自动备份恢复。"
)

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
            backup.read_only_uri(path), uri=True, timeout=timeout_s, check_same_thread=same_thread
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
    if key is not None and state.kind == "unreadable" and _plain_header(path):
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
    from desktop.store.cipher import BY_VERSION

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


def damage_mark(path: Path) -> Path:
    """The mark a full check leaves beside a damaged drafts file it could not recover at once."""
    return path.with_name(path.name + DAMAGE_MARK)


def opened(path: Path) -> None:
    """Count a Store of this process as open on `path` (see `closed`)."""
    name = str(path.resolve())
    with _PREPARING:
        _OPEN[name] = _OPEN.get(name, 0) + 1


def _in_use(path: Path) -> bool:
    """True while a Store of this process has `path` open (call holding _PREPARING)."""
    return _OPEN.get(str(path.resolve()), 0) > 0


def closed(path: Path) -> None:
    name = str(path.resolve())
    with _PREPARING:
        left = _OPEN.get(name, 0) - 1
        if left > 0:
            _OPEN[name] = left
        else:
            _OPEN.pop(name, None)


def open_database(
    path: Path, *, create: bool, now: datetime, any_thread: bool = False
) -> tuple[Database, backup.Recovery | None, bytes]:
    """Unlock, check, encrypt if plain, recover if damaged, migrate and connect; see the module
    docstring. Returns the database, what a recovery did, and the file's key."""
    try:
        return _connected(path, create=create, now=now, any_thread=any_thread)
    except DATABASE_ERRORS as exc:
        if error_code(exc) not in CORRUPTION_CODES:
            raise
    # Damage the cheap check missed, met while migrating: marked, so the second try checks in full.
    damage_mark(path).touch(mode=0o600)
    return _connected(path, create=create, now=now, any_thread=any_thread)


def _connected(
    path: Path, *, create: bool, now: datetime, any_thread: bool
) -> tuple[Database, backup.Recovery | None, bytes]:
    with _PREPARING:
        key, recovery = _prepare(path, create=create, now=now)
    db = Database(connect(path, key=key, any_thread=any_thread))
    try:
        conn = db.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Every page read from disk is decrypted and its HMAC checked (~6 us for 4 KB); pages in
        # SQLite's cache are not. 16 MB (4 000 pages, taken only as used) keeps the id index
        # (Store.warm_cache), the b-tree interiors and the cases just listed decrypted; the
        # default 2 MB could not hold the id index at 100 000 cases.
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        # A case row is 1.5 to 3 KB: a 4 KB page (desktop.store.cipher) holds one or two.
        db.enable_wal()
        # FULL: a committed save survives a power cut, not only a crash of the app.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA secure_delete = ON")
        migrations().apply(db)
    except BaseException:
        db.close()
        raise
    return db, recovery, key


def open_drafts(
    path: Path, *, create: bool, now: datetime, any_thread: bool = False
) -> tuple[Database, backup.Recovery | None, bytes]:
    """`open_database`, every failure a StoreError whose message names the file and what to do."""
    try:
        with store_errors():
            return open_database(path, create=create, now=now, any_thread=any_thread)
    except StoreError as exc:
        if isinstance(exc.__cause__, (*ERRORS, OSError)):
            raise type(exc)(f"无法打开草稿文件 {path}：{exc}") from exc.__cause__
        raise
    except (*ERRORS, OSError) as exc:
        raise StoreError(
            f"无法打开草稿文件 {path}（{exc}）。请检查文件位置和权限，或关闭其他正在使用它的程序后重试。"
        ) from exc


def _prepare(path: Path, *, create: bool, now: datetime) -> tuple[bytes, backup.Recovery | None]:
    from desktop.store import encrypt

    info = keys.read_key_file(path)
    # The key first: a wrong or missing key raises here, before the file is looked at or changed.
    key = keys.unlock_with(path, info) if info is not None else None
    if info is not None and key is not None and info.cipher != CURRENT.version:
        info = encrypt.upgrade_cipher(path, key, info)  # once, at the first open of a new desk400
    state = inspect(path, key)
    if state.kind in ("unreadable", "empty") and key is not None and not state.plain and not _in_use(path):
        # Asked before anything else is read or written (the lock file, the backups' formats).
        _refuse_another_key(path, key)
    if state.kind == "unreadable" and key is not None and not _in_use(path):
        if encrypt.rewrite_older_copies(path, key):  # put back from before the format changed
            state = inspect(path, key)
    if state.kind in ("missing", "blank") or (state.kind == "empty" and not backup.backups(path)):
        if not create:
            raise NoDraftsFile(f"{path} 处没有草稿文件；请用 --db 指定已有的草稿文件")
        if state.kind == "missing" and not path.parent.exists():
            backup.private_dir(path.parent)
        if key is None:
            key = keys.create(path)  # the key file first: a file without one is not a drafts file
        if state.kind == "missing":
            _create_private(path)
        os.chmod(path, 0o600)
        return key, None
    if state.kind == "foreign" or (
        state.kind == "unreadable" and not backup.backups(path) and not _marked(path, info)
    ):
        raise NotDraftsFile(
            f"{path} 不是 desk400 的草稿文件（或已损坏且没有自动备份，或缺少它的密钥文件），本程序没有改动它；"
            "请用 --db 指定草稿文件"
        )
    if state.kind == "unreadable" and key is None and not _plain_header(path):
        raise NotDraftsFile(
            f"{path} 是加密的文件，但旁边没有它的密钥文件 {keys.key_path(path).name}，本程序没有改动它；"
            "请把密钥文件放回原处"
        )
    plain = state.plain or key is None
    recovery = None
    mark = damage_mark(path)
    if state.kind == "drafts":
        _refuse_newer(path, state.migrations)
        # The cheap check: inspect read the header and the schema with the verified key. The full
        # one only for a plain file about to be encrypted, or one a full check marked damaged (a
        # mark is checked again, never trusted: a mark left on a healthy file must not block it).
        marked = mark.exists()
        damaged = (plain or marked) and backup.is_damaged(path, None if plain else key)
    else:
        damaged = True
    if damaged:
        if _in_use(path):
            raise DamagedFile(DAMAGED_IN_USE)  # set aside at the next start, not under a connection
        if not plain and key is not None and state.kind == "drafts":
            # A backup put back from before the page format changed is written with this key but
            # reads only in its old format: rewritten first, so recovery finds it (an unreadable
            # file had this done above).
            encrypt.rewrite_older_copies(path, key)
        recovery = _recover(path, now, None if plain else key)
    mark.unlink(missing_ok=True)
    if plain:
        key = encrypt.encrypt_drafts(path, key)
    assert key is not None
    encrypt.finish(path, key)
    os.chmod(path, 0o600)
    return key, recovery


def _plain_header(path: Path) -> bool:
    """True when the file starts as a plain SQLite file does (an encrypted one starts at random).

    Read outside SQLite only once SQLite could not read the file with its key."""
    with path.open("rb") as handle:
        return handle.read(16) == PLAIN_HEADER


WRONG_KEY_FILE = (
    "这个密钥文件不是这个草稿文件的：{key_file} 里的密钥打不开 {name}，本程序没有改动任何文件；"
    "请把这个草稿文件自己的密钥文件放在它旁边（换电脑时两个文件一起拷贝）"
)


def _refuse_another_key(path: Path, key: bytes) -> None:
    """NotThisFilesKey when the key, right for its key file (check value), is not the drafts file's: a
    drafts file copied without its own key file, or key files swapped. Taking that for damage
    set the file aside and put a backup (or nothing) in its place.

    The drafts file says so when no page of it authenticates under the key and it still looks
    like ciphertext. One damaged beyond telling (overwritten, emptied) leaves it to the backups:
    when every one of them is another key's too, the key file is not this drafts file's either;
    a backup written with this key, in any page format, is what recovery then restores."""
    fits = key_fits(path, key) if path.stat().st_size else None
    if fits is True:
        return
    message = WRONG_KEY_FILE.format(key_file=keys.key_path(path).name, name=path.name)
    if fits is False and _all_ciphertext(path):
        raise keys.NotThisFilesKey(message)
    stored = backup.backups(path)
    if stored and all(key_fits(copy, key) is False and _all_ciphertext(copy) for copy in stored):
        raise keys.NotThisFilesKey(message)


def _all_ciphertext(path: Path, pages: int = 8) -> bool:
    """True when the file looks like SQLCipher's work: a random salt (its first 16 bytes) and the
    first pages after the first nearly every byte value each. A file written with another key
    does; one whose start or pages were overwritten with zeroes, a fill byte or text (damage) does
    not, and is recovered from a backup as any damaged file.

    Read outside SQLite only once SQLite could not read the file, with no connection of this
    process on it (see the module docstring)."""
    size = CURRENT.page_bytes
    with path.open("rb") as handle:
        salt = handle.read(16)
        handle.seek(size)
        chunks = [handle.read(size) for _ in range(pages)]
    whole = [chunk for chunk in chunks if len(chunk) == size]
    # 16 random bytes repeat a value about once; 4 KB of ciphertext holds nearly all 256 values.
    return len(set(salt)) >= 10 and bool(whole) and all(len(set(chunk)) >= 200 for chunk in whole)


def _marked(path: Path, info: keys.KeyFile | None) -> bool:
    """True when an unreadable file is still known as a drafts file: its key file is beside it, or
    its plain header still says so.

    The one place the file is read outside SQLite: only once SQLite could not read it at all, when
    no connection of this process can still be using it."""
    if info is not None:
        return True
    with path.open("rb") as handle:
        head = handle.read(100)
    return head[:16] == PLAIN_HEADER and head[68:72] == APPLICATION_ID.to_bytes(4, "big")


def _recover(path: Path, now: datetime, key: bytes | None) -> backup.Recovery | None:
    """Set the damaged file aside and restore a backup, unless another process did it first."""
    with backup.exclusive(path.with_name(path.name + ".lock")):
        state = inspect(path, key)
        if state.kind == "drafts" and state.plain == (key is None) and not backup.is_damaged(path, key):
            return None  # another process recovered it while this one waited for the lock
        if state.kind == "foreign":
            raise NotDraftsFile(f"{path} 不是 desk400 的草稿文件，本程序没有改动它；请用 --db 指定草稿文件")
        return backup.recover(path, now, key)


def _create_private(path: Path) -> None:
    """Create the new drafts file 0600 before SQLite opens it. Safe here: no connection can hold a
    lock on a file that did not exist a moment ago (O_EXCL), and threads create one at a time."""
    try:
        fd = platform.open_fd(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
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

    if isinstance(exc, OPERATIONAL_ERRORS) and error_code(exc) in BUSY_CODES:
        return StoreBusy("草稿文件正被其他程序占用，请稍后重试")
    full = (isinstance(exc, ERRORS) and error_code(exc) == FULL_CODE) or (
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
    except (*ERRORS, OSError) as exc:
        mapped = translated(exc)
        if mapped is None:
            raise
        raise mapped from exc
