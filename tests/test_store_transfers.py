"""Issue 21, the transfer half: drafts files and key files moved between machines, passphrases as
the environment spells them, and the hall's key escrow typed by hand."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from test_crypto import digests, run
from test_store_helpers import EXAMPLE, Clock, open_at

from desktop.store import StoreError, keys

ROOT = Path(__file__).resolve().parent.parent
WRONG_KEY_FILE = "这个密钥文件不是这个草稿文件的"


def machine(folder: Path, name: str) -> tuple[Path, str]:
    """A drafts file with one case (named `name`) and a daily backup, closed; its path and the case id."""
    db = folder / "drafts.sqlite"
    with open_at(db) as store:
        case = store.create({**EXAMPLE, "contact.name": name})
    with open_at(db, backups=True):
        pass
    keys.forget()
    return db, case.id


def test_a_drafts_file_copied_without_its_key_file_is_a_wrong_key_and_nothing_moves(tmp_path):
    m1, _ = machine(tmp_path / "m1", "李敏")
    m2, _ = machine(tmp_path / "m2", "张三")
    assert list((tmp_path / "m1").glob("drafts.sqlite.backups/*.sqlite"))
    shutil.copyfile(m2, m1)  # the drafts file came without its own key file
    before = digests(tmp_path / "m1")
    code, out, err = run("export", "--db", m1, "--all", "-o", tmp_path / "out")
    assert code == 2 and out == ""
    assert WRONG_KEY_FILE in err and err.count("\n") == 1, err
    assert digests(tmp_path / "m1") == before
    assert not list((tmp_path / "m1").glob("*.damaged-*"))
    assert not (tmp_path / "out").exists()


def test_swapped_key_files_are_a_wrong_key_and_putting_them_back_opens_both(tmp_path):
    m1, id1 = machine(tmp_path / "m1", "李敏")
    m2, id2 = machine(tmp_path / "m2", "张三")
    k1, k2 = keys.key_path(m1), keys.key_path(m2)
    one, two = k1.read_bytes(), k2.read_bytes()
    k1.write_bytes(two)
    k2.write_bytes(one)
    before = digests(tmp_path)
    for db in (m1, m2):
        keys.forget()
        code, _, err = run("export", "--db", db, "--all", "-o", tmp_path / "out")
        assert code == 2 and WRONG_KEY_FILE in err, err
    assert digests(tmp_path) == before
    assert not list(tmp_path.rglob("*.damaged-*"))
    k1.write_bytes(one)
    k2.write_bytes(two)
    for db, case_id, name in ((m1, id1, "李敏"), (m2, id2, "张三")):
        keys.forget()
        with open_at(db) as store:
            assert store.recovery is None
            assert store.get(case_id).fields["contact.name"] == name


def test_damage_to_the_first_page_with_the_right_key_is_still_recovered(tmp_path):
    db = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(db, clock) as store:
        case = store.create(EXAMPLE)
    with open_at(db, clock, backups=True) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(db, "r+b") as handle:  # noqa: PTH123 (no connection is open)
        handle.seek(100)  # past the salt: the first page no longer authenticates
        handle.write(os.urandom(1000))
    keys.forget()
    clock.advance(days=1)
    with open_at(db, clock) as store:
        assert store.recovery is not None and store.recovery.restored_from is not None
        assert store.get(case.id).fields == EXAMPLE
