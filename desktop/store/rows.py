"""A case's row in the drafts file: how one is read back (damage-tolerant), built and derived.

Text columns are read as bytes (CAST AS BLOB) and decoded here, so a row with damaged bytes is a
DamagedCase for that case alone, never a failure of the whole file.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from desktop.files.casefile import Value
from desktop.store import backup, numbers
from desktop.store.connection import store_errors
from desktop.store.models import SEARCH_STALE, Case, CaseNotFound, DamagedCase, DraftsSpec
from desktop.store.sqlite import ERRORS, connect
from desktop.store.text import Undecodable, chars, decode, dump, load_fields, text_of

ROW_COLUMNS = (
    "seq, CAST(id AS BLOB), CAST(bundle AS BLOB), CAST(edition AS BLOB), CAST(status AS BLOB),"
    " CAST(created AS BLOB), CAST(updated AS BLOB), revision, CAST(fields AS BLOB), CAST(title AS BLOB),"
    " CAST(search AS BLOB), CAST(search_chars AS BLOB), CAST(deleted AS BLOB), CAST(handover AS BLOB),"
    " CAST(number AS BLOB), CAST(materials AS BLOB)"
)
ROW_NAMES = (
    "seq id bundle edition status created updated revision fields title search search_chars deleted handover"
    " number materials"
).split()


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def find(db: Database, case_id: str, *, readable: bool = True) -> dict[str, Any] | None:
    """The case's row, `fields` parsed, or None; DamagedCase when it cannot be read (with
    `readable=False`, the columns that could not be decoded are None instead)."""
    with store_errors():
        raw = db.execute(f"SELECT {ROW_COLUMNS} FROM cases WHERE id = ?", [case_id]).fetchone()
    if raw is None:
        return None
    return _decoded(case_id, raw, readable=readable)


def find_many(db: Database, ids: Sequence[str], chunk: int = 500) -> dict[str, dict[str, Any]]:
    """The rows of these cases the drafts file holds, by id, as `find` reads each (DamagedCase for
    one that cannot be read): a sync's push reads thousands, one query per `chunk` of them."""
    found: dict[str, dict[str, Any]] = {}
    with store_errors():
        for start in range(0, len(ids), chunk):
            part = list(ids[start : start + chunk])
            marks = ", ".join("?" * len(part))
            for raw in db.execute(f"SELECT {ROW_COLUMNS} FROM cases WHERE id IN ({marks})", part):
                case_id = bytes(raw[1]).decode("utf-8", "replace")
                found[case_id] = _decoded(case_id, raw)
    return found


def _decoded(case_id: str, raw: Sequence[Any], *, readable: bool = True) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, value in zip(ROW_NAMES, raw, strict=True):
        try:
            row[name] = load_fields(value) if name == "fields" else decode(value)
        except Undecodable:
            if readable:
                raise DamagedCase(case_id) from None
            row[name] = None
    return row


def case_of(row: Mapping[str, Any], last_print: str | None) -> Case:
    """The Case a readable row stands for, with the digest of its latest print."""
    return Case(
        id=row["id"],
        bundle=row["bundle"],
        edition=row["edition"],
        status=row["status"],
        created=row["created"],
        updated=row["updated"],
        revision=row["revision"],
        fields=row["fields"],
        deleted=row["deleted"],
        number=row["number"],
        materials=ticks(row["materials"]),
        last_print=last_print,
    )


def present(db: Database, ids: Sequence[str], chunk: int = 500) -> set[str]:
    """Which of these case ids the drafts file holds: an import of thousands (the hall's first
    pull) asks once per `chunk` instead of reading a row per case that is not there."""
    found: set[str] = set()
    with store_errors():
        for start in range(0, len(ids), chunk):
            part = list(ids[start : start + chunk])
            marks = ", ".join("?" * len(part))
            found.update(r[0] for r in db.execute(f"SELECT id FROM cases WHERE id IN ({marks})", part))
    return found


def row(db: Database, case_id: str, *, readable: bool = True) -> dict[str, Any]:
    """The case's row as `find` reads it; CaseNotFound when there is none."""
    found = find(db, case_id, readable=readable)
    if found is None:
        raise CaseNotFound(f"找不到草稿 {case_id}，它可能已被清理；请刷新草稿列表")
    return found


def derived(spec: DraftsSpec, fields: Mapping[str, Value], number: str | None = None) -> dict[str, str]:
    """The columns a list shows and a search matches, computed from a case's values and number."""
    title = text_of(fields.get(spec.title_key))
    lines = [text_of(fields.get(k)).lower() for k in spec.search_keys if k not in spec.mask_keys]
    # `find_keys` (optional, read with getattr): searched, never listed; masked ones included in
    # full, since the search text lives only inside the encrypted drafts file.
    # A phone is found however it is typed: as stored and without its separators (terms() drops
    # them from a query of digits).
    for key in getattr(spec, "find_keys", ()):
        text = text_of(fields.get(key)).lower()
        compact = text.replace("-", "").replace(" ", "")
        lines += [text, compact] if compact != text else [text] if text else []
    search = "\n".join([numbers.search_text(number), *lines] if number else lines)
    return {"title": title, "search": search, "search_chars": chars(search)}


def new_row(
    spec: DraftsSpec,
    bundle: str,
    case_id: str,
    fields: dict[str, Value],
    now: datetime,
    edition: str,
    number: str | None = None,
) -> dict[str, Any]:
    """The row of a new draft case, revision 1."""
    return {
        "id": case_id,
        "bundle": bundle,
        "edition": edition,
        "status": "draft",
        "created": iso(now),
        "updated": iso(now),
        "updated_ts": now.timestamp(),
        "revision": 1,
        "fields": dump(fields),
        **derived(spec, fields, number),
        "deleted": None,
        "deleted_ts": None,
        "number": number,
    }


