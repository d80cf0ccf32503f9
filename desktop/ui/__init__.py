"""The window's widgets: thin views over the domain code, wired together in desktop.app."""

from desktop import spare_pyside_source_scan
from desktop.files.lazy import attach

spare_pyside_source_scan()  # `desk400` imports PySide6 only on its way to the window, after desktop

# Lazy submodules (desktop.files.lazy): print_path brings pdfium (~45 ms), wanted at the first print.
__getattr__, __dir__ = attach(__name__, ["print_path"])
