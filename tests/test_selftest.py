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
    assert lines[-1] == "self-test: 6 passed, 0 failed"
    assert not (tmp_path / "data" / "drafts.sqlite").exists()  # never touches the real drafts file


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def test_the_first_dialog_reads_with_only_dejavu_installed(tmp_path):
    """Issue 23 item 1: fontconfig sees DejaVu alone (no CJK font on the PC); the self-test's step
    builds the first dialog as the app starts and finds every character drawn by a known font."""
    import pytest

    if not DEJAVU.is_dir():
        pytest.skip("DejaVu is not installed here")
    conf = tmp_path / "fonts.conf"
    cache = tmp_path / "fc-cache"
    conf.write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><dir>{DEJAVU}</dir><cachedir>{cache}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESK400_DATA_DIR=str(tmp_path / "data"),
               FONTCONFIG_FILE=str(conf))  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "desktop", "self-test"], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (line,) = [x for x in result.stdout.splitlines() if "首个对话框的字体" in x]
    assert line.startswith("通过") and "草稿文件口令" in line


def test_the_app_is_prepared_before_the_first_dialog(qapp):
    """`run` prepares the application (font, Chinese) before the passphrase dialog: a dialog built
    right after has the bundled font among its families."""
    from desktop.ui.first_font import prepare
    from desktop.ui.passphrase import PassphraseDialog

    families = prepare(qapp)
    assert families
    dialog = PassphraseDialog(creating=True)
    assert families[0] in dialog.font().families()
    dialog.deleteLater()


def test_the_passphrase_refusal_is_red(qapp):
    """Issue 23 item 12: 「口令不对」 and the other refusals are in the error colour, not black."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.ui.passphrase import PassphraseDialog
    from desktop.ui.style import TEXT_COLOURS

    dialog = PassphraseDialog(creating=True)
    dialog.edit.setText("short")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.problem.text() == "口令至少 8 位"
    colour = dialog.problem.palette().color(QPalette.ColorRole.WindowText).name()
    assert colour == TEXT_COLOURS["error"].lower()
    dialog.deleteLater()
