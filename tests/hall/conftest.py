"""Fixtures for the hall server tests: one throwaway PostgreSQL per session, one database per test."""

from __future__ import annotations

import itertools

import pytest
from hall_pgserver import PgServer, find_bindir

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server():
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL >= 15 binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
        )
    server = PgServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.destroy()


class Hall:
    """One initialised hall database on the session's server."""

    def __init__(self, server: PgServer, dbname: str) -> None:
        self.server = server
        self.dbname = dbname
        self.admin_url = server.url(dbname)

    def desk(self, code: str) -> str:
        """Create desk_<code> and return its URL (password in it, the libpq way)."""
        from desktop.hall import schema
        from desktop.hall.connection import connector

        conn = connector(self.admin_url)()
        try:
            role, password, _ = schema.add_desk(conn, code)
        finally:
            conn.close()
        return self.server.url(self.dbname, role, password)


@pytest.fixture
def hall(pg_server):
    from desktop.hall import schema
    from desktop.hall.connection import connector

    name = f"hall_{next(_numbers)}"
    pg_server.create_database(name)
    hall = Hall(pg_server, name)
    conn = connector(hall.admin_url)()
    try:
        schema.init(conn)
    finally:
        conn.close()
    return hall


@pytest.fixture
def open_store(bundle, tmp_path):
    """Open (and close at teardown) drafts files by name in this test's folder."""
    from desktop.store import Store

    opened = []

    def make(name: str):
        store = Store.open(
            tmp_path / f"{name}.db", bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False
        )
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
