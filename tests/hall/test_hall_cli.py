"""The hall commands end to end, and the connection rules that need no network."""

from __future__ import annotations

import io

import psycopg
import pytest

from desktop.cli import main
from desktop.hall import schema
from desktop.hall.connection import UnsafeConnection, connector, secure_params


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_server_init_is_idempotent_and_add_desk_prints_the_password_once(pg_server, capsys):
    pg_server.create_database("cli_init")
    url = pg_server.url("cli_init")
    status, out, err = run(capsys, "server", "init", "--url", url)
    assert status == 0 and f"0 → {schema.VERSION}" in out, err
    status, out, _ = run(capsys, "server", "init", "--url", url)
    assert status == 0 and "已是最新" in out
    status, out, _ = run(capsys, "server", "add-desk", "--url", url, "XH01")
    assert status == 0 and "desk_xh01" in out
    password = out.rsplit("：", 1)[1].strip()
    with psycopg.connect(pg_server.url("cli_init", "desk_xh01", password)) as conn:
        assert conn.execute("SELECT count(*) FROM desk400.cases").fetchone() == (0,)


def test_add_desk_reads_the_password_from_stdin(hall, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pw\n"))
    status, out, _ = run(capsys, "server", "add-desk", "--url", hall.admin_url, "XH02", "--password-stdin")
    assert status == 0 and "s3cret-pw" not in out
    psycopg.connect(hall.server.url(hall.dbname, "desk_xh02", "s3cret-pw")).close()


def test_a_newer_server_schema_is_refused_and_left_alone(hall, capsys, tmp_path):
    with hall.server.admin(hall.dbname) as conn:
        conn.execute("UPDATE desk400.meta SET value = '99' WHERE key = 'schema_version'")
    status, _, err = run(capsys, "server", "init", "--url", hall.admin_url)
    assert status == 2 and "版本 99" in err and "Traceback" not in err
    status, _, err = run(capsys, "sync", "--db", str(tmp_path / "d.db"), "--url", hall.admin_url)
    assert status == 2 and "版本 99" in err
    with hall.server.admin(hall.dbname) as conn:
        assert conn.execute("SELECT value FROM desk400.meta WHERE key = 'schema_version'").fetchone() == (
            "99",
        )


def test_sync_lists_conflicts_and_exits_1(hall, capsys, tmp_path, monkeypatch):
    url_a, url_b = hall.desk("ca01"), hall.desk("cb01")
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    assert run(capsys, "sync", "--db", a, "--url", url_a)[0] == 0
    from desktop.domain.forms import default_bundle
    from desktop.store import Store

    bundle = default_bundle()
    with Store.open(tmp_path / "a.db", bundle.drafts, bundle=bundle.id, edition=bundle.edition) as store:
        case = store.create({"customer.name": "甲公司"})
    assert run(capsys, "sync", "--db", a, "--url", url_a)[0] == 0
    # The password from libpq's environment and the URL from the drafts file's settings.
    role, password = url_b.split("//")[1].split("@")[0].split(":")
    monkeypatch.setenv("PGPASSWORD", password)
    with Store.open(tmp_path / "b.db", bundle.drafts, bundle=bundle.id, edition=bundle.edition) as store:
        store.set_setting("hall.url", url_b.replace(f":{password}", ""))
    status, out, err = run(capsys, "sync", "--db", b)
    assert status == 0, err
    for path, name in ((a, "甲公司A"), (b, "甲公司B")):
        with Store.open(tmp_path / path, bundle.drafts, bundle=bundle.id, edition=bundle.edition) as store:
            store.save_field(case.id, "customer.name", name, store.get(case.id).revision)
    monkeypatch.delenv("PGPASSWORD")
    assert run(capsys, "sync", "--db", a, "--url", url_a)[0] == 0
    monkeypatch.setenv("PGPASSWORD", password)
    status, out, _ = run(capsys, "sync", "--db", b)
    assert status == 1
    # The case is named by the number desk A gave it, which the pull kept on desk B.
    assert case.number and f"{case.number} customer.name: 甲公司B / 甲公司A" in out.splitlines()


def test_an_unreachable_server_is_exit_2_with_one_line_and_no_secret(capsys, tmp_path):
    from hall_pgserver import free_port

    url = f"postgresql://desk_x:topsecret@127.0.0.1:{free_port()}/desk400"
    status, out, err = run(capsys, "sync", "--db", str(tmp_path / "d.db"), "--url", url)
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "无法连接" in err
    assert "topsecret" not in err + out and "Traceback" not in err


def test_a_wrong_password_is_exit_2_without_the_password(hall, capsys, tmp_path):
    hall.desk("wp01")
    url = hall.server.url(hall.dbname, "desk_wp01", "not-the-password")
    status, _, err = run(capsys, "sync", "--db", str(tmp_path / "d.db"), "--url", url)
    assert status == 2 and "密码" in err and "not-the-password" not in err


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://desk_x@hall-server/desk400",
        "postgresql://desk_x@hall-server/desk400?sslmode=require",
        "postgresql://desk_x@hall-server/desk400?sslmode=verify-ca&sslrootcert=/etc/hostname",
        "postgresql://desk_x@10.0.0.5/desk400?sslmode=prefer",
        "host=hall-server,localhost dbname=desk400 sslmode=disable",
    ],
)
def test_a_remote_host_without_verified_tls_is_refused_before_connecting(url):
    with pytest.raises(UnsafeConnection):
        connector(url)


def test_a_remote_host_needs_the_ca_file_and_gets_verify_full(tmp_path):
    ca = tmp_path / "hall-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    with pytest.raises(UnsafeConnection, match="CA"):
        secure_params("postgresql://desk_x@hall-server/desk400", None, env={})
    params = secure_params("postgresql://desk_x@hall-server/desk400", str(ca), env={})
    assert params["sslmode"] == "verify-full" and params["sslrootcert"] == str(ca)
    # The environment counts as libpq counts it.
    with pytest.raises(UnsafeConnection):
        secure_params("postgresql://desk_x@/desk400", str(ca), env={"PGHOST": "hall", "PGSSLMODE": "require"})


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://desk_x@localhost/desk400",
        "postgresql://desk_x@127.0.0.1:5433/desk400",
        "postgresql://desk_x@[::1]/desk400",
        "postgresql:///desk400?host=/var/run/postgresql",
        "dbname=desk400",
    ],
)
def test_loopback_and_unix_sockets_need_no_tls(url):
    assert "sslrootcert" not in secure_params(url, None, env={})


def test_the_desk_code_is_checked(hall):
    conn = connector(hall.admin_url)()
    try:
        with pytest.raises(schema.HallError, match="柜台代码"):
            schema.add_desk(conn, "x; DROP")
    finally:
        conn.close()


def test_a_url_with_its_own_connect_timeout_is_honoured(tmp_path, bundle):
    """The URL's connect_timeout used to clash with ours (TypeError instead of 「无法连接」)."""
    from desktop.hall.connection import HallError, connector

    with pytest.raises(HallError, match="无法连接"):
        connector("postgresql://desk_x@127.0.0.1:9/none?connect_timeout=1")()
