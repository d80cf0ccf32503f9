"""Shared fixtures: every test gets its own data folder, and Qt runs offscreen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _data_dir(tmp_path_factory, monkeypatch):
    """Point the user's data folder at a temp dir so no test touches real drafts."""
    monkeypatch.setenv("DESK400_DATA_DIR", str(tmp_path_factory.mktemp("data")))


PASSPHRASE = "test passphrase 口令"


def _no_keyring() -> None:
    """Every drafts file is encrypted, and no test may use the machine's real keyring: each test
    (and module fixture, and child process) runs without one and keys its drafts with
    DESK400_PASSPHRASE. The passphrase's scrypt cost is lowered for files tests create (the cost
    is kept in the key file, so child processes read it back); keyring tests set an in-memory one."""
    import keyring
    from keyring.backends import fail

    from desktop.store import keys

    os.environ[keys.PASSPHRASE_ENV] = PASSPHRASE
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    keys.KDF_N = 2**10
    keyring.set_keyring(fail.Keyring())
    keys.forget()


_no_keyring()


@pytest.fixture(autouse=True)
def _drafts_key():
    _no_keyring()
    yield
    _no_keyring()


@pytest.fixture(scope="session")
def bundle():
    from desktop.domain.forms import default_bundle

    return default_bundle()


@pytest.fixture
def example_values():
    """The example case's fields (examples/example-case.json)."""
    import json

    doc = json.loads((ROOT / "examples" / "example-case.json").read_text(encoding="utf-8"))
    return doc["fields"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """This test's drafts file (not created until something opens it)."""
    return tmp_path / "drafts.sqlite"


@pytest.fixture
def make_window(qtbot, db):
    """Open the real window the way an agent's laptop does (1366 px wide, `height` tall) on `path`
    (this test's drafts file by default), shown and ready for typing."""

    def make(path: Path | None = None, *, height: int = 768, **options):
        from desktop.app import MainWindow

        window = MainWindow(path or db, **options)
        qtbot.addWidget(window)
        window.resize(1366, height)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.is_ready)
        return window

    return make


@pytest.fixture
def clock():
    """A clock the test moves by hand (see test_store_helpers.Clock)."""
    from test_store_helpers import Clock

    return Clock()


@pytest.fixture
def store(db, clock):
    """A fresh drafts store on this test's drafts file, timed by `clock`."""
    from test_store_helpers import open_at

    with open_at(db, clock) as opened:
        yield opened


@pytest.fixture
def memory_keyring():
    """An in-memory OS keyring, never the machine's: its `store` maps (service, user) to secret.
    `_drafts_key` puts the failing one back after the test."""
    import keyring
    from test_store_helpers import MemoryKeyring

    from desktop.store import keys

    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    keys.forget()
    return ring


# Tests of what only POSIX systems have, skipped on Windows (the hosted job,
# .github/workflows/windows-macos.yml): file modes beyond read-only, FIFOs, device nodes, links
# without administrator rights, SIGKILL. Device files exist as such only on Linux (macOS has no
# /dev/full). Listed here rather than marked in each file: one place says what Windows cannot test.
POSIX_ONLY = {
    "test_safefile.py::test_write_creates_replaces_and_leaves_no_temporary": "file modes (0600)",
    "test_safefile.py::test_read_regular_refuses_a_fifo_without_blocking": "FIFOs",
    "test_store.py::test_new_file_is_private_in_a_private_folder_with_wal_and_busy_timeout": "file modes",
    "test_store.py::test_existing_file_with_loose_permissions_is_tightened": "file modes",
    "test_store_files.py::test_a_new_drafts_file_is_marked_and_private": "file modes",
    "test_transfer.py::test_example_case_round_trip_keeps_every_value": "file modes (0600)",
    "test_ui_truth.py::test_edits_that_cannot_be_saved_at_close_go_to_the_journal_and_come_back": "file modes",
    "test_hostile_files.py::test_a_fifo_as_the_case_file_exits_2_at_once": "FIFOs",
    "test_hostile_files.py::test_render_never_writes_through_a_planted_temporary_link": "symbolic links",
    "test_hostile_files.py::test_render_refuses_a_link_folder_or_fifo_as_output": "symbolic links, FIFOs",
    "test_hostile_files.py::test_export_refuses_a_link_as_output": "symbolic links",
    "test_hostile_files.py::test_export_all_refuses_a_planted_link_in_the_folder": "symbolic links",
    "test_casefile.py::test_write_refuses_a_link": "symbolic links",
    "test_store_faults.py::test_a_writer_killed_a_hundred_times_loses_no_acknowledged_save": "SIGKILL",
    "test_store_concurrency.py::test_sigkill_in_a_burst_of_saves_keeps_every_committed_change": "SIGKILL",
    "test_crypto.py::test_a_kill_during_migration_leaves_the_plain_file_or_the_encrypted_one": "SIGKILL",
}
LINUX_ONLY = {
    "test_safefile.py::test_a_device_is_never_an_output": "/dev/full",
    "test_hostile_files.py::test_a_device_as_the_case_file_is_refused": "device files",
    "test_hostile_files.py::test_render_never_replaces_a_device_node": "device nodes (mknod)",
}


def pytest_collection_modifyitems(config, items):
    import sys

    for item in items:
        name = f"{item.path.name}::{item.originalname}"
        if os.name != "posix" and name in POSIX_ONLY:
            item.add_marker(pytest.mark.skip(reason=f"POSIX only: {POSIX_ONLY[name]}"))
        elif not sys.platform.startswith("linux") and name in LINUX_ONLY:
            item.add_marker(pytest.mark.skip(reason=f"Linux only: {LINUX_ONLY[name]}"))
