"""Where a case stands (shared/spec/paper-trail.md, "Case lifecycle"): the one list of statuses
with their labels, and the pure rule that decides a case's status.

The rule is a pure function of what the session knows (verdicts, materials, the latest print-log
digest), so the window, the command line and the tests all decide alike, and the session's
`wanted_status()` stays a thin call whoever owns the verdicts. Nothing here touches the drafts file.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from desktop.domain.statuses import RETAINED
from desktop.domain.statuses import STATUSES as _ALL
from desktop.files.lazy import attach

# `print_digest` is desktop.domain.digests' (hashlib and json): named here as well, loaded when
# first used (PEP 562), as the window shows statuses before its first paint and digests after.
__getattr__, _ = attach(__name__, [], {"print_digest": "desktop.domain.digests"})

DRAFT, COMPLETE, PRINTED, CHANGED, SIGNED, HANDED_OVER = (
    "draft",
    "complete",
    "printed",
    "changed",
    "signed",
    "handed_over",
)

# In lifecycle order; the labels are the contract's words, exactly.
LABELS: Mapping[str, str] = {
    DRAFT: "草稿",
    COMPLETE: "待打印",
    PRINTED: "已打印",
    CHANGED: "打印后有修改",
    SIGNED: "已签回",
    HANDED_OVER: "已交付",
}
# The one list of ids is desktop.domain.statuses (the store, case files and the hall share it).
STATUSES: tuple[str, ...] = _ALL
assert STATUSES == tuple(LABELS), "every status needs its label, in lifecycle order"
# Statuses only paper coming back can give (the scan-in and handover work): a new print of the
# same values does not take them away, a changed value does.
PAPER_STATUSES = frozenset(RETAINED)
# Statuses that say a print exists: an edit of a printed value turns them into `changed`.
AFTER_PRINT = frozenset({PRINTED, CHANGED, SIGNED, HANDED_OVER})
DIGEST_SHORT = 10  # hex characters of the digest a page's QR code carries


def label(status: str) -> str:
    """The status as the agent reads it (an unknown id, from a newer desk400, shown as it is)."""
    return LABELS.get(status, status)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def decide(
    *,
    blocked: bool,
    missing_materials: Collection[Any],
    digest: str,
    last_print: str | None,
    current: str = DRAFT,
) -> str:
    """The status a case should have now.

    `blocked`: errors or required fields unfilled; `missing_materials`: required checklist items
    not ticked; `digest`: print_digest of the values as they would print now; `last_print`: the
    digest of the latest print-log row (None: never printed here); `current`: the stored status.

    A print exists: the same values are `printed` (or keep `signed`/`handed_over`, which only paper
    gives), other values are `changed`. No print in this file but a post-print status (printed at
    another desk and synced through the hall, whose print log stays there): the status is kept,
    since nothing here can tell what was printed. Otherwise `draft` or `complete`.
    """
    if last_print is not None:
        if digest != last_print:
            return CHANGED
        return current if current in PAPER_STATUSES else PRINTED
    if current in AFTER_PRINT:
        return current
    return DRAFT if blocked or missing_materials else COMPLETE


def window_title(number: str | None, title: str, status: str) -> str:
    """The window's title: the case number, its title and, once printed, where it stands (已打印,
    打印后有修改…): the taskbar shows it."""
    shown = f" · {label(status)}" if status in AFTER_PRINT else ""
    return f"{number} · " * bool(number) + f"{title}{shown} - 400业务申请资料"
