"""Scanned pages and retention: a signed or handed-over case is never purged by a desk, whatever its
clock says (only the hall's retention ends it); a purged case takes its scans with it."""

from __future__ import annotations

from desktop.domain.status import HANDED_OVER, SIGNED
from desktop.store.scans import ScanRow


def _scan(case_id: str) -> ScanRow:
    return ScanRow(
        case_id=case_id,
        source="a.pdf 第 1 页",
        doc="agreement",
        page=1,
        pages=1,
        digest="1" * 10,
        image=b"jpeg",
    )


def test_signed_and_handed_over_cases_are_kept_and_a_purged_case_takes_its_scans(db, clock, example_values):
    from test_store_helpers import open_at

    with open_at(db, clock) as store:
        case = store.create(example_values)
        store.record_print(case.id, case.revision, documents=["agreement"], pages=1, digest="1" * 64)
        store.add_scans([_scan(case.id)], [case.id])
        assert store.get(case.id).status == SIGNED
        clock.advance(days=5000)
        store.purge()
        assert [s.page for s in store.scans(case.id)] == [1]
        store.set_status(case.id, HANDED_OVER, store.get(case.id).revision)
        clock.advance(days=5000)
        store.purge()
        assert store.get(case.id).status == HANDED_OVER and len(store.scans(case.id)) == 1
        other = store.create(example_values)
        store.add_scans([_scan(other.id)])
        store.delete(other.id)
        clock.advance(days=400)
        store.purge()
        assert store.db.execute("SELECT count(*) FROM scans WHERE case_id = ?", [other.id]).fetchone()[0] == 0


def test_the_scans_migration_is_recorded(db, bundle):
    from desktop.store.schema import known_migrations

    assert "0017_scans" in known_migrations()
