"""Sync against a real PostgreSQL: cases travel, one-sided edits merge, two-sided ones conflict."""

from __future__ import annotations

import psycopg
import pytest

from desktop.hall.connection import connector
from desktop.hall.engine import SyncEngine


@pytest.fixture
def machines(hall, open_store):
    """Two drafts files, each with its own desk role, and a function to sync one."""
    a, b = open_store("a"), open_store("b")
    engines = {
        "a": SyncEngine(a, connector(hall.desk("ta01"))),
        "b": SyncEngine(b, connector(hall.desk("tb01"))),
    }
    yield a, b, engines
    for engine in engines.values():
        engine.close()


def test_a_pulled_complete_case_with_a_wrong_id_is_recorded_as_a_draft(machines, example_values):
    """The hall's save path judges as a session does: another desk's "complete" on a broken case
    (the store's own API does not judge) is not recorded as finished here (issue 20)."""
    a, b, eng = machines
    case = a.create({**example_values, "handler.id_number": "610113198402242116"})
    a.set_status(case.id, "complete", a.get(case.id).revision)
    eng["a"].sync_once()
    eng["b"].sync_once()
    got = b.get(case.id)
    assert got.fields["handler.id_number"] == "610113198402242116" and got.status == "draft"
    fine = a.create(example_values)
    a.set_status(fine.id, "complete", a.get(fine.id).revision)
    eng["a"].sync_once()
    eng["b"].sync_once()
    assert b.get(fine.id).status == "complete"


def test_a_case_made_on_one_machine_appears_on_the_other(machines):
    a, b, eng = machines
    case = a.create({"customer.name": "杭州某某科技有限公司", "business.categories": ["open"]})
    report = eng["a"].sync_once()
    assert report.pushed == 1 and report.in_step
    assert eng["a"].pending_count() == 0
    report = eng["b"].sync_once()
    assert report.pulled == 1
    got = b.get(case.id)
    assert got.fields == {"customer.name": "杭州某某科技有限公司", "business.categories": ["open"]}
    assert eng["b"].pending_count() == 0
    # A second round on each side changes nothing.
    assert eng["a"].sync_once().pulled == 0
    assert eng["b"].sync_once().pushed == 0


def test_one_sided_edits_on_two_machines_merge(machines):
    a, b, eng = machines
    case = a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    a.save_field(case.id, "contact.name", "王霄", a.get(case.id).revision)
    b.save_field(case.id, "notes", "加急", b.get(case.id).revision)
    eng["a"].sync_once()
    assert eng["b"].sync_once().in_step
    eng["a"].sync_once()
    want = {"customer.name": "甲公司", "contact.name": "王霄", "notes": "加急"}
    assert a.get(case.id).fields == want
    assert b.get(case.id).fields == want


def test_a_two_sided_edit_is_a_conflict_until_picked_and_nothing_is_lost(machines):
    a, b, eng = machines
    case = a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    a.save_field(case.id, "customer.name", "甲公司A", a.get(case.id).revision)
    b.save_field(case.id, "customer.name", "甲公司B", b.get(case.id).revision)
    assert eng["a"].sync_once().in_step
    report = eng["b"].sync_once()
    assert [(c.key, c.mine, c.theirs, c.who) for c in report.conflicts] == [
        ("customer.name", "甲公司B", "甲公司A", "desk_ta01")
    ]
    assert b.get(case.id).fields["customer.name"] == "甲公司B"  # the machine keeps mine
    assert eng["b"].pending_count() == 0  # the conflicted value is not pushed over theirs
    assert eng["b"].sync_once().conflicts  # still there next round
    eng["a"].sync_once()
    assert a.get(case.id).fields["customer.name"] == "甲公司A"  # the server kept its value
    eng["b"].resolve(case.id, "customer.name", "mine")
    assert eng["b"].sync_once().in_step
    eng["a"].sync_once()
    assert a.get(case.id).fields["customer.name"] == "甲公司B"


