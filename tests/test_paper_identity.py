"""Every printed page carries its QR (400B1|NUMBER|DOC|P/N|DIGEST, EC level M) in the top-right
corner, clear of all other print, with the number and page under it; the layout data's boxes are
framed and reported where they print."""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp
from pypdf import PdfReader

from desktop.domain.status import print_digest
from desktop.render.identity import QR_INSET_MM, QR_SIZE_MM, PageId, parse_payload
from tests.paper_scans import print_case, rasterise

NUMBER = "XH01-20261207-004"
DPI = 150


def _example() -> dict:
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "example-case.json"
    return json.loads(path.read_text(encoding="utf-8"))["fields"]


@pytest.fixture(scope="module")
def printed(bundle, tmp_path_factory):
    example_values = _example()
    pdf = tmp_path_factory.mktemp("identity") / "bundle.pdf"
    layout = print_case(bundle, example_values, NUMBER, pdf, materials=["license_copy"])
    return pdf, layout, rasterise(pdf, DPI)


def _mm(px: float) -> float:
    return px * 25.4 / DPI


def test_each_page_names_its_case_document_page_count_and_the_print_digest(printed):
    pdf, layout, pages = printed
    digest = print_digest(_example())[:10]
    found = []
    for image in pages:
        codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert len(codes) == 1 and codes[0].extra["ECLevel"] == "M"
        found.append(parse_payload(codes[0].text))
    total = len(pages)
    assert found == [PageId(NUMBER, doc, n, total, digest) for n, doc in enumerate(layout.page_docs, start=1)]
    assert layout.page_docs[0] == "authorization" and layout.page_docs[-1] == "materials"
    texts = [p.extract_text() for p in PdfReader(pdf).pages]
    assert all(f"{NUMBER} 第{n}页" in text for n, text in enumerate(texts, start=1))


def test_the_qr_is_about_18_mm_in_the_corner_and_its_quiet_zone_is_clear(printed):
    _, _, pages = printed
    for image in pages:
        code = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)[0]
        p = code.position
        side = _mm(p.top_right.x - p.top_left.x)
        modules = 17 + 4 * int(code.extra["Version"])
        with_quiet = side * (modules + 8) / modules
        assert abs(with_quiet - QR_SIZE_MM) < 0.6
        right = image.width - p.top_right.x
        assert abs(_mm(right) - (QR_INSET_MM + 4 * QR_SIZE_MM / (modules + 8))) < 0.6
        # The quiet zone (4 modules around the symbol) holds no ink: nothing else prints there.
        grey = np.asarray(image.convert("L"))
        unit = (p.top_right.x - p.top_left.x) / modules
        x0, y0 = int(p.top_left.x - 4 * unit) + 1, int(p.top_left.y - 4 * unit) + 1
        x1, y1 = int(p.bottom_right.x + 4 * unit) - 1, int(p.bottom_right.y + 4 * unit) - 1
        ring = np.ones_like(grey, bool)[y0:y1, x0:x1]
        ix0, iy0 = int(p.top_left.x) - 1 - x0, int(p.top_left.y) - 1 - y0
        ix1, iy1 = int(p.bottom_right.x) + 2 - x0, int(p.bottom_right.y) + 2 - y0
        ring[iy0:iy1, ix0:ix1] = False
        assert grey[y0:y1, x0:x1][ring].min() > 200


def test_every_marked_box_is_framed_with_at_least_the_contracts_size(printed, bundle):
    from desktop.domain import layout as layout_data

    _, layout, pages = printed
    marked = [(label, box) for doc in bundle.documents for label, box in layout_data.boxes(doc.blocks)]
    assert [(b.label, b.kind, b.required) for b in layout.boxes] == [
        (lbl, box.kind, box.required) for lbl, box in marked
    ]
    for box in layout.boxes:
        least = (50, 15) if box.kind == "signature" else (45, 45)
        assert box.width >= least[0] - 0.01 and box.height >= least[1] - 0.01, box
        assert 0 < box.left and box.left + box.width <= 190.01 and box.top >= 30  # inside the body frame
        # A light frame is printed: its top edge is visible in the raster, grey, not black.
        image = np.asarray(pages[box.page - 1].convert("L"))
        y = round(box.top * DPI / 25.4)
        xs = slice(round((box.left + 2) * DPI / 25.4), round((box.left + box.width - 2) * DPI / 25.4))
        edge = image[y - 1 : y + 2, xs].min(axis=0)
        assert (edge < 235).mean() > 0.3 and edge.min() > 60
