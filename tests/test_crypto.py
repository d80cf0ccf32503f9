"""Issue 14: the drafts file, its WAL, backups, journal and travelling case files are unreadable
off the machine; a wrong key is never taken for damage; a plain file is encrypted on first start."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyrage
import pytest
from sqlcipher3 import dbapi2 as sqlcipher
from test_store_helpers import BUNDLE, EDITION, EXAMPLE, SPEC, Clock, keyed, open_at
from test_ui_support import field, type_text

from desktop.cli import main
from desktop.store import NoDraftsFile, Store, StoreError, backup, escrow, journal, keys
from desktop.store.cipher import CURRENT
from desktop.store.schema import APPLICATION_ID, migrations

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "customer.name": "杭州云栖数智科技有限公司",
    "handler.name": "王霄",
    "handler.id_number": "610113198402242115",
    "handler.mobile": "13825265634",
    "handler.phone": "057181726504",
    "contact.phone": "0571-88223344",
}


def run(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def leaks(folder: Path, values: list[str]) -> list[tuple[str, str]]:
    """(file, value) for every value found in any file under `folder`, UTF-8 or UTF-16."""
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for value in values:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                if value.encode(encoding) in data:
                    found.append((path.name, value))
    return found


def digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def plain_sqlite_refuses(path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        return True
    finally:
        conn.close()
    return False


@pytest.fixture
def memory_keyring(memory_keyring, monkeypatch):
    """The in-memory keyring, and no passphrase: the key lives in the keyring."""
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    keys.forget()
    return memory_keyring


# -- nothing readable off the machine ---------------------------------------------------------


def test_a_case_typed_in_the_window_and_one_imported_leave_nothing_readable(qtbot, tmp_path):
    from PySide6.QtWidgets import QLineEdit
    from test_ui_support import field, type_text

    from desktop.app import MainWindow

    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    db = folder / "drafts.sqlite"
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.is_ready)
    typed = {"customer.name": "温州瓯越测试贸易有限公司", "handler.id_number": "330302199001011234"}
    type_text(field(window, "authorization", "customer.name", QLineEdit), typed["customer.name"])
    type_text(field(window, "authorization", "handler.id_number", QLineEdit), typed["handler.id_number"])
    type_text(field(window, "requirement", "handler.mobile", QLineEdit), "13912345678")
    assert window.autosaver.flush()
    typed_id = window.current_case_id()
    window.close()

    case = json.loads((ROOT / "examples" / "example-case.json").read_text(encoding="utf-8"))
    incoming = tmp_path / "incoming.json"
    incoming.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    assert run("import", "--db", db, incoming)[0] == 0
    incoming.unlink()

    values = [*typed.values(), "13912345678", *SECRETS.values()]
    assert backup.backups(db), "the window made today's backup"
    assert leaks(folder, values) == []
    assert plain_sqlite_refuses(db)
    for copy in backup.backups(db):
        assert plain_sqlite_refuses(copy)

    out = tmp_path / "out"
    assert run("export", "--db", db, "--all", "-o", out)[0] == 0
    exported = {
        doc["id"]: doc["fields"]
        for doc in (json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json"))
    }
    assert {k: exported[typed_id][k] for k in typed} == typed
    assert exported[typed_id]["handler.mobile"] == "13912345678"
    assert exported[case["id"]] == case["fields"]


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, on showing a dialog
def test_a_card_read_in_the_window_leaves_no_image_or_value_readable(qtbot, make_window, tmp_path):
    """读取证件 (issue 24): the scan is read in memory, the values filled, the image kept with the
    case; nothing of either is in clear in the drafts folder or in a temp file made meanwhile."""
    import tempfile

    from capture_images import Licence, encoded, licence_image
    from PySide6.QtCore import Qt
    from test_store_helpers import keyed_db

    from desktop.capture.ocr import shared_engine
    from desktop.store import images

    shared_engine().load()
    started = time.time()
    window = make_window()
    card = Licence(name="温州瓯越测试贸易有限公司")
    scan = tmp_path / "scans" / "licence.png"
    scan.parent.mkdir()
    scan.write_bytes(encoded(licence_image(card, dpi=150)))
    dialog = window.capture.open()
    dialog.load_file(scan)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.read is not None, timeout=60_000)
    qtbot.mouseClick(dialog.fill_button, Qt.MouseButton.LeftButton)
    case_id = window.current_case_id()
    assert window.session.values["customer.license_no"] == card.code
    qtbot.waitUntil(lambda: bool(images.of_case(keyed_db(window.db_path), case_id)), timeout=10_000)
    window.close()

    marker = scan.read_bytes()[-4096:-4000]
    assert leaks(tmp_path, [card.name, card.code, card.address]) == []
    # os.walk, not rglob: other processes' temp folders come and go meanwhile (errors are skipped).
    made = [
        Path(top, name)
        for top, _dirs, names in os.walk(tempfile.gettempdir())
        for name in names
        if _recent_file(Path(top, name), started)
    ]
    for path in ({p.resolve() for p in tmp_path.rglob("*") if p.is_file()} | {p.resolve() for p in made}) - {
        scan.resolve()
    }:
        with contextlib.suppress(OSError):
            assert marker not in path.read_bytes(), path.name


def _recent_file(path: Path, since: float) -> bool:
    try:
        return path.is_file() and path.stat().st_mtime >= since and path.stat().st_size < 64 * 1024 * 1024
    except OSError:
        return False


def test_the_recovery_journal_is_sealed_and_still_replays(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        case = store.create({"notes": "x"})
    journal.append(path, case.id, case.revision, SECRETS, Clock().now)
    assert leaks(tmp_path, list(SECRETS.values())) == []
    [entry] = journal.read(path)
    assert entry.values == SECRETS
    with open_at(path) as store:
        assert journal.replay(path, store) == 1
        assert store.get(case.id).fields["handler.id_number"] == SECRETS["handler.id_number"]


# -- a wrong or missing key --------------------------------------------------------------------


def test_a_wrong_passphrase_is_one_line_exit_2_and_changes_nothing(tmp_path, monkeypatch):
    db = tmp_path / "drafts.sqlite"
    with open_at(db, backups=True) as store:
        store.create(EXAMPLE)
    before = digests(tmp_path)
    keys.forget()
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "not the passphrase")
    for command in (["export", "--db", db, "--all", "-o", tmp_path / "out"], ["import", "--db", db, ROOT / "examples" / "example-case.json"]):  # fmt: skip
        code, out, err = run(*command)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and "口令不对" in err, err
    assert digests(tmp_path) == before
    assert not list(tmp_path.glob("*.damaged-*"))
    assert not (tmp_path / "out").exists()


def test_a_wrong_passphrase_in_a_child_process_is_exit_2_without_sqlcipher_noise(tmp_path):
    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        store.create(EXAMPLE)
    before = digests(tmp_path)
    env = {**os.environ, keys.PASSPHRASE_ENV: "wrong"}
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "export", "--db", str(db), "--all", "-o", str(tmp_path / "o")],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "口令不对" in done.stderr and "ERROR" not in done.stderr
    assert digests(tmp_path) == before


def test_no_passphrase_and_no_keyring_is_said_and_nothing_is_created(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    keys.forget()
    with pytest.raises(StoreError, match="DESK400_PASSPHRASE"):
        open_at(tmp_path / "drafts.sqlite")
    assert list(tmp_path.iterdir()) == []


def test_a_drafts_file_without_its_key_file_is_refused_untouched(tmp_path):
    db = tmp_path / "drafts.sqlite"
    with open_at(db, backups=True) as store:
        store.create(EXAMPLE)
    keys.key_path(db).unlink()
    keys.forget()
    before = digests(tmp_path)
    with pytest.raises(StoreError, match="密钥文件"):
        open_at(db)
    assert digests(tmp_path) == before


# A page deep in the file; the first page past its salt, which SQLCipher answers as it answers a
# wrong key (issue 21: the other pages still authenticate, so it is damage, not another key).
@pytest.mark.parametrize("offset, size", [(8192 + 100, 4096), (100, 1000)])
def test_damage_with_the_right_key_is_still_recovered_from_a_backup(tmp_path, offset, size):
    db = tmp_path / "drafts.sqlite"
    clock = Clock()
    with open_at(db, clock) as store:
        case = store.create(EXAMPLE)
    with open_at(db, clock, backups=True) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(db, "r+b") as handle:  # noqa: PTH123 (no connection is open)
        handle.seek(offset)
        handle.write(os.urandom(size))
    keys.forget()
    clock.advance(days=1)
    with open_at(db, clock) as store:
        assert store.recovery is not None and store.recovery.restored_from is not None
        assert store.get(case.id).fields == EXAMPLE


# -- the OS keyring ----------------------------------------------------------------------------


def test_with_a_keyring_the_key_lives_there_and_not_in_the_key_file(tmp_path, memory_keyring):
    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        case = store.create(EXAMPLE)
        key = store.key
    info = keys.read_key_file(db)
    assert info is not None and info.wrapped is None
    assert memory_keyring.store[(keys.SERVICE, info.id)] == key.hex()
    assert key.hex() not in keys.key_path(db).read_text()
    keys.forget()
    with open_at(db) as store:
        assert store.get(case.id).fields == EXAMPLE
    memory_keyring.store.clear()
    keys.forget()
    before = digests(tmp_path)
    with pytest.raises(StoreError, match="recover-key"):
        open_at(db)
    assert digests(tmp_path) == before


# -- migration of a plain drafts file ----------------------------------------------------------


def make_plain(path: Path, count: int) -> dict[str, dict]:
    """A drafts file as desk400 wrote it before encryption: plain SQLite, WAL, cases, settings,
    audit rows, a plain backup, a damaged copy and a plain journal."""
    from sqlite_utils import Database

    from desktop.store.store import new_row

    db = Database(path)
    db.enable_wal()
    migrations().apply(db)
    rows = [
        new_row(
            SPEC,
            BUNDLE,
            f"00000000-0000-4000-8000-{i:012d}",
            {**EXAMPLE, "notes": f"第{i}号"},
            Clock().now,
            EDITION,
        )
        for i in range(count)
    ]
    db["cases"].insert_all(rows, batch_size=500)
    db["settings"].insert({"key": "agency.name", "value": json.dumps("西湖营业厅", ensure_ascii=False)})
    db["audit"].insert_all(
        {"at": "2026-11-01T09:00:00+08:00", "case_id": r["id"], "event": "created"} for r in rows
    )
    folder = backup.backup_dir(path)
    folder.mkdir(mode=0o700)
    db.conn.backup(sqlite3.connect(folder / "2026-11-27.sqlite"))
    db.close()
    path.with_name(path.name + ".damaged-20261101-090000").write_bytes(
        b"SQLite format 3\0" + EXAMPLE["customer.name"].encode()
    )
    journal.path_for(path, Clock().now).write_text(
        json.dumps({"case_id": None, "revision": 0, "values": {"customer.name": "日志里的公司"}, "written": "2026-11-28T10:00:00+08:00"}, ensure_ascii=False) + "\n",  # noqa: E501
        encoding="utf-8",
    )  # fmt: skip
    return {r["id"]: r for r in rows}


def test_a_plain_file_with_1000_cases_is_encrypted_on_first_start_keeping_everything(tmp_path):
    db = tmp_path / "drafts.sqlite"
    rows = make_plain(db, 1000)
    assert not plain_sqlite_refuses(db)
    with open_at(db) as store:
        assert len(store.ids()) == 1000
        for case_id, row in list(rows.items())[::97]:
            assert store.get(case_id).fields == json.loads(row["fields"])
        assert store.setting("agency.name") == "西湖营业厅"
        assert len(store.audit(limit=5000)) == 1000
        assert store.search("云栖数智").items
    assert plain_sqlite_refuses(db)
    assert leaks(tmp_path, [EXAMPLE["customer.name"], EXAMPLE["handler.id_number"], "日志里的公司"]) == []
    assert not list(tmp_path.glob("*.damaged-*")) and not list(tmp_path.glob("*.encrypting"))
    [copy] = backup.backups(db)
    assert plain_sqlite_refuses(copy) and backup.case_count(copy, keys.unlock(db)) == 1000
    assert [e.values for e in journal.read(db)] == [{"customer.name": "日志里的公司"}]
    with keyed(db) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


KILLED_MIGRATION = """
import sys
from pathlib import Path
from test_store_helpers import open_at
import desktop.store.encrypt
print("ready", flush=True)
open_at(Path(sys.argv[1])).close()
print("done", flush=True)
"""


def migrate_in_child(db: Path, kill_after: float | None) -> float:
    """Run a first start on `db` in a child process, killed `kill_after` seconds after it is ready
    (None: let it finish); returns how long it ran."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_MIGRATION, str(db)], cwd=ROOT / "tests",
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    started = time.monotonic()
    if kill_after is None:
        assert child.stdout.readline().strip() == "done"
    else:
        time.sleep(kill_after)
        child.send_signal(signal.SIGKILL)
    child.wait()
    return time.monotonic() - started


