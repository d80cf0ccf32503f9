"""The operating system's file semantics, in one place: every module that opens, syncs or locks a
file by descriptor, or names one in a SQLite URI, asks here.

Why one place: desk400 was written on Linux, where `os.open` is binary, `fsync` works on any
descriptor, `fcntl` exists and every path is `/…`. A Windows desk differs in each (issue 22):

- `os.open` without `os.O_BINARY` opens in text mode: `os.write` turns `\\n` into `\\r\\n`, which
  corrupts every PDF and sealed case file. CPython's own `FileIO` and `tempfile` add the flag
  (tempfile's `_bin_openflags`); `os.open` does not. `flags()` always does.
- `os.fsync` is `FlushFileBuffers`, which needs a descriptor opened for writing (EBADF otherwise).
- There is no `fcntl`; `msvcrt.locking(LK_LOCK)` gives up after 10 one-second tries with the
  English "Resource deadlock avoided". `exclusive()` polls `LK_NBLCK` for as long as it takes.
- A drafts file on a share is `\\\\nas\\share\\…`: `PureWindowsPath.as_uri()` makes it
  `file://nas/share/…`, whose authority SQLite refuses. `sqlite_uri()` writes the empty authority
  SQLite documents (`file:////nas/share/…`).
- Paths past MAX_PATH (260) need the `\\\\?\\` prefix unless the machine enabled long paths.
- A console or pipe in GBK cannot show every character: `configure_console()` makes the streams
  replace what they cannot encode, so a command never fails after its work is done.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath, PureWindowsPath
from urllib.parse import quote

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

WINDOWS = os.name == "nt"
BINARY = getattr(os, "O_BINARY", 0)
_NOINHERIT = getattr(os, "O_NOINHERIT", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
# Windows' MAX_PATH is 260 including the terminating NUL; a folder's path must leave room for an
# 8.3 name (248). Past that, only the `\\?\` form reaches the file on a machine without long paths.
_MAX_PATH = 248
# How often a waiting start looks at the recovery lock again on Windows (msvcrt has no blocking
# lock without the 10-try limit).
LOCK_POLL_S = 0.1
# Errors msvcrt.locking gives while another process holds the byte: try again.
_LOCK_BUSY = {errno.EACCES, errno.EDEADLK, getattr(errno, "EDEADLOCK", errno.EDEADLK)}


def flags(base: int, *, nofollow: bool = False, nonblock: bool = False) -> int:
    """`base` (O_RDONLY, O_WRONLY|O_CREAT…) with what every desk400 descriptor needs: binary on
    Windows, not inherited by child processes; no link followed and no blocking where asked."""
    extra = BINARY | _NOINHERIT | _CLOEXEC
    if nofollow:
        extra |= _NOFOLLOW
    if nonblock:
        extra |= _NONBLOCK
    return base | extra


def open_fd(
    path: str | os.PathLike[str],
    base: int,
    mode: int = 0o666,
    *,
    nofollow: bool = False,
    nonblock: bool = False,
) -> int:
    """`os.open` with `flags()`, through the long-path form where Windows needs it."""
    return os.open(native(path), flags(base, nofollow=nofollow, nonblock=nonblock), mode)


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write every byte (`os.write` may write fewer than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def sync_file(path: str | os.PathLike[str]) -> None:
    """Make a closed file's contents durable. Opened for writing: Windows' FlushFileBuffers refuses
    a read-only handle (EBADF); a file this user may not write is opened read-only (POSIX syncs it
    so; on Windows nothing of this process is then waiting to be flushed)."""
    try:
        fd = open_fd(path, os.O_RDWR)
    except PermissionError:
        fd = open_fd(path, os.O_RDONLY)
        try:
            _sync_tolerating_read_only(fd)
        finally:
            os.close(fd)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_tolerating_read_only(fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EBADF:
            raise


def sync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a rename durable. Best effort: Windows cannot open a folder as a descriptor (and its
    file systems journal renames themselves), some network file systems refuse the fsync."""
    try:
        fd = os.open(native(folder), os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | BINARY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path` (created 0600 if missing) for the block, waiting as
    long as another process holds it: a start waiting on a long recovery must not be refused."""
    from desktop.files.safefile import FileProblem, shown, why  # safefile imports this module

    try:
        fd = open_fd(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as exc:
        raise FileProblem(f"{shown(lock_path)}：无法建立锁文件（{why(exc)}）", exc.errno or 0) from None
    try:
        try:
            _lock(fd)
        except OSError as exc:
            raise FileProblem(
                f"{shown(lock_path)}：无法加锁（{why(exc)}），请确认没有别的程序占用草稿文件夹后重试",
                exc.errno or 0,
            ) from None
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    import msvcrt

    # LK_LOCK tries 10 times a second apart, then raises EDEADLOCK: poll LK_NBLCK instead, for
    # as long as the holder needs (a recovery of a large file takes longer than 10 s).
    while True:
        os.lseek(fd, 0, os.SEEK_SET)  # msvcrt locks from the current position
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return
        except OSError as exc:
            if exc.errno not in _LOCK_BUSY:
                raise
        time.sleep(LOCK_POLL_S)


def _unlock(fd: int) -> None:
    if fcntl is not None:
        return  # closing the descriptor releases a flock
    import msvcrt

    os.lseek(fd, 0, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    except OSError:
        pass  # closing the handle releases it as well, only later


def uri_path(path: str | os.PathLike[str]) -> PurePath:
    """The absolute path as this system names it: what `sqlite_uri` writes. (The Windows-semantics
    test layer replaces it to send every URI through the UNC branch.) A pure Windows path (a
    share named on another system) is taken as it is: it cannot be resolved here."""
    if isinstance(path, PureWindowsPath) and not isinstance(path, Path):
        return path
    return Path(path).resolve()


def sqlite_uri(path: str | os.PathLike[str], **query: str) -> str:
    """A `file:` URI SQLite opens for `path`, with `query` (mode="ro"…). SQLite accepts only an
    empty or `localhost` authority, so a UNC path `\\\\nas\\share\\x` becomes `file:////nas/share/x`
    (SQLite turns the slashes back on Windows) and `C:\\x` becomes `file:///C:/x`; `?`, `#` and
    `%` in a name are escaped, as are non-ASCII characters (SQLite decodes them as UTF-8)."""
    where = uri_path(path)
    if isinstance(where, PureWindowsPath):
        text = _windows_uri_path(where)
    else:
        text = "//" + where.as_posix()  # file:///home/…: the empty authority
    uri = "file:" + quote(text, safe="/:")
    if query:
        uri += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    return uri


def _windows_uri_path(path: PureWindowsPath) -> str:
    text = str(path)
    for prefix, unc in (("\\\\?\\UNC\\", True), ("\\\\?\\", False), ("\\\\.\\", False)):
        if text.startswith(prefix):
            text = ("\\\\" if unc else "") + text[len(prefix) :]
            break
    slashed = text.replace("\\", "/")
    if slashed.startswith("//"):  # UNC: //nas/share/x -> file:////nas/share/x
        return "//" + slashed
    return "///" + slashed  # C:/x -> file:///C:/x


def extended(path: PureWindowsPath) -> str:
    """The Windows path in its `\\\\?\\` form when it is too long for MAX_PATH; as it was otherwise.
    The `\\\\?\\` form is taken literally by Windows: it must be absolute and hold no `.` or `..`."""
    text = str(path)
    if len(text) < _MAX_PATH or text.startswith("\\\\?\\") or not path.is_absolute():
        return text
    if text.startswith("\\\\"):
        return "\\\\?\\UNC\\" + text[2:]
    return "\\\\?\\" + text


def native(path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """The path to hand the system calls: the long-path form on Windows, the path itself elsewhere."""
    if not WINDOWS:
        return path
    return extended(PureWindowsPath(os.path.abspath(path)))


def configure_console() -> None:
    """Make stdout and stderr unable to fail on a character they cannot encode (a GBK console, a
    pipe or file in the ANSI code page): such characters are written as `\\uXXXX` escapes rather
    than raising UnicodeEncodeError after the work is done. A windowed app has no streams: they
    become the null device so a stray print never raises either."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the process
            continue
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass  # a closed or detached stream: nothing will be written to it
