"""A case's statuses (paper-trail.md, "Case lifecycle"), in lifecycle order: the one list the
store, the case files and the hall's pulled-row check share, so a status one of them knows is
never refused by another."""

from __future__ import annotations

STATUSES: tuple[str, ...] = ("draft", "complete", "printed", "changed", "signed", "handed_over")
# Kept for their legal retention whatever a desk's clock says: only the hall's retention ends them.
RETAINED: tuple[str, ...] = ("signed", "handed_over")
