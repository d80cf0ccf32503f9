"""Case files crossing machines: recording an export and importing case files into the drafts.

Which way each file goes is `handover.decide` (pure); this module carries the decision out on the
drafts file. Called inside the store's write transaction, so an import is all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from desktop.casefile import CaseFile, Value
from desktop.store import audit, handover, rows
from desktop.store.models import DraftsSpec, ImportClash, ImportConflict, ImportReport
from desktop.store.text import check_values, dump

NextNumber = Callable[[datetime], str]


def record_export(db: Database, case_id: str, fields: Mapping[str, Value], now: datetime) -> None:
    """Note that `fields` of the case left this machine in a case file (audit and handover)."""
    row = rows.row(db, case_id)
    db["cases"].update(row["seq"], {"handover": handover.digest(fields)})
    audit.log(db, now, case_id, "exported")


def import_cases(
    db: Database,
    spec: DraftsSpec,
    edition: str,
    cases: Sequence[tuple[str, CaseFile]],
    now: datetime,
    next_number: NextNumber,
) -> ImportReport:
    """Import (source name, case file) pairs; ImportConflict lists every clash (the caller's
    transaction then rolls back, so nothing changes). `next_number` numbers a case file that
    comes without one."""
    done: dict[str, list[str]] = {"create": [], "replace": [], "unchanged": []}
    clashes: list[ImportClash] = []
    for source, case in cases:
        check_values(case.fields)
        stored = rows.find(db, case.id)
        known = None
        if stored is not None:
            known = handover.StoredCase(
                stored["bundle"], stored["updated"], stored["fields"], stored["handover"]
            )
        decision = handover.decide(known, case)
        if decision in handover.CLASHES:
            assert stored is not None
            clashes.append(ImportClash(source, case.id, case.updated, stored["updated"], decision))
            continue
        done[decision].append(case.id)
        if decision == "create":
            _insert(db, spec, edition, case, now, next_number)
        elif decision == "unchanged":
            assert stored is not None
            db["cases"].update(stored["seq"], {"handover": handover.digest(case.fields)})
        else:
            assert stored is not None
            _replace(db, spec, stored, case, now, next_number)
    if clashes:
        raise ImportConflict(clashes)
    return ImportReport(tuple(done["create"]), tuple(done["replace"]), tuple(done["unchanged"]))


def _insert(
    db: Database, spec: DraftsSpec, edition: str, case: CaseFile, now: datetime, next_number: NextNumber
) -> None:
    # A case file's number is kept: it is what the paper already carries. One without gets
    # this desk's next number for today.
    number = case.number or next_number(now)
    fresh = rows.new_row(
        spec, case.bundle, case.id, dict(case.fields), datetime.fromisoformat(case.updated), edition, number
    )
    fresh.update(created=rows.iso(now), updated=case.updated, handover=handover.digest(case.fields))
    db["cases"].insert(fresh)
    audit.log(db, now, case.id, "imported", detail="created")


def _replace(
    db: Database,
    spec: DraftsSpec,
    stored: dict[str, Any],
    case: CaseFile,
    now: datetime,
    next_number: NextNumber,
) -> None:
    number = case.number or stored["number"] or next_number(now)
    updates: dict[str, Any] = rows.derived(spec, dict(case.fields), number)
    updates.update(
        {
            "fields": dump(case.fields),
            "bundle": case.bundle,
            "status": "draft",
            "revision": stored["revision"] + 1,
            "updated": case.updated,
            "updated_ts": datetime.fromisoformat(case.updated).timestamp(),
            "deleted": None,
            "deleted_ts": None,
            "handover": handover.digest(case.fields),
            "number": number,
        }
    )
    db["cases"].update(stored["seq"], updates)
    audit.log(db, now, case.id, "imported", detail="replaced")
