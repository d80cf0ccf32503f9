"""What the drafts file keeps about the paper trail it shares through the hall (issues 23-25):
which card images and scanned pages went to the server or came from it, under which attachment
id and with which attachment key, and the print-log rows pulled from other desks.

The attachment key (an age identity of its own per attachment) stays here, inside the encrypted
drafts file, so this desk can seal it again for a desk registered after the attachment was
pushed, without fetching the payload. The table `hall_papers` belongs to the hall's bookkeeping
(created by the hall-local migration 0023, desktop.store.hallbook); its rows go with their case.
The hall's code reaches it only through the Store methods of PaperBook.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from desktop.store import images, prints, scans
from desktop.store.connection import store_errors
from desktop.store.images import CaseImage
from desktop.store.prints import PrintRecord
from desktop.store.scans import ScanRow

TABLE = "hall_papers"
IMAGE, SCAN = "image", "scan"
SENT, PULLED, SKIPPED = "sent", "pulled", "skipped"  # SKIPPED: refused (by the server or here)


def tables(db: Database) -> None:
    """The bookkeeping table (never edit once released; the hall-local migration 0023 runs it)."""
    db[TABLE].create(
        {
            "att_id": str,  # the attachment's id on the server
            "kind": str,  # IMAGE or SCAN
            "local_seq": int,  # the seq of its row in case_images or scans here (None: skipped)
            "case_id": str,
            "secret": str,  # the attachment key (AGE-SECRET-KEY-1…); None when skipped
            "state": str,
            "reason": str,  # why it was skipped, one line for the agent
            "at": str,
        },
        pk="att_id",
        not_null={"kind", "case_id", "state", "at"},
    )
    db.execute(f"CREATE INDEX {TABLE}_local ON {TABLE}(kind, local_seq)")
    db.execute(f"CREATE INDEX {TABLE}_case ON {TABLE}(case_id)")


@dataclass(frozen=True)
class Unsent:
    """A card image or scanned page kept here that the hall has not had yet."""

    kind: str
    seq: int
    case_id: str


@dataclass(frozen=True)
class Held:
    """An attachment this desk can open: its id, its key, and whether it pushed it itself."""

    att_id: str
    secret: str
    mine: bool


UNSENT = (
    f"SELECT '{IMAGE}', i.seq, i.case_id FROM case_images i WHERE NOT EXISTS"
    f" (SELECT 1 FROM {TABLE} p WHERE p.kind = '{IMAGE}' AND p.local_seq = i.seq)"
    f" UNION ALL SELECT '{SCAN}', s.seq, s.case_id FROM scans s WHERE NOT EXISTS"
    f" (SELECT 1 FROM {TABLE} p WHERE p.kind = '{SCAN}' AND p.local_seq = s.seq)"
)


def forget(db: Database, case_ids: Iterable[str]) -> None:
    """A purged case's bookkeeping (and its attachment keys) goes with it."""
    if db[TABLE].exists():
        db.conn.executemany(f"DELETE FROM {TABLE} WHERE case_id = ?", [(c,) for c in case_ids])


