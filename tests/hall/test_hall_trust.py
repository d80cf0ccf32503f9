"""Issue 21 against a real PostgreSQL on loopback: the server is the authority, and neither a
desk role nor a pulled row is trusted (items 1-6 and the server-side minor items)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta

import psycopg
import pytest

from desktop.files import casefile
from desktop.hall import remote, schema
from desktop.hall.connection import ServerBusy, connector
from desktop.hall.engine import SyncEngine


@pytest.fixture
def desks(hall, open_store, bundle):
    """Two drafts files with their desk roles; engines check pulled rows with the bundle's shapes."""
    shapes = casefile.shapes_for(bundle.fields)
    a, b = open_store("a"), open_store("b")
    urls = {"a": hall.desk("xh11"), "b": hall.desk("xh12")}
    engines = {
        "a": SyncEngine(a, connector(urls["a"]), shapes),
        "b": SyncEngine(b, connector(urls["b"]), shapes),
    }
    yield a, b, engines, urls
    for engine in engines.values():
        engine.close()


def printed_case(store, values):
    case = store.create(values)
    store.set_status(case.id, "printed", case.revision)
    return store.get(case.id)


# -- 1. purge is local ---------------------------------------------------------------------


def test_a_desks_purge_with_its_clock_ahead_removes_only_its_own_copy(desks, hall):
    a, b, eng, _ = desks
    case = printed_case(a, {"customer.name": "甲公司", "handler.id_number": "610113198402242115"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    real = b.clock
    b.clock = lambda: real() + timedelta(days=100)
    assert b.purge().removed == 1
    eng["b"].sync_once()
    a.save_field(case.id, "notes", "改正", a.get(case.id).revision)  # A was offline meanwhile
    report = eng["a"].sync_once()
    assert report.in_step and report.purged == 0
    assert a.get(case.id).fields["notes"] == "改正"
    with hall.server.admin(hall.dbname) as conn:
        state, purged = conn.execute(
            "SELECT state, purged FROM desk400.cases WHERE id = %s", [case.id]
        ).fetchone()
        assert not purged and state["notes"] == "改正"
        history = conn.execute("SELECT state::text FROM desk400.history WHERE case_id = %s", [case.id])
        assert all("610113198402242115" in row[0] for row in history.fetchall())


def test_a_purge_never_removes_a_case_with_edits_not_yet_pushed(desks):
    a, b, eng, _ = desks
    case = printed_case(a, {"customer.name": "甲公司"})
    eng["a"].sync_once()
    a.save_field(case.id, "notes", "未同步", a.get(case.id).revision)
    a.set_status(case.id, "printed", a.get(case.id).revision)
    never_synced = printed_case(a, {"customer.name": "乙公司"})
    real = a.clock
    a.clock = lambda: real() + timedelta(days=400)
    assert a.purge().removed == 0
    assert {case.id, never_synced.id} <= set(a.ids())
    a.clock = real
    eng["a"].sync_once()  # pushed: now the local copy may go
    a.clock = lambda: real() + timedelta(days=400)
    assert a.purge().removed == 2


def test_a_signed_case_never_leaves_through_the_bin(desks):
    a, _, eng, _ = desks
    case = a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    a.db.execute("UPDATE cases SET status = 'signed' WHERE id = ?", [case.id])  # the counter's status
    a.delete(case.id)
    eng["a"].sync_once()
    real = a.clock
    a.clock = lambda: real() + timedelta(days=400)
    assert a.purge().removed == 0
    assert a.get(case.id).status == "signed"


def test_the_halls_retention_is_the_servers_and_reaches_every_desk(desks, hall, capsys):
    from desktop.cli import main

    a, b, eng, _ = desks
    old = printed_case(a, {"customer.name": "甲公司", "handler.id_number": "610113198402242115"})
    draft = a.create({"customer.name": "乙公司"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    assert old.id in b.ids()
    with hall.server.admin(hall.dbname) as conn:  # the server's own clock: 100 days on
        conn.execute("SET session_replication_role = replica")  # the stamp trigger would say now
        conn.execute("UPDATE desk400.cases SET updated_at = now() - interval '100 days'")
    assert main(["server", "set-retention", "--url", hall.admin_url, "90"]) == 0
    assert "1 个" in capsys.readouterr().out
    assert eng["a"].sync_once().purged == 1
    assert eng["b"].sync_once().purged == 1
    assert old.id not in a.ids() and old.id not in b.ids()
    assert draft.id in a.ids() and draft.id in b.ids()  # a draft is not finished: kept
    with hall.server.admin(hall.dbname) as conn:
        dump = conn.execute("SELECT state::text FROM desk400.history WHERE case_id = %s", [old.id])
        assert all("610113" not in row[0] for row in dump.fetchall())


def test_set_retention_is_the_administrators(desks, hall):
    _, _, _, urls = desks
    conn = connector(urls["a"])()
    try:
        with pytest.raises(schema.AuthFailed):
            schema.set_retention(conn, 1)
    finally:
        conn.close()


# -- 2. the server decides, desks ask ------------------------------------------------------


FORBIDDEN = (
    "UPDATE desk400.cases SET purged = true, state = '{}', revision = revision + 1",
    "UPDATE desk400.history SET updated_by = 'desk_xh11'",
    "DELETE FROM desk400.cases",
    "INSERT INTO desk400.cases (id, bundle, state, revision, updated, change_seq)"
    " VALUES (gen_random_uuid(), '400', '[]', 1, 'x', 1)",
    "INSERT INTO desk400.history (case_id, revision, state) SELECT id, 99, '{}' FROM desk400.cases",
    "INSERT INTO desk400.audit (at, event) VALUES ('x', 'forged')",
    "SELECT nextval('desk400.changes')",
    "SELECT setval('desk400.changes', 1)",
    "UPDATE desk400.meta SET value = '1' WHERE key = 'retention_days'",
    "SELECT * FROM desk400.cases FOR UPDATE",
    "SELECT * FROM desk400.cases FOR KEY SHARE",
    "LOCK TABLE desk400.cases IN ACCESS EXCLUSIVE MODE",
    "LOCK TABLE desk400.history IN SHARE MODE",
    "SELECT * FROM desk400.write_lock",
    "SELECT * FROM desk400.push_tokens",
)


def test_a_desk_role_cannot_write_lock_or_move_anything_directly(desks, hall):
    a, _, eng, urls = desks
    a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    with psycopg.connect(urls["b"], autocommit=True) as conn:
        for statement in FORBIDDEN:
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(statement)
    with hall.server.admin(hall.dbname) as conn:
        rows = conn.execute("SELECT updated_by, purged, revision FROM desk400.cases").fetchall()
        assert rows == [("desk_xh11", False, 1)]  # stamped from session_user, not the function's owner
        assert conn.execute("SELECT updated_by FROM desk400.history").fetchall() == [("desk_xh11",)]


def test_history_is_append_only_for_every_role_but_its_owner(desks, hall):
    a, _, eng, _ = desks
    a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    with hall.server.admin(hall.dbname) as conn:
        conn.execute("CREATE ROLE auditor_x")
        conn.execute("GRANT USAGE ON SCHEMA desk400 TO auditor_x")
        conn.execute("GRANT SELECT, UPDATE, DELETE ON desk400.history, desk400.cases TO auditor_x")
        conn.execute("SET ROLE auditor_x")
        for statement in ("UPDATE desk400.history SET state = '{}'", "DELETE FROM desk400.history"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(statement)


def test_a_desk_calling_the_push_function_cannot_purge_or_skip_revisions(desks, hall):
    a, _, eng, urls = desks
    case = a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    with psycopg.connect(urls["b"], autocommit=True) as conn:
        push = remote.Push(case.id, None, "400", 1, {"customer.name": "乙"}, "2026-01-01T00:00:00+08:00")
        [answer] = remote.push(conn, [push])
        assert answer.case.revision == 2
        stale = remote.Push(case.id, None, "400", 1, {"customer.name": "丙"}, "2026-01-01T00:00:00+08:00")
        [answer] = remote.push(conn, [stale])  # a stale base is merged, never written over
        assert answer.conflicts == ("customer.name",)
        conn.execute("SELECT desk400.retire()")  # no retention set: nothing retired
    with hall.server.admin(hall.dbname) as conn:
        assert conn.execute("SELECT purged, state->>'customer.name' FROM desk400.cases").fetchall() == [
            (False, "乙")
        ]


# -- 3 and 4. every pulled row passes the case-file rules, or is quarantined -----------------

GOOD_STATE = {"customer.name": "好公司"}
BAD_ROWS = {
    "a list": ({"state": "[]"}, "JSON 对象"),
    "a string": ({"state": '"x"'}, "JSON 对象"),
    "null": ({"state": "null"}, "JSON 对象"),
    "nested": ({"state": json.dumps({"customer.name": {"a": [1]}})}, "嵌套"),
    "a float": ({"state": json.dumps({"customer.name": 1.5})}, "customer.name"),
    "unknown status": ({"state": json.dumps({"customer.name": "x", "@status": "lost"})}, "lost"),
    "bad bin": ({"state": json.dumps({"customer.name": "x", "@bin": "yes"})}, "@bin"),
    "updated x": ({"updated": "x"}, "updated"),
    "updated without zone": ({"updated": "2026-12-01T10:00:00"}, "时区"),
    "unknown key": ({"state": json.dumps({"customer.name": "x", "evil.key": "1"})}, "evil.key"),
    "control character": ({"state": json.dumps({"customer.name": "a\x07b"})}, "控制字符"),
    "15 MB": ({"state": json.dumps({"customer.name": "x" * 15_000_000})}, "太大"),
    "100,000 keys": ({"state": json.dumps({f"k{i}": "v" for i in range(100_000)})}, ""),
    "bundle 999": ({"bundle": "999"}, "999"),
    "number X\\nY": ({"number": "X\nY"}, "案卷号"),
}


def insert_row(conn, **row):
    """A row written past the functions (as the owner can, or a version-1 desk could)."""
    values = {
        "id": str(uuid.uuid4()),
        "number": None,
        "bundle": "400",
        "state": json.dumps(GOOD_STATE),
        "updated": "2026-12-01T10:00:00+08:00",
        **row,
    }
    conn.execute(
        "INSERT INTO desk400.cases (id, number, bundle, state, revision, updated, change_seq)"
        " VALUES (%(id)s, %(number)s, %(bundle)s, %(state)s::jsonb, 1, %(updated)s, nextval('desk400.changes'))",
        values,
    )
    return values["id"]


@pytest.mark.parametrize("name", list(BAD_ROWS))
def test_a_malformed_row_is_quarantined_and_the_pull_goes_on(desks, hall, name):
    a, b, eng, _ = desks
    bad, words = BAD_ROWS[name]
    with hall.server.admin(hall.dbname) as conn:
        before = insert_row(conn)
        refused = insert_row(conn, **bad)
        after = insert_row(conn)
    report = eng["a"].sync_once()
    assert report.pulled == 2
    assert {before, after} <= set(a.ids()) and refused not in a.ids()
    [held] = eng["a"].quarantined()
    assert held.case_id == refused and words in held.reason
    # One line naming the row: a row without a number by its id's first 8 characters.
    assert held.reason.startswith("服务器上的案卷 ") and ("number" in bad or refused[:8] in held.reason)
    assert eng["a"].sync_once().in_step  # the next round neither stops nor pulls it in
    assert refused not in a.ids()
    c = a.create({"customer.name": "后来的"})
    eng["a"].sync_once()
    eng["b"].sync_once()
    assert c.id in b.ids() and {before, after} <= set(b.ids())


def test_a_quarantined_case_is_released_by_a_valid_newer_version(desks, hall):
    a, _, eng, _ = desks
    with hall.server.admin(hall.dbname) as conn:
        case_id = insert_row(conn, state="[]")
    eng["a"].sync_once()
    assert [q.case_id for q in eng["a"].quarantined()] == [case_id]
    with hall.server.admin(hall.dbname) as conn:
        conn.execute(
            "UPDATE desk400.cases SET state = %s::jsonb, revision = 2, change_seq = nextval('desk400.changes')"
            " WHERE id = %s",
            [json.dumps(GOOD_STATE), case_id],
        )
    eng["a"].sync_once()
    assert eng["a"].quarantined() == [] and a.get(case_id).fields == GOOD_STATE


def test_sync_names_quarantined_rows_in_one_line_each_and_exits_0(hall, capsys, tmp_path):
    from desktop.cli import main

    url = hall.desk("xh13")
    with hall.server.admin(hall.dbname) as conn:
        insert_row(conn, state="[]")
        insert_row(conn)
    status = main(["sync", "--db", str(tmp_path / "q.db"), "--url", url])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "下载 1 个" in out and "隔离" in out and "内部错误" not in out + err


# -- 5. nobody hangs everyone's sync --------------------------------------------------------


def test_a_hostile_desks_locks_do_not_stall_another_desks_sync(desks, hall):
    a, b, eng, urls = desks
    a.create({"customer.name": "甲"})
    with psycopg.connect(urls["b"]) as hostile:
        hostile.execute("SELECT pg_advisory_lock(%s)", [schema.LOCK_KEY])  # version 1's push lock
        hostile.execute("LOCK TABLE desk400.cases IN ACCESS SHARE MODE")  # all it may take
        start = time.monotonic()
        assert eng["a"].sync_once().pushed == 1
        assert time.monotonic() - start < 3


def test_a_lock_held_on_the_server_is_server_busy_and_the_edit_stays_pending(desks, hall):
    a, _, eng, _ = desks
    case = a.create({"customer.name": "甲"})
    eng["a"].sync_once()
    a.save_field(case.id, "notes", "待同步", a.get(case.id).revision)
    release = threading.Event()
    holding = threading.Event()

    def hold():
        with hall.server.admin(hall.dbname) as conn, conn.transaction():
            conn.execute("LOCK TABLE desk400.cases IN ACCESS EXCLUSIVE MODE")
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        start = time.monotonic()
        with pytest.raises(ServerBusy, match="服务器忙"):
            eng["a"].sync_once()
        assert time.monotonic() - start < 15
    finally:
        release.set()
        holder.join()
    assert eng["a"].pending_count() == 1
    assert eng["a"].sync_once().pushed == 1


def test_desk_roles_carry_server_side_timeouts(desks, hall):
    _, _, _, urls = desks
    with hall.server.admin(hall.dbname) as conn:
        settings = conn.execute(
            "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole"
            " WHERE r.rolname = 'desk_xh11'"
        ).fetchone()[0]
    assert {"statement_timeout=30s", "lock_timeout=10s"} <= set(settings)


# -- 6. idempotent pushes -------------------------------------------------------------------


class LosesTheAnswer:
    """A connection whose next push is committed by the server but never answered (the desk is
    killed, or the link drops, right after the commit)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        object.__setattr__(self, "conn", conn)
        object.__setattr__(self, "armed", True)

    def execute(self, query, params=None, **kw):
        result = self.conn.execute(query, params, **kw)
        if self.armed and "push_cases" in str(query) and params and params[1][0] is not None:
            object.__setattr__(self, "armed", False)
            result.fetchall()
            self.conn.close()
            raise psycopg.OperationalError("connection lost after the commit")
        return result

    def __getattr__(self, name):
        return getattr(self.conn, name)

    def __setattr__(self, name, value):
        setattr(self.conn, name, value)


def test_a_lost_acknowledgement_is_replayed_never_a_conflict_with_the_desks_own_value(hall, open_store):
    from desktop.hall.connection import Offline

    url = hall.desk("xh14")
    store = open_store("lost")
    losing = {"left": 1}

    def connect():
        conn = connector(url)()
        if losing["left"]:
            losing["left"] -= 1
            return LosesTheAnswer(conn)
        return conn

    with SyncEngine(store, connect) as engine:
        case = store.create({"customer.name": "甲", "notes": "1"})
        with pytest.raises(Offline):
            engine.sync_once()
        store.save_field(case.id, "notes", "2", store.get(case.id).revision)
        report = engine.sync_once()
        assert report.in_step and report.conflicts == ()
        assert engine.pending_count() == 0
        # An edit of a case the server already had, acknowledgement lost again.
        losing["left"] = 1
        engine.close()
        store.save_field(case.id, "notes", "3", store.get(case.id).revision)
        with pytest.raises(Offline):
            engine.sync_once()
        store.save_field(case.id, "notes", "4", store.get(case.id).revision)
        assert engine.sync_once().in_step
        assert store.get(case.id).fields["notes"] == "4"
    with hall.server.admin(hall.dbname) as conn:
        assert conn.execute("SELECT state->>'notes', revision FROM desk400.cases").fetchall() == [("4", 4)]


def test_the_server_answers_a_replayed_token_as_the_first_time(desks):
    _, _, _, urls = desks
    case_id, token = str(uuid.uuid4()), str(uuid.uuid4())
    push = remote.Push(case_id, None, "400", 0, {"notes": "1"}, "2026-01-01T00:00:00+08:00", token=token)
    with psycopg.connect(urls["a"], autocommit=True) as conn:
        [first] = remote.push(conn, [push])
        [again] = remote.push(conn, [push])
        assert (first.case.revision, again.case.revision) == (1, 1)
        assert again.replayed and again.accepted and again.case.state == {"notes": "1"}
    with psycopg.connect(urls["b"], autocommit=True) as conn:  # another desk's token is not its own
        [other] = remote.push(conn, [push])
        assert not other.replayed and other.case.revision == 1


# -- minor items ----------------------------------------------------------------------------


def test_a_non_numeric_connect_timeout_is_said_as_such(hall, capsys, tmp_path):
    from desktop.cli import main

    url = hall.desk("xh15") + "?connect_timeout=abc"
    status = main(["sync", "--db", str(tmp_path / "t.db"), "--url", url])
    err = capsys.readouterr().err
    assert status == 2 and "connect_timeout" in err and "内部错误" not in err


def test_sslmode_require_against_a_server_without_tls_says_so(hall, capsys, tmp_path):
    from desktop.cli import main

    url = hall.desk("xh16") + "?sslmode=require"
    status = main(["sync", "--db", str(tmp_path / "s.db"), "--url", url])
    err = capsys.readouterr().err
    assert status == 2 and "不支持加密连接" in err and "证书不对" not in err


def test_an_edit_over_a_malformed_server_row_waits_pending_and_merges_once_it_is_valid(desks, hall):
    a, _, eng, _ = desks
    case = a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    with hall.server.admin(hall.dbname) as conn:
        conn.execute(
            "UPDATE desk400.cases SET state = '[]', revision = 2, change_seq = nextval('desk400.changes')"
            " WHERE id = %s",
            [case.id],
        )
    a.save_field(case.id, "notes", "本机的修改", a.get(case.id).revision)
    report = eng["a"].sync_once()  # neither the push nor the pull stops
    assert report.in_step and [q.case_id for q in eng["a"].quarantined()] == [case.id]
    assert eng["a"].pending_count() == 1 and a.get(case.id).fields["notes"] == "本机的修改"
    with hall.server.admin(hall.dbname) as conn:
        conn.execute(
            "UPDATE desk400.cases SET state = %s::jsonb, revision = 3, change_seq = nextval('desk400.changes')"
            " WHERE id = %s",
            [json.dumps({"customer.name": "甲公司", "contact.name": "王霄"}), case.id],
        )
    eng["a"].sync_once()
    eng["a"].sync_once()
    assert a.get(case.id).fields == {"customer.name": "甲公司", "contact.name": "王霄", "notes": "本机的修改"}
    assert eng["a"].pending_count() == 0 and eng["a"].quarantined() == []


def test_a_merge_never_carries_another_desks_malformed_value_into_this_file(desks, hall):
    a, _, eng, urls = desks
    case = a.create({"customer.name": "甲公司"})
    eng["a"].sync_once()
    with psycopg.connect(urls["b"], autocommit=True) as conn:  # allowed: a desk changes fields
        bad = remote.Push(case.id, None, "400", 1, {"customer.name": "甲\x07", "evil.key": "1"}, "x")
        [answer] = remote.push(conn, [bad])
        assert answer.case.revision == 2
    a.save_field(case.id, "notes", "本机的修改", a.get(case.id).revision)
    assert eng["a"].sync_once().in_step
    assert a.get(case.id).fields == {"customer.name": "甲公司", "notes": "本机的修改"}
    assert [q.case_id for q in eng["a"].quarantined()] == [case.id]
    assert eng["a"].pending_count() == 1  # kept, waiting for a valid version
    with hall.server.admin(hall.dbname) as conn:
        assert conn.execute("SELECT revision FROM desk400.cases").fetchone() == (2,)  # nothing merged in
