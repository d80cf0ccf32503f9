"""Card images kept with their case in the drafts file (migration 0016_images): read back as
kept, purged with the case, and never in clear on disk (the file is SQLCipher-encrypted)."""

from __future__ import annotations

from capture_images import Licence, encoded, licence_image
from test_crypto import leaks
from test_store_helpers import Clock, open_at

from desktop.store import images


def test_images_are_kept_with_the_case_and_purged_with_it(tmp_path):
    clock = Clock()
    path = tmp_path / "drafts.sqlite"
    scan = encoded(licence_image(Licence(), dpi=100))
    with open_at(path, clock, backups=True) as store:
        case = store.create({"customer.name": Licence().name})
        keep = store.create({"customer.name": "留下的公司"})
        images.keep(store.db, case.id, "licence", scan, "2026-11-28T10:00:00+08:00")
        images.keep(store.db, case.id, "id_front", b"front", "2026-11-28T10:00:00+08:00")
        images.keep(store.db, keep.id, "id_front", b"other", "2026-11-28T10:00:00+08:00")
        images.keep(store.db, case.id, "id_front", b"front again", "2026-11-28T10:01:00+08:00")
        kept = images.of_case(store.db, case.id)
        assert [(i.kind, i.data) for i in kept] == [("licence", scan), ("id_front", b"front again")]
        store.set_status(case.id, "printed", 1)
        clock.advance(days=120)
        store.purge()
        assert images.of_case(store.db, case.id) == []
        assert [i.data for i in images.of_case(store.db, keep.id)] == [b"other"]
    marker = scan[200:232]  # bytes of the image itself, compressed as stored
    assert leaks(tmp_path, [Licence().name]) == []
    for copy in tmp_path.rglob("*"):
        if copy.is_file():
            assert marker not in copy.read_bytes(), copy.name