@pytest.fixture(scope="module")
def migration_time(tmp_path_factory):
    db = tmp_path_factory.mktemp("calibrate") / "drafts.sqlite"
    make_plain(db, 1000)
    return migrate_in_child(db, None)


@pytest.mark.parametrize("fraction", [0.0, 0.2, 0.4, 0.55, 0.7, 0.8, 0.9, 1.0, 1.2])
def test_a_kill_during_migration_leaves_the_plain_file_or_the_encrypted_one(
    tmp_path, fraction, migration_time
):
    db = tmp_path / "drafts.sqlite"
    rows = make_plain(db, 1000)
    migrate_in_child(db, migration_time * fraction)
    plain = not plain_sqlite_refuses(db)
    if plain:
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1000
        conn.close()
    else:
        with keyed(db) as conn:
            assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1000
    keys.forget()
    with open_at(db) as store:  # the next start finishes the job either way
        assert len(store.ids()) == 1000
        some = next(iter(rows))
        assert store.get(some).fields == json.loads(rows[some]["fields"])
    assert plain_sqlite_refuses(db)


# -- escrow and sealed case files --------------------------------------------------------------


@pytest.fixture
def hall(tmp_path):
    identity = pyrage.x25519.Identity.generate()
    path = tmp_path / "hall-identity.txt"
    path.write_text(f"# the hall's identity\n{identity}\n", encoding="utf-8")
    return str(identity.to_public()), path


