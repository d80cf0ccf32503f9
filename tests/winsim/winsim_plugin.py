"""pytest plugin of the Windows-semantics layer (see sitecustomize.py beside it): (e) every SQLite
URI the code builds names its file as a UNC path through `PureWindowsPath`.

A Linux path `/tmp/a/b.sqlite` read as the UNC path `\\\\tmp\\a\\b.sqlite` (host `tmp`, share
`a`) becomes the URI `file:////tmp/a/b.sqlite`, which Linux's SQLite opens as `//tmp/a/b.sqlite`,
the same file: so every store test runs with the URIs a drafts file on `\\\\nas\\share` gets, and
a URI SQLite refuses (`file://tmp/…`, "invalid uri authority") fails them. Only this process's
URIs: child processes the tests start keep their own.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath, PureWindowsPath

import pytest


def unc_shaped(path: str | os.PathLike[str]) -> PureWindowsPath:
    """`/host/share/rest` as the UNC path `\\\\host\\share\\rest`."""
    parts = Path(path).resolve().parts[1:]
    if len(parts) < 2:
        raise ValueError(f"{path}: too short to read as \\\\host\\share")
    return PureWindowsPath("\\\\" + "\\".join(parts))


@pytest.fixture(autouse=True)
def _unc_uris(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        from desktop.files import platform
    except ImportError:  # a tree from before desktop/files/platform.py (checking a test fails there)
        return
    native = platform.uri_path

    def as_unc(path: str | os.PathLike[str]) -> PurePath:
        return native(path) if isinstance(path, PureWindowsPath) else unc_shaped(path)

    monkeypatch.setattr(platform, "uri_path", as_unc)
