"""The window's widgets: thin views over the domain code, wired together in desktop.app.

Dialogs the window does not show at its start load when first opened: a module names them
through this package (`ui.papers_view.PapersView(...)`, desktop.files.lazy), so their Qt types
(each built by PySide6 on first use, with its enums) are not built before the first paint.
"""

from desktop import spare_pyside_source_scan
from desktop.files.lazy import attach

spare_pyside_source_scan()  # `desk400` imports PySide6 only on its way to the window, after desktop

# Lazy submodules (desktop.files.lazy): print_path brings pdfium (~45 ms), wanted at the first print.
__getattr__, __dir__ = attach(__name__, ["keys_dialog", "papers_view", "print_log", "print_path"])