def test_the_hall_recovers_a_lost_key_with_its_identity(tmp_path, hall, memory_keyring):
    recipient, identity = hall
    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        case = store.create(EXAMPLE)
        with pytest.raises(StoreError, match="age 公钥无效"):
            store.set_setting("hall.age_recipient", "age1notakey")
        store.set_setting("hall.age_recipient", recipient)
    memory_keyring.store.clear()  # the machine was reinstalled
    keys.forget()
    with pytest.raises(StoreError):
        open_at(db)
    other = tmp_path / "other-identity.txt"
    other.write_text(str(pyrage.x25519.Identity.generate()) + "\n", encoding="utf-8")
    code, _, err = run("recover-key", "--db", db, "--identity", other)
    assert code == 2 and "无法用给出的身份文件解密" in err
    code, out, _ = run("recover-key", "--db", db, "--identity", identity)
    assert code == 0 and "已恢复" in out
    keys.forget()
    with open_at(db) as store:
        assert store.get(case.id).fields == EXAMPLE


def test_escrow_is_sealed_at_start_when_the_key_file_lacks_it(tmp_path, hall):
    recipient, identity = hall
    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        store.set_setting("hall.age_recipient", recipient)
    info = keys.read_key_file(db)
    keys.write_key_file(db, keys.KeyFile(info.id, info.check, info.wrapped, None))
    with open_at(db, backups=True):
        pass
    assert escrow.is_sealed_to(db, recipient)


