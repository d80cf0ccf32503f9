"""A small on-disk cache for data that is slow to parse and only changes with its source files.

Start-up and the `render` command pay ~0.1 s each for parsing forms/ and the division table; a
pickle in the user's private data folder, keyed by the sources' paths, sizes and times, skips that.
A missing or unreadable source means no cache (the build runs); a damaged cache entry is rebuilt.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from desktop import paths

T = TypeVar("T")


def cached(name: str, sources: Iterable[Path], build: Callable[[], T], *, kind: type, version: str = "") -> T:
    """`build()`, or its pickled result from an earlier run with the same `sources` and `version`.

    `kind` is checked on load, so a cache written by another version is never trusted blindly;
    `version` names what else the result depends on (a library's version, say).
    """
    try:
        stamp = "|".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(map(Path, sources)))
    except OSError:
        return build()
    key = hashlib.sha256(f"{sys.version}|{version}|{stamp}".encode()).hexdigest()[:20]
    folder = paths.data_dir() / "cache"
    entry = folder / f"{name}-{key}.pickle"
    try:
        value = pickle.loads(entry.read_bytes())
        if isinstance(value, kind):
            return value
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for old in folder.glob(f"{name}-*.pickle"):
            old.unlink(missing_ok=True)
        partial = entry.with_suffix(".part")
        partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(entry)
    except OSError:
        pass  # no cache this time: the next run builds again
    return value
