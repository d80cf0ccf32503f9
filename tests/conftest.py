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