def test_sealed_case_files_round_trip_and_the_wrong_identity_imports_nothing(tmp_path, hall):
    recipient, identity = hall
    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        case = store.create(EXAMPLE)
        store.set_setting("hall.age_recipient", recipient)
    out = tmp_path / "out"
    assert run("export", "--db", db, "--all", "-o", out)[0] == 0
    [sealed] = out.glob("*.age")
    assert sealed.name == f"{case.id}.json.age"
    assert sorted(p.name for p in out.iterdir()) == [sealed.name, sealed.name + ".info"]
    assert leaks(out, [v for v in EXAMPLE.values() if isinstance(v, str) and len(v) > 3]) == []
    single = tmp_path / "one.json"
    assert run("export", "--db", db, "--id", case.id, "-o", single)[0] == 0
    assert not single.exists() and (tmp_path / "one.json.age").exists()

    other_db = tmp_path / "hall" / "drafts.sqlite"
    code, _, err = run("import", "--db", other_db, sealed)
    assert code == 2 and "--identity" in err
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(str(pyrage.x25519.Identity.generate()) + "\n", encoding="utf-8")
    code, _, err = run("import", "--db", other_db, sealed, "--identity", wrong)
    assert code == 2 and err.count("\n") == 1
    with open_at(other_db) as store:
        assert store.ids() == []
    assert run("import", "--db", other_db, sealed, "--identity", identity)[0] == 0
    with open_at(other_db) as store:
        assert store.get(case.id).fields == EXAMPLE


