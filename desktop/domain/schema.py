"""Strict reading of the form files: every table is checked against the keys it may have.

A typo in forms/ must stop the app with a message naming the file and the entry, not silently
drop a field from a printed contract.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)\}")


class FormError(ValueError):
    """A form file that is wrong; the message names the file and the entry."""


def load_toml(path: Path) -> dict[str, Any]:
    import tomllib  # noqa: PLC0415 (with the bundle in the disk cache no form file is read)

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise FormError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib refuses duplicate keys and tables here, with the line in the message.
        raise FormError(f"{path}: {exc}") from None


def take(
    table: Any,
    where: str,
    *,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
) -> dict[str, Any]:
    """Return `table` as a dict after refusing unknown and missing keys; `where` names file and entry."""
    if not isinstance(table, Mapping):
        raise FormError(f"{where}: expected a table, got {type(table).__name__}")
    required = tuple(required)
    allowed = set(required) | set(optional)
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise FormError(
            f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
        )
    missing = [k for k in required if k not in table]
    if missing:
        raise FormError(f"{where}: missing key(s) {', '.join(missing)}")
    return dict(table)


def expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """Refuse a value of the wrong TOML type (bool is not an int here)."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise FormError(f"{where}: expected {'/'.join(k.__name__ for k in kinds)}, got bool")
    if not isinstance(value, kinds):
        raise FormError(
            f"{where}: expected {'/'.join(k.__name__ for k in kinds)}, got {type(value).__name__}"
        )
    return value


def str_list(value: Any, where: str) -> tuple[str, ...]:
    expect(value, list, where)
    for i, item in enumerate(value):
        expect(item, str, f"{where}[{i}]")
    return tuple(value)


def placeholders(text: str) -> list[str]:
    """The `{key}` references in a text, in order."""
    return PLACEHOLDER.findall(text)
