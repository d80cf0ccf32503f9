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
    from desktop.forms import default_bundle

    return default_bundle()


@pytest.fixture
def example_values():
    """The example case's fields (examples/example-case.json)."""
    import json

    doc = json.loads((ROOT / "examples" / "example-case.json").read_text(encoding="utf-8"))
    return doc["fields"]
