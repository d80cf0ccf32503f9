"""The recovery journal: edits that could not reach the drafts file when the window closed.

Closing on a full disk (or with the file locked by another program) used to lose what was typed.
Those edits now go to `drafts.sqlite.recovery-YYYYMMDD.jsonl` beside the drafts file: created
0600, appended to, fsync'd, one entry a line: a JSON object sealed with age to an identity derived
from the drafts file's key (`age:` and base64), so the journal is as unreadable off the machine as
the drafts file. The next start offers them in its banner and writes them back as cases; a
replayed journal is removed (it holds personal data). The drafts file's retention purge removes
journals older than the retention period too. A plain line (from an older desk400) is still read.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop.files import platform

PATTERN = "{name}.recovery-*.jsonl"
SEALED = "age:"
_PURPOSE = b"recovery journal"


@dataclass(frozen=True)
class Entry:
    case_id: str | None
    revision: int
    values: dict[str, Any]
    written: str


def path_for(db_path: Path, now: datetime) -> Path:
    return db_path.with_name(f"{db_path.name}.recovery-{now:%Y%m%d}.jsonl")


def journals(db_path: Path) -> list[Path]:
    return sorted(db_path.parent.glob(PATTERN.format(name=db_path.name)))


def append(
    db_path: Path, case_id: str | None, revision: int, values: Mapping[str, Any], now: datetime
) -> Path:
    """Append one case's unsaved values durably; raises OSError when even this cannot be written."""
    target = path_for(db_path, now)
    plain = json.dumps(
        {"case_id": case_id, "revision": revision, "values": dict(values), "written": now.isoformat()},
        ensure_ascii=False,
    )
    line = _seal(db_path, plain.encode("utf-8", "surrogatepass"))
    fd = platform.open_fd(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600, nofollow=True)
    try:
        platform.write_all(fd, (line + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return target


def read(db_path: Path) -> list[Entry]:
    """Every complete entry of every journal (a line cut short by a crash is skipped)."""
    entries: list[Entry] = []
    for path in journals(db_path):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            try:
                raw = json.loads(_open(db_path, line))
                entries.append(
                    Entry(
                        raw.get("case_id"),
                        int(raw.get("revision", 0)),
                        dict(raw["values"]),
                        str(raw["written"]),
                    )
                )
            except (ValueError, KeyError, TypeError):
                continue
    return entries


def is_plain(path: Path) -> bool:
    """True when a journal has lines in clear (written by a desk400 from before encryption)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line and not line.startswith(SEALED) for line in text.splitlines())


def seal_plain(db_path: Path, path: Path, key: bytes) -> None:
    """Rewrite a journal with every line sealed (the key given: the drafts file is being encrypted)."""
    from desktop.files import safefile

    text = path.read_text(encoding="utf-8", errors="replace")
    lines = [
        line if line.startswith(SEALED) else _seal(db_path, line.encode("utf-8"), key)
        for line in text.splitlines()
        if line
    ]
    made = path.stat()
    safefile.write_atomic(path, "".join(line + "\n" for line in lines).encode("ascii"), mode=0o600)
    os.utime(path, ns=(made.st_atime_ns, made.st_mtime_ns))  # retention dates it by its writing


def _identity(db_path: Path, key: bytes | None) -> object:
    from desktop.files import sealing
    from desktop.store import keys

    return sealing.derived_identity(keys.unlock(db_path) if key is None else key, _PURPOSE)


def _seal(db_path: Path, data: bytes, key: bytes | None = None) -> str:
    """One sealed line: the drafts file's key is the one this process already unlocked."""
    from desktop.files import sealing

    identity = _identity(db_path, key)
    return SEALED + base64.b64encode(sealing.seal(data, [identity.to_public()])).decode("ascii")  # type: ignore[attr-defined]


def _open(db_path: Path, line: str) -> str:
    if not line.startswith(SEALED):
        return line
    from desktop.files import sealing
    from desktop.store import StoreError

    try:
        identity = _identity(db_path, None)
        data = sealing.unseal(base64.b64decode(line[len(SEALED) :], validate=True), [identity], "journal")
    except (StoreError, sealing.SealError) as exc:
        raise ValueError(str(exc)) from None
    return data.decode("utf-8", "surrogatepass")


def remove(db_path: Path) -> None:
    for path in journals(db_path):
        path.unlink(missing_ok=True)


def replay(db_path: Path, store: Any) -> int:
    """Write every journalled case back: onto its case if it is unchanged since, else as a copy.

    Returns how many cases were written; the journals are removed only when all of them were.
    """
    from desktop.store import CaseNotFound

    written = 0
    for entry in read(db_path):
        target = None
        if entry.case_id is not None:
            try:
                stored = store.get(entry.case_id)
                if stored.revision == entry.revision and not stored.deleted:
                    target = stored
            except CaseNotFound:
                pass
        if target is not None:
            store.save_fields(target.id, entry.values, target.revision)
        else:
            store.create(entry.values)
        written += 1
    remove(db_path)
    return written
