"""Issue 14: drafts files written in desk400's first page format (8 KB pages, HMAC-SHA512) are
rewritten in the current one (desktop.store.cipher) at their first open, keeping everything; a
kill during the rewrite loses nothing; a wrong key or an unknown format changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyrage
import pytest
from sqlcipher3 import dbapi2 as sqlcipher
from test_crypto import SECRETS, digests, leaks, migrate_in_child, plain_sqlite_refuses
from test_store_files import damage_pages
from test_store_helpers import EXAMPLE, Clock, open_at

from desktop.store import StoreError, backup, escrow, keys
from desktop.store.cipher import CURRENT, LEGACY
from desktop.store.connection import connect, damage_mark

CASES = 300


def reads_with(path: Path, key: bytes, *pragmas: str) -> bool:
    """True when SQLCipher reads `path` keyed with `key` after `pragmas` (and nothing else)."""
    conn = sqlcipher.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute(f"PRAGMA key = {keys.sql_key(key)}")
        for pragma in pragmas:
            conn.execute(pragma)
        conn.execute("SELECT count(*) FROM cases").fetchone()
        return True
    except sqlcipher.DatabaseError:
        return False
    finally:
        conn.close()


# What desk400's first encrypted version set on every connection: its files are read so and only so.
FIRST_VERSION = ("PRAGMA cipher_page_size = 8192",)
# The only key file name desk400's first encrypted version reads (any other: "damaged", untouched).
FIRST_KEY_FORMAT = "desk400-drafts-key"


def first_version_reads_key_file(db: Path) -> bool:
    """True when desk400's first encrypted version would read the key file beside `db` (and so go
    on to open the drafts file with 8 KB pages, taking one it cannot read for a damaged one)."""
    doc = json.loads(keys.key_path(db).read_text(encoding="utf-8"))
    return doc.get("format") == FIRST_KEY_FORMAT and "id" in doc and "check" in doc


def to_first_format(db: Path) -> None:
    """Rewrite the drafts file and its backups as desk400's first encrypted version left them,
    and its key file as it wrote it (no `cipher`)."""
    key = keys.unlock(db)
    for copy in (db, *backup.backups(db)):
        old = copy.with_name(copy.name + ".first")
        conn = connect(copy, key=key)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"ATTACH DATABASE ? AS old KEY {keys.sql_key(key)}", [str(old)])
        for pragma in LEGACY.pragmas("old"):
            conn.execute(pragma)
        conn.execute("SELECT sqlcipher_export('old')")
        for name in ("application_id", "user_version"):
            conn.execute(f"PRAGMA old.{name} = {int(conn.execute(f'PRAGMA {name}').fetchone()[0])}")
        conn.execute("DETACH DATABASE old")
        conn.close()
        os.replace(old, copy)
        assert reads_with(copy, key, *FIRST_VERSION) and not reads_with(copy, key, *CURRENT.pragmas())
    conn = connect(db, key=key, cipher=LEGACY)
    assert conn.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)  # as the window left it
    conn.close()
    doc = json.loads(keys.key_path(db).read_text(encoding="utf-8"))
    del doc["cipher"]
    doc["format"] = FIRST_KEY_FORMAT
    keys.key_path(db).write_text(json.dumps(doc), encoding="utf-8")
    assert keys.read_key_file(db).cipher == LEGACY.version


def first_format_file(folder: Path, count: int = CASES) -> tuple[Path, dict[str, dict]]:
    """A drafts file of the first encrypted format with `count` cases, a setting, their audit rows
    and a backup; returns its path and every case's values by id."""
    db = folder / "drafts.sqlite"
    clock = Clock()
    with open_at(db, clock) as store:
        made = store.create_many({**EXAMPLE, **SECRETS, "notes": f"第{i}号"} for i in range(count))
        store.set_setting("agency.name", "西湖营业厅")
        cases = {case_id: store.get(case_id).fields for case_id in made}
    clock.advance(days=1)
    with open_at(db, clock, backups=True):
        pass
    assert len(backup.backups(db)) == 1
    to_first_format(db)
    keys.forget()
    return db, cases


def test_a_first_format_file_is_rewritten_at_its_first_open_keeping_everything(tmp_path):
    db, cases = first_format_file(tmp_path)
    with open_at(db) as store:
        assert {case_id: store.get(case_id).fields for case_id in store.ids()} == cases
        assert store.setting("agency.name") == "西湖营业厅"
        assert len(store.audit(limit=10 * CASES)) >= CASES
        assert store.search("云栖数智").items
    key = keys.unlock(db)
    assert keys.read_key_file(db).cipher == CURRENT.version
    [copy] = backup.backups(db)
    for path in (db, copy):
        assert reads_with(path, key, *CURRENT.pragmas()) and not reads_with(path, key, *FIRST_VERSION)
        assert plain_sqlite_refuses(path)
    assert backup.case_count(copy, key) == CASES
    assert not list(tmp_path.glob("*.encrypting")) and not list(tmp_path.glob("*.damaged-*"))
    assert leaks(tmp_path, list(SECRETS.values())) == []
    before = digests(tmp_path)
    with open_at(db):  # rewritten once: the next open changes no byte of it
        pass
    assert digests(tmp_path)["drafts.sqlite"] == before["drafts.sqlite"]


