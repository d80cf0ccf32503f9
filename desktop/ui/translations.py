"""Qt's own Chinese: the file and print dialogs, standard buttons (确定, 取消), context menus.

PySide6 ships `qtbase_zh_CN.qm`; the frozen app carries it too (build.spec). Loaded once per
application, before the first dialog; without it an agent meets "Look in", "File name", "Save".
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

_installed: dict[int, QTranslator] = {}


def install(app: QCoreApplication) -> bool:
    """Load Qt's zh_CN translations into `app` (once); False when the file is missing."""
    if id(app) in _installed:
        return True
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder):
        return False
    app.installTranslator(translator)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    _installed[id(app)] = translator
    return True
