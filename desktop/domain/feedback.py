"""What the line under a field shows, from its verdict ("reward early, punish late").

Pure logic, no widgets: the window asks `present` after every check and shows the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.domain.records import record

if TYPE_CHECKING:  # the checking code loads after the first paint
    from desktop.domain.case import FieldVerdict

# Types whose half-typed value is not yet wrong: their errors wait until the field is left.
WAIT_FOR_LEAVE = frozenset({"email", "date"})


@record
class Shown:
    kind: str  # "" nothing, "hint" neutral, "warning", "error"
    text: str
    info: str


NOTHING = Shown("", "", "")


def present(
    verdict: FieldVerdict, *, field_type: str, empty: bool, typing: bool, punished: bool, touched: bool
) -> Shown:
    """What to show under a field.

    `typing`: the field has focus and is being edited; `punished`: it has shown an error since it
    was last valid; `touched`: the agent edited it (an untouched empty field is not shouted at).
    """
    info = verdict.info or ""
    if not verdict.findings:
        return Shown("", "", info)
    first = verdict.findings[0]
    if first.severity == "error":
        if empty and not touched:
            return NOTHING
        if typing and not punished:
            if verdict.missing > 0:
                return Shown("hint", f"还需 {verdict.missing} 位", "")
            if field_type in WAIT_FOR_LEAVE:
                return NOTHING
        return Shown("error", _joined(verdict, "error"), "")
    return Shown("warning", _joined(verdict, "warning"), info)


def _joined(verdict: FieldVerdict, severity: str) -> str:
    return "；".join(f.text for f in verdict.findings if f.severity == severity)
