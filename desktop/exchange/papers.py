"""A case's papers (card images, signed scans) crossing machines inside its sealed case file.

Export gathers what the drafts file keeps for the case (desktop.store.images, desktop.store.scans)
into desktop.files.case_papers' archive; import takes an archive's papers in, inside the import's
own transaction, so a batch is still all or nothing. Papers are never taken twice: an image or a
scan whose SHA-256 the case already holds is skipped. A card image of a side the case already has
with other bytes replaces it only when it was kept later (the newer capture wins, as a re-capture
on this machine would); scans only add up, as across scan-ins.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from desktop.files import case_papers
from desktop.files.case_papers import CardImage, CasePapers, ScanPage
from desktop.store import Store, scans


@dataclass(frozen=True)
class Taken:
    """How many images and scanned pages an import added."""

    images: int = 0
    scans: int = 0


def gathered(store: Store, case_id: str) -> tuple[list[CardImage], list[ScanPage], int]:
    """The case's card images and scanned pages, as the drafts file keeps them, and how many
    images are left out: of a format the archive does not take (desktop.files.case_papers), they
    would make the whole file unimportable at the hall."""
    kept = [CardImage(i.kind, i.added, i.data) for i in store.card_images(case_id)]
    kept_images = [i for i in kept if case_papers.image_extension(i.data) is not None]
    kept_scans = [
        ScanPage(
            doc=s.doc,
            page=s.page,
            pages=s.pages,
            digest=s.digest,
            source=s.source,
            at=s.at,
            data=s.image,
            missing=s.missing,
            old=s.old,
            boxes=s.boxes,
        )  # fmt: skip
        for s in store.scans(case_id)
    ]
    return kept_images, kept_scans, len(kept) - len(kept_images)


def take_in(store: Store, case_id: str, papers: CasePapers) -> Taken:
    """Keep the papers of an imported case that the drafts file does not hold yet; call inside
    the import's transaction (a failure rolls the whole batch back)."""
    held = {i.kind: i for i in store.card_images(case_id)}
    digests = {hashlib.sha256(i.data).hexdigest() for i in held.values()}
    added_images = 0
    for image in papers.images:
        if image.sha256 in digests:
            continue
        there = held.get(image.side)
        if there is not None and not _later(image.added, there.added):
            continue  # this machine's own capture is newer: it stays
        store.keep_image(case_id, image.side, image.data, image.added)
        digests.add(image.sha256)
        added_images += 1
    seen = {hashlib.sha256(s.image).hexdigest() for s in store.scans(case_id)}
    fresh: list[scans.ScanRow] = []
    for page in papers.scans:
        if page.sha256 in seen:
            continue
        seen.add(page.sha256)
        fresh.append(_row(case_id, page))
    if fresh:
        store.insert_scans(fresh)
    taken = Taken(added_images, len(fresh))
    if taken.images or taken.scans:
        store.log_event(case_id, "imported", detail=f"papers: {taken.images} images, {taken.scans} scans")
    return taken


def _later(incoming: str, stored: str) -> bool:
    """Whether the travelling image was kept after this machine's; a time that does not parse
    (or compares naive with aware) never replaces what is here."""
    try:
        return datetime.fromisoformat(incoming) > datetime.fromisoformat(stored)
    except (ValueError, TypeError):
        return False


def _row(case_id: str, page: ScanPage) -> scans.ScanRow:
    return scans.ScanRow(
        case_id=case_id, source=page.source, doc=page.doc, page=page.page, pages=page.pages,
        digest=page.digest, image=page.data, missing=page.missing, old=page.old, at=page.at,
        boxes=page.boxes,
    )  # fmt: skip


def left_behind(store: Store, case_id: str) -> str:
    """The words for the papers a plain export leaves behind ("" when the case keeps none); only
    counted, no image read."""
    count_images = store.image_count(case_id)
    count_scans = len(store.scans(case_id, images=False))
    parts = [f"{count_images} 张证件图片"] if count_images else []
    parts += [f"{count_scans} 页签字扫描件"] if count_scans else []
    return "、".join(parts)
