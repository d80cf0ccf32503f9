"""The hall server's PostgreSQL schema, its versions, the desks' group role and their login roles.

Tables belong to the administrator who runs `server init`; the desks' group may read cases, their
history and the meta table, and write only through the schema's SECURITY DEFINER functions
(push_cases, retire, append_audit), which stamp the desk from `session_user`, check the base
revision and append history. So a desk's password can never rewrite another desk's case as
purged, rewrite history, move the change sequence, take a lock that stalls the others, or drop,
truncate or alter anything. A server whose schema is newer than this program is refused and
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
    """
    -- Version 2: the server decides, desks ask (issue 21). Desks write only through the
    -- SECURITY DEFINER functions below; the group keeps SELECT on cases and history.
    -- Writes are serialised by a lock on a table no desk can see (an advisory lock key is
    -- open to every role, so a hostile desk could hold it and stall every push).
    CREATE TABLE desk400.write_lock (one integer PRIMARY KEY);
    CREATE TABLE desk400.push_tokens (
        token uuid PRIMARY KEY,
        desk text NOT NULL,
        case_id uuid NOT NULL,
        base integer NOT NULL,
        revision integer NOT NULL,
        conflicts jsonb NOT NULL DEFAULT '[]',
        sent jsonb,
        received timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX push_tokens_received ON desk400.push_tokens (received);
    CREATE INDEX push_tokens_from ON desk400.push_tokens (case_id, desk, base);
    CREATE INDEX cases_updated_at ON desk400.cases (updated_at) WHERE NOT purged;
    -- session_user: inside a SECURITY DEFINER function current_user is the owner, not the desk.
    CREATE OR REPLACE FUNCTION desk400.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'audit' THEN
            NEW.desk := session_user;
            NEW.received := now();
        ELSE
            NEW.updated_by := session_user;
            NEW.updated_at := now();
        END IF;
        RETURN NEW;
    END $$;
    -- History is append-only for every role but the owner (whose retirement wipes values).
    CREATE FUNCTION desk400.history_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_user <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
            RAISE EXCEPTION 'desk400.history is append-only' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$;
    CREATE TRIGGER history_frozen BEFORE UPDATE OR DELETE ON desk400.history
        FOR EACH ROW EXECUTE FUNCTION desk400.history_frozen();
    CREATE TRIGGER cases_frozen BEFORE DELETE ON desk400.cases
        FOR EACH ROW EXECUTE FUNCTION desk400.history_frozen();

    -- One push of many cases. A push this desk made before (the same token, or one from the same
    -- base revision of the case: the desk never heard the answer, else it would push from the
    -- revision it was given) gets its first answer again (replayed), nothing written, so the
    -- desk never merges against its own previous value. Other new cases are inserted unless present, others updated where still at the expected
    -- revision (and changed), never a retired one; history appended; tokens kept. Nothing is
    -- written unless `version` is the server's schema version.
    CREATE FUNCTION desk400.push_cases(p_version text, p_tokens uuid[], p_ids uuid[], p_numbers text[],
            p_bundles text[], p_states text[], p_expected integer[], p_updated text[],
            p_conflicts text[], p_sent text[])
        RETURNS TABLE (id uuid, revision integer, number text, state jsonb, conflicts jsonb,
            sent jsonb, replayed boolean)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        IF (SELECT m.value FROM desk400.meta m WHERE m.key = 'schema_version') IS DISTINCT FROM p_version THEN
            RETURN;
        END IF;
        LOCK TABLE desk400.write_lock IN EXCLUSIVE MODE;
        RETURN QUERY
        WITH u AS (
            SELECT * FROM unnest(p_tokens, p_ids, p_numbers, p_bundles, p_states, p_expected, p_updated,
                p_conflicts, p_sent)
                AS u(token, id, number, bundle, state, expected, updated, conflicts, sent)),
        old AS (
            SELECT DISTINCT ON (u.id) t.case_id, t.revision, t.conflicts, t.sent
            FROM u JOIN desk400.push_tokens t ON t.case_id = u.id AND t.desk = session_user
                AND (t.token = u.token OR t.base = u.expected)
            ORDER BY u.id, t.revision DESC),
        fresh AS MATERIALIZED (  -- each state parsed once
            SELECT u.token, u.id, u.number, u.bundle, u.state::jsonb AS state, u.expected, u.updated,
                u.conflicts, u.sent
            FROM u WHERE u.id NOT IN (SELECT o.case_id FROM old o)
                AND u.state IS NOT NULL AND length(u.state) <= 1048576),
        ins AS (
            INSERT INTO desk400.cases AS c (id, number, bundle, state, revision, updated, change_seq)
            SELECT f.id, f.number, f.bundle, f.state, 1, f.updated, nextval('desk400.changes')
            FROM fresh f WHERE f.expected = 0 AND jsonb_typeof(f.state) = 'object'
            ON CONFLICT ON CONSTRAINT cases_pkey DO NOTHING
            RETURNING c.id, c.revision, c.state, c.number),
        upd AS (
            UPDATE desk400.cases c SET number = coalesce(f.number, c.number), state = f.state,
                revision = c.revision + 1, updated = f.updated, change_seq = nextval('desk400.changes')
            FROM fresh f
            WHERE f.expected > 0 AND jsonb_typeof(f.state) = 'object' AND c.id = f.id
                AND c.revision = f.expected AND NOT c.purged
                AND (c.state <> f.state OR c.number IS DISTINCT FROM coalesce(f.number, c.number))
            RETURNING c.id, c.revision, c.state, c.number),
        w AS (SELECT * FROM ins UNION ALL SELECT * FROM upd),
        hist AS (
            INSERT INTO desk400.history (case_id, revision, state) SELECT w.id, w.revision, w.state FROM w),
        tok AS (
            INSERT INTO desk400.push_tokens (token, desk, case_id, base, revision, conflicts, sent)
            SELECT f.token, session_user, w.id, f.expected, w.revision, coalesce(f.conflicts::jsonb, '[]'),
                f.sent::jsonb
            FROM w JOIN fresh f ON f.id = w.id WHERE f.token IS NOT NULL)
        SELECT w.id, w.revision, w.number, NULL::jsonb, NULL::jsonb, NULL::jsonb, false FROM w
        UNION ALL
        SELECT o.case_id, o.revision, c.number, CASE WHEN c.purged THEN NULL ELSE h.state END,
            o.conflicts, coalesce(o.sent, h.state), true
        FROM old o JOIN desk400.cases c ON c.id = o.case_id
        LEFT JOIN desk400.history h ON h.case_id = o.case_id AND h.revision = o.revision;
    END $$;

    -- The hall's retention (meta 'retention_days', set by the administrator): finished or binned
    -- cases the server has not seen changed for that long are retired for every desk, by the
    -- server's clock; their values leave the case and its history, the id stays as a tombstone.
    CREATE FUNCTION desk400.retire() RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        keep_days integer;
        done integer;
    BEGIN
        SELECT m.value::integer INTO keep_days FROM desk400.meta m WHERE m.key = 'retention_days';
        IF keep_days IS NULL THEN
            RETURN 0;
        END IF;
        LOCK TABLE desk400.write_lock IN EXCLUSIVE MODE;
        WITH gone AS (
            UPDATE desk400.cases c SET state = '{}', number = NULL, purged = true,
                revision = c.revision + 1, change_seq = nextval('desk400.changes')
            WHERE NOT c.purged AND c.updated_at < now() - make_interval(days => keep_days)
                AND (c.state ->> '@status' IN ('complete', 'printed', 'changed', 'signed', 'handed_over')
                    OR c.state ? '@bin')
            RETURNING c.id),
        wiped AS (UPDATE desk400.history h SET state = '{}' FROM gone WHERE h.case_id = gone.id)
        SELECT count(*) INTO done FROM gone;
        DELETE FROM desk400.push_tokens t WHERE t.received < now() - interval '30 days';
        RETURN done;
    END $$;

    -- Audit events, appended (keys and events only; who and when stamped by the server).
    CREATE FUNCTION desk400.append_audit(p_at text[], p_case_id uuid[], p_event text[], p_key text[],
            p_detail text[]) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        INSERT INTO desk400.audit (at, case_id, event, key, detail)
        SELECT * FROM unnest(p_at, p_case_id, p_event, p_key, p_detail);
    $$;
    REVOKE ALL ON FUNCTION desk400.push_cases, desk400.retire, desk400.append_audit FROM PUBLIC;
    -- Version 1 granted the group direct writes: taken back (GRANTS below no longer gives them).
    DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk400_desks') THEN
            REVOKE INSERT, UPDATE, DELETE ON desk400.cases, desk400.history, desk400.audit
                FROM desk400_desks;
            REVOKE USAGE ON SEQUENCE desk400.changes, desk400.audit_id_seq FROM desk400_desks;
        END IF;
    END $$;
    """,
    """
    -- Version 3: the paper trail through the hall (issues 23-25). The print log's rows, and the
    -- card images and scanned pages only sealed (age): the server never holds an image in clear.
    -- Each attachment's payload is sealed to a key of its own; that key is sealed to every desk's
    -- registered recipient (and the hall's), one small row each, so a desk registered later gets
    -- the key re-sealed by a desk holding it, never the payload again. Writes go through the
    -- functions below (session_user stamped), serialised by a lock of their own so a large
    -- payload never stalls the case pushes, with a size limit per blob and a quota per desk.
    CREATE SEQUENCE desk400.paper_changes;
    CREATE TABLE desk400.paper_lock (one integer PRIMARY KEY);
    CREATE TABLE desk400.prints (
        case_id uuid NOT NULL REFERENCES desk400.cases (id),
        at text NOT NULL,
        desk text NOT NULL,
        documents text NOT NULL,
        pages integer NOT NULL,
        digest text NOT NULL,
        pushed_by text NOT NULL,
        received timestamptz NOT NULL DEFAULT now(),
        seq bigint NOT NULL UNIQUE,
        PRIMARY KEY (case_id, at, desk, digest, documents)
    );
    CREATE TABLE desk400.desk_keys (
        desk text PRIMARY KEY,
        recipient text NOT NULL,
        registered timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE desk400.attachments (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES desk400.cases (id),
        kind text NOT NULL,
        sealed bytea NOT NULL,
        size integer NOT NULL,
        pushed_by text NOT NULL,
        received timestamptz NOT NULL DEFAULT now(),
        seq bigint NOT NULL UNIQUE
    );
    CREATE INDEX attachments_case ON desk400.attachments (case_id);
    CREATE INDEX attachments_desk ON desk400.attachments (pushed_by);
    CREATE TABLE desk400.attachment_keys (
        attachment_id uuid NOT NULL REFERENCES desk400.attachments (id) ON DELETE CASCADE,
        recipient text NOT NULL,
        sealed bytea NOT NULL,
        sealed_by text NOT NULL,
        seq bigint NOT NULL UNIQUE,
        PRIMARY KEY (attachment_id, recipient, sealed_by)
    );
    CREATE INDEX attachment_keys_for ON desk400.attachment_keys (recipient, seq);

    -- A desk's own age recipient (derived from its drafts key), for the keys sealed to it.
    CREATE FUNCTION desk400.register_desk(p_recipient text) RETURNS boolean
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        IF p_recipient IS NULL OR p_recipient !~ '^age1[02-9ac-hj-np-z]{58}$' THEN
            RETURN false;
        END IF;
        IF EXISTS (SELECT 1 FROM desk400.desk_keys k WHERE k.desk = session_user
                AND k.recipient = p_recipient) THEN
            RETURN true;
        END IF;
        LOCK TABLE desk400.paper_lock IN EXCLUSIVE MODE;
        INSERT INTO desk400.desk_keys AS k (desk, recipient) VALUES (session_user, p_recipient)
            ON CONFLICT (desk) DO UPDATE SET recipient = EXCLUDED.recipient, registered = now();
        RETURN true;
    END $$;

    -- Print-log rows: idempotent (the row's own values are its key); a row that cannot describe
    -- a print, or of a case the server does not hold, is left out; at most 1000 per case.
    CREATE FUNCTION desk400.push_prints(p_version text, p_case_ids uuid[], p_at text[], p_desk text[],
            p_documents text[], p_pages integer[], p_digest text[]) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        done integer;
    BEGIN
        IF (SELECT m.value FROM desk400.meta m WHERE m.key = 'schema_version') IS DISTINCT FROM p_version THEN
            RETURN -1;
        END IF;
        LOCK TABLE desk400.paper_lock IN EXCLUSIVE MODE;
        WITH ins AS (
            INSERT INTO desk400.prints (case_id, at, desk, documents, pages, digest, pushed_by, seq)
            SELECT u.case_id, u.at, u.desk, u.documents, u.pages, u.digest, session_user,
                nextval('desk400.paper_changes')
            FROM unnest(p_case_ids, p_at, p_desk, p_documents, p_pages, p_digest)
                AS u(case_id, at, desk, documents, pages, digest)
            JOIN desk400.cases c ON c.id = u.case_id AND NOT c.purged
            WHERE u.digest ~ '^[0-9a-f]{64}$' AND u.pages BETWEEN 1 AND 10000
                AND length(u.at) BETWEEN 1 AND 40 AND length(u.desk) BETWEEN 1 AND 40
                AND u.documents ~ '^[a-z][a-z0-9_]{0,39}(,[a-z][a-z0-9_]{0,39}){0,49}$'
                AND (SELECT count(*) FROM desk400.prints p WHERE p.case_id = u.case_id) < 1000
            ON CONFLICT DO NOTHING
            RETURNING 1)
        SELECT count(*) INTO done FROM ins;
        RETURN done;
    END $$;

    -- One sealed attachment with its key rows. The answer: 'ok', 'exists' (a replay), or why it
    -- was refused: 'no_case' (not on the server, yet or any more), 'not_sealed', 'too_big',
    -- 'too_many' (per case), 'quota' (per desk), 'version'.
    CREATE FUNCTION desk400.push_attachment(p_version text, p_id uuid, p_case_id uuid, p_kind text,
            p_sealed bytea, p_recipients text[], p_keys bytea[]) RETURNS text
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        quota bigint;
    BEGIN
        IF (SELECT m.value FROM desk400.meta m WHERE m.key = 'schema_version') IS DISTINCT FROM p_version THEN
            RETURN 'version';
        END IF;
        IF p_sealed IS NULL OR length(p_sealed) > 33554432 THEN
            RETURN 'too_big';
        END IF;
        IF substring(p_sealed FROM 1 FOR 21) <> 'age-encryption.org/v1'::bytea
                OR p_kind NOT IN ('image', 'scan') THEN
            RETURN 'not_sealed';
        END IF;
        LOCK TABLE desk400.paper_lock IN EXCLUSIVE MODE;
        IF EXISTS (SELECT 1 FROM desk400.attachments a WHERE a.id = p_id) THEN
            PERFORM desk400.push_keys(ARRAY[p_id], p_recipients, p_keys);
            RETURN 'exists';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM desk400.cases c WHERE c.id = p_case_id AND NOT c.purged) THEN
            RETURN 'no_case';
        END IF;
        IF (SELECT count(*) FROM desk400.attachments a WHERE a.case_id = p_case_id) >= 200 THEN
            RETURN 'too_many';
        END IF;
        quota := coalesce((SELECT m.value::bigint FROM desk400.meta m WHERE m.key = 'attachment_quota_mb'),
            20480) * 1048576;
        IF (SELECT coalesce(sum(a.size), 0) FROM desk400.attachments a WHERE a.pushed_by = session_user)
                + length(p_sealed) > quota THEN
            RETURN 'quota';
        END IF;
        INSERT INTO desk400.attachments (id, case_id, kind, sealed, size, pushed_by, seq)
            VALUES (p_id, p_case_id, p_kind, p_sealed, length(p_sealed), session_user,
                nextval('desk400.paper_changes'));
        PERFORM desk400.push_keys(ARRAY[p_id], p_recipients, p_keys);
        RETURN 'ok';
    END $$;

    -- Key rows (an attachment's own key sealed to one recipient), by the desk that sealed them:
    -- one per recipient and sealer, small, at most 64 per sealer and attachment; idempotent.
    -- p_ids is either one id for every key or one id per key.
    CREATE FUNCTION desk400.push_keys(p_ids uuid[], p_recipients text[], p_keys bytea[]) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        done integer;
    BEGIN
        LOCK TABLE desk400.paper_lock IN EXCLUSIVE MODE;
        WITH u AS (
            SELECT CASE WHEN cardinality(p_ids) = 1 THEN p_ids[1] ELSE i.id END AS id, r.recipient, k.key
            FROM unnest(p_recipients) WITH ORDINALITY AS r(recipient, n)
            JOIN unnest(p_keys) WITH ORDINALITY AS k(key, n) ON k.n = r.n
            LEFT JOIN unnest(p_ids) WITH ORDINALITY AS i(id, n) ON i.n = r.n),
        ins AS (
            INSERT INTO desk400.attachment_keys (attachment_id, recipient, sealed, sealed_by, seq)
            SELECT u.id, u.recipient, u.key, session_user, nextval('desk400.paper_changes')
            FROM u JOIN desk400.attachments a ON a.id = u.id
            WHERE u.recipient ~ '^age1[02-9ac-hj-np-z]{58}$' AND length(u.key) <= 1024
                AND substring(u.key FROM 1 FOR 21) = 'age-encryption.org/v1'::bytea
                AND (SELECT count(*) FROM desk400.attachment_keys k
                    WHERE k.attachment_id = u.id AND k.sealed_by = session_user) < 64
            ON CONFLICT DO NOTHING
            RETURNING 1)
        SELECT count(*) INTO done FROM ins;
        RETURN done;
    END $$;

    -- The hall's retention, as version 2's, now also taking the retired cases' print-log rows,
    -- attachments and their keys (the paper lock too: no attachment lands on a retired case).
    CREATE OR REPLACE FUNCTION desk400.retire() RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        keep_days integer;
        done integer;
    BEGIN
        SELECT m.value::integer INTO keep_days FROM desk400.meta m WHERE m.key = 'retention_days';
        IF keep_days IS NULL THEN
            RETURN 0;
        END IF;
        LOCK TABLE desk400.write_lock IN EXCLUSIVE MODE;
        LOCK TABLE desk400.paper_lock IN EXCLUSIVE MODE;
        WITH gone AS (
            UPDATE desk400.cases c SET state = '{}', number = NULL, purged = true,
                revision = c.revision + 1, change_seq = nextval('desk400.changes')
            WHERE NOT c.purged AND c.updated_at < now() - make_interval(days => keep_days)
                AND (c.state ->> '@status' IN ('complete', 'printed', 'changed', 'signed', 'handed_over')
                    OR c.state ? '@bin')
            RETURNING c.id),
        wiped AS (UPDATE desk400.history h SET state = '{}' FROM gone WHERE h.case_id = gone.id),
        papers AS (DELETE FROM desk400.attachments a USING gone WHERE a.case_id = gone.id),
        paper_keys AS (  -- as the cascade would, also for an owner's session in replica mode
            DELETE FROM desk400.attachment_keys k USING desk400.attachments a, gone
            WHERE k.attachment_id = a.id AND a.case_id = gone.id),
        printed AS (DELETE FROM desk400.prints p USING gone WHERE p.case_id = gone.id)
        SELECT count(*) INTO done FROM gone;
        DELETE FROM desk400.push_tokens t WHERE t.received < now() - interval '30 days';
        RETURN done;
    END $$;
    REVOKE ALL ON FUNCTION desk400.register_desk, desk400.push_prints, desk400.push_attachment,
        desk400.push_keys FROM PUBLIC;
    """,
)
VERSION = len(STEPS)

GRANTS = """
    REVOKE ALL ON SCHEMA desk400 FROM PUBLIC;
    GRANT USAGE ON SCHEMA desk400 TO {group};
    GRANT SELECT ON desk400.meta, desk400.cases, desk400.history, desk400.prints, desk400.desk_keys,
        desk400.attachments, desk400.attachment_keys TO {group};
    GRANT EXECUTE ON FUNCTION desk400.push_cases, desk400.retire, desk400.append_audit,
        desk400.register_desk, desk400.push_prints, desk400.push_attachment, desk400.push_keys TO {group};
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
            for (role,) in conn.execute(DESKS).fetchall():
                _limit(conn, role)
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
            _limit(conn, role)
    except psycopg.errors.InsufficientPrivilege:
        raise AuthFailed("这个登录角色没有建立角色的权限：server add-desk 请用管理员账号运行") from None
    return role, secret, created


# Per desk role (a group's settings are not inherited by its members): no statement of a desk
# runs, waits for a lock or sits idle in a transaction long enough to stall the others.
ROLE_LIMITS = (
    ("statement_timeout", "30s"),
    ("lock_timeout", "10s"),
    ("idle_in_transaction_session_timeout", "60s"),
)
DESKS = (
    "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member"
    f" JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = '{GROUP}'"
)
MAX_RETENTION_DAYS = 36_500


def _limit(conn: psycopg.Connection, role: str) -> None:
    for name, value in ROLE_LIMITS:
        conn.execute(
            sql.SQL("ALTER ROLE {} SET {} = {}").format(
                sql.Identifier(role), sql.Identifier(name), sql.Literal(value)
            )
        )


def set_retention(conn: psycopg.Connection, days: int) -> int:
    """Set the hall's retention (the server's, not any desk's) and retire what it ends now;
    returns how many cases were retired. The administrator's command: desks cannot write meta."""
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise HallError(f"保留天数 {days} 不对：应为 1 到 {MAX_RETENTION_DAYS} 之间的整数")
    try:
        with conn.transaction():
            verify_version(conn.execute(VERSION_QUERY).fetchone())
            conn.execute(
                f"INSERT INTO {SCHEMA}.meta VALUES ('retention_days', %s)"
                " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [str(days)],
            )
            retired = conn.execute(f"SELECT {SCHEMA}.retire()").fetchone()[0]  # type: ignore[index]
    except psycopg.errors.UndefinedTable:
        raise SchemaMismatch(NOT_INITIALISED) from None
    except psycopg.errors.InsufficientPrivilege:
        raise AuthFailed(
            "这个登录角色不能修改营业厅的保留期：server set-retention 请用管理员账号运行"
        ) from None
    return int(retired)


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
