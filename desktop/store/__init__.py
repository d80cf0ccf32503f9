"""The drafts store: every case the agent has on this machine, in one SQLite file.

`models` holds what it hands out and raises, `schema` the migrations, `connection` the one place
connections are made (and what happens to a damaged or foreign file first), `handover` the pure
import decision, `imports` carrying it out, `rows` reading and building a case's row, `audit`
and `settings` their tables, `lists` the list and search queries, `retention` purging, and
`store` the `Store` class. Open one with `Store.open_for(db_path, spec, bundle=..., edition=...)`.
"""

from desktop.files.casefile import Value, is_empty
from desktop.store import escrow, keys
from desktop.store.handover import digest, same_content
from desktop.store.models import (
    BIN_DAYS,
    BUSY_TIMEOUT_MS,
    DAMAGED_TITLE,
    DEFAULT_SETTINGS,
    EVENTS,
    FINISHED,
    PAGE_SIZE,
    STATUSES,
    AuditEvent,
    Case,
    CaseDeleted,
    CaseNotFound,
    CaseSummary,
    Conflict,
    DamagedCase,
    DamagedFile,
    DiskFull,
    DraftsSpec,
    ImportClash,
    ImportConflict,
    ImportReport,
    NewerStoreError,
    NoDraftsFile,
    NotDraftsFile,
    Page,
    PurgeReport,
    StoreBusy,
    StoreError,
)
from desktop.store.schema import APPLICATION_ID, MIGRATION_SET, migrations
from desktop.store.store import Clock, Store, iso, local_now
from desktop.store.text import mask

__all__ = [
    "APPLICATION_ID",
    "BIN_DAYS",
    "BUSY_TIMEOUT_MS",
    "DAMAGED_TITLE",
    "DEFAULT_SETTINGS",
    "EVENTS",
    "FINISHED",
    "MIGRATION_SET",
    "PAGE_SIZE",
    "STATUSES",
    "AuditEvent",
    "Case",
    "CaseDeleted",
    "CaseNotFound",
    "CaseSummary",
    "Clock",
    "Conflict",
    "DamagedCase",
    "DamagedFile",
    "DiskFull",
    "DraftsSpec",
    "ImportClash",
    "ImportConflict",
    "ImportReport",
    "NewerStoreError",
    "NoDraftsFile",
    "NotDraftsFile",
    "Page",
    "PurgeReport",
    "Store",
    "StoreBusy",
    "StoreError",
    "Value",
    "digest",
    "escrow",
    "keys",
    "is_empty",
    "iso",
    "local_now",
    "mask",
    "migrations",
    "same_content",
]
