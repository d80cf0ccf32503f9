"""A damaged drafts file is set aside and the newest healthy daily backup put in its place."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_store_helpers import EXAMPLE, Clock, keyed, open_at

from desktop.store import DamagedFile, StoreError, backup, connection


def damage(path: Path) -> None:
    """Overwrite the pages after the header, as a bad sector or a half-copied file would."""
    data = bytearray(path.read_bytes())
    data[100:] = b"\xa5" * (len(data) - 100)
    path.write_bytes(bytes(data))


def checkpointed(store) -> None:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_daily_backups_keep_the_newest_few(tmp_path):
    path = tmp_path / "drafts.sqlite"
    clock = Clock()
    for _ in range(backup.KEEP + 3):
        with open_at(path, clock, backups=True) as store:
            store.create({"customer.name": f"{clock.now.date()} 的公司"})
        clock.advance(days=1)
    names = [b.stem for b in backup.backups(path)]
    assert len(names) == backup.KEEP
    assert names[0] == str(clock.now.date().fromordinal(clock.now.toordinal() - 1))
    assert names == sorted(names, reverse=True)


def test_one_backup_a_day(tmp_path):
    path = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(path, clock, backups=True) as store:
        assert store.daily_backup() is None
        clock.advance(hours=20)
        assert store.daily_backup() is not None
    assert len(backup.backups(path)) == 2


def test_damaged_file_is_set_aside_and_the_newest_backup_restored(tmp_path):
    path = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(path, clock, backups=True) as store:
        kept = store.create(EXAMPLE)
    clock.advance(days=1)
    with open_at(path, clock, backups=True) as store:
        store.create({"customer.name": "备份之后才建的草稿"})
        checkpointed(store)
    damage(path)
    damaged_bytes = path.read_bytes()
    clock.advance(days=1)

    with open_at(path, clock, backups=True) as store:
        recovery = store.recovery
        assert recovery is not None
        assert recovery.restored_from is not None
        assert recovery.restored_from.stem == "2026-11-29"
        assert "草稿文件已损坏" in recovery.message and recovery.damaged_copy.name in recovery.message
        assert recovery.damaged_copy.read_bytes() == damaged_bytes
        assert store.get(kept.id).fields == EXAMPLE
        assert [c.id for c in store.list_cases().items] == [kept.id], "made after the last backup"
        assert store.integrity_ok()
        store.save_field(kept.id, "notes", "恢复后继续工作", store.get(kept.id).revision)
    with open_at(path, clock) as store:
        assert store.recovery is None


def test_damaged_file_without_backup_starts_empty_with_a_message(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        store.create(EXAMPLE)
        checkpointed(store)
    damage(path)
    with open_at(path) as store:
        assert store.recovery is not None and store.recovery.restored_from is None
        assert "没有可用的自动备份" in store.recovery.message
        assert store.list_cases().items == ()
        assert store.recovery.damaged_copy.exists()


def test_damaged_backups_are_skipped(tmp_path):
    path = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(path, clock, backups=True) as store:
        first = store.create({"customer.name": "第一天"})
    for _ in range(2):
        clock.advance(days=1)
        with open_at(path, clock, backups=True):
            pass
    newest, older = backup.backups(path)[:2]
    damage(newest)
    damage(path)
    with open_at(path, clock) as store:
        assert store.recovery is not None
        assert store.recovery.restored_from == older
        assert store.get(first.id).fields == {"customer.name": "第一天"}


def test_file_left_by_a_crash_with_its_wal_is_healthy(tmp_path):
    path = tmp_path / "drafts.sqlite"
    store = open_at(path)
    case = store.create(EXAMPLE)
    store.save_field(case.id, "notes", "还在 WAL 里", 1)
    copy = tmp_path / "copy.sqlite"
    for suffix in ("", "-wal", ".key"):  # an encrypted file travels with its key file
        copy.with_name(copy.name + suffix).write_bytes(path.with_name(path.name + suffix).read_bytes())
    store.close()
    with open_at(copy) as reopened:
        assert reopened.recovery is None
        assert reopened.get(case.id).fields["notes"] == "还在 WAL 里"


def test_a_file_another_program_holds_is_not_taken_for_damage(tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "CHECK_TIMEOUT_S", 0.05)
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        store.create(EXAMPLE)
    holder = keyed(path)
    holder.isolation_level = None
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="无法打开草稿文件"):
            open_at(path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not list(tmp_path.glob("*.damaged-*"))
    with open_at(path) as store:
        assert store.recovery is None and len(store.list_cases().items) == 1


# -- the full check: in housekeeping, not at every open ------------------------------------------


def deep_damage(tmp_path: Path) -> tuple[Path, Clock, list[str]]:
    """A drafts file with a backup of its 300 cases, then one page deep inside it (past the
    header, the schema and the migrations table) overwritten: what the open's cheap check never
    reads."""
    path = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(path, clock) as store:
        ids = store.create_many({**EXAMPLE, "notes": f"第 {i} 号" * 40} for i in range(300))
    clock.advance(days=1)
    with open_at(path, clock, backups=True) as store:
        checkpointed(store)
    size = path.stat().st_size
    page = 8192
    middle = (size // page) * 2 // 3
    with open(path, "r+b") as handle:  # noqa: PTH123 (no connection is open)
        handle.seek(middle * page + 200)
        handle.write(b"\xa5" * 4000)
    clock.advance(days=1)
    return path, clock, ids


def test_opening_skips_the_full_check_and_housekeeping_finds_and_recovers_the_damage(tmp_path):
    path, clock, ids = deep_damage(tmp_path)
    with open_at(path, clock) as store:  # the window's first connection: no full check
        assert store.recovery is None
    assert not list(tmp_path.glob("*.damaged-*"))
    with open_at(path, clock, backups=True) as store:  # housekeeping: the full check
        recovery = store.recovery
        assert recovery is not None and recovery.restored_from is not None
        assert "草稿文件已损坏" in recovery.message and recovery.damaged_copy.name in recovery.message
        assert store.get(ids[150]).fields["notes"] == "第 150 号" * 40
        assert len(store.ids()) == 300 and store.integrity_ok()
    assert not connection.damage_mark(path).exists()
    with open_at(path, clock, backups=True) as store:
        assert store.recovery is None


def test_damage_found_while_the_file_is_in_use_is_said_and_recovered_at_the_next_start(tmp_path):
    path, clock, ids = deep_damage(tmp_path)
    window = open_at(path, clock)  # another connection of this process holds the file
    try:
        with pytest.raises(DamagedFile, match="草稿文件已损坏.*重新打开"):
            open_at(path, clock, backups=True)
        assert connection.damage_mark(path).exists()
        assert not list(tmp_path.glob("*.damaged-*")), "never set aside under a live connection"
        with pytest.raises(DamagedFile):  # said again, the mark checked again
            open_at(path, clock, backups=True)
    finally:
        window.close()
    with open_at(path, clock) as store:  # the next start: the mark makes even a cheap open recover
        assert store.recovery is not None and "草稿文件已损坏" in store.recovery.message
        assert store.get(ids[0]).fields["notes"] == "第 0 号" * 40
    assert not connection.damage_mark(path).exists()


def test_a_mark_left_on_a_healthy_file_does_not_block_it_while_in_use(tmp_path):
    """A mark is a reason to check in full, not a verdict: every open of the process failed
    while a window held the file, until a restart."""
    path = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(path, clock) as window:
        case = window.create({"customer.name": "杭州云栖数智科技有限公司"})
        connection.damage_mark(path).touch()
        with open_at(path, clock, backups=True) as second:
            assert second.get(case.id).fields["customer.name"] == "杭州云栖数智科技有限公司"
    assert not connection.damage_mark(path).exists()
    assert not list(tmp_path.glob("*.damaged-*"))


def test_a_healthy_open_never_reads_every_page(tmp_path, monkeypatch):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        store.create(EXAMPLE)
    checks = []
    real = backup.is_damaged
    monkeypatch.setattr(backup, "is_damaged", lambda *a: checks.append(a) or real(*a))
    with open_at(path) as store:
        assert store.list_cases().items
    assert checks == []
    with open_at(path, backups=True):
        pass
    assert len(checks) == 1, "housekeeping runs the full check"