@pytest.fixture(scope="module")
def rewrite_time(tmp_path_factory):
    db, _ = first_format_file(tmp_path_factory.mktemp("calibrate"), 1000)
    return migrate_in_child(db, None)


@pytest.mark.parametrize("fraction", [0.0, 0.3, 0.5, 0.65, 0.8, 0.9, 1.0, 1.2])
def test_a_kill_during_the_rewrite_leaves_files_the_next_open_finishes(tmp_path, fraction, rewrite_time):
    db, cases = first_format_file(tmp_path, 1000)
    key = keys.unlock(db)
    migrate_in_child(db, rewrite_time * fraction)
    # Either format, never neither, whatever the key file says yet.
    assert reads_with(db, key, *FIRST_VERSION) or reads_with(db, key, *CURRENT.pragmas())
    keys.forget()
    with open_at(db) as store:
        assert len(store.ids()) == 1000
        some = next(iter(cases))
        assert store.get(some).fields == cases[some]
    assert keys.read_key_file(db).cipher == CURRENT.version
    for path in (db, *backup.backups(db)):
        assert reads_with(path, key, *CURRENT.pragmas())
    assert not list(tmp_path.glob("*.encrypting"))


def test_a_wrong_passphrase_on_a_first_format_file_changes_nothing(tmp_path, monkeypatch):
    db, _ = first_format_file(tmp_path, 5)
    if keys.read_key_file(db).wrapped is None:
        pytest.skip("the key is in a keyring here, not under a passphrase")
    before = digests(tmp_path)
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "not the passphrase")
    keys.forget()
    with pytest.raises(keys.WrongKey):
        open_at(db)
    assert digests(tmp_path) == before


def test_a_key_file_naming_a_newer_format_is_refused_and_nothing_changes(tmp_path):
    db, _ = first_format_file(tmp_path, 5)
    doc = json.loads(keys.key_path(db).read_text(encoding="utf-8"))
    doc["cipher"] = CURRENT.version + 1
    keys.key_path(db).write_text(json.dumps(doc), encoding="utf-8")
    before = digests(tmp_path)
    with pytest.raises(StoreError, match="更新版本的 desk400"):
        open_at(db)
    assert digests(tmp_path) == before


@pytest.mark.parametrize("value", ['"2"', "null", "2.0", "true"])
def test_a_key_file_whose_format_is_not_a_number_is_said_damaged(tmp_path, value):
    db, _ = first_format_file(tmp_path, 1)
    text = keys.key_path(db).read_text(encoding="utf-8")
    keys.key_path(db).write_text(text.replace("{", '{"cipher": ' + value + ", ", 1), encoding="utf-8")
    with pytest.raises(keys.KeyProblem, match="已损坏"):
        keys.read_key_file(db)


def test_a_damaged_first_format_file_is_recovered_from_its_rewritten_backup(tmp_path):
    db, cases = first_format_file(tmp_path, 20)
    damage_pages(db)
    with open_at(db) as store:
        assert {case_id: store.get(case_id).fields for case_id in store.ids()} == cases
        assert store.recovery is not None
    [damaged] = tmp_path.glob("drafts.sqlite.damaged-*")
    assert plain_sqlite_refuses(damaged)
    assert keys.read_key_file(db).cipher == CURRENT.version


HOLDER = """
import sys, time
from sqlcipher3 import dbapi2 as sqlcipher
conn = sqlcipher.connect(sys.argv[1])
conn.execute("PRAGMA key = " + sys.argv[2])
conn.execute("PRAGMA cipher_page_size = 8192")
conn.execute("SELECT count(*) FROM cases").fetchone()  # then idle, as a window between edits
print("open", flush=True)
sys.stdin.readline()
"""


@pytest.mark.skipif(
    os.name != "posix" or os.environ.get("DESK400_WINSIM") == "1",
    reason="Windows refuses to replace a file another process has open (a sharing mode tests/winsim cannot simulate)",
)
def test_a_file_an_older_desk400_still_has_open_is_not_rewritten_under_it(tmp_path):
    db, cases = first_format_file(tmp_path, 20)
    key = keys.unlock(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), keys.sql_key(key)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        before = digests(tmp_path)
        with pytest.raises(StoreError, match="旧版 desk400"):
            open_at(db)
        assert {k: v for k, v in digests(tmp_path).items() if not k.endswith(".lock")} == {
            k: v for k, v in before.items() if not k.endswith(".lock")
        }
        assert keys.read_key_file(db).cipher == LEGACY.version
    finally:
        holder.communicate("\n")
    with open_at(db) as store:  # closed: the next start rewrites it
        assert {case_id: store.get(case_id).fields for case_id in store.ids()} == cases
    assert keys.read_key_file(db).cipher == CURRENT.version


