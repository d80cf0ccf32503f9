"""The drafts store: every case the agent has on this machine, in one SQLite file.

`models` holds what it hands out and raises, `schema` the migrations, `connection` the one place
connections are made (and what happens to a damaged or foreign file first), `handover` the pure
import decision, `imports` carrying it out, `rows` reading and building a case's row, `audit`
and `settings` their tables, `lists` the list and search queries, `retention` purging, and
`store` the `Store` class, `sqlite` the raw connection, `describe` any error in the agent's
words. Open one with `Store.open_for(db_path, spec, bundle=..., edition=...)`.

Loading is lazy (PEP 562): `import desktop.store` costs nothing; a name is loaded from its module
the first time it is used, so the window paints before SQLCipher and sqlite-utils load, and no
module needs an import inside a function to stay light. The errors are in `desktop.store.errors`
(which imports nothing: the window's parts name them before its first paint) and, with the
models, in `desktop.store.models`, which loads neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.files.lazy import attach

# name -> module it lives in (a bare name is a module of this package)
_HOME: dict[str, str] = {
    "APPLICATION_ID": "schema",
    "AuditEvent": "models",
    "BIN_DAYS": "models",
    "BUSY_TIMEOUT_MS": "models",
    "Case": "models",
    "CaseDeleted": "errors",
    "CaseNotFound": "errors",
    "CaseSummary": "models",
    "Clock": "store",
    "Conflict": "errors",
    "DAMAGED_TITLE": "models",
    "DEFAULT_SETTINGS": "models",
    "DamagedCase": "errors",
    "DamagedFile": "errors",
    "DiskFull": "errors",
    "DraftsSpec": "models",
    "EVENTS": "models",
    "FINISHED": "models",
    "ImportClash": "models",
    "ImportConflict": "models",
    "ImportReport": "models",
    "MIGRATION_SET": "schema",
    "NewerStoreError": "errors",
    "NoDraftsFile": "errors",
    "NotDraftsFile": "errors",
    "PAGE_SIZE": "models",
    "Page": "models",
    "PurgeReport": "models",
    "STATUSES": "models",
    "Store": "store",
    "StoreBusy": "errors",
    "StoreError": "errors",
    "Value": "desktop.files.casefile",
    "digest": "handover",
    "is_empty": "desktop.files.casefile",
    "iso": "store",
    "local_now": "store",
    "mask": "text",
    "migrations": "schema",
    "same_content": "handover",
}
_SUBMODULES = ({"audit", "backup", "bases", "changes", "cipher", "connection", "describe", "encrypt", "errors",
                 "escrow",
                         "handover", "images", "imports", "journal", "keys", "lists", "models", "numbers", "retention",
                         "rows", "scans", "schema", "settings", "sqlite", "store", "text"})  # fmt: skip

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


__getattr__, __dir__ = attach(__name__, _SUBMODULES, _HOME)


if TYPE_CHECKING:  # for type checkers and readers: what the names above are
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
