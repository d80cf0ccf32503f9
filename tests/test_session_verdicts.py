"""The session owns its verdicts (issue 20): with no view, a broken case is never "complete".

`EditSession.recheck` judges every field on one resolved case; `print_blockers()` and
`wanted_status()` read that judgement, so whatever saves a session (the window's autosave, the
hall's pull, an import) records the status the window would show.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import date

from desktop.domain.session import EditSession, settled_status, write_save
from desktop.files.casefile import CaseFile

TODAY = date(2026, 11, 30)
WRONG_ID = "610113198402242116"  # the check digit should be 5


def broken(bundle) -> EditSession:
    session = EditSession(bundle, lambda: TODAY)
    session.load(
        "c1", 1, "draft", {"handler.id_number": WRONG_ID, "customer.name": "杭州云栖数智科技有限公司"}
    )
    return session


def required_empty(bundle, values) -> set[str]:
    session = EditSession(bundle, lambda: TODAY)
    session.load("c0", 1, "draft", values)
    return set(session.missing_required())


def test_a_wrong_id_and_the_empty_required_fields_block_the_print_without_any_view(bundle):
    session = broken(bundle)
    blockers = session.print_blockers()
    assert "handler.id_number" in blockers
    empty = required_empty(bundle, session.values)
    assert empty and empty <= set(blockers)
    assert "customer.name" not in blockers
    assert session.wanted_status() == "draft" and session.snapshot().wanted == "draft"


def test_recheck_says_what_each_key_shows_and_keeps_the_counts(bundle):
    session = broken(bundle)
    result = session.recheck(["handler.id_number", "customer.name"], focused="customer.name")
    assert set(result.fields) == {"handler.id_number", "customer.name"} and result.counts_changed
    shown = result.fields["handler.id_number"]
    assert shown.shown.kind == "error" and shown.verdict.findings[0].severity == "error"
    assert result.fields["customer.name"].shown.kind == ""
    assert session.real_errors() == {"handler.id_number": 1}  # untouched empty fields count as 未填
    assert "handler.id_number" not in session.missing and session.missing
    fixed = session.edit("handler.id_number", WRONG_ID[:-1] + "5")
    again = session.recheck(fixed, focused="handler.id_number")
    assert again.counts_changed and "handler.id_number" not in session.print_blockers()
    assert again.fields["handler.id_number"].verdict.findings == ()


def test_a_whole_valid_case_is_complete_without_a_view(bundle, example_values):
    session = EditSession(bundle, lambda: TODAY)
    session.load("c2", 1, "draft", example_values)
    assert session.print_blockers() == {}
    session.set_materials(item.id for item in session.missing_materials())
    assert session.wanted_status() == "complete"
    session.edit("handler.id_number", WRONG_ID)  # no recheck asked: the session still knows
    assert session.print_blockers() == {"handler.id_number": 1}
    assert session.wanted_status() == "draft"


class Recording:
    """A drafts store's save calls, as write_save makes them."""

    def __init__(self) -> None:
        self.status: list[str] = []

    @contextmanager
    def transaction(self):
        yield

    def save_field(self, case_id, key, value, revision):
        return revision + 1

    def save_fields(self, case_id, values, revision):
        return revision + 1

    def set_status(self, case_id, status, revision):
        self.status.append(status)
        return revision + 1


def test_a_save_made_with_no_view_records_the_sessions_status(bundle, example_values):
    session = EditSession(bundle, lambda: TODAY)
    session.load("c3", 4, "complete", example_values)
    session.edit("handler.id_number", WRONG_ID)
    store = Recording()
    save = write_save(session.snapshot(), store)
    assert save.error is None and store.status == ["draft"] and save.status == "draft"


def test_another_desks_complete_is_kept_only_while_it_holds_here(bundle, example_values):
    assert settled_status(bundle, example_values, "complete") == "complete"
    assert settled_status(bundle, {**example_values, "handler.id_number": WRONG_ID}, "complete") == "draft"
    assert settled_status(bundle, {"customer.name": "甲"}, "complete") == "draft"
    assert settled_status(bundle, {"customer.name": "甲"}, "printed") == "printed"  # paper exists


class StatusRefused:
    """The drafts store, except that recording a status fails (a locked file, say)."""

    def __init__(self, store) -> None:
        self.store = store

    def __getattr__(self, name):
        return getattr(self.store, name)

    def set_status(self, case_id, status, revision):
        raise sqlite3.OperationalError("database is locked")


def test_values_and_status_are_saved_in_one_transaction(store, bundle, example_values):
    session = EditSession(bundle, lambda: TODAY)
    for key, value in example_values.items():  # a fresh, complete case: created by its first save
        session.edit(key, value)
    session.set_materials(item.id for item in session.missing_materials())
    assert session.wanted_status() == "complete"  # so the save records a status after the values
    first = write_save(session.snapshot(), StatusRefused(store))
    assert first.error is not None and first.new_id is None
    assert store.ids() == []  # the case created before the status failed went with it
    session.give_back(first)
    assert session.case_id is None and session.dirty
    session.take(write_save(session.snapshot(), store))
    case = store.get(session.case_id)
    assert store.ids() == [case.id] and case.status == "complete"
    # A stored case: the values of a save whose status fails are not stored either.
    session.edit("handler.id_number", WRONG_ID)  # now a draft again
    save = write_save(session.snapshot(), StatusRefused(store))
    assert save.error is not None and save.revision == case.revision
    again = store.get(case.id)
    assert (again.revision, again.fields, again.status) == (case.revision, case.fields, case.status)


def test_an_imported_case_file_with_a_wrong_id_is_recorded_as_a_draft(store, example_values):
    case = store.create(example_values)
    store.set_status(case.id, "complete", case.revision)
    broken_file = CaseFile(
        id=case.id, bundle="400", updated="2026-12-01T10:00:00+08:00",
        fields={**example_values, "handler.id_number": WRONG_ID},
    )  # fmt: skip
    store.import_cases([("U盘", broken_file)])
    got = store.get(case.id)
    assert got.fields["handler.id_number"] == WRONG_ID and got.status == "draft"