def test_without_a_recipient_case_files_stay_plain_json(tmp_path):
    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        case = store.create(EXAMPLE)
    out = tmp_path / "case.json"
    assert run("export", "--db", db, "--id", case.id, "-o", out)[0] == 0
    assert json.loads(out.read_text(encoding="utf-8"))["fields"] == EXAMPLE


def test_export_never_creates_a_drafts_file_or_a_key(tmp_path):
    with pytest.raises(NoDraftsFile):
        Store.open_for(tmp_path / "none.sqlite", SPEC, bundle=BUNDLE, edition=EDITION, create=False)
    assert list(tmp_path.iterdir()) == []


# -- the window's passphrase dialog ------------------------------------------------------------


def test_the_passphrase_dialog_refuses_a_wrong_passphrase_and_takes_the_right_one(
    qtbot, tmp_path, monkeypatch
):
    from desktop.ui.passphrase import PassphraseDialog, problem_with

    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        store.create(EXAMPLE)
    right = os.environ[keys.PASSPHRASE_ENV]  # the tests' passphrase (conftest)
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    keys.forget()
    assert keys.needs_passphrase(db)
    dialog = PassphraseDialog(creating=False)
    qtbot.addWidget(dialog)
    dialog.check = lambda text: problem_with(db, text)
    dialog.edit.setText("wrong one")
    dialog._check()
    assert dialog.problem.text() == "口令不对，请重新输入" and dialog.result() == 0
    dialog.edit.setText(right)
    dialog._check()
    assert dialog.result() == PassphraseDialog.DialogCode.Accepted
    with open_at(db) as store:
        assert store.ids()


def test_a_new_passphrase_must_be_long_enough_and_typed_twice(qtbot, tmp_path, monkeypatch):
    from desktop.ui.passphrase import PassphraseDialog

    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    keys.forget()
    assert keys.needs_passphrase(tmp_path / "drafts.sqlite")
    dialog = PassphraseDialog(creating=True)
    qtbot.addWidget(dialog)
    dialog.edit.setText("short")
    dialog._check()
    assert "至少" in dialog.problem.text()
    dialog.edit.setText("long enough 口令")
    dialog.again.setText("something else")
    dialog._check()
    assert dialog.problem.text() == "两次输入的口令不一致"
    dialog.again.setText("long enough 口令")
    dialog._check()
    assert dialog.result() == PassphraseDialog.DialogCode.Accepted


def test_a_passphrase_file_is_opened_without_asking_the_keyring(tmp_path, monkeypatch):
    """A wrapped key is never in the keyring: finding the keyring first cost every start ~0.1 s
    on a Linux desk without one."""
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        store.create(EXAMPLE)
    keys.forget()
    asked = []
    monkeypatch.setattr(keys, "keyring_backend", lambda: asked.append(1))
    assert not keys.needs_passphrase(path)  # DESK400_PASSPHRASE is set (conftest)
    with open_at(path) as store:
        assert len(store.ids()) == 1
    assert asked == []


# -- what opening a case costs ---------------------------------------------------------------


def found_without_the_disk(db: Path, store: Store, ids: list[str]) -> bool:
    """True when `store` finds every id with every page after the first destroyed on disk, so from
    its cache alone (the WAL index says nothing changed, so SQLite trusts it); the file is put back."""
    page = CURRENT.page_bytes
    intact = db.read_bytes()
    db.write_bytes(intact[:page] + b"\xa5" * (len(intact) - page))
    try:
        return all(
            store.db.execute("SELECT count(*) FROM cases WHERE id = ?", [i]).fetchone()[0] == 1 for i in ids
        )
    except sqlcipher.DatabaseError:
        return False
    finally:
        db.write_bytes(intact)


def test_warming_the_cache_keeps_the_whole_id_index_decrypted(tmp_path):
    """After `warm_cache`, finding any case by its id reads nothing from disk: every index page on
    disk is destroyed and every id is still found (the WAL index says nothing changed, so SQLite
    trusts its cache). Without the warm-up the first look-up reads a destroyed page."""
    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        ids = store.create_many({**EXAMPLE, "notes": f"第{i}号"} for i in range(3000))
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for warm in (True, False):
        with open_at(db) as store:
            if warm:
                store.warm_cache()
            assert found_without_the_disk(db, store, ids) == warm


