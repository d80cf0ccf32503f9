"""`desk400 self-test` runs every step on a temporary drafts file and says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_self_test_passes_offscreen(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESK400_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "-m", "desktop", "self-test"], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line[:2] for line in lines[:6]] == ["通过"] * 6
    assert "证件识别" in lines[5]  # the built-in sample licence, read offline
    assert lines[-1] == "self-test: 6 passed, 0 failed"
    assert not (tmp_path / "data" / "drafts.sqlite").exists()  # never touches the real drafts file
