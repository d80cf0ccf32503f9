"""The window's widgets: thin views over the domain code, wired together in desktop.app."""

from __future__ import annotations

import sys

_SHIELD = 1 << 40
_SINGLETONS = (None, True, False, NotImplemented, Ellipsis)


def shield_singletons() -> None:
    """Keep None, True and False alive under PySide6 6.12 on Python < 3.12.

    Its wheels return these singletons from Qt calls without taking a reference (fine where they
    are immortal, from Python 3.12 on). On 3.11 each void or bool call drops a count by one and
    the process aborts ("deallocating None") after a few thousand calls: minutes of typing.
    A huge count makes them immortal in effect, as they are on newer Pythons.
    """
    if sys.version_info >= (3, 12):
        return
    import ctypes

    for singleton in _SINGLETONS:
        if sys.getrefcount(singleton) < _SHIELD // 2:
            ctypes.c_ssize_t.from_address(id(singleton)).value += _SHIELD


# Before any widget of ours makes a Qt call: importing the package is enough.
shield_singletons()
