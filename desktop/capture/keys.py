"""Which key each value read from a card takes: the bundle's forms/<bundle>/capture.toml.

desktop/capture reads roles (a licence's name, code, address; an ID card's name, number …); the
bundle says which of its fields each fills, so no field key of a bundle is written in code (the
forms carry them all) and another edition can route them elsewhere.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from desktop.capture.record import CardRead
from desktop.domain.forms import default_bundle

ROLES = {
    "licence": ("name", "license_no", "address", "legal_rep"),
    "id": ("name", "id_number", "address", "issuer", "valid_from", "valid_to"),
}


class CardKeysError(Exception):
    """capture.toml is missing or wrong; the message names the file and the entry."""


@lru_cache(maxsize=4)
def card_keys(folder: Path) -> Mapping[str, Mapping[str, str]]:
    """{kind: {role: key}} from `folder`/capture.toml, every role of every kind given once."""
    path = folder / "capture.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CardKeysError(f"{path}：无法读取（{type(exc).__name__}），请重新安装 desk400") from None
    out = {}
    for kind, roles in ROLES.items():
        table = data.get(kind)
        if (
            not isinstance(table, dict)
            or set(table) != set(roles)
            or not all(isinstance(v, str) for v in table.values())
        ):
            raise CardKeysError(f"{path}：[{kind}] 应恰好给出 {', '.join(roles)} 各一个键名")
        out[kind] = dict(table)
    return out


def default_card_keys() -> Mapping[str, Mapping[str, str]]:
    return card_keys(default_bundle().folder)


def keyed(read: CardRead, keys: Mapping[str, str]) -> CardRead:
    """The read with its roles renamed to the bundle's keys (the order kept)."""
    return replace(
        read,
        fields={keys[role]: f for role, f in read.fields.items()},
        missing=[keys[role] for role in read.missing],
        unrepairable=[keys[role] for role in read.unrepairable],
    )
