"""Is there ink in a box? Each box is warped from the scan to 10 px/mm, shrunk 3 mm on every side
(the printed frame and the alignment error stay outside), median-filtered 3×3 (scanner noise and
JPEG specks go), then:

- a signature: the share of pixels darker than grey 110;
- a stamp: the share of red pixels, R − max(G, B) > 60 (a black pen across a seal is not a seal).

Thresholds are calibrated on the generated scans (tests/paper_scans.py, see tests/test_paper_ink.py):
empty boxes stay below a fifth of them after rotation, noise and JPEG, inked boxes far above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from desktop.render.identity import BoxFrame

PX_PER_MM = 10
SHRINK_MM = 3.0
DARK_BELOW = 110
RED_ABOVE = 60
SIGNATURE_MIN = 0.005
STAMP_MIN = 0.01


@dataclass(frozen=True)
class Ink:
    box: BoxFrame
    share: float  # of the checked area's pixels
    inked: bool


def box_ink(image: Image.Image, to_scan: np.ndarray, box: BoxFrame) -> Ink:
    """How much ink the scan holds inside `box` (page mm), read through the page's homography."""
    left, top = box.left + SHRINK_MM, box.top + SHRINK_MM
    width, height = box.width - 2 * SHRINK_MM, box.height - 2 * SHRINK_MM
    size = (max(1, round(width * PX_PER_MM)), max(1, round(height * PX_PER_MM)))
    # Output pixel (u, v) is page mm (left + u/10, top + v/10), then scan px through `to_scan`.
    scale = np.array([[1 / PX_PER_MM, 0, left], [0, 1 / PX_PER_MM, top], [0, 0, 1]])
    m = to_scan @ scale
    m = m / m[2, 2]
    coeffs = (m[0, 0], m[0, 1], m[0, 2], m[1, 0], m[1, 1], m[1, 2], m[2, 0], m[2, 1])
    warped = image.transform(
        size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR, fillcolor="white"
    )
    # The 3×3 median runs on the one channel measured (grey, or redness), not on RGB: a third of
    # the work, the same verdict.
    if box.kind == "stamp":
        pixels = np.asarray(warped, dtype=np.int16)
        redness = np.clip(pixels[..., 0] - np.maximum(pixels[..., 1], pixels[..., 2]), 0, 255).astype(
            np.uint8
        )
        measured = Image.fromarray(redness).filter(ImageFilter.MedianFilter(3))
        mask = np.asarray(measured) > RED_ABOVE
        least = STAMP_MIN
    else:
        measured = warped.convert("L").filter(ImageFilter.MedianFilter(3))
        mask = np.asarray(measured) < DARK_BELOW
        least = SIGNATURE_MIN
    share = float(mask.mean())
    return Ink(box, share, share > least)