def test_the_window_warms_its_saving_connection_and_opens_cases_on_it(qtbot, make_window, monkeypatch):
    warmed, read_on = [], []
    monkeypatch.setattr(Store, "warm_cache", lambda self: warmed.append(self))
    get = Store.get
    monkeypatch.setattr(Store, "get", lambda self, case_id: read_on.append(self) or get(self, case_id))
    window = make_window()
    writes = window.workers.writes
    qtbot.waitUntil(lambda: warmed != [] and writes.store is not None)
    assert warmed == [writes.store] and writes.store is not window.store
    first, second = window.store.create(EXAMPLE), window.store.create({**EXAMPLE, "notes": "第二个"})
    window.open_case(first.id)
    assert read_on[-1] is writes.store and window.current_case_id() == first.id
    with writes.busy:  # a save in flight there: the window does not wait for it
        window.open_case(second.id)
    assert read_on[-1] is window.store and window.current_case_id() == second.id
    saved_on = []
    save_field = Store.save_field
    monkeypatch.setattr(Store, "save_field", lambda self, *a: saved_on.append(self) or save_field(self, *a))
    type_text(field(window, "requirement", "notes"), "，已核对")  # then open another at once: a flush
    window.open_case(first.id)
    assert saved_on and set(saved_on) == {writes.store} and read_on[-1] is writes.store
    assert "，已核对" in window.store.get(second.id).fields["notes"]


def page_lookups_survive(db: Path, reader: Store, writer: Store, ids: list[str]) -> bool:
    """True when, after `reader.warm_cache()` and one save on `writer`, every id is still found on
    `reader` with every page after the first destroyed on disk (so nothing was read from it)."""
    reader.warm_cache()
    case = writer.get(ids[5])
    assert writer.save_field(case.id, "notes", case.fields["notes"] + "，改了", case.revision) > case.revision
    return found_without_the_disk(db, reader, ids)


def test_the_warm_cache_outlives_the_connections_own_saves_but_not_anothers(tmp_path):
    """Why the window opens cases on its saving thread's connection: SQLite empties a connection's
    page cache whenever another connection committed since its last read (pagerBeginReadTransaction),
    so the GUI thread's own connection would lose the warm-up at the first autosave."""
    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        ids = store.create_many({**EXAMPLE, "notes": f"第{i}号"} for i in range(3000))
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open_at(db) as saving:
        assert page_lookups_survive(db, saving, saving, ids)
    with open_at(db) as window, open_at(db) as saving:
        assert not page_lookups_survive(db, window, saving, ids)


def test_lending_the_saving_connection_never_waits_longer_than_asked(qtbot):
    import threading

    from PySide6.QtCore import QObject

    from desktop.ui.workers import StorePool

    parent = QObject()
    pool = StorePool(parent, lambda: "saving")
    assert pool.lend(lambda store: store, lambda: "gui") == "gui"  # not open yet
    pool.store = "saving"
    assert pool.lend(lambda store: store, lambda: "gui") == "saving"
    pool.busy.acquire()
    assert pool.lend(lambda store: store, lambda: "gui") == "gui"  # a job holds it: no waiting
    threading.Timer(0.02, pool.busy.release).start()  # a job just ending
    assert pool.lend(lambda store: store, lambda: "gui", wait_s=5) == "saving"
    assert pool.busy.acquire(blocking=False)  # lent and given back
    pool.busy.release()


def test_a_lent_store_is_given_back_after_a_failure_and_a_wait_is_bounded(qtbot):
    """A case that cannot be read (DamagedCase) reaches the banner as before, and the saving thread
    gets its connection back; a job that holds it past `wait_s` is not waited for."""
    import time

    from PySide6.QtCore import QObject

    from desktop.store import DamagedCase
    from desktop.ui.workers import StorePool

    parent = QObject()
    pool = StorePool(parent, lambda: "saving")
    pool.store = "saving"

    def damaged(store):
        raise DamagedCase("c1")

    with pytest.raises(DamagedCase):
        pool.lend(damaged, lambda: "gui")
    assert pool.busy.acquire(blocking=False)  # given back: the saving thread's next job can run
    started = time.monotonic()
    assert pool.lend(lambda store: store, lambda: "gui", wait_s=0.05) == "gui"  # held throughout
    assert time.monotonic() - started < 1
    pool.busy.release()