def test_a_conflict_shows_the_value_typed_since_as_mine(machines):
    a, b, eng = machines
    case = a.create({"notes": "1"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    a.save_field(case.id, "notes", "2", a.get(case.id).revision)
    b.save_field(case.id, "notes", "3", b.get(case.id).revision)
    eng["a"].sync_once()
    eng["b"].sync_once()
    b.save_field(case.id, "notes", "4", b.get(case.id).revision)
    assert [(c.mine, c.theirs) for c in eng["b"].conflicts()] == [("4", "2")]
    assert [(c.mine, c.theirs) for c in eng["b"].sync_once().conflicts] == [("4", "2")]
    eng["b"].resolve(case.id, "notes", "mine")
    eng["b"].sync_once()
    eng["a"].sync_once()
    assert a.get(case.id).fields["notes"] == "4"


def test_picking_theirs_takes_the_servers_value(machines):
    a, b, eng = machines
    case = a.create({"customer.name": "甲"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    a.save_field(case.id, "customer.name", "乙", a.get(case.id).revision)
    b.save_field(case.id, "customer.name", "丙", b.get(case.id).revision)
    eng["a"].sync_once()
    eng["b"].sync_once()
    eng["b"].resolve(case.id, "customer.name", "theirs")
    assert b.get(case.id).fields["customer.name"] == "乙"
    assert eng["b"].sync_once().in_step and eng["b"].pending_count() == 0


def test_bin_and_status_travel(machines, example_values):
    a, b, eng = machines
    case = a.create(example_values)
    eng["a"].sync_once()
    eng["b"].sync_once()
    a.set_status(case.id, "complete", a.get(case.id).revision)
    a.delete(case.id)
    eng["a"].sync_once()
    eng["b"].sync_once()
    got = b.get(case.id)
    assert got.status == "complete" and got.deleted is not None
    b.restore(case.id)
    eng["b"].sync_once()
    eng["a"].sync_once()
    assert a.get(case.id).deleted is None


def test_a_local_purge_stays_local_and_the_audit_reaches_the_server(machines, hall):
    a, b, eng = machines
    case = a.create({"customer.name": "甲", "handler.id_number": "610113198402242115"})
    a.set_status(case.id, "printed", a.get(case.id).revision)
    eng["a"].sync_once()
    eng["b"].sync_once()
    a.db.execute("UPDATE cases SET updated_ts = 0 WHERE id = ?", [case.id])
    assert a.purge().removed == 1
    assert eng["a"].sync_once().purged == 0
    eng["b"].sync_once()
    assert case.id in b.ids() and case.id not in a.ids()
    assert eng["a"].pending_count() == 0
    with hall.server.admin(hall.dbname) as conn:
        events = conn.execute("SELECT desk, event, key FROM desk400.audit ORDER BY id").fetchall()
        dump = repr(conn.execute("SELECT * FROM desk400.audit").fetchall())
    assert ("desk_ta01", "created", None) in events and ("desk_ta01", "purged", None) in events
    assert "甲" not in dump and "610113" not in dump


def test_a_desk_role_cannot_truncate_drop_or_alter(hall):
    url = hall.desk("tc01")
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in (
            "TRUNCATE desk400.cases",
            "DROP TABLE desk400.audit",
            "ALTER TABLE desk400.cases ADD COLUMN x int",
            "DELETE FROM desk400.history",
            "UPDATE desk400.audit SET event = 'x'",
            "CREATE TABLE desk400.mine (x int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_a_case_file_from_a_machine_that_synced_merges_against_the_hall_base(machines, tmp_path):
    """A laptop that synced, then went out of reach, hands its edit over as a file: the file's base
    is the hall revision both last agreed, so the desk merges it with its own unsynced edit."""
    from desktop.exchange.transfer import export_case, import_files
    from desktop.files import casefile

    a, b, eng = machines
    case = a.create({"customer.name": "甲公司", "contact.name": "王霄"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    b.save_field(case.id, "notes", "笔记本上改的", b.get(case.id).revision)
    a.save_field(case.id, "contact.name", "李敏", a.get(case.id).revision)
    path = export_case(b, case.id, tmp_path / "laptop.json")
    base = casefile.read(path).base
    assert base == casefile.Base(
        1, casefile.values_digest({"customer.name": "甲公司", "contact.name": "王霄"})
    )
    assert import_files(a, [path]).merged == (case.id,)
    want = {"customer.name": "甲公司", "contact.name": "李敏", "notes": "笔记本上改的"}
    assert a.get(case.id).fields == want
    # The merge is an ordinary edit for the hall: it travels, and the laptop merges it too.
    assert eng["a"].sync_once().in_step
    assert eng["b"].sync_once().in_step
    assert b.get(case.id).fields == want


def test_a_value_typed_while_the_round_is_in_flight_goes_out_next_round(machines, open_store, monkeypatch):
    """The window types on its own connection while the sync thread's round waits for the server:
    the value stays here and is pushed by the next round (not taken for the server's)."""
    from desktop.hall import remote

    a, b, eng = machines
    case = a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    a.save_field(case.id, "notes", "加急", a.get(case.id).revision)
    typing = open_store("a")  # a second connection to the same drafts file, as the window has
    real_push, typed = remote.push, []

    def push_then_type(conn, items, *rest):
        answer = real_push(conn, items, *rest)
        if not typed:
            typed.append(typing.save_field(case.id, "contact.name", "王霄", typing.get(case.id).revision))
        return answer

    monkeypatch.setattr(remote, "push", push_then_type)
    eng["a"].sync_once()
    assert a.get(case.id).fields["contact.name"] == "王霄"
    assert eng["a"].pending_count() == 1
    assert eng["a"].sync_once().pushed == 1
    eng["b"].sync_once()
    assert b.get(case.id).fields == {"customer.name": "甲公司", "notes": "加急", "contact.name": "王霄"}


def test_a_pulled_case_typed_into_meanwhile_is_merged_not_overwritten(machines, open_store, monkeypatch):
    """The window types into a case after the round looked at it and before the pull is written:
    the typed value stays, and the next push merges it with the server's edit."""
    from contextlib import contextmanager

    from desktop.store.hallbook import HallBook

    a, b, eng = machines
    case = a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    b.save_field(case.id, "notes", "加急", b.get(case.id).revision)
    eng["b"].sync_once()
    typing = open_store("a")
    real_write, typed = HallBook.write, []

    @contextmanager
    def type_then_write(book):
        if not typed:
            typed.append(typing.save_field(case.id, "contact.name", "王霄", typing.get(case.id).revision))
        with real_write(book):
            yield

    monkeypatch.setattr(HallBook, "write", type_then_write)
    eng["a"].sync_once()
    assert typed and a.get(case.id).fields["contact.name"] == "王霄"
    assert eng["a"].sync_once().in_step
    eng["b"].sync_once()
    want = {"customer.name": "甲公司", "notes": "加急", "contact.name": "王霄"}
    assert a.get(case.id).fields == want and b.get(case.id).fields == want


def test_rounds_keep_their_connection_and_a_dropped_one_is_replaced_at_once(hall, open_store):
    url = hall.desk("tk01")
    opened = []

    def counting():
        opened.append(connector(url)())
        return opened[-1]

    store = open_store("k")
    with SyncEngine(store, counting) as engine:
        store.create({"customer.name": "甲"})
        assert engine.sync_once().pushed == 1
        assert engine.sync_once().pushed == 0
        assert len(opened) == 1  # one login for both rounds
        with hall.server.admin(hall.dbname) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'desk_tk01'"
            )
        store.create({"customer.name": "乙"})
        assert engine.sync_once().pushed == 1  # not offline: the round ran again on a new connection
        assert len(opened) == 2
    assert opened[-1].closed


def test_a_schema_made_newer_while_a_desk_is_connected_is_refused_before_anything_is_written(
    hall, open_store
):
    from desktop.hall import schema
    from desktop.hall.connection import SchemaMismatch

    store = open_store("n")
    with SyncEngine(store, connector(hall.desk("tn01"))) as engine:
        store.create({"customer.name": "甲"})
        engine.sync_once()
        with hall.server.admin(hall.dbname) as admin:
            admin.execute(
                "UPDATE desk400.meta SET value = %s WHERE key = 'schema_version'", [str(schema.VERSION + 1)]
            )
        with pytest.raises(SchemaMismatch):
            engine.sync_once()  # nothing to push: the pull asks
        store.create({"customer.name": "乙"})
        with pytest.raises(SchemaMismatch):
            engine.sync_once()  # the push asks before it writes
    with hall.server.admin(hall.dbname) as admin:
        assert admin.execute("SELECT count(*) FROM desk400.cases").fetchone()[0] == 1


def test_a_round_does_not_pull_back_the_values_it_just_pushed(machines):
    from desktop.hall import remote

    a, b, eng = machines
    case = a.create({"customer.name": "甲"})
    eng["a"].sync_once()
    conn = eng["a"]._connection()
    [mine] = remote.pull(conn, 0, {case.id: 1})
    assert mine.case_id == case.id and mine.revision == 1 and mine.raw is None
    [other] = remote.pull(conn, 0, {case.id: 2})  # another revision: the values come
    assert other.raw == '{"customer.name": "甲"}'
    # A machine that does not hold what it claims still gets the values (asked for separately).
    assert eng["b"]._pull(eng["b"]._connection(), {case.id: 1}) == 1
    assert b.get(case.id).fields == {"customer.name": "甲"}


def _server_case(hall, case_id):
    with hall.server.admin(hall.dbname) as admin:
        return admin.execute("SELECT revision, state FROM desk400.cases WHERE id = %s", [case_id]).fetchone()


def test_an_edit_undone_before_the_round_makes_no_new_revision(machines, hall):
    a, _, eng = machines
    case = a.create({"notes": "1"})
    eng["a"].sync_once()
    a.save_field(case.id, "notes", "2", a.get(case.id).revision)
    a.save_field(case.id, "notes", "1", a.get(case.id).revision)
    assert eng["a"].sync_once().pushed == 0
    assert _server_case(hall, case.id) == (1, {"notes": "1"})
    assert eng["a"].pending_count() == 0


def test_a_case_moved_on_between_the_merge_and_its_write_is_merged_again(machines, hall, monkeypatch):
    """The push's write is conditional on the revision its merge read: another desk's write in
    between makes it miss, and the case is read and merged once more; nothing is lost."""
    from desktop.hall import remote

    a, b, eng = machines
    case = a.create({"customer.name": "甲"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    b.save_field(case.id, "contact.name", "王霄", b.get(case.id).revision)
    eng["b"].sync_once()  # the server moves on: a's next push must merge
    a.save_field(case.id, "notes", "加急", a.get(case.id).revision)
    real_merged, reads = remote._merged, []

    def merged_then_someone_writes(conn, items, results, *rest):
        rows = real_merged(conn, items, results, *rest)
        reads.append(len(rows))
        if len(reads) == 1:
            b.save_field(case.id, "handler.name", "李敏", b.get(case.id).revision)
            eng["b"].sync_once()
        return rows

    monkeypatch.setattr(remote, "_merged", merged_then_someone_writes)
    assert eng["a"].sync_once().in_step
    assert reads == [1, 1]  # merged twice
    want = {"customer.name": "甲", "contact.name": "王霄", "handler.name": "李敏", "notes": "加急"}
    assert _server_case(hall, case.id) == (4, want)
    assert a.get(case.id).fields == want


def test_a_round_with_nothing_new_writes_nothing_to_the_drafts_file(machines, open_store):
    """A desk syncs every 10 s: a round that finds nothing to do commits nothing locally. A commit
    would churn the WAL, and empty the page cache of every other connection to the file (the one
    the window opens cases on: desktop.ui.workers.StorePool.lend)."""
    a, b, eng = machines
    a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    for name in ("a", "b"):
        eng[name].sync_once()
        window = open_store(name)  # another connection to that desk's drafts file
        before = window.db.execute("PRAGMA data_version").fetchone()[0]  # moves on another's commit
        report = eng[name].sync_once()
        assert (report.pushed, report.pulled) == (0, 0)
        assert window.db.execute("PRAGMA data_version").fetchone()[0] == before, name
