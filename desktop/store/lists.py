"""The drafts lists: newest first, the bin, and search, a page at a time.

Text columns are read as bytes (CAST AS BLOB) and decoded here, so a row with damaged bytes is
listed as one damaged case instead of failing the whole list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from desktop.files.casefile import Value
from desktop.store.models import DAMAGED_TITLE, CaseSummary, DraftsSpec, Page
from desktop.store.text import Undecodable, chars, decode, load_fields, masked, phrase, terms

FTS_MIN = 3  # the trigram tokenizer cannot match anything shorter
SCAN_WINDOW = 2000  # newest cases scanned before a search turns to the indexes

SUMMARY_COLUMNS = (
    "CAST(id AS BLOB), CAST(bundle AS BLOB), CAST(edition AS BLOB), CAST(status AS BLOB),"
    " CAST(created AS BLOB), CAST(updated AS BLOB), revision, CAST(title AS BLOB), CAST(fields AS BLOB),"
    " CAST(deleted AS BLOB), CAST(number AS BLOB)"
)


def live(db: Database, spec: DraftsSpec, offset: int, limit: int, status: str | None = None) -> Page:
    """Cases not in the bin (of `status` only, if given), most recently edited first."""
    only, args = _of_status(status)
    sql = (
        f"SELECT {SUMMARY_COLUMNS} FROM cases WHERE deleted_ts IS NULL{only} "
        "ORDER BY updated_ts DESC, seq DESC LIMIT ? OFFSET ?"
    )
    return _page(db, spec, sql, [*args, limit + 1, offset], offset, limit)


def status_counts(db: Database) -> dict[str, int]:
    """Live cases per status: a walk of the status index (migration 0011), no row is read."""
    rows = db.execute(
        "SELECT status, count(*) FROM cases INDEXED BY cases_status_recent WHERE deleted_ts IS NULL"
        " GROUP BY status"
    )
    return {str(status): int(n) for status, n in rows}


def _of_status(status: str | None) -> tuple[str, list[Any]]:
    return ("", []) if status is None else (" AND status = ?", [status])


def binned(db: Database, spec: DraftsSpec, offset: int, limit: int) -> Page:
    """The bin, most recently deleted first."""
    sql = (
        f"SELECT {SUMMARY_COLUMNS} FROM cases WHERE deleted_ts IS NOT NULL "
        "ORDER BY deleted_ts DESC, seq DESC LIMIT ? OFFSET ?"
    )
    return _page(db, spec, sql, [limit + 1, offset], offset, limit)


def search(
    db: Database, spec: DraftsSpec, query: str, offset: int, limit: int, status: str | None = None
) -> Page:
    """Cases whose searchable values contain every word of `query`, newest first.

    First the newest cases are scanned in order (cheap, and enough for a common word such as
    有限公司); when they do not fill the page, the full-text indexes answer: trigrams for words of
    three characters or more, one token per character for shorter ones.
    """
    words = terms(query)
    if not words:
        return live(db, spec, offset, limit, status)
    exact = " AND ".join("instr(search, ?) > 0" for _ in words)
    only, of_status = _of_status(status)
    window = max(SCAN_WINDOW, 10 * (offset + limit + 1))
    recent = db.execute(
        "SELECT seq FROM (SELECT seq, updated_ts, search FROM cases WHERE deleted_ts IS NULL"
        f"{only} ORDER BY updated_ts DESC, seq DESC LIMIT ?) WHERE {exact}"
        " ORDER BY updated_ts DESC, seq DESC LIMIT ? OFFSET ?",
        [*of_status, window, *words, limit + 1, offset],
    ).fetchall()
    if len(recent) > limit:
        return _page_of(db, spec, [r[0] for r in recent], offset, limit)
    where = ["deleted_ts IS NULL", exact, *(["status = ?"] if status is not None else [])]
    args: list[Any] = [*words, *of_status]
    long_terms = [t for t in words if len(t) >= FTS_MIN]
    if long_terms:
        where.append("seq IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)")
        args.append(" AND ".join(phrase(t) for t in long_terms))
    short_terms = [chars(t) for t in words if len(t) < FTS_MIN and chars(t)]
    if short_terms:
        where.append("seq IN (SELECT rowid FROM cases_chars WHERE cases_chars MATCH ?)")
        args.append(" AND ".join(phrase(t) for t in short_terms))
    hits = db.execute(
        f"SELECT seq FROM cases WHERE {' AND '.join(where)} ORDER BY updated_ts DESC, seq DESC LIMIT ? OFFSET ?",
        [*args, limit + 1, offset],
    ).fetchall()
    return _page_of(db, spec, [r[0] for r in hits], offset, limit)


def summary_values(spec: DraftsSpec, fields: dict[str, Value]) -> dict[str, Value]:
    """The values a list shows: the searchable ones, and the personal ones masked."""
    summary: dict[str, Value] = {}
    for key in (*spec.search_keys, *spec.mask_keys):
        value = fields.get(key)
        summary[key] = masked(value) if key in spec.mask_keys else value
    return summary


def summary_row(spec: DraftsSpec, r: Sequence[Any]) -> CaseSummary:
    """One list line from SUMMARY_COLUMNS; a row that cannot be read is a damaged case."""
    head = [_lenient(v) for v in r[:6]]
    number = _lenient(r[10])
    try:
        title = decode(r[7]) or ""
        summary = summary_values(spec, load_fields(r[8]))
        deleted = decode(r[9])
    except Undecodable:
        return CaseSummary(
            *head,
            revision=r[6],
            title=DAMAGED_TITLE,
            summary={},
            deleted=_lenient(r[9]),
            damaged=True,
            number=number,
        )
    return CaseSummary(*head, revision=r[6], title=title, summary=summary, deleted=deleted, number=number)


def _lenient(raw: bytes | None) -> Any:
    return None if raw is None else bytes(raw).decode("utf-8", errors="replace")


def _page(db: Database, spec: DraftsSpec, sql: str, args: list[Any], offset: int, limit: int) -> Page:
    rows = db.execute(sql, args).fetchall()
    items = tuple(summary_row(spec, r) for r in rows[:limit])
    return Page(items=items, offset=offset, limit=limit, has_more=len(rows) > limit)


def _page_of(db: Database, spec: DraftsSpec, seqs: list[int], offset: int, limit: int) -> Page:
    """The page of the cases `seqs` (one more than a page means there are more)."""
    shown = seqs[:limit]
    marks = ",".join("?" * len(shown))
    rows = db.execute(f"SELECT seq, {SUMMARY_COLUMNS} FROM cases WHERE seq IN ({marks})", shown)
    by_seq = {r[0]: r[1:] for r in rows.fetchall()}
    items = tuple(summary_row(spec, by_seq[s]) for s in shown)
    return Page(items=items, offset=offset, limit=limit, has_more=len(seqs) > limit)


def others_with(db: Database, spec: DraftsSpec, key: str, value: str, exclude_id: str | None) -> list[str]:
    """The numbers (the id when a case has none) of live cases other than `exclude_id` whose `key`
    is exactly `value`, newest first.

    For a searchable key the trigram index finds the few cases holding the value anywhere in their
    search text, and their stored values decide; any other key is a scan of every live case.
    """
    searchable = key in spec.search_keys and key not in spec.mask_keys and len(value) >= FTS_MIN
    where = "deleted_ts IS NULL AND id IS NOT ?"
    args: list[Any] = [exclude_id]
    if searchable:
        where += " AND seq IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)"
        args.append(phrase(value.lower()))
    rows = db.execute(
        f"SELECT CAST(id AS BLOB), CAST(number AS BLOB), CAST(fields AS BLOB) FROM cases WHERE {where}"
        " ORDER BY updated_ts DESC, seq DESC",
        args,
    )
    found = []
    for raw_id, raw_number, raw_fields in rows:
        try:
            if load_fields(raw_fields).get(key) != value:
                continue
        except Undecodable:
            continue  # a damaged case cannot be compared; it is listed as damaged elsewhere
        found.append(_lenient(raw_number) or _lenient(raw_id))
    return found
