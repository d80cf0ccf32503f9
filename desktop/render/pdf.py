"""Print a case's bundle to one PDF (ReportLab platypus; no Qt).

    render_pdf(bundle, values, settings, case_id=..., draft=..., out=..., materials=None, copies=(),
               documents=None)

Each document of the bundle starts on a new page, in the bundle's order; text and layout come from
the bundle's document files, values go through desktop.domain.fields.display_value. With `materials` (the
ticked checklist items) the checklist page 材料清单 follows the documents (desktop.render.checklist);
with `copies` (the card images kept with the case) the 复印件 pages come last (desktop.render.copies).
`documents` prints only those named (shared/spec/paper-trail.md, "Printing some documents"), still
in bundle order, page x / y counting the pages printed.
"""

from __future__ import annotations

import io
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, LayoutError, PageBreak, PageTemplate

from desktop.files import paths, safefile
from desktop.render.checklist import checklist_story
from desktop.render.copies import copies_story
from desktop.render.fonts import register_font, registered_coverage
from desktop.render.furniture import Furniture, NumberedCanvas
from desktop.render.identity import PrintLayout, printable_number, values_digest
from desktop.render.story import TICK_MARKER, Builder, Values, styles

__all__ = ["EXTRA_DOCUMENTS", "TICK_MARKER", "PrintLayout", "document_ids", "printed_documents", "render_pdf"]

MARGIN = 20 * mm
# The body starts under the page's QR and its caption (desktop.render.furniture), clear of both.
TOP_MARGIN = 30 * mm
# Pages after the bundle's documents: the checklist (材料清单) and the annotated copies of the
# customer's papers (复印件, printed only when the case has card images).
MATERIALS, COPIES = "materials", "copies"
EXTRA_DOCUMENTS = (MATERIALS, COPIES)


def document_ids(bundle: Any) -> tuple[str, ...]:
    """Every id `documents` may name, in bundle order."""
    return (*(d.id for d in bundle.documents), *EXTRA_DOCUMENTS)


def printed_documents(
    bundle: Any, documents: Collection[str] | None, *, materials: bool, copies: bool = False
) -> tuple[str, ...]:
    """The ids a print of `documents` (None: the whole bundle) actually puts on paper, in bundle
    order: what the print log records. `materials`: the checklist page is printed (ticks given and
    the bundle has a checklist); `copies`: the case has card images for the 复印件 pages. Raises
    ValueError for an id the bundle does not know."""
    known = document_ids(bundle)
    if documents is not None:
        unknown = sorted(set(documents) - set(known))
        if unknown:
            raise ValueError(f"unknown documents: {', '.join(unknown)}")
    wanted = set(known) if documents is None else set(documents)
    has_checklist = materials and getattr(bundle, "materials", None) is not None
    return tuple(
        d for d in known if d in wanted and (d != COPIES or copies) and (d != MATERIALS or has_checklist)
    )


