"""Issue 23 item 10: Qt's dialogs fully Chinese, including the spellings PySide6 6.11 asks for
that its qtbase_zh_CN.qm lacks (`&Look in:`, `Files of &type:`, `Page &Set:`)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop.ui import translations


def test_the_missing_mnemonic_spellings_are_chinese(qapp):
    assert translations.install(qapp)
    tr = QCoreApplication.translate
    assert tr("QFileDialog", "&Look in:") == "查找范围(&L)："
    assert tr("QFileDialog", "Files of &type:").startswith("文件类型") and "(&T)" in tr(
        "QFileDialog", "Files of &type:"
    )
    assert "(&S)" in tr("QPrintSettingsOutput", "Page &Set:") and "Page" not in tr(
        "QPrintSettingsOutput", "Page &Set:"
    )
    # What the catalogue has is its own answer, untouched; what nobody knows stays untranslated.
    assert tr("QFileDialog", "File &name:") == "文件名称(&N)："
    assert tr("QFileDialog", "&Nonsense:") == "&Nonsense:"


def test_the_save_dialog_shows_no_english_label(qapp, qtbot):
    from PySide6.QtWidgets import QFileDialog, QLabel

    translations.install(qapp)
    dialog = QFileDialog(None, "另存为 PDF")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    import re

    english = [t for t in texts if re.search("[A-Za-z]", re.sub(r"\(&[A-Z]\)", "", t))]
    assert texts and not english, english
