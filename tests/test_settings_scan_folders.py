"""设置's two scan folders (issue 24): 「签字扫描件文件夹」 (signed pages, taken in as they arrive
and matched by their QR) and 「证件扫描文件夹」 (card images 读取证件 reads on demand), labelled so
and explained in the dialog; one folder for both is refused with the reason, nothing lost."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QDialog, QFormLayout, QGroupBox, QLabel

from desktop.ui.papers import SCAN_FOLDER_KEY
from desktop.ui.settings_dialog import CARD_FOLDER_KEY, SAME_FOLDER, SettingsDialog, same_folder


@pytest.fixture
def dialog(qtbot, bundle):
    def make(current: dict | None = None) -> SettingsDialog:
        made = SettingsDialog(bundle.settings, current or {})
        qtbot.addWidget(made)
        made.show()
        return made

    return make


def _labels(layout: QFormLayout) -> list[str]:
    out = []
    for row in range(layout.rowCount()):
        item = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
        if item is not None and isinstance(item.widget(), QLabel):
            out.append(item.widget().text())
    return out


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_each_folder_says_what_it_is_for_and_why_there_are_two(dialog):
    made = dialog()
    assert "签字扫描件文件夹" in _labels(made.layout())
    capture = made.findChild(QGroupBox, "settings_capture")
    assert "证件扫描文件夹" in _labels(capture.layout())
    assert "自动导入" in made.scan_folder.placeholderText() and "二维码" in made.scan_folder.placeholderText()
    assert "不自动导入" in made.capture_edits[CARD_FOLDER_KEY].placeholderText()
    note = made.findChild(QLabel, "settings_scan_folders_note").text()
    assert "为什么有两个扫描文件夹" in note and "二维码" in note and "两个按钮" in note


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_one_folder_for_both_is_refused_and_nothing_typed_is_lost(dialog, tmp_path):
    scans, cards = tmp_path / "scans", tmp_path / "cards"
    scans.mkdir()
    cards.mkdir()
    made = dialog({SCAN_FOLDER_KEY: str(scans)})
    card_edit = made.capture_edits[CARD_FOLDER_KEY]
    card_edit.setText(str(tmp_path / "cards" / ".." / "scans") + os.sep)  # the same, spelled otherwise
    made.accept()
    assert made.result() != QDialog.DialogCode.Accepted and made.isVisible()
    assert made.error.text() == SAME_FOLDER and not made.error.isHidden()
    assert "证件扫描文件夹" in SAME_FOLDER and "另选" in SAME_FOLDER
    assert made.focusWidget() is card_edit and made.scan_folder.text() == str(scans)  # kept as typed

    card_edit.setText(str(cards))
    made.accept()
    assert made.result() == QDialog.DialogCode.Accepted
    values = made.values()
    assert values[SCAN_FOLDER_KEY] == str(scans) and values[CARD_FOLDER_KEY] == str(cards)


def test_same_folder(tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    link = tmp_path / "link"
    link.symlink_to(folder, target_is_directory=True)
    assert same_folder(str(folder), f" {link} ")
    assert same_folder(str(tmp_path / "missing"), str(tmp_path / "x" / ".." / "missing"))
    assert not same_folder(str(folder), str(tmp_path))
    assert not same_folder("", "") and not same_folder(str(folder), "")
