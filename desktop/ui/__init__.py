"""The window's widgets: thin views over the domain code, wired together in desktop.app."""
