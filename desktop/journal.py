"""The recovery journal: edits that could not reach the drafts file when the window closed.

Closing on a full disk (or with the file locked by another program) used to lose what was typed.
Those edits now go to `drafts.sqlite.recovery-YYYYMMDD.jsonl` beside the drafts file: created
0600, appended to, fsync'd, one JSON object a line. The next start offers them in its banner and
writes them back as cases; a replayed journal is removed (it holds personal data). The drafts
file's retention purge removes journals older than the retention period too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

PATTERN = "{name}.recovery-*.jsonl"


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
    line = json.dumps(
        {"case_id": case_id, "revision": revision, "values": dict(values), "written": now.isoformat()},
        ensure_ascii=False,
    )
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o600)
    try:
        os.write(fd, (line + "\n").encode("utf-8", "surrogatepass"))
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
                raw = json.loads(line)
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
