"""A small on-disk cache for data that is slow to parse and only changes with its source files.

Start-up and the `render` command pay ~0.1 s each for parsing forms/ and the division table; a
pickle in the user's private data folder, stamped with the sources' paths, sizes and times, skips that.
A missing or unreadable source means no cache (the build runs); a damaged cache entry is rebuilt.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from desktop.files import paths

T = TypeVar("T")

ORPHAN_AGE_S = 3600  # a temporary entry this old belongs to a writer that died


def cached(name: str, sources: Iterable[Path], build: Callable[[], T], *, kind: type, version: str = "") -> T:
    """`build()`, or its pickled result from an earlier run with the same `sources` and `version`.

    `kind` is checked on load, so a cache written by another version is never trusted blindly;
    `version` names what else the result depends on (a library's version, say). The entry starts
    with the stamp it was built for, read on its own, so a stale entry costs only that read.
    """
    try:
        files = "|".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(map(Path, sources)))
    except OSError:
        return build()
    stamp = f"{sys.version}|{version}|{files}"
    folder = paths.data_dir() / "cache"
    entry = folder / f"{name}.pickle"
    try:
        with entry.open("rb") as handle:
            if pickle.load(handle) == stamp:
                value = pickle.load(handle)
                if isinstance(value, kind):
                    return value
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    value = build()
    partial = folder / f"{name}.{os.getpid()}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with partial.open("wb") as handle:
            pickle.dump(stamp, handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(entry)  # whole or not at all, whatever another process is doing
        for legacy in folder.glob(f"{name}-*.pickle"):
            legacy.unlink(missing_ok=True)  # the earlier layout: one file per stamp, never cleaned
        for orphan in folder.glob(f"{name}.*.part"):
            if time.time() - orphan.stat().st_mtime > ORPHAN_AGE_S:
                orphan.unlink(missing_ok=True)  # left by a process killed while writing
    except OSError:
        partial.unlink(missing_ok=True)  # no cache this time: the next run builds again
    return value


def forget(name: str) -> None:
    """Drop an entry its user found unusable, so the next run builds it afresh."""
    try:
        (paths.data_dir() / "cache" / f"{name}.pickle").unlink(missing_ok=True)
    except OSError:
        pass  # in use or read-only: the next run finds it unusable again and tries again


def code(*files: str | Path) -> list[Path]:
    """The source files a cached result's code lives in, as `sources` for `cached`.

    A frozen app has no .py files; its code changes only with a new build, which is a new
    executable, so that is what it is stamped by.
    """
    if getattr(sys, "frozen", False):
        return [Path(sys.executable)]
    return [Path(f) for f in files]
