"""The drafts file as a file: locks kept, only drafts files opened, damage recovered safely,
backups that never lose the last good copy, purges finished or redone, old copies removed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_store_helpers import EXAMPLE, SPEC, Clock, keyed, open_at

from desktop.store import APPLICATION_ID, Case, NoDraftsFile, NotDraftsFile, Store, backup, keys

ROOT = Path(__file__).resolve().parent.parent

READ_AND_CLOSE = """
import sys
from pathlib import Path
from desktop.store import keys
from desktop.store.connection import connect
conn = connect(Path(sys.argv[1]), key=keys.unlock(Path(sys.argv[1])))
conn.execute("SELECT count(*) FROM cases").fetchone()
conn.close()
"""

NOTES = """
import json
import sys
from pathlib import Path
from desktop.store import keys
from desktop.store.connection import connect
conn = connect(Path(sys.argv[1]), key=keys.unlock(Path(sys.argv[1])))
row = conn.execute("SELECT fields FROM cases WHERE id = ?", [sys.argv[2]]).fetchone()
print(json.loads(row[0]).get("notes", ""))
"""


def run(code: str, *args: object) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=30, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def app_id(path: Path) -> int:
    conn = keyed(path)
    try:
        return conn.execute("PRAGMA application_id").fetchone()[0]
    finally:
        conn.close()


def test_a_second_open_keeps_the_locks_so_another_process_closing_never_deletes_the_wal(tmp_path):
    path = tmp_path / "drafts.sqlite"
    first = open_at(path)
    second = open_at(path)  # the window opens several connections in one process
    try:
        case = first.create(EXAMPLE)
        run(READ_AND_CLOSE, path)  # a CLI export reads and closes its connection
        first.save_field(case.id, "notes", "之后保存的备注", case.revision)
        assert run(NOTES, path, case.id) == "之后保存的备注"
    finally:
        second.close()
        first.close()


def test_a_new_drafts_file_is_marked_and_private(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path):
        pass
    assert app_id(path) == APPLICATION_ID == int.from_bytes(b"D400", "big")
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_an_older_drafts_file_gets_its_mark_by_migration(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path):
        pass
    conn = keyed(path)
    conn.execute("PRAGMA application_id = 0")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('0005_application_id', '0006_meta')")
    conn.execute("DROP TABLE meta")
    conn.commit()
    conn.close()
    with open_at(path):
        pass
    assert app_id(path) == APPLICATION_ID


@pytest.mark.parametrize(
    "content",
    [b'{"format": "400-bundle-case", "version": 1}\n', b"just some text" * 100],
    ids=["case-json", "text"],
)
def test_a_file_that_is_not_a_drafts_file_is_refused_untouched(tmp_path, content):
    path = tmp_path / "case.json"
    path.write_bytes(content)
    with pytest.raises(NotDraftsFile, match="不是 desk400 的草稿文件"):
        open_at(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.json"]


@pytest.mark.parametrize(
    "statements",
    [
        ["CREATE TABLE notes (text)", "INSERT INTO notes VALUES ('keep me')"],
        [  # another program that also uses sqlite-utils' migrations
            "CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT)",
            "INSERT INTO _sqlite_migrations VALUES ('other-app', '0001', '2026-01-01')",
        ],
    ],
    ids=["plain", "sqlite-utils-migrations"],
)
def test_another_sqlite_database_is_refused_untouched(tmp_path, statements):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NotDraftsFile):
        open_at(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_opening_without_create_never_makes_a_drafts_file(tmp_path):
    path = tmp_path / "typo.sqlite"
    with pytest.raises(NoDraftsFile, match="没有草稿文件"):
        Store.open_for(path, SPEC, bundle="400", edition="e", create=False)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def backed_up_case(folder: Path) -> tuple[Path, Clock, Case]:
    """A drafts file holding the example case, backed up the next day and checkpointed (the whole
    file on disk): what a damage test breaks. Its path, its clock and the case."""
    path = folder / "drafts.sqlite"
    clock = Clock()
    with open_at(path, clock) as store:
        kept = store.create(EXAMPLE)
    clock.advance(days=1)
    with open_at(path, clock, backups=True) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path, clock, kept


def damage_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:] = b"\xa5" * (len(data) - 100)
    path.write_bytes(bytes(data))


START = """
import sys
from pathlib import Path
from types import SimpleNamespace
from desktop.store import Store
spec = SimpleNamespace(title_key="customer.name", search_keys=(), mask_keys=(), duplicate_clear_keys=())
print("ready", flush=True)
sys.stdin.readline()  # both start together: the race is the point
with Store.open_for(Path(sys.argv[1]), spec, bundle="400", edition="e", backups=False) as store:
    print("recovered" if store.recovery else "opened", store.get(sys.argv[2]).fields["customer.name"])
