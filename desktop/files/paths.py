"""Where the app finds its data files and keeps the user's drafts.

Every file access for forms/ and resources/ goes through here so that a checkout, an editable
install and the frozen (PyInstaller) app all find them the same way.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "desk400"


def root() -> Path:
    """The folder holding forms/ and resources/: the bundle folder when frozen, else the checkout."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parents[2]


def forms_dir() -> Path:
    return root() / "forms"


def resources_dir() -> Path:
    return root() / "resources"


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def print_font() -> Path:
    """The TrueType CJK font every document is printed with (and Qt shows Chinese with)."""
    return fonts_dir() / "uming.ttc"


def data_dir() -> Path:
    """The user's data folder (created 0700): drafts and backups hold personal data."""
    override = os.environ.get("DESK400_DATA_DIR")
    if override:
        path = Path(override)
    else:
        from platformdirs import user_data_dir  # noqa: PLC0415 (not needed when DESK400_DATA_DIR is set)

        path = Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def default_db() -> Path:
    return data_dir() / "drafts.sqlite"


def is_drafts_companion(drafts: Path, target: Path) -> bool:
    """Whether writing `target` would overwrite the drafts file or a file it lives by: its key, WAL,
    shared memory and journal, its backups and damaged copies (all named after it, beside it). An
    output given as one of them (`handover -o drafts.sqlite`) replaced every draft with a PDF."""
    drafts, target = Path(os.path.abspath(drafts)), Path(os.path.abspath(target))
    try:
        if os.path.samefile(drafts, target):  # a link, a hard link, another case of the name
            return True
    except OSError:
        pass  # one of them does not exist yet
    name = os.path.normcase(drafts.name)
    for part in (target, *target.parents):
        if os.path.normcase(str(part.parent)) != os.path.normcase(str(drafts.parent)):
            continue
        own = os.path.normcase(part.name)
        if own == name or own.startswith((name + ".", name + "-")):
            return True
    return False