def test_an_older_desk400_refuses_a_rewritten_file_instead_of_setting_it_aside(tmp_path):
    """The first encrypted desk400 takes a file it cannot read for a damaged one: it would set the
    rewritten file aside and start an empty one. It refuses, untouched, a key file it cannot read:
    a rewritten file's key file is one. A key file still of the first format (the escrow sealed
    before the first open of a new desk400) stays readable by it."""
    db, _ = first_format_file(tmp_path, 5)
    key = keys.unlock(db)
    escrow.seal_key(db, key, pyrage.x25519.Identity.generate().to_public())
    assert keys.read_key_file(db).cipher == LEGACY.version and first_version_reads_key_file(db)
    with open_at(db):
        pass
    assert keys.read_key_file(db).cipher == CURRENT.version
    assert not first_version_reads_key_file(db)
    with open_at(db) as store:  # this version reads it still
        assert len(store.ids()) == 5


def test_a_first_format_file_put_back_beside_a_current_key_file_is_rewritten_not_set_aside(tmp_path):
    """A system backup restores drafts.sqlite (and its backups) from before the rewrite, but not the
    key file: the file is read in the format it is in, not taken for a damaged one."""
    db, cases = first_format_file(tmp_path, 20)
    with open_at(db):
        pass  # rewritten; the key file now names the current format
    old = tmp_path / "put-back"
    old.mkdir()
    first_db, first_cases = first_format_file(old, 20)
    keys.forget()
    for copy in (first_db, *backup.backups(first_db)):
        target = db if copy == first_db else backup.backup_dir(db) / copy.name
        target.write_bytes(copy.read_bytes())
    doc = json.loads(keys.key_path(db).read_text(encoding="utf-8"))
    doc.update(json.loads(keys.key_path(first_db).read_text(encoding="utf-8")), cipher=CURRENT.version)
    keys.key_path(db).write_text(json.dumps(doc), encoding="utf-8")
    keys.forget()
    with open_at(db) as store:
        assert store.recovery is None
        assert {case_id: store.get(case_id).fields for case_id in store.ids()} == first_cases
    assert not list(tmp_path.glob("drafts.sqlite.damaged-*"))
    key = keys.unlock(db)
    for path in (db, *backup.backups(db)):
        assert reads_with(path, key, *CURRENT.pragmas())


class FullDisk:
    """A connection whose copy runs out of disk the way SQLCipher says it (a full tmpfs, measured):
    sqlcipher_export fails with SQLITE_ERROR and SQLite's text for SQLITE_FULL."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def execute(self, sql: str, *args):
        if "sqlcipher_export" in sql:
            raise sqlcipher.OperationalError("database or disk is full")
        return self.conn.execute(sql, *args)

    def close(self) -> None:
        self.conn.close()


def test_a_full_disk_during_the_rewrite_is_said_as_such_and_changes_nothing(tmp_path, monkeypatch):
    from desktop.store import DiskFull, encrypt

    db, cases = first_format_file(tmp_path, 20)
    before = digests(tmp_path)
    real = encrypt.connect
    monkeypatch.setattr(encrypt, "connect", lambda *a, **k: FullDisk(real(*a, **k)))
    with pytest.raises(DiskFull, match="磁盘已满.*文件没有改动"):
        open_at(db)
    assert {k: v for k, v in digests(tmp_path).items() if not k.endswith(".lock")} == before
    monkeypatch.setattr(encrypt, "connect", real)  # room again
    keys.forget()
    with open_at(db) as store:
        assert {case_id: store.get(case_id).fields for case_id in store.ids()} == cases


def test_a_backup_put_back_in_the_first_format_is_found_when_damage_is_marked(tmp_path):
    """Issue 21: a backup written with the drafts file's key is found whatever format the key file
    names; the full check's mark on a readable file skipped one in the first format, and recovery
    said 「没有可用的自动备份」 and started an empty file."""
    db, cases = first_format_file(tmp_path, 20)
    [old_backup] = backup.backups(db)
    first = old_backup.read_bytes()
    with open_at(db):
        pass  # rewritten, backup included; the key file now names the current format
    old_backup.write_bytes(first)  # the backups folder restored from before the rewrite
    damage_mark(db).touch()  # what the full check leaves when the window has the file open
    with open(db, "r+b") as handle:  # noqa: PTH123 (no connection is open)
        handle.seek(CURRENT.page_bytes * 3 + 100)
        handle.write(b"\xa5" * 100)  # a page of the cases no longer authenticates
    keys.forget()
    with open_at(db) as store:
        assert store.recovery is not None and store.recovery.restored_from == old_backup
        assert {case_id: store.get(case_id).fields for case_id in store.ids()} == cases
