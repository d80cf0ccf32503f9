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
from desktop.store import images


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


def print_settings(bundle: Any, store: Any) -> dict[str, str]:
    """The bundle's settings as this drafts file sets them: what its prints were made with."""
    settings = bundle.setting_defaults()
    settings.update({k: str(v) for k, v in store.settings().items() if k in settings and v})
    return settings


def kept_copies(store: Any, case_id: str) -> list[tuple[str, bytes]]:
    """The case's card images (kind, bytes) as the 复印件 pages print them (desktop.render.copies)."""
    return [(i.kind, i.data) for i in images.of_case(store.db, case_id)]


def reprint(
    bundle: Any,
    fields: Mapping[str, Any],
    settings: Mapping[str, str],
    *,
    number: str,
    documents: Sequence[str],
    materials: Sequence[str] | None,
    day: date,
    copies: Sequence[tuple[str, bytes]] = (),
) -> Reprint:
    """Render the case as printed on `day` (its `documents`, its checklist ticks, and its 复印件
    pages from `copies` when the print had them) and return the layout with the digest its pages
    carry. Without the copies a print that ended with them would lay out fewer pages than it
    printed, and the scans of its last pages would match no document."""
    values = resolve(bundle, dict(fields), settings=dict(settings), today=day, number=number).values()
    layout = PrintLayout()
    render_pdf(
        bundle, values, settings, case_id=number, draft=False, out=io.BytesIO(), layout=layout,
        **_print_options(documents, materials, copies),
    )  # fmt: skip
    return Reprint(layout, values_digest(values))


def _print_options(
    documents: Sequence[str], materials: Sequence[str] | None, copies: Sequence[tuple[str, bytes]]
) -> dict[str, Any]:
    """render_pdf's options for the print's documents (its checklist and copies only when they
    were printed)."""
    options: dict[str, Any] = {"documents": list(documents)}
    if "materials" in documents and materials is not None:
        options["materials"] = list(materials)
    if "copies" in documents and copies:
        options["copies"] = list(copies)
    return options
