"""Case files crossing machines: recording an export and importing case files into the drafts.

Which way each file goes is pure (desktop.store.handover): `merge` for a version-2 file whose base
this drafts file knows, `decide` for any other. This module carries the decision out on the drafts
file, inside the store's write transaction, so an import is all or nothing. New cases are written
together, one statement per table (a first sync with the hall imports thousands at once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from desktop.files.casefile import CaseFile, Value, values_digest
from desktop.store import audit, bases, handover, rows
from desktop.store.models import DraftsSpec, ImportClash, ImportConflict, ImportReport
from desktop.store.text import check_values, dump

NextNumber = Callable[[datetime], str]


def record_export(
    db: Database, case_id: str, fields: Mapping[str, Value], now: datetime, revision: int = 1
) -> None:
    """Note that `fields` of the case left this machine in a case file (audit and handover);
    `revision` is the one the file gives them (its base's + 1, or 1 without a base)."""
    row = rows.row(db, case_id)
    db["cases"].update(row["seq"], {"handover": handover.digest(fields)})
    bases.record(db, case_id, revision, fields, row["revision"], rows.iso(now))
    audit.log(db, now, case_id, "exported")


def import_cases(
    db: Database,
    spec: DraftsSpec,
    edition: str,
    cases: Sequence[tuple[str, CaseFile]],
    now: datetime,
    next_number: NextNumber,
    *,
    bases_known: Mapping[str, Mapping[str, Value]] | None = None,
    handed_over: bool = True,
) -> ImportReport:
    """Import (source name, case file) pairs; ImportConflict lists every clash (the caller's
    transaction then rolls back, so nothing changes).

    A file whose base values are in `bases_known` (by case id) merges field by field; a changed
    case comes back as a draft (out of the bin if it was there). With `handed_over` (case files;
    not the hall's pull, which keeps its own base) every imported case records the file's values
    as handed over. `next_number` numbers a case file that comes without one; it must count the
    numbers it gave out, since the new rows are written at the end.
    """
    known_bases = bases_known or {}
    done: dict[str, list[str]] = {"create": [], "replace": [], "unchanged": [], "merge": []}
    clashes: list[ImportClash] = []
    fresh: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    handovers: list[tuple[CaseFile, int]] = []
    present = rows.present(db, [case.id for _, case in cases])  # one query per 500, not one per case
    for source, case in cases:
        check_values(case.fields)
        stored = rows.find(db, case.id) if case.id in present else None
        if stored is None:
            done["create"].append(case.id)
            fresh.append(_new(spec, edition, case, now, next_number))
            events.append(audit.event_row(now, case.id, "imported", detail="created"))
            handovers.append((case, 1))
            continue
        values: Mapping[str, Value] = case.fields
        if case.base is not None and _superseded(db, stored, case):
            # Values this drafts file already had, or made a later state from: nothing in the
            # file is new here (a re-import, or a laptop's older file arriving after its newer one).
            done["unchanged"].append(case.id)
            continue
        if case.id in known_bases:
            merged = handover.merge(stored["fields"], case.fields, known_bases[case.id])
            decision, values = merged.decision, merged.fields
            conflicts, number = merged.conflicts, stored["number"]
        else:
            known = handover.StoredCase(
                stored["bundle"], stored["updated"], stored["fields"], stored["handover"]
            )
            decision, conflicts, number = handover.decide(known, case), (), None
        if decision in handover.CLASHES:
            clashes.append(
                ImportClash(source, case.id, case.updated, stored["updated"], decision, conflicts, number)
            )
            continue
        done[decision].append(case.id)
        if decision == "unchanged":
            db["cases"].update(stored["seq"], {"handover": handover.digest(case.fields)})
            handovers.append((case, stored["revision"]))
            continue
        # A merge is a new state made here, now; a replacement is the file's own.
        updated = rows.iso(now) if decision == "merge" else case.updated
        _replace(db, spec, stored, case, dict(values), updated, now, next_number)
        detail = "merged" if decision == "merge" else "replaced"
        events.append(audit.event_row(now, case.id, "imported", detail=detail))
        handovers.append((case, stored["revision"] + 1))
    if clashes:
        raise ImportConflict(clashes)
    if fresh:
        db["cases"].insert_all(fresh, batch_size=500)
    if events:
        db["audit"].insert_all(events, batch_size=500)
    if handed_over:
        for case, local_revision in handovers:
            revision = 1 if case.base is None else case.base.revision + 1
            bases.record(db, case.id, revision, case.fields, local_revision, rows.iso(now))
            if case.base is not None:
                bases.record_ancestor(db, case.id, case.base.digest)
    return ImportReport(
        tuple(done["create"]), tuple(done["replace"]), tuple(done["unchanged"]), tuple(done["merge"])
    )


def _superseded(db: Database, stored: Mapping[str, Any], case: CaseFile) -> bool:
    """A version-2 file whose values differ from the stored case's but were seen here before,
    made from an older state than this machine's last handover of the case.

    A file whose base is that last handover was made from the latest state the two machines
    shared: the base alone decides then (it merges, or replaces an unchanged case), even when its
    values are ones seen here before: a name changed on the laptop and changed back is a revert,
    not an old copy."""
    assert case.base is not None
    if handover.same_content(stored["fields"], case.fields):
        return False
    last = bases.last(db, case.id)
    if last is not None and last.digest == case.base.digest:
        return False
    return bases.seen(db, case.id, values_digest(case.fields))


def _new(
    spec: DraftsSpec, edition: str, case: CaseFile, now: datetime, next_number: NextNumber
) -> dict[str, Any]:
    # A case file's number is kept: it is what the paper already carries. One without gets
    # this desk's next number for today.
    number = case.number or next_number(now)
    fresh = rows.new_row(
        spec, case.bundle, case.id, dict(case.fields), datetime.fromisoformat(case.updated), edition, number
    )
    fresh.update(created=rows.iso(now), updated=case.updated, handover=handover.digest(case.fields))
    return fresh


def _replace(
    db: Database,
    spec: DraftsSpec,
    stored: dict[str, Any],
    case: CaseFile,
    values: dict[str, Value],
    updated: str,
    now: datetime,
    next_number: NextNumber,
) -> None:
    number = case.number or stored["number"] or next_number(now)
    changes: dict[str, Any] = rows.derived(spec, values, number)
    changes.update(
        {
            "fields": dump(values),
            "bundle": case.bundle,
            "status": "draft",
            "revision": stored["revision"] + 1,
            "updated": updated,
            "updated_ts": datetime.fromisoformat(updated).timestamp(),
            "deleted": None,
            "deleted_ts": None,
            "handover": handover.digest(case.fields),
            "number": number,
        }
    )
    db["cases"].update(stored["seq"], changes)
