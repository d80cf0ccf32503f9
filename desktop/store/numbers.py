"""Case numbers people read aloud and write on paper: DESK-YYYYMMDD-NNN (case-format.md).

`DESK` is this machine's desk code (the `desk.code` setting, unique within the hall), the date is
the day the case was created, and NNN that desk's sequence for the day. The store hands out the
next number inside the transaction that creates the case (BEGIN IMMEDIATE holds the write lock),
so two windows or two processes on one drafts file never get the same number.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime

from desktop.files.casefile import EXAMPLE_NUMBER

DESK_CODE_KEY = "desk.code"
# The desk code of a machine whose agent never set one: a valid code, so every case is numbered
# from the start; a hall with several desks gives each its own code in the settings.
DEFAULT_DESK_CODE = "DESK"
# The example case's number (帮助 → 载入示例案卷): never one of the desk's real, sequential numbers,
# which an agent trying the example would otherwise use up for good.
EXAMPLE = EXAMPLE_NUMBER
DESK_CODE = re.compile(r"[A-Z0-9]{2,6}", re.ASCII)
# Three digits print as the spec's NNN; a desk that ever passes 999 cases in a day gets four.
SEQUENCE_DIGITS = 3


def desk_code_problem(code: object) -> str | None:
    """Why `code` cannot be a desk code (Chinese, for the settings dialog), or None."""
    if isinstance(code, str) and DESK_CODE.fullmatch(code):
        return None
    return "柜台代码应为 2–6 个大写英文字母或数字（如 XH01），请改正后再保存"


def desk_code(stored: object) -> str:
    """The desk code to number with: the stored setting, or DEFAULT_DESK_CODE when unset or bad."""
    if isinstance(stored, str) and DESK_CODE.fullmatch(stored.strip()):
        return stored.strip()
    return DEFAULT_DESK_CODE


def prefix(code: str, day: date) -> str:
    return f"{code}-{day:%Y%m%d}-"


def format_number(code: str, day: date, sequence: int) -> str:
    return f"{prefix(code, day)}{sequence:0{SEQUENCE_DIGITS}d}"


def last_sequence(conn: sqlite3.Connection, code: str, day: date) -> int:
    """The highest sequence of `code` on `day` in the drafts file (0 if none): one range scan of
    the number index. Imported cases of this desk and day count too, so none is handed out twice."""
    head = prefix(code, day)
    # '.' sorts right after '-': every number starting with `head` is below head[:-1] + '.'.
    row = conn.execute(
        "SELECT max(CAST(substr(number, ?) AS INTEGER)) FROM cases WHERE number >= ? AND number < ?",
        [len(head) + 1, head, head[:-1] + "."],
    ).fetchone()
    return int(row[0] or 0)


def next_number(conn: sqlite3.Connection, code: str, now: datetime) -> str:
    """The desk's next number for `now`'s day; call inside the write transaction that stores it,
    so no other window or process can take the same one."""
    return format_number(code, now.date(), last_sequence(conn, code, now.date()) + 1)


class Batch:
    """The next numbers of a bulk create or import, whose rows are not in the table until its end:
    each day's sequence is read once, then counted on here."""

    def __init__(self, conn: sqlite3.Connection, code: str) -> None:
        self.conn = conn
        self.code = code
        self.sequences: dict[date, int] = {}

    def __call__(self, now: datetime) -> str:
        day = now.date()
        if day not in self.sequences:
            self.sequences[day] = last_sequence(self.conn, self.code, day)
        self.sequences[day] += 1
        return format_number(self.code, day, self.sequences[day])


def search_text(number: str | None) -> str:
    """What a search matches for a number: as written, and without hyphens (a query of digits and
    hyphens such as 20261130-017 loses its hyphens before it is matched)."""
    if not number:
        return ""
    return f"{number} {number.replace('-', '')}".lower()


def created_day(created: str | None, fallback: datetime) -> date:
    """The local date a stored `created` time names (its first ten characters), else `fallback`'s."""
    try:
        return date.fromisoformat((created or "")[:10])
    except ValueError:
        return fallback.date()
