"""Lazy packages (PEP 562): a package's submodules load when first used, not when it is imported.

The one place start-up laziness lives. A module that needs a heavy room only on some paths
imports the package at its top (`import desktop.render`) and names the submodule where it uses
it (`desktop.render.render_pdf(...)`, `desktop.domain.case.check_field(...)`): nothing loads
until that line runs, and no import hides inside a function. napari's `lazy_loader` does the
same; this is its two functions, without a dependency.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def attach(
    package: str, submodules: Iterable[str], names: Mapping[str, str] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`: each of `submodules` on first use, and each of
    `names` (name -> submodule, or a dotted module elsewhere) from there."""
    modules = frozenset(submodules)
    homes = dict(names or {})

    def __getattr__(name: str) -> Any:  # noqa: N807 (the PEP 562 hook is called so)
        if name in modules:
            return importlib.import_module(f"{package}.{name}")
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(home if "." in home else f"{package}.{home}"), name)

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*modules, *homes})

    return __getattr__, __dir__
