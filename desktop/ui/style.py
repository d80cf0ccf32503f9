"""The window's look: the shipped CJK font registered with Qt, and colours by palette.

No window-wide style sheet: polishing every widget through one costs tens of milliseconds at
start and on every state change. Only a field in error gets a (one-widget) style sheet for its
red frame; labels and the banner are coloured through their palettes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# System UI fonts first; the shipped font is the fallback that makes a bare laptop show Chinese.
UI_FAMILIES = [
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
]

TEXT_COLOURS = {
    "error": "#b71c1c",
    "warning": "#8a5a00",
    "hint": "#5f6368",
    "info": "#2e6b30",
    "ok": "#2e6b30",
    "auto": "#7a7a7a",  # a value the agent did not type: grey, with where it came from
}
BANNER_COLOURS = {"info": ("#fff8d6", "#d0a000"), "error": ("#ffecec", "#c62828")}
ERROR_GROUND = "#ffe3e3"
FOCUS_FRAME = "border: 2px solid #1f5fa8; border-radius: 3px;"
ERROR_FRAME = "border: 1px solid #c62828; border-radius: 3px; background: #fff5f5; padding: 2px 3px;"

_registered: dict[Path, list[str]] = {}


def install_font(app: QApplication, font_path: Path) -> list[str]:
    """Register the shipped font with Qt (once per process) and make it the UI font's fallback."""
    families = _registered.get(font_path)
    if families is None:
        font_id = QFontDatabase.addApplicationFont(str(font_path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        _registered[font_path] = families
    font = QFont(app.font())
    if families and families[0] not in font.families():
        font.setFamilies([*UI_FAMILIES, families[0], *font.families()])
        if font.pointSizeF() < 10:
            font.setPointSizeF(10)
        app.setFont(font)
    return families


def set_text_colour(widget: QWidget, kind: str) -> None:
    """Colour a label's text for its kind ("" for the default)."""
    palette = widget.palette()
    colour = TEXT_COLOURS.get(kind)
    default = QApplication.palette(widget).color(QPalette.ColorRole.WindowText)
    palette.setColor(QPalette.ColorRole.WindowText, QColor(colour) if colour else default)
    palette.setColor(QPalette.ColorRole.Text, QColor(colour) if colour else default)
    widget.setPalette(palette)


def set_error_frame(widget: QWidget, on: bool, selector: str) -> None:
    """A red frame and a pale red ground on one input (`selector` names its class)."""
    widget.setStyleSheet(f"{selector} {{ {ERROR_FRAME} }}" if on else "")


def paint_banner(widget: QWidget, kind: str) -> None:
    ground, _edge = BANNER_COLOURS.get(kind, BANNER_COLOURS["info"])
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(ground))
    widget.setPalette(palette)
    widget.setAutoFillBackground(True)


def bold(widget: QWidget, point_delta: float = 0) -> None:
    font = QFont(widget.font())
    font.setBold(True)
    if point_delta:
        font.setPointSizeF(font.pointSizeF() + point_delta)
    widget.setFont(font)
