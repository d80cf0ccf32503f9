"""The application object made ready before anything is shown: the bundled CJK font registered
with Qt and Qt's Chinese catalogues loaded, so the very first dialog (the passphrase, on a PC
without a keyring; the first-start 营业厅设置) reads in Chinese, not empty boxes.

Issue 23: on a PC without Chinese fonts (only DejaVu) the passphrase dialog, shown before the
main window registered the font, was all boxes, and it is the one that warns a forgotten
passphrase loses the drafts. `desk400 self-test` checks the first dialog's text (covered).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

from desktop.files import paths


def prepare(app: QApplication) -> list[str]:
    """Register the bundled font (the UI font's fallback) and Qt's Chinese; the font's families."""
    from desktop.ui import translations
    from desktop.ui.style import install_font

    families = install_font(app, paths.print_font())
    translations.install(app)
    return families


def texts_of(widget: QWidget) -> list[str]:
    """Every text a dialog shows: its title, labels, buttons and input hints."""
    found = [widget.windowTitle()]
    for child in widget.findChildren(QWidget):
        if isinstance(child, QLabel):
            found.append(child.text())
        elif isinstance(child, QAbstractButton):
            found.append(child.text())
        elif isinstance(child, QLineEdit):
            found.append(child.placeholderText())
    return [t for t in found if t]


def uncovered(texts: Iterable[str], coverage: frozenset[int]) -> str:
    """The characters of `texts` the font does not draw (spaces and controls aside), each once."""
    return "".join(dict.fromkeys(c for t in texts for c in t if not c.isspace() and ord(c) not in coverage))


def first_dialog_check(app: QApplication) -> str:
    """Build the first dialog an agent can meet (the passphrase dialog for a new drafts file) the
    way `run` does, and say which font draws its text; raises RuntimeError when some of it would be
    boxes (the bundled font missing from the UI font, or a character it lacks)."""
    from desktop.render.glyphs import load_coverage
    from desktop.ui.passphrase import PassphraseDialog

    families = prepare(app)
    if not families:
        raise RuntimeError(f"无法向 Qt 注册自带字体 {paths.print_font().name}，中文会显示成方框")
    dialog = PassphraseDialog(creating=True)
    try:
        if families[0] not in dialog.font().families():
            raise RuntimeError(f"对话框的字体没有用上自带字体 {families[0]}")
        texts = texts_of(dialog)
        missing = uncovered(texts, load_coverage(paths.print_font()))
    finally:
        dialog.deleteLater()
    if missing:
        raise RuntimeError(f"首个对话框有字无法显示：{missing}")
    chars = sum(len(t) for t in texts)
    return f"「{dialog.windowTitle()}」{chars} 个字均由 {families[0]} 显示"
