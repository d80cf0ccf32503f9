"""Finding a scanned page's QR: which case, document and print it belongs to, and where the
page lies in the scan (a homography from page millimetres to scan pixels, by the QR's corners)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import zxingcpp
from PIL import Image

from desktop.render.identity import PageId, parse_payload, qr_symbol_mm


@dataclass(frozen=True)
class Located:
    """A page's identity and the 3×3 homography taking page mm (from the top-left) to scan px."""

    page: PageId
    to_scan: np.ndarray


@dataclass(frozen=True)
class Seen:
    """What the page's QR codes said: ours located, or the text of a foreign one (None: no QR)."""

    located: Located | None
    foreign: str | None = None


def locate(image: Image.Image, page_width_mm: float) -> Seen:
    """Read the page's QR codes and align the page by ours (the first of our format)."""
    foreign = None
    for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        page = parse_payload(result.text)
        if page is None:
            foreign = foreign or result.text[:80]
            continue
        modules = _modules(result)
        left, top, side = qr_symbol_mm(page_width_mm, modules)
        p = result.position
        scan = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
        paper = [(left, top), (left + side, top), (left + side, top + side), (left, top + side)]
        return Seen(Located(page, homography(paper, [(q.x, q.y) for q in scan])))
    return Seen(None, foreign)


def _modules(result: zxingcpp.Barcode) -> int:
    """The symbol's modules per side, from its version (zxing-cpp reports it as text in `extra`)."""
    version = str(result.extra.get("Version", "")) if isinstance(result.extra, dict) else ""
    return 17 + 4 * (int(version) if version.isdigit() and 1 <= int(version) <= 40 else 1)


def homography(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> np.ndarray:
    """The 3×3 map taking the `src` points (page mm) nearest to the `dst` points (scan px): a
    rotation, one scale and a shift, fitted by least squares.

    A flatbed or feeder scan is exactly that (the same resolution across and down). A full
    projective fit to the QR's four corners, 14 mm apart, turns a one-pixel error in one corner
    into millimetres of tilt 180 mm away (measured: boxes at the page's foot missed by 5 mm).
    """
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, -y, 1, 0])
        rows.append([y, x, 0, 1])
        rhs.extend([u, v])
    (a, b, tx, ty), *_ = np.linalg.lstsq(np.asarray(rows, float), np.asarray(rhs, float), rcond=None)
    return np.array([[a, -b, tx], [b, a, ty], [0.0, 0.0, 1.0]])
