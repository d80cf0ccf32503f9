"""Shared setup for the drafts-store tests: the 400 bundle's real keys and a clock tests can move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import keyring.backend

from desktop.store import Store

BUNDLE = "400"
EDITION = "浙江 2026 版"
CST = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Spec:
    title_key: str
    search_keys: tuple[str, ...]
    mask_keys: tuple[str, ...]
    duplicate_clear_keys: tuple[str, ...]


SPEC = Spec(
    title_key="customer.name",
    search_keys=("customer.name", "number.n400", "handler.name", "customer.license_no"),
    mask_keys=("handler.id_number",),
    duplicate_clear_keys=(
        "business.categories",
        "number.*",
        "application.date",
        "application.serial",
        "notes",
        "authorization.date",
        "agreement.*",
        "commitment.other",
        "commitment.date",
    ),
)


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 28, 10, 0, 0, tzinfo=CST)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def open_at(path: Path, clock: Clock | None = None, *, backups: bool = False) -> Store:
    return Store.open_for(path, SPEC, bundle=BUNDLE, edition=EDITION, clock=clock or Clock(), backups=backups)


EXAMPLE = {
    "customer.name": "杭州云栖数智科技有限公司",
    "customer.license_no": "91330100MA2H3KX74D",
    "customer.address": "浙江省杭州市西湖区文三路 478 号华星时代广场 A 座 1203 室",
    "contact.name": "李敏",
    "contact.phone": "0571-88223344",
    "handler.name": "王霄",
    "handler.id_number": "610113198402242115",
    "handler.mobile": "13825265634",
    "application.date": "2026-11-28",
    "application.serial": "HZ-2026-1128-017",
    "business.categories": ["open"],
    "number.n400": "4009030005",
    "number.small": "057181726504",
    "number.destinations": ["057181726504", "13825265634"],
    "notes": "工作日 9:00-18:00 接听，节假日转手机。",
    "authorization.date": "2026-11-28",
    "agreement.scope": "national",
    "agreement.usage": ["hotline", "marketing"],
    "agreement.term_years": 2,
    "commitment.signer": "王霄",
    "commitment.other": "",
    "commitment.date": "2026-11-28",
}


def keyed(path: Path, **options: object):
    """A connection to an encrypted drafts file (or backup) with its key: what tests use where they
    used plain sqlite3 to look inside or to hold a lock."""
    from desktop.store import keys
    from desktop.store.connection import connect

    drafts = path
    if path.parent.name.endswith(".backups"):
        drafts = path.parent.with_name(path.parent.name.removesuffix(".backups"))
    return connect(path, key=keys.unlock(drafts), **options)  # type: ignore[arg-type]


def keyed_db(path: Path):
    from sqlite_utils import Database

    return Database(keyed(path))


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory OS keyring, never the machine's: `store` maps (service, user) to secret."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)
