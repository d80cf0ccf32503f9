"""A damaged drafts file is set aside and the newest healthy daily backup put in its place."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_store_helpers import EXAMPLE, Clock, keyed, open_at

from desktop import backup
from desktop.store import StoreError


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
