"""Issue 21, the transfer half: drafts files and key files moved between machines, passphrases as
the environment spells them, and the hall's key escrow typed by hand."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import replace
from pathlib import Path

import pyrage
import pytest
from test_crypto import digests, run
from test_store_helpers import EXAMPLE, Clock, open_at

from desktop.files import sealed_info
from desktop.files.transfer import BadInput, export_all, export_case, import_files
from desktop.store import keys

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


# -- sealed exports never bury a newer sealed file ----------------------------------------------


@pytest.fixture
def hall_identity(tmp_path) -> tuple[str, Path]:
    identity = pyrage.x25519.Identity.generate()
    path = tmp_path / "hall-identity.txt"
    path.write_text(f"{identity}\n", encoding="utf-8")
    return str(identity.to_public()), path


def test_an_older_laptops_sealed_export_never_replaces_a_newer_sealed_file(tmp_path, hall_identity):
    recipient, identity = hall_identity
    clock = Clock()
    usb = tmp_path / "usb"
    with (
        open_at(tmp_path / "hall.sqlite", clock) as hall,
        open_at(tmp_path / "laptop.sqlite", clock) as laptop,
    ):
        case = hall.create(EXAMPLE)
        import_files(laptop, [export_case(hall, case.id, tmp_path / "plain.json")])
        for store in (hall, laptop):
            store.set_setting("hall.age_recipient", recipient)
        clock.advance(hours=1)
        hall.save_field(case.id, "notes", "大厅后来改的", hall.get(case.id).revision)
        [sealed] = export_all(hall, usb)
        assert sealed.name == f"{case.id}.json.age" and sealed_info.info_path(sealed).exists()
        newer = sealed.read_bytes()
        with pytest.raises(BadInput, match="更晚的版本"):
            export_all(laptop, usb)
        assert sealed.read_bytes() == newer
        sealed_info.info_path(sealed).unlink()  # a note lost: the sealed file cannot be compared
        with pytest.raises(BadInput, match="说明文件"):
            export_all(laptop, usb)
        assert sealed.read_bytes() == newer
        export_all(hall, tmp_path / "again")  # the note travels with every sealed export
        laptop.save_field(case.id, "notes", "笔记本更晚改的", laptop.get(case.id).revision)
    # The laptop's values are now the later ones: its export replaces the hall's older file.
    halls = (tmp_path / "again" / f"{case.id}.json.age").read_bytes()
    with open_at(tmp_path / "laptop.sqlite", clock) as laptop:
        [written] = export_all(laptop, tmp_path / "again")
    assert written.read_bytes() != halls
    code, out, err = run("import", "--db", tmp_path / "third.sqlite", "--identity", identity,
                         *sorted((tmp_path / "again").iterdir()))  # fmt: skip
    assert code == 0, err
    assert "已导入 1 个文件" in out
    with open_at(tmp_path / "third.sqlite", clock) as third:
        assert third.get(case.id).fields["notes"] == "笔记本更晚改的"


# -- passphrases as the environment spells them ----------------------------------------------


def test_a_passphrase_that_is_not_utf8_is_said_as_such_not_as_a_damaged_key_file(tmp_path, monkeypatch):
    db, _ = machine(tmp_path, "李敏")
    before = digests(tmp_path)
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "口令\udcb0\udce5")  # GBK bytes, decoded as POSIX does
    code, out, err = run("export", "--db", db, "--all", "-o", tmp_path / "out")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "UTF-8" in err and keys.PASSPHRASE_ENV in err and "损坏" not in err, err
    assert digests(tmp_path) == before


def test_a_non_utf8_passphrase_in_a_child_process_is_one_line_exit_2(tmp_path):
    db, _ = machine(tmp_path, "李敏")
    env = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()}
    env[os.fsencode(keys.PASSPHRASE_ENV)] = "口令".encode("gbk")
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "export", "--db", str(db), "--all", "-o", str(tmp_path / "o")],
        capture_output=True, cwd=ROOT, env=env, timeout=60,
    )  # fmt: skip
    err = done.stderr.decode("utf-8")
    assert done.returncode == 2 and "UTF-8" in err and "损坏" not in err and "内部错误" not in err, err


@pytest.mark.parametrize("form, other", [("NFC", "NFD"), ("NFD", "NFC")])
def test_one_passphrase_in_either_unicode_spelling_opens_the_file(tmp_path, monkeypatch, form, other):
    spoken = "Café 口令 Ångström"
    monkeypatch.setenv(keys.PASSPHRASE_ENV, unicodedata.normalize(form, spoken))
    keys.forget()
    db, case_id = machine(tmp_path, "李敏")
    monkeypatch.setenv(keys.PASSPHRASE_ENV, unicodedata.normalize(other, spoken))
    keys.forget()
    with open_at(db) as store:
        assert store.get(case_id).fields["contact.name"] == "李敏"


def test_a_key_file_wrapped_with_an_unnormalised_spelling_still_opens_with_it(tmp_path, monkeypatch):
    """Key files written before passphrases were normalised used the spelling as typed."""
    spelled = unicodedata.normalize("NFD", "Café 口令")
    monkeypatch.setenv(keys.PASSPHRASE_ENV, spelled)
    keys.forget()
    db, case_id = machine(tmp_path, "李敏")
    info = keys.read_key_file(db)
    key = keys.unlock(db)
    params = {k: v for k, v in info.wrapped.items() if k != "wrapped"}
    pad = hashlib.scrypt(spelled.encode("utf-8"), salt=bytes.fromhex(params["salt"]), n=params["n"],
                         r=params["r"], p=params["p"], dklen=32, maxmem=256 * params["n"] * params["r"])  # fmt: skip
    params["wrapped"] = bytes(a ^ b for a, b in zip(key, pad, strict=True)).hex()
    keys.write_key_file(db, replace(info, wrapped=params))
    keys.forget()
    with open_at(db) as store:
        assert store.get(case_id).fields["contact.name"] == "李敏"


# -- the hall's escrow and identity, typed by hand --------------------------------------------


@pytest.mark.parametrize(
    "escrow",
    [
        {"sealed": 5},
        {"sealed": ["x"]},
        "sealed",
        ["sealed"],
        7,
        {"sealed": "这不是 base64"},
        {"sealed": "aGVsbG8gd29ybGQ="},  # base64, but of no age file
    ],
)
def test_recover_key_on_a_mistyped_escrow_is_one_line_exit_2(tmp_path, hall_identity, escrow):
    _, identity = hall_identity
    db, _ = machine(tmp_path, "李敏")
    path = keys.key_path(db)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["escrow"] = escrow
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = digests(tmp_path)
    code, out, err = run("recover-key", "--db", db, "--identity", identity)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "内部错误" not in err and ("托管的密钥" in err or "无法用给出的身份文件解密" in err), err
    assert digests(tmp_path) == before


def test_identity_file_problems_name_an_identity_file_not_a_case_file(tmp_path, hall_identity):
    recipient, _ = hall_identity
    db, _ = machine(tmp_path, "李敏")
    sealed = tmp_path / "case.json.age"
    example = (ROOT / "examples" / "example-case.json").read_bytes()
    sealed.write_bytes(pyrage.encrypt(example, [pyrage.x25519.Recipient.from_str(recipient)]))
    big = tmp_path / "big.txt"
    big.write_bytes(b"#" * (200 * 1024))
    for bad in (tmp_path, big):
        code, _, err = run("import", "--db", db, "--identity", bad, sealed)
        assert code == 2 and "不是 age 身份文件" in err and "案卷文件" not in err, err


def test_a_damaged_drafts_file_beside_another_machines_key_file_is_refused_not_emptied(tmp_path):
    """The issue's 「没有可用的自动备份，已新建空的草稿文件」 though a backup exists: the backups,
    all written with another key, say the key file is not this drafts file's."""
    m1, id1 = machine(tmp_path / "m1", "李敏")
    m2, _ = machine(tmp_path / "m2", "张三")
    one = keys.key_path(m1).read_bytes()
    keys.key_path(m1).write_bytes(keys.key_path(m2).read_bytes())
    for damage in (b"\0" * m1.stat().st_size, b""):  # overwritten with zeroes, then emptied
        m1.write_bytes(damage)
        before = digests(tmp_path / "m1")
        keys.forget()
        code, _, err = run("export", "--db", m1, "--all", "-o", tmp_path / "out")
        assert code == 2 and WRONG_KEY_FILE in err, err
        assert digests(tmp_path / "m1") == before
        assert not list((tmp_path / "m1").glob("*.damaged-*"))
    keys.key_path(m1).write_bytes(one)  # its own key file back: damage, recovered from its backup
    keys.forget()
    with open_at(m1) as store:
        assert store.recovery is not None and store.recovery.restored_from is not None
        assert store.get(id1).fields["contact.name"] == "李敏"