def rewritten(
    spec: DraftsSpec, row: Mapping[str, Any], fields: dict[str, Value], now: datetime
) -> dict[str, Any]:
    """The columns that change when a case's values become `fields` at `now`: the next revision."""
    updates: dict[str, Any] = {
        "fields": dump(fields),
        "revision": row["revision"] + 1,
        "updated": iso(now),
        "updated_ts": now.timestamp(),
    }
    # Only touch the derived columns that changed, so most saves leave the FTS index alone.
    for column, value in derived(spec, fields, row["number"]).items():
        if row[column] != value:
            updates[column] = value
    return updates


def duplicate_values(
    spec: DraftsSpec, fields: Mapping[str, Value], start: Mapping[str, Value]
) -> dict[str, Value]:
    """The values a duplicate of a case with `fields` starts with: the customer's kept, the
    request-specific ones (`spec.duplicate_clear_keys`) cleared, and the ones the bundle resets
    (`spec.duplicate_reset_keys`) taken from `start` (left empty when `start` lacks them)."""
    resets = tuple(getattr(spec, "duplicate_reset_keys", ()))
    patterns = (*spec.duplicate_clear_keys, *resets)
    kept = {k: v for k, v in fields.items() if not any(fnmatch.fnmatchcase(k, p) for p in patterns)}
    for key, value in start.items():
        if any(fnmatch.fnmatchcase(key, p) for p in resets):
            kept[key] = value
    return kept


def ticks(raw: Any) -> tuple[str, ...]:
    """The stored ticks; a value that is not the JSON list the store wrote counts as none ticked."""
    try:
        ticked = json.loads(raw or "[]")
    except (TypeError, ValueError):
        return ()
    return tuple(t for t in ticked if isinstance(t, str)) if isinstance(ticked, list) else ()


def backup_copy(path: Path, case_id: str, key: bytes) -> tuple[Path, dict[str, Any]] | None:
    """The newest backup of the drafts file `path` holding a readable copy of the case, with
    that copy's columns; None when no backup has one."""
    for copy in backup.backups(path):
        good = readable_copy(copy, case_id, key)
        if good is not None:
            return copy, good
    return None


def readable_copy(copy: Path, case_id: str, key: bytes) -> dict[str, Any] | None:
    """The case's columns from a backup, if that backup holds a readable copy of it."""
    try:
        conn = connect(copy, key=key, read_only=True)
    except ERRORS:
        return None
    try:
        # A backup from before the case number or the checklist (migrations 0007, 0008) lacks
        # those columns: the damaged row keeps its own then.
        present = {r[1] for r in conn.execute("PRAGMA table_info(cases)")}
        later = "".join(f", {name}" for name in ("number", "materials") if name in present)
        cursor = conn.execute(
            "SELECT bundle, edition, status, created, updated, updated_ts, revision, fields, title, search,"
            f" search_chars, deleted, deleted_ts, handover{later} FROM cases WHERE id = ?",
            [case_id],
        )
        raw = cursor.fetchone()
        if raw is None:
            return None
        row = dict(zip([d[0] for d in cursor.description], raw, strict=True))
        load_fields(row["fields"])
        return row
    except (*ERRORS, Undecodable):
        return None
    finally:
        conn.close()


def warm(db: Database) -> None:
    """Read the id index and the inner pages of the cases table into this connection's cache
    (about 15 ms at 100 000 cases), so that opening any case later reads one page from disk,
    decrypted and checked, instead of up to three. The window warms its saving thread's connection
    after its first paint and opens cases on it (SQLite empties a connection's cache when another
    one commits; its own commits keep it). A failure here is met, and said, by the read that needs
    the page."""
    with contextlib.suppress(*ERRORS):
        # The range makes SQLite walk the index's pages (a bare count(*) reads it elsewhere).
        db.execute("SELECT count(*) FROM cases INDEXED BY idx_cases_id WHERE id > ''").fetchone()
        # An inner page of the table covers at least 268 rowids (4 KB, cells of at most 15 bytes):
        # one look-up every 256 passes through each of them.
        db.execute(
            "WITH RECURSIVE probe(seq) AS (SELECT min(seq) FROM cases UNION ALL SELECT seq + 256"
            " FROM probe WHERE seq < (SELECT max(seq) FROM cases))"
            " SELECT count(*) FROM probe JOIN cases USING (seq)"
        ).fetchone()


def set_status(db: Database, row: Mapping[str, Any], status: str, now: datetime) -> None:
    """A new status is a new revision of the case (another window's save then sees a conflict)."""
    db["cases"].update(
        row["seq"],
        {
            "status": status,
            "revision": row["revision"] + 1,
            "updated": iso(now),
            "updated_ts": now.timestamp(),
        },
    )


def rebuild_search(db: Database, spec: DraftsSpec) -> int:
    """Recompute every readable case's search text from its values (a damaged row keeps its own);
    the FTS triggers re-index what changed. Returns the cases rewritten."""
    rows = db.execute("SELECT seq, CAST(fields AS BLOB), CAST(number AS BLOB), search FROM cases").fetchall()
    changed = []
    for seq, raw_fields, raw_number, old in rows:
        try:
            fields = load_fields(raw_fields)
            number = decode(raw_number)
        except Undecodable:
            continue
        new = derived(spec, fields, number)
        if new["search"] != old:
            changed.append((new["search"], new["search_chars"], seq))
    db.conn.executemany("UPDATE cases SET search = ?, search_chars = ? WHERE seq = ?", changed)
    db.execute("DELETE FROM meta WHERE key = ?", [SEARCH_STALE])
    return len(changed)
