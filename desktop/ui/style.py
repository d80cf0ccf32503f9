"""The window's look: the shipped CJK font registered with Qt, and one style sheet."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

# System UI fonts first; the shipped font is the fallback that makes a bare laptop show Chinese.
UI_FAMILIES = [
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
]

_registered: dict[Path, list[str]] = {}


def install_font(app: QApplication, font_path: Path) -> list[str]:
    """Register the shipped font with Qt (once per process) and make it the UI font's fallback."""
    families = _registered.get(font_path)
    if families is None:
        font_id = QFontDatabase.addApplicationFont(str(font_path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        _registered[font_path] = families
    font = QFont(app.font())
    font.setFamilies([*UI_FAMILIES, *families[:1], *font.families()])
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    return families


STYLE = """
QLineEdit, QPlainTextEdit, QSpinBox {
    border: 1px solid #a8adb3; border-radius: 3px; padding: 3px 4px; background: #ffffff;
}
QLineEdit:focus, QPlainTextEdit:focus, QSpinBox:focus { border: 1px solid #2f6fce; }
QLineEdit[severity="error"], QPlainTextEdit[severity="error"], QSpinBox[severity="error"] {
    border: 1px solid #c62828; background: #fff5f5;
}
QWidget[severity="error"] { border: 1px solid #c62828; border-radius: 3px; background: #fff5f5; }
QLineEdit[auto="true"] { color: #1f5fa8; font-style: italic; }
QLabel[kind="error"] { color: #b71c1c; }
QLabel[kind="warning"] { color: #8a5a00; }
QLabel[kind="hint"] { color: #666666; }
QLabel[kind="info"] { color: #2e6b30; }
QLabel#document_title { font-size: 15pt; font-weight: bold; padding: 2px 0 8px 0; }
QFrame#banner { border: 1px solid #d0a000; background: #fff8d6; border-radius: 3px; }
QFrame#banner[kind="error"] { border: 1px solid #c62828; background: #ffecec; }
QLabel#print_status[kind="error"] { color: #b71c1c; }
QLabel#print_status[kind="ok"] { color: #2e6b30; }
"""
