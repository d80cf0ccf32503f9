"""The hall server's PostgreSQL schema, its versions, the desks' group role and their login roles.

Tables belong to the administrator who runs `server init`; the desks' group may read and write
cases and their history and append to the audit, nothing else, so a desk's password can never
drop, truncate or alter anything. A server whose schema is newer than this program is refused and
left as it is.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import psycopg
from psycopg import sql

from desktop.hall.connection import AuthFailed, HallError, SchemaMismatch

SCHEMA = "desk400"
GROUP = "desk400_desks"
LOCK_KEY = 400_1_15  # pg_advisory_xact_lock key: init and every push are serialised by it
DESK_CODE = re.compile(r"[A-Za-z0-9]{2,6}")

# One entry per released schema version; never edit a step once released, add the next one.
STEPS: tuple[str, ...] = (
    """
    CREATE SEQUENCE desk400.changes;
    CREATE TABLE desk400.cases (
        id uuid PRIMARY KEY,
        number text,
        bundle text NOT NULL,
        state jsonb NOT NULL,
        revision integer NOT NULL CHECK (revision > 0),
        updated text NOT NULL,
        updated_by text NOT NULL DEFAULT current_user,
        updated_at timestamptz NOT NULL DEFAULT now(),
        change_seq bigint NOT NULL,
        purged boolean NOT NULL DEFAULT false
    );
    CREATE INDEX cases_change_seq ON desk400.cases (change_seq);
    CREATE TABLE desk400.history (
        case_id uuid NOT NULL REFERENCES desk400.cases (id),
        revision integer NOT NULL,
        state jsonb NOT NULL,
        updated_by text NOT NULL DEFAULT current_user,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (case_id, revision)
    );
    CREATE TABLE desk400.audit (
        id bigserial PRIMARY KEY,
        desk text NOT NULL DEFAULT current_user,
        case_id uuid,
        at text NOT NULL,
        event text NOT NULL,
        key text,
        detail text,
        received timestamptz NOT NULL DEFAULT now()
    );
    -- Who and when are the server's word, not the desk's: a desk cannot sign as another.
    CREATE FUNCTION desk400.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'audit' THEN
            NEW.desk := current_user;
            NEW.received := now();
        ELSE
            NEW.updated_by := current_user;
            NEW.updated_at := now();
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER cases_stamp BEFORE INSERT OR UPDATE ON desk400.cases
        FOR EACH ROW EXECUTE FUNCTION desk400.stamp();
    CREATE TRIGGER history_stamp BEFORE INSERT ON desk400.history
        FOR EACH ROW EXECUTE FUNCTION desk400.stamp();
    CREATE TRIGGER audit_stamp BEFORE INSERT ON desk400.audit
        FOR EACH ROW EXECUTE FUNCTION desk400.stamp();
    """,
)
VERSION = len(STEPS)

GRANTS = """
    REVOKE ALL ON SCHEMA desk400 FROM PUBLIC;
    GRANT USAGE ON SCHEMA desk400 TO {group};
    GRANT SELECT ON desk400.meta TO {group};
    GRANT SELECT, INSERT, UPDATE ON desk400.cases, desk400.history TO {group};
    GRANT INSERT ON desk400.audit TO {group};
    GRANT USAGE ON SEQUENCE desk400.changes, desk400.audit_id_seq TO {group};
    GRANT CONNECT ON DATABASE {database} TO {group};