"""


def test_a_start_waiting_for_another_recovery_does_not_recover_again(tmp_path):
    """Two processes start on one damaged file: the second waits for the first's recovery and
    then opens what it restored, instead of moving the restored file aside (or failing)."""
    path, clock, kept = backed_up_case(tmp_path)
    damage_pages(path)
    second = subprocess.Popen(
        [sys.executable, "-c", START, str(path), kept.id],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with backup.exclusive(path.with_name(path.name + ".lock")):  # the first start, recovering
        assert second.stdout.readline().strip() == "ready"
        second.stdin.write("go\n")
        second.stdin.flush()
        time.sleep(0.5)  # the second start now finds the file damaged and waits for the lock
        first = backup.recover(path, clock(), keys.unlock(path))
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert out.split() == ["opened", EXAMPLE["customer.name"]]
    copies = [p for p in tmp_path.glob("drafts.sqlite.damaged-*") if not p.name.endswith(("-wal", "-shm"))]
    assert copies == [first.damaged_copy]


def backup_ids(path: Path) -> dict[str, set[str]]:
    found = {}
    for copy in backup.backups(path):
        conn = keyed(copy)
        found[copy.stem] = {r[0] for r in conn.execute("SELECT id FROM cases")}
        conn.close()
    return found


def test_an_emptied_drafts_file_is_recovered_from_the_newest_backup(tmp_path):
    path, clock, kept = backed_up_case(tmp_path)
    for side in ("-wal", "-shm"):
        path.with_name(path.name + side).unlink(missing_ok=True)
    os.truncate(path, 0)
    clock.advance(days=1)
    with open_at(path, clock, backups=True) as store:
        assert store.recovery is not None and "草稿文件已损坏" in store.recovery.message
        assert store.get(kept.id).fields == EXAMPLE


def test_a_drafts_file_with_a_damaged_header_is_recovered_when_backups_exist(tmp_path):
    path, clock, kept = backed_up_case(tmp_path)
    data = bytearray(path.read_bytes())
    data[:100] = b"\x00" * 100
    path.write_bytes(bytes(data))
    with open_at(path, clock) as store:
        assert store.recovery is not None and store.recovery.restored_from is not None
        assert store.get(kept.id).fields == EXAMPLE


def test_backups_never_rotate_away_the_last_one_that_held_the_cases(tmp_path):
    path = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(path, clock) as store:
        ids = {store.create({"customer.name": f"公司{i}"}).id for i in range(4)}
    clock.advance(days=1)
    with open_at(path, clock, backups=True):
        pass
    good = backup.backups(path)[0].stem
    with open_at(path, clock) as store:
        store.db.execute("DELETE FROM cases")  # the cases vanish without a purge
    for _ in range(backup.KEEP + 2):
        clock.advance(days=1)
        with open_at(path, clock, backups=True):
            pass
    found = backup_ids(path)
    assert found[good] == ids
    assert len(found) == backup.KEEP + 1
    assert sum(1 for names in found.values() if not names) == backup.KEEP


def test_a_purge_interrupted_before_the_backups_are_rewritten_is_finished_at_the_next_start(
    tmp_path, monkeypatch
):
    path = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(path, clock) as store:
        doomed = store.create(EXAMPLE)
        store.delete(doomed.id)
    clock.advance(days=1)
    with open_at(path, clock, backups=True):
        pass
    assert doomed.id in backup_ids(path)[str(clock.now.date())]
    clock.advance(days=40)

    def killed(*args: object) -> None:
        raise KeyboardInterrupt  # the process dies after the DELETE committed

    with monkeypatch.context() as patch:
        patch.setattr(backup, "drop_backups", killed)
        store = open_at(path, clock)
        with pytest.raises(KeyboardInterrupt):
            store.purge()
        store.close()
    assert all(doomed.id in ids for ids in backup_ids(path).values())
    with open_at(path, clock, backups=True) as store:
        store.purge()
    assert backup_ids(path) and all(doomed.id not in ids for ids in backup_ids(path).values())


def test_damaged_copies_and_recovery_journals_are_kept_no_longer_than_the_bin(tmp_path):
    path = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(path, clock):
        pass
    old_copy = tmp_path / "drafts.sqlite.damaged-20251001-090000"
    old_wal = tmp_path / "drafts.sqlite.damaged-20251001-090000-wal"
    recent_copy = tmp_path / f"drafts.sqlite.damaged-{(clock.now.date()).strftime('%Y%m%d')}-080000"
    old_journal = tmp_path / "drafts.sqlite.recovery-20251001.jsonl"
    recent_journal = tmp_path / "drafts.sqlite.recovery-20261127.jsonl"
    for f in (old_copy, old_wal, recent_copy, old_journal, recent_journal):
        f.write_bytes(b"x")
    long_ago = (clock.now.timestamp()) - 60 * 86400
    os.utime(old_journal, (long_ago, long_ago))
    with open_at(path, clock) as store:
        store.purge()
    left = {p.name for p in tmp_path.iterdir()}
    assert not {old_copy.name, old_wal.name, old_journal.name} & left
    assert {recent_copy.name, recent_journal.name} <= left
