"""Qt's own Chinese: the file and print dialogs, standard buttons (确定, 取消), context menus.

PySide6 ships `qtbase_zh_CN.qm`; the frozen app carries it too (build.spec). Loaded once per
application, before the first dialog; without it an agent meets "Look in", "File name", "Save".
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

_installed: dict[int, QTranslator] = {}


class MnemonicFallback(QTranslator):
    """Qt's own catalogue, asked again without the mnemonic when a spelling is missing.

    Where Qt is wrong: PySide6 6.11's dialogs ask for `&Look in:`, `Files of &type:` (QFileDialog)
    and `Page &Set:` (QPrintSettingsOutput), while the `qtbase_zh_CN.qm` it ships has only
    `Look in:`, `Files of type:`, `Page Set:`, so those labels showed in English. Installed after
    the catalogue (so asked first), this returns the catalogue's answer when it has one, else its
    answer for the text without `&`, with the mnemonic kept as Chinese UIs write it: 查找范围(&L)：.
    """

    def __init__(self, base: QTranslator, parent: QCoreApplication) -> None:
        super().__init__(parent)
        self.base = base

    def translate(  # noqa: N802 (Qt API)
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        """None (a null QString) when there is nothing to say: Qt takes an empty string for a
        translation and would show a blank label."""
        found = self.base.translate(context, source, disambiguation, n)
        if found or "&" not in source:
            return found or None
        at = source.find("&")
        letter = source[at + 1 : at + 2]
        plain = self.base.translate(context, source.replace("&", "", 1), disambiguation, n)
        if not plain or not letter.isalnum():
            return None
        colon = plain[-1] if plain[-1:] in "：:" else ""
        head = plain[: len(plain) - len(colon)]
        return f"{head}(&{letter.upper()}){colon}"

    def isEmpty(self) -> bool:  # noqa: N802 (Qt API)
        return False


def install(app: QCoreApplication) -> bool:
    """Load Qt's zh_CN translations into `app` (once); False when the file is missing."""
    if id(app) in _installed:
        return True
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder):
        return False
    app.installTranslator(translator)
    fallback = MnemonicFallback(translator, app)
    app.installTranslator(fallback)  # installed last: asked first
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    _installed[id(app)] = fallback
    return True
