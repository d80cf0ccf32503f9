"""What a field holds, and when it is empty: one `Value` type and one `is_empty` for every room.

In a module of their own, importing nothing: the window's edit session asks `is_empty` before
its first paint, and the case file reader (hashes, uuids, its patterns) loads later, with the
first case. desktop.files.casefile names both too.
"""

from __future__ import annotations

Value = str | int | list[str] | None


def is_empty(value: Value) -> bool:
    """An empty field: the same as a missing key, in a case file and in the drafts file."""
    return value is None or value == "" or value == []
