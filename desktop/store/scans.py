"""Scanned pages kept with their case (paper-trail.md, "Scans back in"), inside the encrypted
drafts file: never in clear on disk. Pages add up across scan-ins; a purge of a case takes its
scans with it, and nothing else ever deletes one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from desktop.domain.status import SIGNED

TABLE = "scans"


@dataclass(frozen=True)
class ScanRow:
    """One scanned page matched to its case: where it came from, what its QR said, its verdict
    (`missing`: the empty required boxes' messages; `old`: a page of an older print), the image."""

    case_id: str
    source: str
    doc: str
    page: int
    pages: int
    digest: str
    image: bytes
    missing: tuple[str, ...] = ()
    old: bool = False
    at: str = ""
    seq: int = 0
    boxes: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.old


def tables(db: Database) -> None:
    db[TABLE].create(
        {
            "seq": int,
            "case_id": str,
            "at": str,
            "source": str,
            "doc": str,
            "page": int,
            "pages": int,
            "digest": str,
            "verdict": str,
            "image": bytes,
        },
        pk="seq",
        not_null={"case_id", "at", "source", "doc", "page", "pages", "digest", "verdict", "image"},
    )
    db[TABLE].create_index(["case_id", "digest", "page"])


def insert(db: Database, now: datetime, pages: Sequence[ScanRow]) -> None:
    db[TABLE].insert_all(
        {
            "case_id": p.case_id,
            # A page that came with its case file, or from the hall, keeps the time it was scanned in.
            "at": p.at or now.isoformat(timespec="seconds"),
            "source": p.source,
            "doc": p.doc,
            "page": p.page,
            "pages": p.pages,
            "digest": p.digest,
            "verdict": json.dumps(
                {"missing": list(p.missing), "old": p.old, "boxes": [dict(b) for b in p.boxes]},
                ensure_ascii=False,
            ),
            "image": p.image,
        }
        for p in pages
    )


def of_case(db: Database, case_id: str, *, images: bool = True) -> list[ScanRow]:
    """The case's scanned pages, oldest first (a later scan of a page supersedes an earlier one)."""
    columns = "seq, case_id, at, source, doc, page, pages, digest, verdict" + (", image" if images else "")
    rows = db.execute(f"SELECT {columns} FROM {TABLE} WHERE case_id = ? ORDER BY seq", [case_id]).fetchall()
    out = []
    for row in rows:
        verdict = json.loads(row[8])
        out.append(
            ScanRow(
                case_id=row[1],
                source=row[3],
                doc=row[4],
                page=row[5],
                pages=row[6],
                digest=row[7],
                image=row[9] if images else b"",
                missing=tuple(verdict.get("missing", ())),
                old=bool(verdict.get("old")),
                at=row[2],
                seq=row[0],
                boxes=tuple(verdict.get("boxes", ())),
            )
        )
    return out


def forget(db: Database, case_ids: Iterable[str]) -> None:
    """The scans of purged cases go with them (inside the purge's transaction)."""
    db.conn.executemany(f"DELETE FROM {TABLE} WHERE case_id = ?", [(c,) for c in case_ids])


def case_for_number(db: Database, number: str) -> str | None:
    """The live case a page's QR names by its number (DESK-YYYYMMDD-NNN), or None."""
    row = db.execute("SELECT id FROM cases WHERE number = ? AND deleted IS NULL", [number]).fetchone()
    return row[0] if row else None


class ScanLog:
    """The scanned pages' part of desktop.store.Store (a mixin, as desktop.store.prints.PrintLog:
    the Store's write transaction, rows, status and audit are used as they are)."""

    db: Database
    clock: Any
    _write: Any
    _row: Any
    _log: Any
    set_status: Any

    def case_for_number(self, number: str) -> str | None:
        """The id of the live case a printed page names by its number, or None."""
        return case_for_number(self.db, number)

    def add_scans(self, pages: Sequence[ScanRow], signed: Iterable[str] = ()) -> None:
        """Keep a batch of scanned pages and make the `signed` cases 已签回, all in one transaction
        (a batch is taken in whole or not at all). The status goes onto the case as it is now: an
        edit saved meanwhile by a window is no conflict for paper that came back."""
        now = self.clock()
        with self._write():
            insert(self.db, now, pages)
            for case_id in sorted({p.case_id for p in pages}):
                self._log(now, case_id, "scanned", detail=str(sum(p.case_id == case_id for p in pages)))
            for case_id in signed:
                self.set_status(case_id, SIGNED, self._row(case_id)["revision"])

    def insert_scans(self, pages: Sequence[ScanRow]) -> None:
        """Keep pages as they come (an import's papers, inside its transaction): no audit row and no
        status of their own, the import says what it took."""
        with self._write():
            insert(self.db, self.clock(), pages)

    def scans(self, case_id: str, *, images: bool = True) -> list[ScanRow]:
        """The case's scanned pages, oldest first."""
        return of_case(self.db, case_id, images=images)
