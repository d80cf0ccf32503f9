"""desk400: fill, check, keep and print the 400-number application bundle."""

from __future__ import annotations

import sys
from types import ModuleType


def version() -> str:
    """The version in pyproject.toml (shipped beside forms/ in the frozen app too): one source of truth."""
    import tomllib

    from desktop.files import paths

    with (paths.root() / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def _holds_pyside(module: ModuleType) -> bool:
    """Whether `module`'s namespace holds a PySide6 module or class: what PySide6 learns by reading
    the source for the word "PySide6", learnt from what the module imported instead."""
    try:
        for value in vars(module).values():
            name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
            if isinstance(name, str) and name.startswith("PySide6"):
                return True
    except Exception:  # an odd object (a lazy proxy) must not break the import it runs inside
        return False
    return False


def spare_pyside_source_scan() -> None:
    """Once PySide6 is imported it hooks `__import__` and, the first time any module is named by an
    import statement, reads that module's whole source (inspect.getsource) to see whether it uses
    PySide6, for its opt-in `from __feature__ import snake_case` (which desk400 never uses). That
    read cost the window's start-up ~12 ms (typing, pathlib, dataclasses and every desktop module;
    napari measured the same tax, napari/napari#8584). The answer only decides whether Qt calls made from the module switch feature sets; it is given
    here from the module's namespace instead, without reading a file. No-op without PySide6, and
    when a PySide6 release no longer has the hook."""
    feature = sys.modules.get("PySide6.support.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = _holds_pyside


spare_pyside_source_scan()  # the window's process imports PySide6 first (tests, benchmarks, scripts)