"""


@dataclass(frozen=True)
class InitReport:
    before: int
    after: int


def init(conn: psycopg.Connection) -> InitReport:
    """Create or migrate the schema and the group role in one transaction; idempotent."""
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            before = _version(conn)
            if before > VERSION:
                raise SchemaMismatch(newer_message(before))
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {SCHEMA}.meta (key text PRIMARY KEY, value text NOT NULL)"
            )
            for step in STEPS[before:]:
                conn.execute(step)
            conn.execute(
                f"INSERT INTO {SCHEMA}.meta VALUES ('schema_version', %s), ('server_id', gen_random_uuid()::text)"
                " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value WHERE meta.key = 'schema_version'",
                [str(VERSION)],
            )
            if not _role_exists(conn, GROUP):
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(GROUP)))
            database = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
            conn.execute(
                sql.SQL(GRANTS).format(group=sql.Identifier(GROUP), database=sql.Identifier(database))
            )
    except psycopg.errors.InsufficientPrivilege:
        raise AuthFailed(
            "这个登录角色没有建立数据库结构或角色的权限：server init 请用管理员账号运行"
        ) from None
    except psycopg.OperationalError as exc:
        raise HallError(f"初始化服务器时连接中断（{type(exc).__name__}），没有做任何改动，请重试") from None
    return InitReport(before, VERSION)


def add_desk(conn: psycopg.Connection, code: str, password: str | None = None) -> tuple[str, str, bool]:
    """Create (or give a new password to) login role desk_<code>, a member of the desks' group.

    Returns (role, password, created). The password travels as a SCRAM verifier, never in clear.
    """
    if not DESK_CODE.fullmatch(code):
        raise HallError(f"柜台代码 {code!r} 不对：应为 2 到 6 个字母或数字，例如 XH01")
    role = f"desk_{code.lower()}"
    secret = password if password is not None else secrets.token_urlsafe(18)
    if not secret:
        raise HallError("密码不能为空")
    try:
        with conn.transaction():
            if not _role_exists(conn, GROUP):
                raise SchemaMismatch("服务器尚未初始化：请先运行 desk400 server init --url …")
            verifier = conn.pgconn.encrypt_password(secret.encode(), role.encode(), b"scram-sha-256").decode()
            created = not _role_exists(conn, role)
            verb = "CREATE" if created else "ALTER"
            conn.execute(
                sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(verifier)
                )
            )
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(GROUP), sql.Identifier(role)))
    except psycopg.errors.InsufficientPrivilege:
        raise AuthFailed("这个登录角色没有建立角色的权限：server add-desk 请用管理员账号运行") from None
    return role, secret, created


# Asked along with the first statement of every push, pull and purge (desktop.hall.remote).
VERSION_QUERY = f"SELECT value FROM {SCHEMA}.meta WHERE key = 'schema_version'"


def check(conn: psycopg.Connection) -> str:
    """The server's id if its schema is the one this program speaks; SchemaMismatch otherwise.

    One statement: on an autocommit connection (the sync engine's), one round trip."""
    try:
        rows = dict(conn.execute(f"SELECT key, value FROM {SCHEMA}.meta").fetchall())
    except psycopg.errors.UndefinedTable:
        raise SchemaMismatch(NOT_INITIALISED) from None
    except psycopg.errors.InsufficientPrivilege:
        raise AuthFailed(
            "这个登录角色不能读取案卷：请管理员用 desk400 server add-desk 建立柜台账号"
        ) from None
    verify_version((rows.get("schema_version"),))
    return rows["server_id"]


NOT_INITIALISED = "服务器尚未初始化：请管理员运行 desk400 server init"


def verify_version(row: tuple[str | None, ...] | None) -> None:
    """Refuse a server whose schema version (the row of VERSION_QUERY) is not this program's."""
    version = int(row[0] or "0") if row else 0
    if version > VERSION:
        raise SchemaMismatch(newer_message(version))
    if version < VERSION:
        raise SchemaMismatch(
            f"服务器的数据库结构较旧（版本 {version}）：请管理员运行 desk400 server init 升级"
        )


def newer_message(version: int) -> str:
    return (
        f"服务器的数据库结构（版本 {version}）比本程序（版本 {VERSION}）新，本程序不会改动它；请升级 desk400"
    )


def _version(conn: psycopg.Connection) -> int:
    exists = conn.execute("SELECT to_regclass(%s)", [f"{SCHEMA}.meta"]).fetchone()[0]  # type: ignore[index]
    if exists is None:
        return 0
    row = conn.execute(f"SELECT value FROM {SCHEMA}.meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _role_exists(conn: psycopg.Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone() is not None
