"""Where a print put its boxes: the print rendered again, in memory, as it was made.

The render is deterministic (same values, settings, font and documents give the same pages), so a
print's layout need not be stored: it is the render of the case's values resolved on the print's
day, and it holds only when those values still digest to the print's digest (else the case was
changed after printing and the paper is not what the drafts say).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from desktop.domain.resolve import resolve
from desktop.render import PrintLayout, render_pdf
from desktop.render.identity import values_digest


@dataclass(frozen=True)
class Reprint:
    layout: PrintLayout
    digest: str  # the short digest the render's pages carry


def print_day(at: str) -> date:
    """The day a print-log row was written (its ISO time), today when it cannot be read."""
    try:
        return datetime.fromisoformat(at).date()
    except (TypeError, ValueError):
        return date.today()


def reprint(
    bundle: Any,
    fields: Mapping[str, Any],
    settings: Mapping[str, str],
    *,
    number: str,
    documents: Sequence[str],
    materials: Sequence[str] | None,
    day: date,
) -> Reprint:
    """Render the case as printed on `day` (its `documents`, its checklist ticks) and return the
    layout with the digest its pages carry."""
    values = resolve(bundle, dict(fields), settings=dict(settings), today=day, number=number).values()
    layout = PrintLayout()
    render_pdf(
        bundle, values, settings, case_id=number, draft=False, out=io.BytesIO(), layout=layout,
        **_print_options(documents, materials),
    )  # fmt: skip
    return Reprint(layout, values_digest(values))


def _print_options(documents: Sequence[str], materials: Sequence[str] | None) -> dict[str, Any]:
    """render_pdf's options for the print's documents (its checklist only when it was printed)."""
    options: dict[str, Any] = {"documents": list(documents)}
    if "materials" in documents and materials is not None:
        options["materials"] = list(materials)
    return options
