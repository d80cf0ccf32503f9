"""The window's widgets: thin views over the domain code, wired together in desktop.app."""

from desktop import spare_pyside_source_scan

spare_pyside_source_scan()  # `desk400` imports PySide6 only on its way to the window, after desktop
