"""The card images kept with a case: the licence and ID card scans and the reader's photo.

They live in the drafts file itself (table `case_images`, migration 0016_images), so they are
encrypted by SQLCipher with everything else and never exist in clear on disk; a trigger deletes
them with their case row, so a purge (or any delete of a case) takes them along, and the vacuum
that follows a purge removes their bytes from the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from desktop.store.connection import store_errors

KINDS = ("licence", "id_front", "id_back", "id_photo")
# A card scan beyond this is no card (a 600 dpi A4 colour PNG is ~30 MB).
MAX_IMAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class CaseImage:
    seq: int
    case_id: str
    kind: str
    added: str
    data: bytes


def keep(db: Database, case_id: str, kind: str, data: bytes, added: str) -> int:
    """Store one image for `case_id` (replacing an earlier one of the same kind); its seq."""
    if kind not in KINDS:
        raise ValueError(kind)
    if not data or len(data) > MAX_IMAGE_BYTES:
        raise ValueError("image size")
    with store_errors(), db.atomic():
        db.execute("DELETE FROM case_images WHERE case_id = ? AND kind = ?", [case_id, kind])
        cursor = db.execute(
            "INSERT INTO case_images (case_id, kind, added, data) VALUES (?, ?, ?, ?)",
            [case_id, kind, added, data],
        )
        return int(cursor.lastrowid or 0)


def of_case(db: Database, case_id: str) -> list[CaseImage]:
    """The case's images, in the order of KINDS."""
    rows = db.execute(
        "SELECT seq, case_id, kind, added, data FROM case_images WHERE case_id = ?", [case_id]
    ).fetchall()
    images = [CaseImage(r[0], r[1], r[2], r[3], bytes(r[4])) for r in rows]
    return sorted(images, key=lambda image: KINDS.index(image.kind) if image.kind in KINDS else len(KINDS))


def count(db: Database, case_id: str) -> int:
    """How many images the case keeps, without reading them."""
    row = db.execute("SELECT count(*) FROM case_images WHERE case_id = ?", [case_id]).fetchone()
    return int(row[0])


def forget(db: Database, case_id: str, kind: str | None = None) -> None:
    with store_errors(), db.atomic():
        if kind is None:
            db.execute("DELETE FROM case_images WHERE case_id = ?", [case_id])
        else:
            db.execute("DELETE FROM case_images WHERE case_id = ? AND kind = ?", [case_id, kind])


class ImageShelf:
    """The card images' part of desktop.store.Store (a mixin, as desktop.store.scans.ScanLog), so
    the rooms above (desktop.exchange.papers, the window) keep and read images through the Store,
    never through its connection."""

    db: Database
    _write: Any

    def card_images(self, case_id: str) -> list[CaseImage]:
        """The case's card images, in the order of KINDS."""
        return of_case(self.db, case_id)

    def image_count(self, case_id: str) -> int:
        """How many card images the case keeps, without reading them."""
        return count(self.db, case_id)

    def keep_image(self, case_id: str, kind: str, data: bytes, added: str) -> int:
        """Keep one image with the case (replacing an earlier one of its kind); its seq. Inside a
        caller's transaction (an import's) it is part of it."""
        with self._write():
            return keep(self.db, case_id, kind, data, added)