class PaperBook:
    """The hall's paper bookkeeping part of desktop.store.Store (a mixin, as PrintLog)."""

    db: Database
    clock: Any
    _write: Any

    # -- what goes out --------------------------------------------------------------------

    def unsent_papers(self, limit: int = 100) -> list[Unsent]:
        """Card images and scanned pages of live cases not yet sent, refused or pulled, oldest first."""
        rows = self.db.execute(f"SELECT * FROM ({UNSENT}) ORDER BY 2 LIMIT ?", [limit]).fetchall()
        return [Unsent(kind, seq, case_id) for kind, seq, case_id in rows]

    def paper_image(self, seq: int) -> CaseImage | None:
        row = self.db.execute(
            "SELECT seq, case_id, kind, added, data FROM case_images WHERE seq = ?", [seq]
        ).fetchone()
        return None if row is None else CaseImage(row[0], row[1], row[2], row[3], bytes(row[4]))

    def paper_scan(self, seq: int) -> ScanRow | None:
        row = self.db.execute("SELECT case_id FROM scans WHERE seq = ?", [seq]).fetchone()
        if row is None:
            return None
        return next((s for s in scans.of_case(self.db, row[0]) if s.seq == seq), None)

    def note_paper(
        self, att_id: str, kind: str, local_seq: int | None, case_id: str, secret: str | None,
        state: str, reason: str | None = None,
    ) -> None:  # fmt: skip
        """Record what became of one attachment (sent, pulled, or skipped with the reason)."""
        with self._write():
            self.db.execute(
                f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    att_id,
                    kind,
                    local_seq,
                    case_id,
                    secret,
                    state,
                    reason,
                    self.clock().isoformat(timespec="seconds"),
                ],
            )

    def held_papers(self) -> list[Held]:
        """The attachments this desk holds the key of (sent or pulled, their case still here)."""
        rows = self.db.execute(
            f"SELECT p.att_id, p.secret, p.state FROM {TABLE} p WHERE p.state IN (?, ?)"
            " AND p.secret IS NOT NULL AND EXISTS (SELECT 1 FROM cases c WHERE c.id = p.case_id)",
            [SENT, PULLED],
        ).fetchall()
        return [Held(att_id, secret, state == SENT) for att_id, secret, state in rows]

    def paper_state(self, att_id: str) -> str | None:
        """SENT, PULLED or SKIPPED for an attachment known here, else None."""
        row = self.db.execute(f"SELECT state FROM {TABLE} WHERE att_id = ?", [att_id]).fetchone()
        return None if row is None else str(row[0])

    def forget_papers(self, everything: bool = False) -> None:
        """Drop the bookkeeping of cases no longer here (retired by the hall); `everything`: all of
        it, for a drafts file pointed at another server (every image and scan goes out again)."""
        with self._write():
            if everything:
                self.db.execute(f"DELETE FROM {TABLE}")
                return
            gone = "NOT IN (SELECT id FROM cases)"
            self.db.execute(f"DELETE FROM {TABLE} WHERE case_id {gone}")
            self.db.execute(f"DELETE FROM scans WHERE case_id {gone}")
            self.db.execute(f"DELETE FROM prints WHERE case_id {gone}")

    # -- what comes in --------------------------------------------------------------------

    def keep_pulled_image(
        self, att_id: str, secret: str, case_id: str, kind: str, added: str, data: bytes
    ) -> bool:
        """Keep another desk's card image (replacing this case's one of that kind), encrypted with
        the case, and note it as pulled; False when the case is not here."""
        with store_errors(), self._write():
            if not self._case_here(case_id):
                return False
            same = next(
                (i.seq for i in images.of_case(self.db, case_id) if i.kind == kind and i.data == data), None
            )
            seq = same if same is not None else images.keep(self.db, case_id, kind, data, added)
            self.note_paper(att_id, IMAGE, seq, case_id, secret, PULLED)
        return True

    def keep_pulled_scan(self, att_id: str, secret: str, page: ScanRow) -> bool:
        """Keep another desk's scanned page with its case (its verdict and time as it was read
        there), and note it as pulled; False when the case is not here."""
        with store_errors(), self._write():
            if not self._case_here(page.case_id):
                return False
            # A page this file holds already (it came in a sealed case file too) is kept once.
            key = (page.doc, page.page, page.digest, page.image)
            held = scans.of_case(self.db, page.case_id)
            same = next((s.seq for s in held if (s.doc, s.page, s.digest, s.image) == key), None)
            if same is None:
                scans.insert(self.db, self.clock(), [page])
                same = int(self.db.execute("SELECT last_insert_rowid()").fetchone()[0])
            seq = same
            self.note_paper(att_id, SCAN, seq, page.case_id, secret, PULLED)
        return True

    # -- the print log --------------------------------------------------------------------

    def prints_after(self, seq: int, limit: int = 1000) -> list[PrintRecord]:
        """Print-log rows of every case after local row `seq`, in order (what a desk pushes)."""
        return prints.after(self.db, seq, limit)

    def print_top(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(seq), 0) FROM prints").fetchone()[0])

    def keep_pulled_prints(self, rows: Sequence[PrintRecord]) -> int:
        """Keep other desks' print-log rows of cases held here, each once (a row's values are its
        identity); how many were new. The case's status came with the case itself."""
        added = 0
        with self._write():
            for row in rows:
                if not self._case_here(row.case_id) or prints.has(self.db, row):
                    continue
                number = self.db.execute("SELECT number FROM cases WHERE id = ?", [row.case_id]).fetchone()[0]
                prints.insert_row(self.db, row, number)
                added += 1
        return added

    def _case_here(self, case_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM cases WHERE id = ?", [case_id]).fetchone() is not None


def documents_text(documents: Sequence[str]) -> str:
    """The documents of a print as the hall keeps them (comma-separated ids)."""
    return ",".join(documents)


def documents_of(text: str) -> tuple[str, ...]:
    return tuple(text.split(",")) if text else ()


__all__ = ["PaperBook", "Held", "Unsent", "documents_of", "documents_text"]
