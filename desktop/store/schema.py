"""The drafts file's schema: one recorded `sqlite_utils.Migrations` step per change.

Never edit a step once released; add one. The file is marked as a desk400 drafts file by SQLite's
`application_id`, so `--db` pointed at any other file is refused instead of "repaired".
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from sqlite_utils import Database, Migrations

from desktop.store import bases, numbers, scans
from desktop.store.models import SEARCH_STALE
from desktop.store.text import Undecodable, chars, decode

MIGRATION_SET = "desk400-drafts"
# b"D400" as a big-endian 32-bit number: what `PRAGMA application_id` holds in a drafts file.
APPLICATION_ID = int.from_bytes(b"D400", "big")
FTS_AUTOMERGE = 16


def migrations() -> Migrations:
    """The drafts schema, one recorded migration per step; never edit a step once released."""
    steps = Migrations(MIGRATION_SET)

    @steps(name="0001_tables")
    def tables(db: Database) -> None:
        db["cases"].create(
            {
                "seq": int,
                "id": str,
                "bundle": str,
                "edition": str,
                "status": str,
                "created": str,
                "updated": str,
                "updated_ts": float,
                "revision": int,
                "fields": str,
                "title": str,
                "search": str,
                "deleted": str,
                "deleted_ts": float,
            },
            pk="seq",
            not_null={"id", "bundle", "edition", "status", "created", "updated", "updated_ts", "revision"},
            defaults={"fields": "{}", "title": "", "search": ""},
        )
        db["cases"].create_index(["id"], unique=True)
        db["audit"].create(
            {"seq": int, "at": str, "case_id": str, "event": str, "key": str, "detail": str},
            pk="seq",
            not_null={"at", "event"},
        )
        db["audit"].create_index(["case_id"])
        db["settings"].create({"key": str, "value": str}, pk="key", not_null={"value"})

    @steps(name="0002_search")
    def search(db: Database) -> None:
        # The seq (INTEGER PRIMARY KEY) is the FTS rowid: VACUUM keeps it, unlike a bare rowid.
        db["cases"].enable_fts(["search"], tokenize="trigram")
        fts_triggers(db, "cases_fts", "search")
        fts_merge_policy(db, "cases_fts")
        # Newest-first lists walk this index; it also covers the scan of the newest cases.
        db.execute(
            "CREATE INDEX cases_live_recent ON cases(updated_ts, seq, search) WHERE deleted_ts IS NULL"
        )
        db.execute("CREATE INDEX cases_binned ON cases(deleted_ts) WHERE deleted_ts IS NOT NULL")

    @steps(name="0003_short_search")
    def short_search(db: Database) -> None:
        # Trigrams cannot find one or two characters: a second index has one token per character.
        db["cases"].add_column("search_chars", str, not_null_default="")
        rows = db.execute("SELECT seq, search FROM cases").fetchall()
        db.conn.executemany(
            "UPDATE cases SET search_chars = ? WHERE seq = ?", [(chars(text), seq) for seq, text in rows]
        )
        db.execute(
            "CREATE VIRTUAL TABLE cases_chars USING fts5(search_chars, content='cases',"
            " content_rowid='seq', tokenize='unicode61 remove_diacritics 0')"
        )
        db.execute("INSERT INTO cases_chars(cases_chars) VALUES ('rebuild')")
        fts_triggers(db, "cases_chars", "search_chars")
        fts_merge_policy(db, "cases_chars")

    @steps(name="0004_handover")
    def handover(db: Database) -> None:
        # A digest of the values this file last exported or imported for the case: an import can
        # then tell "edited only on the other machine" from "edited on both since they last met".
        db["cases"].add_column("handover", str)

    @steps(name="0005_application_id")
    def application_id(db: Database) -> None:
        # Marks the file as a drafts file (new files get it here too, in their first transaction).
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    @steps(name="0006_meta")
    def meta(db: Database) -> None:
        # Housekeeping state that must survive a crash, written in the same transaction as the
        # change it follows (a purge records that the backups still hold the purged cases).
        db["meta"].create({"key": str, "value": str}, pk="key", not_null={"value"})

    @steps(name="0007_case_number")
    def case_number(db: Database) -> None:
        # The short number people read aloud (DESK-YYYYMMDD-NNN); the index serves the next
        # number's range scan. Cases from before get the default desk code, numbered in the order
        # they were created, and become findable by their number.
        db["cases"].add_column("number", str)
        db.execute("CREATE INDEX cases_number ON cases(number)")
        number_existing_cases(db)

    @steps(name="0008_materials")
    def materials(db: Database) -> None:
        # The checklist items ticked for the case (a JSON list of item ids): the counter's
        # bookkeeping beside the case, not one of its fields (case files do not carry it).
        db["cases"].add_column("materials", str, not_null_default="[]")

    @steps(name="0009_handover_bases")
    def handover_bases(db: Database) -> None:
        # The values each export or import handed over (a few per case), so a version-2 case file
        # naming one as its base merges field by field (desktop.store.bases).
        bases.tables(db)

    @steps(name="0010_handover_ancestors")
    def handover_ancestors(db: Database) -> None:
        # The bases imported version-2 files named (digests only), so a file that arrives after a
        # later one of the same line brings nothing back (desktop.store.bases.seen).
        bases.ancestor_tables(db)

    @steps(name="0011_status_print_log")
    def status_print_log(db: Database) -> None:
        # The print log (desktop.store.prints): every final print or PDF, with the digest of the
        # values printed, which `changed` (打印后有修改) is decided against.
        db["prints"].create(
            {
                "seq": int,
                "case_id": str,
                "at": str,
                "desk": str,
                "documents": str,
                "pages": int,
                "digest": str,
                "number": str,
            },
            pk="seq",
            not_null={"case_id", "at", "desk", "documents", "pages", "digest"},
        )
        db.execute("CREATE INDEX prints_case ON prints(case_id, seq)")
        # The status filter beside the search box: its counts and each status's newest cases.
        db.execute(
            "CREATE INDEX cases_status_recent ON cases(status, updated_ts, seq) WHERE deleted_ts IS NULL"
        )

    @steps(name="0012_search_more")
    def search_more(db: Database) -> None:
        # Searches also find the handler's mobile, the contact and the full ID number (the bundle's
        # drafts.find): the search text is rebuilt by the first Store opened with the bundle's spec,
        # which this step cannot see (desktop.store.rows.rebuild_search).
        db["meta"].upsert({"key": SEARCH_STALE, "value": "1"}, pk="key")

    @steps(name="0016_images")
    def card_images(db: Database) -> None:
        # The card images kept with a case (desktop.store.images), encrypted with the file and
        # deleted with their case by a trigger, so a purge takes them. Inline like the print log:
        # desktop.store.images sits above the connection, which imports this module.
        db["case_images"].create(
            {"seq": int, "case_id": str, "kind": str, "added": str, "data": bytes},
            pk="seq",
            not_null={"case_id", "kind", "added", "data"},
        )
        db["case_images"].create_index(["case_id"])
        db.execute(
            "CREATE TRIGGER case_images_follow_case AFTER DELETE ON cases BEGIN"
            " DELETE FROM case_images WHERE case_id = old.id; END"
        )

    @steps(name="0017_scans")
    def scan_pages(db: Database) -> None:
        # Signed pages scanned back in (desktop.store.scans, paper-trail.md), kept with the case.
        scans.tables(db)

    return steps


def number_existing_cases(db: Database) -> None:
    now = datetime.now().astimezone()
    rows = db.execute(
        "SELECT seq, CAST(created AS BLOB), CAST(search AS BLOB) FROM cases ORDER BY created, seq"
    ).fetchall()
    last: dict[str, int] = {}
    updates = []
    for seq, raw_created, raw_search in rows:
        created = bytes(raw_created or b"").decode("utf-8", errors="replace")
        day = numbers.created_day(created, now)
        head = numbers.prefix(numbers.DEFAULT_DESK_CODE, day)
        last[head] = last.get(head, 0) + 1
        number = numbers.format_number(numbers.DEFAULT_DESK_CODE, day, last[head])
        try:
            search = decode(raw_search) or ""
        except Undecodable:
            search = None  # a damaged row keeps its text; it is listed as damaged anyway
        if search is None:
            updates.append(("UPDATE cases SET number = ? WHERE seq = ?", (number, seq)))
        else:
            text = numbers.search_text(number) + "\n" + search
            updates.append(
                ("UPDATE cases SET number = ?, search = ?, search_chars = ? WHERE seq = ?",
                 (number, text, chars(text), seq))
            )  # fmt: skip
    for sql, args in updates:
        db.execute(sql, args)


def fts_triggers(db: Database, fts: str, column: str) -> None:
    """Keep an external-content FTS table in step with `cases`; an update fires only when the
    indexed column is written, so most saves leave the index alone. Re-run after transform()."""
    db.executescript(
        f"""
        CREATE TRIGGER {fts}_ai AFTER INSERT ON cases BEGIN
          INSERT INTO {fts}(rowid, {column}) VALUES (new.seq, new.{column});
        END;
        CREATE TRIGGER {fts}_ad AFTER DELETE ON cases BEGIN
          INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.seq, old.{column});
        END;
        CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON cases BEGIN
          INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.seq, old.{column});
          INSERT INTO {fts}(rowid, {column}) VALUES (new.seq, new.{column});
        END;
        """
    )


def fts_merge_policy(db: Database, fts: str) -> None:
    """Merge index segments in bigger, rarer steps: with the default (4) an edit of a searched field
    now and then waits ~30 ms for a merge at 100 000 cases; purge() optimizes the index fully."""
    db.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('automerge', {FTS_AUTOMERGE})")


def known_migrations() -> set[str]:
    return {m.name for m in migrations().pending(Database(memory=True))}


def recorded_migrations(conn: sqlite3.Connection) -> list[str] | None:
    """The drafts migrations recorded in the file, or None when it has no migrations table."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [Migrations.migrations_table]
    ).fetchone()
    if not exists:
        return None
    return [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM {Migrations.migrations_table} WHERE migration_set = ?", [MIGRATION_SET]
        )
    ]
