"""Damage inside rows stays one damaged case; searches of any text are safe; a busy file or a full
disk is one Chinese line, not an English SQLite error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_store_helpers import EXAMPLE, Clock, keyed, open_at

from desktop.store import DAMAGED_TITLE, DamagedCase, StoreBusy
from desktop.store.connection import OPERATIONAL_ERRORS

ROOT = Path(__file__).resolve().parent.parent


def spoil(path: Path, case_id: str, column: str, sql_value: str) -> None:
    conn = keyed(path)
    conn.execute(f"UPDATE cases SET {column} = {sql_value} WHERE id = ?", [case_id])
    conn.commit()
    conn.close()


@pytest.fixture
def three(tmp_path):
    path = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(path, clock) as store:
        cases = [store.create({**EXAMPLE, "customer.name": f"第{i}家有限公司"}) for i in range(3)]
    clock.advance(days=1)
    with open_at(path, clock, backups=True):
        pass
    return path, clock, cases


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("fields", "CAST(x'7b22637573746f6d65722e6e616d65223a22fffe' AS TEXT)"),
        ("fields", "'{\"customer.name\": '"),
        ("fields", "'[1, 2]'"),
        ("title", "CAST(x'e4b8ff' AS TEXT)"),
    ],
    ids=["bytes", "json", "not-object", "title"],
)
def test_a_damaged_row_is_one_damaged_case_and_the_others_stay_usable(three, column, value):
    path, clock, cases = three
    bad, *good = cases
    spoil(path, bad.id, column, value)
    with open_at(path, clock) as store:
        listed = {c.id: c for c in store.list_cases().items}
        assert len(listed) == 3
        assert listed[bad.id].damaged and listed[bad.id].title == DAMAGED_TITLE
        assert listed[bad.id].summary == {}
        assert not any(listed[c.id].damaged for c in good)
        found = store.search("有限公司").items
        assert {c.id for c in found if not c.damaged} == {c.id for c in good}
        with pytest.raises(DamagedCase) as caught:
            store.get(bad.id)
        message = str(caught.value)
        assert "损坏" in message and "有限公司" not in message and EXAMPLE["handler.id_number"] not in message
        for case in good:
            assert store.get(case.id).fields["customer.name"].endswith("有限公司")
            store.save_field(case.id, "notes", "照常保存", case.revision)


def test_a_damaged_case_is_restored_from_the_newest_backup_holding_a_readable_copy(three):
    path, clock, cases = three
    bad = cases[0]
    spoil(path, bad.id, "fields", "CAST(x'ff' AS TEXT)")
    with open_at(path, clock) as store:
        repaired = store.repair_case(bad.id)
        assert repaired.fields == {**EXAMPLE, "customer.name": "第0家有限公司"}
        assert repaired.revision > bad.revision
        assert not any(c.damaged for c in store.list_cases().items)
        assert store.audit(bad.id)[-1].event == "restored"


def test_a_damaged_case_can_be_moved_to_the_bin_and_back(three):
    path, clock, cases = three
    spoil(path, cases[0].id, "fields", "CAST(x'ff' AS TEXT)")
    with open_at(path, clock) as store:
        store.delete(cases[0].id)
        assert [c.damaged for c in store.binned().items] == [True]
        store.restore(cases[0].id)
        assert len(store.list_cases().items) == 3


def test_a_damaged_case_without_a_readable_backup_stays_damaged(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        case = store.create(EXAMPLE)
    spoil(path, case.id, "fields", "'not json'")
    with open_at(path) as store, pytest.raises(DamagedCase):
        store.repair_case(case.id)


def test_export_all_writes_the_readable_cases_and_names_the_damaged_one(three, tmp_path):
    path, _, cases = three
    bad = cases[1]
    spoil(path, bad.id, "fields", "CAST(x'ff00' AS TEXT)")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "export", "--db", str(path), "--all", "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert bad.id in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.stem for p in out.iterdir()) == sorted(c.id for c in cases if c is not bad)


@pytest.mark.parametrize(
    "query",
    ["有限\0公司", "\0", "第1家\x07", " ".join(f"词{i}" for i in range(1500)), "a\0b " * 600],
    ids=["nul-in-word", "nul", "bell", "1500-words", "many-nuls"],
)
def test_any_search_text_is_answered_without_an_error(three, query):
    path, clock, _ = three
    with open_at(path, clock) as store:
        store.search(query)


def test_a_search_with_nul_finds_what_the_words_around_it_find(three):
    path, clock, cases = three
    with open_at(path, clock) as store:
        assert [c.id for c in store.search("第1家\0有限").items] == [cases[1].id]


def test_a_value_with_nul_is_indexed_up_to_the_nul(tmp_path):
    with open_at(tmp_path / "drafts.sqlite") as store:
        case = store.create({"customer.name": "杭州\0隐藏的部分"})
        assert [c.id for c in store.search("杭州").items] == [case.id]
        assert store.search("隐藏的部分").items == ()


def test_a_file_locked_by_another_program_beyond_the_timeout_is_a_chinese_store_error(tmp_path, monkeypatch):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        case = store.create(EXAMPLE)
        store.db.execute("PRAGMA busy_timeout = 50")
        holder = keyed(path)
        holder.isolation_level = None
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreBusy, match="草稿文件正被其他程序占用，请稍后重试") as caught:
                store.save_field(case.id, "notes", "等一等", case.revision)
            assert isinstance(caught.value.__cause__, OPERATIONAL_ERRORS)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert store.save_field(case.id, "notes", "现在可以了", case.revision) == case.revision + 1
        assert json.loads(store.db.execute("SELECT fields FROM cases").fetchone()[0])["notes"] == "现在可以了"
