"""A pulled row is trusted no more than a case file: it passes the rules `import` applies
(desktop.files.casefile.parse with the bundle's field shapes, for storage) or it is quarantined.

The row's values arrive as the server's JSON text, not as parsed objects, so a hostile nesting
or size is refused by the case-file parser's own cheap checks before anything is built from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from desktop.domain.merge import BIN, STATUS, State
from desktop.domain.statuses import STATUSES
from desktop.files import casefile
from desktop.files.safefile import shown
from desktop.hall.remote import ServerCase
from desktop.store.hallbook import Refused  # what HallBook.quarantine keeps

SOURCE = "服务器上的案卷"


class RowRefused(ValueError):
    """Why a pulled row cannot be taken (one Chinese line naming the case and the problem)."""


def checked(case: ServerCase, bundle: str, shapes: Mapping[str, str] | None) -> ServerCase:
    """`case` with its state parsed from its raw text (the state without @bin, and the @bin
    value's JSON), if every rule holds; RowRefused otherwise. A purged tombstone carries no values."""
    text, binned = case.raw, case.raw_bin
    if case.purged:
        return replace(case, state={}, raw=None, raw_bin=None)
    if text is None:
        return case  # the caller holds these values already (its own push this round)
    if case.bundle != bundle:
        raise RowRefused(f"{_source(case)}：资料包 {shown(str(case.bundle), 20)} 不是本程序的 {bundle}")
    head = json.dumps(
        {
            "format": casefile.FORMAT,
            "version": 1,
            "id": case.case_id,
            "bundle": case.bundle,
            "updated": case.updated,
            "number": case.number,
        },
        ensure_ascii=False,
    )
    known = None if shapes is None else frozenset(shapes) | {STATUS}
    wanted = None if shapes is None else {**shapes, STATUS: casefile.TEXT}
    try:
        # The plain source: the row's own name (a sanitised label) is made only for a refusal.
        parsed = casefile.parse(
            head[:-1] + ', "fields": ' + text + "}",
            source=SOURCE,
            known_keys=known,
            shapes=wanted,
            for_storage=True,
        )
    except casefile.CaseFileError as exc:
        said = str(exc)
        raise RowRefused(_source(case) + said[len(SOURCE) :] if said.startswith(SOURCE) else said) from None
    state: State = dict(parsed.fields)
    status = state.get(STATUS)
    if status is not None and status not in STATUSES:
        raise RowRefused(
            f"{_source(case)}：状态 {shown(repr(status), 30)} 不是已知的状态（{'、'.join(STATUSES)}）"
        )
    if binned is not None:
        if binned != "true":
            raise RowRefused(f"{_source(case)}：回收站标记 {BIN} 应为 true，实际为 {shown(binned, 30)}")
        state[BIN] = True
    return replace(case, state=state, raw=None, raw_bin=None)


def _source(case: ServerCase) -> str:
    """The row as a refusal names it: its number (shown safely), else its id's first 8 characters."""
    label = shown(case.number, 30) if isinstance(case.number, str) else case.case_id[:8]
    return f"{SOURCE} {label}"


def sort_pulled(
    cases: Sequence[ServerCase], bundle: str, shapes: Mapping[str, str] | None
) -> tuple[list[ServerCase], list[Refused]]:
    """The pulled cases that pass the rules (their state parsed), and the rows to quarantine:
    (case id, revision, number, reason, raw row, when). A case pulled without values (held
    here at that revision already: this round's own push) passes as it is."""
    good: list[ServerCase] = []
    refused: list[Refused] = []
    now = datetime.now().astimezone().isoformat(timespec="seconds")
    for case in cases:
        if case.raw is None and not case.purged:
            good.append(case)
            continue
        try:
            good.append(checked(case, bundle, shapes))
        except RowRefused as exc:
            number = case.number
            if not isinstance(number, str) or casefile.check_case_number(number) is not None:
                number = None
            head = json.dumps(
                {"bundle": case.bundle, "updated": case.updated, "number": case.number}, ensure_ascii=False
            )
            refused.append(
                (case.case_id, case.revision, number, str(exc), head + "\n" + (case.raw or ""), now)
            )
    return good, refused
