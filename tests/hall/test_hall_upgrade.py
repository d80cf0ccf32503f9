"""A hall server made by the version-1 release upgrades to version 2 with `server init`: every
case and its history stay, the desks' roles lose their direct write rights, and a desk syncs."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from hall_pgserver import PgServer

from desktop.files import casefile
from desktop.hall import schema
from desktop.hall.connection import connector
from desktop.hall.engine import SyncEngine

# The grants of the version-1 release (desktop/hall/schema.py before commit 2a6bab4): desks read
# and wrote cases and history directly. STEPS[0] is that release's schema, kept as released.
V1_GRANTS = """
    REVOKE ALL ON SCHEMA desk400 FROM PUBLIC;
    GRANT USAGE ON SCHEMA desk400 TO desk400_desks;
    GRANT SELECT ON desk400.meta TO desk400_desks;
    GRANT SELECT, INSERT, UPDATE ON desk400.cases, desk400.history TO desk400_desks;
    GRANT INSERT ON desk400.audit TO desk400_desks;
    GRANT USAGE ON SEQUENCE desk400.changes, desk400.audit_id_seq TO desk400_desks;
    GRANT CONNECT ON DATABASE {database} TO desk400_desks;
"""


def v1_server(server: PgServer, name: str) -> str:
    """A database set up as the version-1 `server init` left it; returns its admin URL."""
    server.create_database(name)
    with server.admin(name) as conn:
        conn.execute("CREATE SCHEMA desk400")
        conn.execute("CREATE TABLE desk400.meta (key text PRIMARY KEY, value text NOT NULL)")
        conn.execute(schema.STEPS[0])
        conn.execute(
            "INSERT INTO desk400.meta VALUES ('schema_version', '1'), ('server_id', gen_random_uuid()::text)"
        )
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'desk400_desks'").fetchone() is None:
            conn.execute("CREATE ROLE desk400_desks NOLOGIN")
        conn.execute(V1_GRANTS.format(database=name))
        conn.commit()
    return server.url(name)


def v1_push(url: str, case_id: str, revision: int, state: dict, number: str) -> None:
    """What a version-1 desk wrote for one edit: the case row and its history row, directly."""
    with psycopg.connect(url) as conn:
        row = json.dumps(state, ensure_ascii=False)
        conn.execute(
            "INSERT INTO desk400.cases (id, number, bundle, state, revision, updated, change_seq)"
            " VALUES (%s, %s, '400', %s::jsonb, %s, '2026-11-30T10:00:00+08:00', nextval('desk400.changes'))"
            " ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, revision = EXCLUDED.revision,"
            " change_seq = EXCLUDED.change_seq",
            [case_id, number, row, revision],
        )
        conn.execute(
            "INSERT INTO desk400.history (case_id, revision, state) VALUES (%s, %s, %s::jsonb)",
            [case_id, revision, row],
        )


@pytest.fixture
def upgraded(pg_server, bundle, tmp_path):
    """A version-1 hall with three cases (one edited twice) written by a version-1 desk, before
    and after `server init`: (admin url, desk url, history before)."""
    name = f"hall_v1_{uuid.uuid4().hex[:8]}"
    admin = v1_server(pg_server, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        role, password, _ = schema.add_desk(conn, "XH01")
    desk = pg_server.url(name, role, password)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for n, case_id in enumerate(ids):
        v1_push(desk, case_id, 1, {"customer.name": f"甲公司{n}"}, f"XH01-20261130-00{n + 1}")
    v1_push(desk, ids[0], 2, {"customer.name": "甲公司0", "notes": "加急"}, "XH01-20261130-001")
    with psycopg.connect(admin, autocommit=True) as conn:
        before = conn.execute(
            "SELECT case_id::text, revision, state, updated_by FROM desk400.history ORDER BY 1, 2"
        ).fetchall()
        report = schema.init(conn)
    assert (report.before, report.after) == (1, schema.VERSION)
    return admin, desk, before, ids


def test_every_case_and_its_history_survive_the_upgrade(upgraded):
    admin, _, before, ids = upgraded
    with psycopg.connect(admin) as conn:
        after = conn.execute(
            "SELECT case_id::text, revision, state, updated_by FROM desk400.history ORDER BY 1, 2"
        ).fetchall()
        cases = dict(conn.execute("SELECT id::text, revision FROM desk400.cases").fetchall())
        version = conn.execute("SELECT value FROM desk400.meta WHERE key = 'schema_version'").fetchone()[0]
    assert len(before) == 4 and after == before
    assert cases == {ids[0]: 2, ids[1]: 1, ids[2]: 1}
    assert version == str(schema.VERSION)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE desk400.cases SET purged = true, state = '{}'",
        "UPDATE desk400.history SET updated_by = 'desk_other'",
        "INSERT INTO desk400.history (case_id, revision, state)"
        " SELECT id, revision + 1, state FROM desk400.cases",
        "INSERT INTO desk400.audit (at, event) VALUES ('x', 'forged')",
        "SELECT nextval('desk400.changes')",
    ],
)
def test_the_desks_roles_lose_their_direct_write_rights(upgraded, statement):
    _, desk, _, _ = upgraded
    with psycopg.connect(desk) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_a_desk_syncs_the_upgraded_hall(upgraded, open_store, bundle):
    admin, desk, _, ids = upgraded
    store = open_store("a")
    with SyncEngine(store, connector(desk), casefile.shapes_for(bundle.fields)) as engine:
        report = engine.sync_once()
        assert report.pulled == 3 and engine.quarantined() == []
        assert store.get(ids[0]).fields == {"customer.name": "甲公司0", "notes": "加急"}
        store.save_field(ids[1], "notes", "复核", store.get(ids[1]).revision)
        assert engine.sync_once().pushed == 1
    with psycopg.connect(admin) as conn:
        revision, state = conn.execute(
            "SELECT revision, state FROM desk400.cases WHERE id = %s", [ids[1]]
        ).fetchone()
        history = conn.execute(
            "SELECT revision, updated_by FROM desk400.history WHERE case_id = %s ORDER BY revision", [ids[1]]
        ).fetchall()
    assert revision == 2 and state["notes"] == "复核"
    assert history == [(1, "desk_xh01"), (2, "desk_xh01")]
