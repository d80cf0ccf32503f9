"""Single-field rules: normalise what the agent typed, say what is wrong and, where it can, the fix.

Pure functions without Qt and without module state that calls change (the caches memoise pure
look-ups). Every public function accepts any string and never raises. Rules and messages follow
docs/validation.md, which gives each rule's reason and source; messages never start with the
field's label, the caller adds it.

One module per code family: `common` (findings, results, normalising), `ids` (resident identity
numbers and divisions), `codes` (organisation and unified social credit codes), `phones`,
`postcode`, `email`, `names` (person names, free text) and `dates`. The names below are loaded
on first use (PEP 562), so printing a case, which needs none of the phone rules, never imports
phonenumbers or compiles their patterns.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "common": (
        "ERROR",
        "WARNING",
        "DIGITS",
        "Problem",
        "Result",
        "check_invisible",
        "normalise_text",
        "normalise_code",
    ),
    "ids": (
        "ID_LENGTH",
        "FIRST_GENERATION_LENGTH",
        "ID_PROVINCES",
        "id_check_char",
        "check_resident_id",
        "resident_id_birth",
        "preload_divisions",
    ),
    "codes": (
        "ORG_CODE_LENGTH",
        "org_check_char",
        "check_org_code",
        "USCC_LENGTH",
        "LEGACY_LENGTH",
        "USCC_AUTHORITIES",
        "uscc_check_char",
        "check_uscc",
        "org_code_of_uscc",
    ),
    "phones": (
        "MOBILE_LENGTH",
        "N400_LENGTH",
        "check_phone",
        "check_mobile",
        "check_fixed_line",
        "check_n400",
        "phone_identity",
        "preload_phones",
    ),
    "postcode": ("POSTCODE_LENGTH", "check_postcode"),
    "email": ("check_email",),
    "names": ("drop_spaces_near_cjk", "check_person_name", "check_text"),
    "dates": ("check_date",),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}
__all__ = [*_HOME, "preload"]

if TYPE_CHECKING:
    from desktop.domain.validation.codes import *  # noqa: F403
    from desktop.domain.validation.common import *  # noqa: F403
    from desktop.domain.validation.dates import *  # noqa: F403
    from desktop.domain.validation.email import *  # noqa: F403
    from desktop.domain.validation.ids import *  # noqa: F403
    from desktop.domain.validation.names import *  # noqa: F403
    from desktop.domain.validation.phones import *  # noqa: F403
    from desktop.domain.validation.postcode import *  # noqa: F403


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def preload() -> None:
    """Load the division table, mobile segments and phone geocoding data now (e.g. from a worker at start-up)."""
    __getattr__("preload_divisions")()
    __getattr__("preload_phones")()
