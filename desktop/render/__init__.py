"""The printed bundle: one PDF per case (ReportLab platypus; no Qt).

    render_pdf(bundle, values, settings, case_id=..., draft=..., out=..., materials=None, documents=None)

`pdf` lays the documents out and writes the file, `story` turns a document's blocks into
flowables, `furniture` draws the header, footer and 草稿 mark, `checklist` the 材料清单 page,
`fonts` registers the print font, `glyphs` reads which characters it can draw and `qr` encodes
the page QR. Loading is lazy (desktop.files.lazy): ReportLab loads with the first render, not
with the window.
`documents` prints only those named (shared/spec/paper-trail.md, "Printing some documents"), still
in bundle order, page x / y counting the pages printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.files.lazy import attach

__all__ = ["EXTRA_DOCUMENTS", "TICK_MARKER", "PrintLayout", "document_ids", "printed_documents", "render_pdf"]

__getattr__, __dir__ = attach(
    __name__,
    ["checklist", "copies", "fonts", "furniture", "glyphs", "identity", "pdf", "qr", "story"],
    {
        "render_pdf": "pdf",
        "TICK_MARKER": "story",
        "EXTRA_DOCUMENTS": "pdf",
        "document_ids": "pdf",
        "printed_documents": "pdf",
        "PrintLayout": "identity",
    },
)

if TYPE_CHECKING:
    from desktop.render.identity import PrintLayout
    from desktop.render.pdf import EXTRA_DOCUMENTS, document_ids, printed_documents, render_pdf
    from desktop.render.story import TICK_MARKER
