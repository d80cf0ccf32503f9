"""The drafts file's hall bookkeeping (desktop.store.hallbook): its migration steps and the reads every
sync round makes."""

from __future__ import annotations

from desktop.store import hallbook as local
from desktop.store.hallbook import HallBook


def _plan(db, sql: str) -> list[str]:
    return [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]


def test_every_round_reads_only_covering_indexes(open_store):
    store = open_store("a")
    local.ensure_schema(store.db)
    for sql in (local.CHANGED_HERE, local.PURGED_HERE):
        scans = [step for step in _plan(store.db, sql) if step.startswith(("SCAN", "SEARCH"))]
        assert scans and all("COVERING INDEX" in step for step in scans), scans


def test_a_file_from_before_the_indexes_gets_them(open_store):
    store = open_store("a")
    steps = local.migrations()
    steps.apply(store.db, stop_before=local.INDEX_STEP_NAME)
    assert "hall_sync" not in {i.name for i in store.db["cases"].indexes}
    local.ensure_schema(store.db)
    assert "hall_sync" in {i.name for i in store.db["cases"].indexes}
    assert "hall_cases_sync" in {i.name for i in store.db["hall_cases"].indexes}
    local.ensure_schema(store.db)  # nothing left to do: no error, no second index


def test_what_changed_and_what_was_purged_here(open_store):
    store = open_store("a")
    book = HallBook(store)
    first, second = store.create({"notes": "1"}), store.create({"notes": "2"})
    assert book.changed_here() == [first.id, second.id]
    store.db["hall_cases"].insert_all(
        [
            {"case_id": c.id, "revision": 3, "base": "{}", "digest": "", "number": None,
             "local_revision": c.revision, "local_deleted": 0}
            for c in (first, second)
        ]
    )  # fmt: skip
    assert book.changed_here() == []
    store.delete(second.id)
    assert book.changed_here() == [second.id]
    store.db.execute("DELETE FROM cases WHERE id = ?", [first.id])
    assert book.purged_here() == [(first.id, 3)]
