"""The window's size and place, kept between starts (issue 23: it always came back 1280 × 700).

Kept with QSettings in an INI file in the user's data folder, not in the drafts file: a drafts
file on a hall share is opened from desks with different screens, and the place is needed before
the drafts file opens (after the first paint), so that the window does not jump.

A saved place on a screen that is gone (the laptop left its docking station) is not restored
as it is: Qt's restoreGeometry keeps the window on some screen only when its title bar is on
one, so the window must show at least MIN_SHOWN on a screen's available area, or it takes
the default size centred on the primary screen.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from desktop.files import paths

DEFAULT_SIZE = QSize(1280, 700)
MIN_SHOWN = QSize(200, 100)  # px of the window a screen must show for the saved place to count
KEY = "main_window/geometry"


def _settings() -> QSettings:
    return QSettings(str(paths.data_dir() / "window.ini"), QSettings.Format.IniFormat)


def save(window: QWidget) -> None:
    """Remember where `window` is (maximised or not: saveGeometry keeps both)."""
    settings = _settings()
    settings.setValue(KEY, window.saveGeometry())
    settings.sync()


def restore(window: QWidget) -> None:
    """Put `window` where it was last closed, if that is on a screen now; else the default."""
    saved = _settings().value(KEY)
    if isinstance(saved, QByteArray) and not saved.isEmpty() and window.restoreGeometry(saved):
        if on_a_screen(window.frameGeometry()):
            return
    window.resize(DEFAULT_SIZE)
    screen = QGuiApplication.primaryScreen()
    if screen is not None:
        area = screen.availableGeometry()
        size = DEFAULT_SIZE.boundedTo(area.size())
        window.resize(size)
        window.move(area.center() - QRect(0, 0, size.width(), size.height()).center())


def on_a_screen(frame: QRect) -> bool:
    """Whether some screen's available area shows at least MIN_SHOWN of `frame`."""
    for screen in QGuiApplication.screens():
        seen = screen.availableGeometry().intersected(frame)
        if seen.width() >= MIN_SHOWN.width() and seen.height() >= MIN_SHOWN.height():
            return True
    return False
