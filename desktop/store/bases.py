"""The values this drafts file handed over for each case: the bases version-2 case files name.

Every export and import records the values that crossed (with the revision the file gives them and
the drafts revision of the case then), so a file that comes back naming one of them as its base can
be merged field by field. A few per case are kept, not only the last: a case that went out twice
still merges with a laptop holding the first copy. The table's rows go with their case (a trigger
deletes them when the case is purged), since they hold the customer's values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from desktop.domain.merge import split_state
from desktop.files.casefile import Value, values_digest
from desktop.store.text import Undecodable, dump, load_fields

KEEP = 5  # handovers kept per case


@dataclass(frozen=True)
class Handover:
    revision: int  # the revision the case file gives these values (its base's + 1)
    digest: str  # casefile.values_digest of the values
    local_revision: int  # the case's drafts revision when they crossed


def tables(db: Database) -> None:
    """The migration step (desktop.store.schema, 0009_handover_bases)."""
    db.execute(
        "CREATE TABLE handover_bases (seq INTEGER PRIMARY KEY, case_id TEXT NOT NULL, revision INTEGER NOT NULL,"
        " digest TEXT NOT NULL, fields TEXT NOT NULL, local_revision INTEGER NOT NULL, at TEXT NOT NULL)"
    )
    db.execute("CREATE UNIQUE INDEX handover_bases_case ON handover_bases(case_id, digest)")
    db.execute(
        "CREATE TRIGGER handover_bases_purge AFTER DELETE ON cases BEGIN"
        " DELETE FROM handover_bases WHERE case_id = old.id; END"
    )


def record(
    db: Database, case_id: str, revision: int, fields: Mapping[str, Value], local_revision: int, at: str
) -> None:
    """Note values that crossed (inside the caller's write transaction); the oldest beyond KEEP go."""
    digest = values_digest(fields)
    filled = {k: v for k, v in fields.items() if v not in (None, "", [])}
    db.execute("DELETE FROM handover_bases WHERE case_id = ? AND digest = ?", [case_id, digest])
    db.execute(
        "INSERT INTO handover_bases (case_id, revision, digest, fields, local_revision, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [case_id, revision, digest, dump(filled), local_revision, at],
    )
    db.execute(
        "DELETE FROM handover_bases WHERE case_id = ? AND seq NOT IN"
        " (SELECT seq FROM handover_bases WHERE case_id = ? ORDER BY seq DESC LIMIT ?)",
        [case_id, case_id, KEEP],
    )


def last(db: Database, case_id: str) -> Handover | None:
    row = db.execute(
        "SELECT revision, digest, local_revision FROM handover_bases WHERE case_id = ? ORDER BY seq DESC LIMIT 1",
        [case_id],
    ).fetchone()
    return None if row is None else Handover(*row)


def values(db: Database, case_id: str, digest: str) -> dict[str, Any] | None:
    """The values handed over under `digest`, or None when this file never handed them over."""
    row = db.execute(
        "SELECT fields FROM handover_bases WHERE case_id = ? AND digest = ?", [case_id, digest]
    ).fetchone()
    if row is None:
        return None
    try:
        return load_fields(row[0])
    except Undecodable:
        return None  # a damaged row: the base counts as unknown, the import decides as for version 1


def ancestor_tables(db: Database) -> None:
    """The migration step (desktop.store.schema, 0010_handover_ancestors): the bases imported
    files named. A file carrying values this drafts file took a later state of (on the same
    laptop's line) must not bring them back when it arrives late."""
    db.execute(
        "CREATE TABLE handover_ancestors (case_id TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (case_id, digest))"
    )
    db.execute(
        "CREATE TRIGGER handover_ancestors_purge AFTER DELETE ON cases BEGIN"
        " DELETE FROM handover_ancestors WHERE case_id = old.id; END"
    )


def record_ancestor(db: Database, case_id: str, digest: str) -> None:
    """Note that an imported file was made from the values `digest` (its base)."""
    db.execute("INSERT OR IGNORE INTO handover_ancestors (case_id, digest) VALUES (?, ?)", [case_id, digest])


def seen(db: Database, case_id: str, digest: str) -> bool:
    """Whether this drafts file already had the values `digest` of the case, or a later state made
    from them: values it handed over or took in a case file, or the base an imported file named."""
    row = db.execute(
        "SELECT 1 FROM handover_bases WHERE case_id = ? AND digest = ?"
        " UNION ALL SELECT 1 FROM handover_ancestors WHERE case_id = ? AND digest = ? LIMIT 1",
        [case_id, digest, case_id, digest],
    ).fetchone()
    return row is not None


def synced(db: Database, case_id: str) -> tuple[int, dict[str, Value], int] | None:
    """The base this file last agreed with the hall server for a case (its `hall_cases` row, kept
    by desktop.hall.local): (server revision, its field values, the drafts revision it matched
    then); None when the case was never synced here. A version-2 case file carries it when it is
    newer than the last handover, and an import finds it by its digest (desktop.exchange.transfer),
    which thus reads it through the store, not the store's connection.

    The same query as desktop.hall.local.synced_base, which the hall's own code keeps for now."""
    if not db["hall_cases"].exists():
        return None
    row = db.execute(
        "SELECT revision, base, local_revision FROM hall_cases WHERE case_id = ?", [case_id]
    ).fetchone()
    if row is None:
        return None
    fields, _, _ = split_state(json.loads(row[1]))
    return row[0], fields, row[2]
