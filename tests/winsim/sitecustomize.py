"""Windows file semantics on Linux: the layer `.ci/run`'s "Windows semantics" step runs the file,
store, transfer, render and command-line tests under (issue 22).

Loaded as `sitecustomize` (PYTHONPATH=tests/winsim first), so it is in place before any module
reads `os.O_BINARY` (tempfile computes its `_bin_openflags` at import) and in every child process
the tests start with the inherited environment. What it simulates:

(a) `os.O_BINARY` exists, and a descriptor `os.open`ed without it is in text mode, as the CRT's:
    `os.write` turns `\\n` into `\\r\\n`, `os.read` turns `\\r\\n` back and stops at Ctrl-Z.
(b) `os.fsync` of a descriptor opened read-only fails with EBADF (FlushFileBuffers needs write
    access).
(c) `import fcntl` fails; a `msvcrt` module offers `locking` with Windows' rules: LK_NBLCK fails
    at once with EACCES, LK_LOCK tries 10 times `WINSIM_LOCK_TRY_S` apart (1 s on Windows, 0.1 s
    here by default so tests stay short) and then fails with EDEADLOCK, in English.
(d) this process's stdout and stderr are GBK, strict (a Chinese Windows console redirected).
(e) with the pytest plugin `winsim_plugin`, every SQLite URI the code builds goes through
    `PureWindowsPath` as a UNC path (see that module).

What it cannot simulate: writes through `FileIO`/`open()` on a text-mode descriptor (C code
below the `os` functions); Windows' sharing modes (a file open elsewhere cannot be renamed or
deleted); drive letters and `\\\\?\\` long paths on the real file system; case-insensitive names;
Windows' own SQLite VFS and its locking; the GUI subsystem (no console, `sys.stdout` None); the
ANSI code page of the child processes the tests start (their output is decoded by the parent in
UTF-8, so children keep UTF-8 unless a test asks for GBK itself, as tests/test_windows.py does).
"""

from __future__ import annotations

import errno
import fcntl as _fcntl
import importlib.abc
import os
import sys
import threading
import time
import types

ACTIVE_ENV = "DESK400_WINSIM"
# A bit no Linux open flag uses (x86_64, aarch64); stripped before the real open.
O_BINARY = 0x10000000

_real_open = os.open
_real_write = os.write
_real_read = os.read
_real_close = os.close
_real_fsync = os.fsync
_text: dict[int, tuple[int, int]] = {}  # fd -> (st_dev, st_ino) of a text-mode descriptor
_guard = threading.Lock()


def _identity(fd: int) -> tuple[int, int] | None:
    try:
        info = os.fstat(fd)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _is_text(fd: int) -> bool:
    with _guard:
        known = _text.get(fd)
    # The number may have been closed by C code and reused for another file: check it is the same.
    return known is not None and known == _identity(fd)


def _open(path, flags, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
    fd = _real_open(path, flags & ~O_BINARY, mode, dir_fd=dir_fd)
    directory = flags & getattr(os, "O_DIRECTORY", 0)
    with _guard:
        if flags & O_BINARY or directory:
            _text.pop(fd, None)
        else:
            ident = _identity(fd)
            if ident is not None:
                _text[fd] = ident
    return fd


def _write(fd, data):  # type: ignore[no-untyped-def]
    if not _is_text(fd):
        return _real_write(fd, data)
    raw = bytes(data)
    view = memoryview(raw.replace(b"\n", b"\r\n"))
    while view:
        view = view[_real_write(fd, view) :]
    return len(raw)


def _read(fd, n):  # type: ignore[no-untyped-def]
    data = _real_read(fd, n)
    if not _is_text(fd):
        return data
    end = data.find(b"\x1a")
    if end >= 0:
        data = data[:end]
    return data.replace(b"\r\n", b"\n")


def _close(fd):  # type: ignore[no-untyped-def]
    with _guard:
        _text.pop(fd, None)
    return _real_close(fd)


def _fsync(fd):  # type: ignore[no-untyped-def]
    if hasattr(fd, "fileno"):
        fd = fd.fileno()
    if _fcntl.fcntl(fd, _fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
        raise OSError(errno.EBADF, "Bad file descriptor")
    return _real_fsync(fd)


class _NoFcntl(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
        if name == "fcntl":
            raise ModuleNotFoundError("No module named 'fcntl'", name="fcntl")
        return None


def _msvcrt() -> types.ModuleType:
    module = types.ModuleType("msvcrt", "Windows' msvcrt.locking, simulated with flock (winsim).")
    module.LK_UNLCK, module.LK_LOCK, module.LK_NBLCK, module.LK_RLCK, module.LK_NBRLCK = 0, 1, 2, 3, 4
    try_s = float(os.environ.get("WINSIM_LOCK_TRY_S", "0.1"))

    def locking(fd: int, mode: int, nbytes: int) -> None:
        if mode == module.LK_UNLCK:
            _fcntl.flock(fd, _fcntl.LOCK_UN)
            return
        op = _fcntl.LOCK_EX if mode in (module.LK_LOCK, module.LK_NBLCK) else _fcntl.LOCK_SH
        tries = 10 if mode in (module.LK_LOCK, module.LK_RLCK) else 1
        for attempt in range(tries):
            try:
                _fcntl.flock(fd, op | _fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if attempt + 1 < tries:
                    time.sleep(try_s)
        if tries == 1:
            raise PermissionError(errno.EACCES, "Permission denied")
        raise OSError(errno.EDEADLK, "Resource deadlock avoided")

    module.locking = locking
    return module


def install() -> None:
    # Imported first: subprocess (3.11) takes an importable msvcrt for Windows, and tempfile reads
    # O_BINARY into its flags at import; if something imported it already, add it as Windows has.
    import subprocess  # noqa: F401
    import tempfile

    os.O_BINARY = O_BINARY  # type: ignore[attr-defined]
    tempfile._bin_openflags |= O_BINARY  # stdlib's own private flags, set as on Windows
    os.open, os.write, os.read, os.close, os.fsync = _open, _write, _read, _close, _fsync
    sys.modules.pop("fcntl", None)
    sys.meta_path.insert(0, _NoFcntl())
    sys.modules["msvcrt"] = _msvcrt()
    # Only the process the layer starts in: its children's output is decoded by it in UTF-8.
    if os.environ.get(ACTIVE_ENV) != "1":
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is not None and hasattr(stream, "reconfigure"):
                stream.reconfigure(encoding="gbk", errors="strict")
    os.environ[ACTIVE_ENV] = "1"


install()