def render_pdf(
    bundle: Any,
    values: Mapping[str, object],
    settings: Mapping[str, str],
    *,
    case_id: str,
    draft: bool,
    out: Path | BinaryIO,
    materials: Collection[str] | None = None,
    copies: Sequence[tuple[str, bytes]] = (),
    documents: Collection[str] | None = None,
    starts: dict[str, int] | None = None,
    digest: str | None = None,
    layout: PrintLayout | None = None,
) -> int:
    """Write the bundle for one case as an A4 PDF to `out` (a path or a binary file object);
    returns the number of pages.

    `draft` marks every page 草稿 (the caller passes True while the case has errors). `materials`:
    the checklist items ticked for the case; given (even empty) and the bundle has a checklist, its
    page follows the documents, `case_id` on it as the case number. `copies`: the card images kept
    with the case, (kind, bytes), printed last as 复印件 pages crossed by the Order 25 annotation
    (the bundle's author setting as operator, today's date). `documents`: only these ids
    (document_ids; None: all), in bundle order; ValueError for an unknown id. `starts`, if given,
    is filled with each printed document's first page (from 0). Never raises
    on a value (one beyond its field's limit prints cut, marked 「…（超长，已截断）」); raises OSError
    (desktop.files.safefile.FileProblem, its message Chinese) when `out` cannot be written or is not a
    new or regular file (a path is replaced only once the whole PDF is ready), and
    desktop.render.glyphs.FontFileError when the shipped font is missing or unreadable.

    Every page carries its QR (paper-trail.md) naming `case_id`, its document, page and count, and
    `digest` (default: desktop.render.identity.values_digest of `values`); `layout`, given, is filled
    with each page's document and every signature and stamp frame, for the scan checker.
    """
    chosen = printed_documents(bundle, documents, materials=materials is not None, copies=bool(copies))
    docs = tuple(d for d in bundle.documents if d.id in chosen)
    font_path = paths.print_font()
    font = register_font(font_path)
    frame_width = A4[0] - 2 * MARGIN
    st = styles(font, frame_width)
    vals = Values(bundle, values, settings, registered_coverage(font_path))

    customer = vals.show_key(bundle.drafts.title_key)
    furniture = Furniture(
        font=font,
        case_id=vals.clean(str(case_id)),
        footer=vals.clean(f"{bundle.title} · {bundle.edition}"),
        draft=draft,
        margin=MARGIN,
        number=printable_number(str(case_id)),
        digest=digest or values_digest(values),
    )
    metadata = {
        "title": vals.clean(f"{bundle.title}（{customer}）" if customer else bundle.title),
        "author": vals.setting(bundle.author_setting) if bundle.author_setting else "",
        "subject": vals.clean(f"案卷 {case_id} · {bundle.edition}" + (" · 草稿" if draft else "")),
    }

    def checklist() -> list[Flowable]:
        """A fresh checklist page each build (a flowable is laid out once)."""
        if materials is None or MATERIALS not in chosen:
            return []
        page = checklist_story(vals, st, frame_width, str(case_id), frozenset(materials), date.today())
        return [PageBreak(), *page] if docs else page

    def copy_pages() -> list[Flowable]:
        """Fresh 复印件 pages each build; printed alone, no blank page before them."""
        if COPIES not in chosen:
            return []
        operator = vals.setting(bundle.author_setting) if bundle.author_setting else ""
        pages = copies_story(copies, operator, date.today(), font, st.title, frame_width)
        return pages if docs or MATERIALS in chosen else pages[1:]

    try:
        story = Builder(vals, st, frame_width).story(docs)
        data, pages = _build([*story, *checklist(), *copy_pages()], furniture, metadata)
    except LayoutError:
        furniture = replace(furniture, layout=PrintLayout(), starts={})
        # Only a value far beyond its field's limit gets here (a draft): print the tables as lines.
        story = Builder(vals, st, frame_width, grid=False).story(docs)
        data, pages = _build([*story, *checklist(), *copy_pages()], furniture, metadata)
    _write(data, out)
    if starts is not None:
        starts.update(furniture.starts)
    if layout is not None:
        layout.page_docs[:] = furniture.layout.page_docs
        layout.boxes[:] = furniture.layout.boxes
        layout.page_size = furniture.layout.page_size
    return pages


def _build(story: list[Flowable], furniture: Furniture, metadata: Mapping[str, str]) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=MARGIN,
        creator="desk400",
        lang="zh-CN",
        initialFontName=furniture.font,
        **metadata,
    )
    frame = Frame(
        MARGIN,
        MARGIN,
        A4[0] - 2 * MARGIN,
        A4[1] - MARGIN - TOP_MARGIN,
        id="body",
        leftPadding=0,
        rightPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=partial(NumberedCanvas, furniture=furniture))
    return buffer.getvalue(), doc.page


def _write(data: bytes, out: Path | BinaryIO) -> None:
    if not isinstance(out, (str, os.PathLike)):
        out.write(data)
        return
    # A new file or a regular file replaced through an exclusive temporary file: never through a
    # planted link, never over a device (safefile.FileProblem, an OSError, otherwise).
    safefile.write_atomic(Path(out), data)
