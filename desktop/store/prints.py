"""The print log (shared/spec/paper-trail.md, "Print log"): one row per final print or PDF made
from the drafts file, kept with the case: when, by which desk, which documents, how many pages,
and the digest of the printed values (desktop.domain.status.print_digest).

`changed` is decided against the latest row, so the row and the case's new status are written in
one transaction (Store.record_print): a crash never leaves a print without its status or a status
without its print. The scan-in work matches returned pages to a row by its digest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from desktop.domain.status import PAPER_STATUSES, PRINTED
from desktop.store.rows import iso, set_status

TABLE = "prints"
_DIGEST = re.compile("[0-9a-f]{64}", re.ASCII)
_DOCUMENT = re.compile("[a-z][a-z0-9_]{0,39}", re.ASCII)
# Newest first by when it was printed (an ISO time with its offset: julianday compares the
# moments), wherever it was printed: a print pulled from the hall after a later one made here
# is not the latest. Rows written here in one second keep their order by seq.
NEWEST = "julianday(at) DESC, seq DESC"


@dataclass(frozen=True)
class PrintRecord:
    """One final print: `documents` in bundle order, `pages` the pages printed (page x / y's y)."""

    seq: int
    case_id: str
    at: str
    desk: str
    documents: tuple[str, ...]
    pages: int
    digest: str
    number: str | None = None

    @property
    def short_digest(self) -> str:
        """What a printed page's QR code carries (its first 10 hex characters)."""
        return self.digest[:10]


def check(documents: Sequence[str], pages: int, digest: str) -> None:
    """Refuse a row that cannot describe a print (a caller's mistake, never the agent's)."""
    if not documents or not all(isinstance(d, str) and _DOCUMENT.fullmatch(d) for d in documents):
        raise ValueError(f"documents must be document ids, got {documents!r}")
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
        raise ValueError(f"pages must be a positive whole number, got {pages!r}")
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise ValueError("digest must be 64 lower-case hex characters (SHA-256)")


def status_after(db: Database, row: Mapping[str, Any], digest: str) -> str:
    """The status a new print gives: `printed`, except that a signed or handed-over case printed
    again with the very values of its latest print keeps the status only paper gave it."""
    same = latest_digest(db, row["id"]) == digest
    return row["status"] if same and row["status"] in PAPER_STATUSES else PRINTED


def insert(
    db: Database,
    now: datetime,
    row: Mapping[str, Any],
    desk: str,
    documents: Sequence[str],
    pages: int,
    digest: str,
) -> None:
    """One row for a print of the case `row` (its number is copied: the paper carries it)."""
    db[TABLE].insert(
        {
            "case_id": row["id"],
            "at": iso(now),
            "desk": desk,
            "documents": json.dumps(list(documents)),
            "pages": pages,
            "digest": digest,
            "number": row["number"],
        }
    )


def of_case(db: Database, case_id: str, limit: int | None = None) -> list[PrintRecord]:
    """The case's prints, newest first."""
    sql = f"SELECT {COLUMNS} FROM {TABLE} WHERE case_id = ? ORDER BY {NEWEST}"
    args: list[object] = [case_id]
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return [_record(r) for r in db.execute(sql, args)]


def latest_digest(db: Database, case_id: str) -> str | None:
    row = db.execute(
        f"SELECT digest FROM {TABLE} WHERE case_id = ? ORDER BY {NEWEST} LIMIT 1", [case_id]
    ).fetchone()
    return None if row is None else str(row[0])


def latest_digests(db: Database, case_ids: Sequence[str]) -> dict[str, str]:
    """The digest of each of these cases' latest print (those printed), by id; one query per 500."""
    found: dict[str, str] = {}
    for start in range(0, len(case_ids), 500):
        chunk = list(case_ids[start : start + 500])
        found.update(
            db.execute(
                f"SELECT case_id, digest FROM {TABLE} WHERE seq IN (SELECT max(seq) FROM {TABLE}"
                f" WHERE case_id IN ({','.join('?' * len(chunk))}) GROUP BY case_id)",
                chunk,
            ).fetchall()
        )
    return found


COLUMNS = "seq, case_id, at, desk, documents, pages, digest, number"


def after(db: Database, seq: int, limit: int) -> list[PrintRecord]:
    """Rows of every case after local row `seq`, in the order they were written here."""
    rows = db.execute(f"SELECT {COLUMNS} FROM {TABLE} WHERE seq > ? ORDER BY seq LIMIT ?", [seq, limit])
    return [_record(r) for r in rows.fetchall()]


def has(db: Database, record: PrintRecord) -> bool:
    """Whether this print (the same case, time, desk, documents and digest) is logged here."""
    return (
        db.execute(
            f"SELECT 1 FROM {TABLE} WHERE case_id = ? AND at = ? AND desk = ? AND digest = ? AND documents = ?",
            [record.case_id, record.at, record.desk, record.digest, json.dumps(list(record.documents))],
        ).fetchone()
        is not None
    )


def insert_row(db: Database, record: PrintRecord, number: str | None) -> None:
    """A print made elsewhere (pulled from the hall), as it was logged there."""
    check(record.documents, record.pages, record.digest)
    db[TABLE].insert(
        {
            "case_id": record.case_id,
            "at": record.at,
            "desk": record.desk,
            "documents": json.dumps(list(record.documents)),
            "pages": record.pages,
            "digest": record.digest,
            "number": number,
        }
    )


def _record(row: Sequence[Any]) -> PrintRecord:
    seq, cid, at, desk, docs, pages, digest, number = row
    return PrintRecord(seq, cid, at, desk, tuple(json.loads(docs)), pages, digest, number)


def forget(db: Database, case_ids: Sequence[str]) -> None:
    """A purged case's prints go with it (the digest is derived from its values)."""
    for start in range(0, len(case_ids), 500):
        chunk = list(case_ids[start : start + 500])
        db.execute(f"DELETE FROM {TABLE} WHERE case_id IN ({','.join('?' * len(chunk))})", chunk)


class PrintLog:
    """The print log's part of desktop.store.Store (a mixin: the Store's write transaction, its
    revision check, clock, desk code and audit are used as they are)."""

    db: Database
    clock: Any
    _write: Any
    _editable_row: Any
    _desk_code: Any
    _log: Any

    def record_print(
        self, case_id: str, revision: int, *, documents: Sequence[str], pages: int, digest: str
    ) -> int:
        """A final print or PDF of the case at `revision`: one print-log row (this desk, now), the
        status the print gives (status_after) and an audit line, in one transaction, so a crash
        never leaves a print without its status; returns the new revision."""
        check(documents, pages, digest)
        now = self.clock()
        with self._write():
            row = self._editable_row(case_id, revision)
            set_status(self.db, row, status_after(self.db, row, digest), now)
            insert(self.db, now, row, self._desk_code(), documents, pages, digest)
            self._log(now, case_id, "printed", detail=",".join(documents))
        return revision + 1

    def prints(self, case_id: str, limit: int | None = None) -> list[PrintRecord]:
        """The case's print log, newest first (`changed` is decided against the first)."""
        return of_case(self.db, case_id, limit)
