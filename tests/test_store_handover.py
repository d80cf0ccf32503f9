"""The import decision on its own: no SQLite, just the stored case, its handover and the file."""

from __future__ import annotations

import pytest

from desktop.files.casefile import CaseFile
from desktop.store.handover import StoredCase, decide, digest, same_content

ID = "5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11"
HANDED = {"customer.name": "杭州某某科技有限公司"}
EDITED_HERE = {"customer.name": "杭州某某科技有限公司（本机改）"}
EDITED_THERE = {"customer.name": "杭州某某科技有限公司（对方改）"}
HANDED_DIGEST = digest(HANDED)


def stored(fields, *, updated="2026-11-28T10:00:00+08:00", handover=HANDED_DIGEST) -> StoredCase:
    return StoredCase(bundle="400", updated=updated, fields=fields, handover=handover)


def incoming(fields, updated="2026-11-29T10:00:00+08:00") -> CaseFile:
    return CaseFile(id=ID, bundle="400", updated=updated, fields=fields)


@pytest.mark.parametrize(
    ("known", "file", "expected"),
    [
        (None, incoming(HANDED), "create"),
        (stored(HANDED), incoming({**HANDED, "notes": ""}), "unchanged"),
        (stored(HANDED), incoming(EDITED_THERE), "replace"),
        (stored(HANDED, handover=None), incoming(EDITED_THERE), "replace"),
        (stored(HANDED), incoming(EDITED_THERE, updated="2026-11-27T10:00:00+08:00"), "older"),
        (stored(EDITED_HERE, updated="2026-11-30T10:00:00+08:00"), incoming(HANDED), "stale"),
        (stored(EDITED_HERE), incoming(EDITED_THERE), "both"),
    ],
    ids=["new", "same-values", "edited-there", "never-handed", "older-file", "stale-file", "edited-both"],
)
def test_decide(known, file, expected):
    assert decide(known, file) == expected


def test_a_file_of_another_bundle_with_the_same_values_is_not_unchanged():
    other = StoredCase(bundle="other", updated="2026-11-28T10:00:00+08:00", fields=HANDED, handover=None)
    assert decide(other, incoming(HANDED)) == "replace"


def test_empty_values_count_as_missing_keys():
    assert same_content({"a": "x", "b": "", "c": [], "d": None}, {"a": "x"})
    assert digest({"a": "x", "b": ""}) == digest({"a": "x"})
    assert not same_content({"a": "x"}, {"a": "y"})
