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
