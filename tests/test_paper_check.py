"""The checker on generated scans: QR found, page aligned, each required box's ink judged."""

from __future__ import annotations

import pytest

from desktop.paper.check import check_page
from desktop.paper.locate import locate
from desktop.paper.scans import read_scan
from tests.paper_scans import degrade, fill_boxes, print_case, rasterise

NUMBER = "XH01-20261207-004"


@pytest.fixture(scope="module")
def printed(bundle, tmp_path_factory):
    import json
    from pathlib import Path

    values = json.loads((Path(__file__).parents[1] / "examples" / "example-case.json").read_text("utf-8"))[
        "fields"
    ]
    pdf = tmp_path_factory.mktemp("print") / "print.pdf"
    layout = print_case(bundle, values, NUMBER, pdf)
    return layout, rasterise(pdf, 200)


def titles(bundle) -> dict[str, str]:
    return {d.id: d.tab for d in bundle.documents}


@pytest.mark.parametrize(
    ("angle", "sigma", "quality"), [(0, 0, 0), (2.0, 10, 50), (-3.5, 15, 35), (180, 5, 60)]
)
def test_signed_pages_pass_and_empty_boxes_are_named(bundle, printed, angle, sigma, quality):
    layout, clean = printed
    skip = [(b.page, b.label) for b in layout.boxes if b.label == "申请单位（盖公章）"]
    assert skip, "the layout marks the applicant's stamp"
    signed = [p.copy() for p in clean]
    fill_boxes(signed, layout, 200, skip=skip)
    for number, page in enumerate(signed, start=1):
        scan = degrade(page, angle=angle, sigma=sigma, quality=quality, seed=number)
        seen = locate(scan, layout.page_size[0])
        assert seen.located is not None, f"page {number}: QR not found"
        assert seen.located.page.page == number and seen.located.page.number == NUMBER
        verdict = check_page(scan, seen.located, layout, titles(bundle))
        required = [b for b in layout.boxes_on(number) if b.required]
        assert len(verdict.inks) == len(required)
        if number == skip[0][0]:
            assert [m.message() for m in verdict.missing] == [
                f"第 {number} 页 业务需求单 申请单位（盖公章）：未见盖章"
            ]
        else:
            assert verdict.complete, [(i.box.label, i.share) for i in verdict.inks]
        # Calibration: a signed or stamped box holds well over the ink its threshold asks (a 35 mm
        # seal in the requirement form's 167 mm wide cell is the thinnest: about 2.7 %).
        from desktop.paper import ink

        for result in verdict.inks:
            least = ink.STAMP_MIN if result.box.kind == "stamp" else ink.SIGNATURE_MIN
            assert result.inked == (result.share > least)
            if (number, result.box.label) not in skip:
                assert result.share > 2 * least, (result.box.label, result.share)


def test_empty_boxes_stay_far_below_the_thresholds(bundle, printed):
    """Calibration: the unsigned print, degraded, reads as empty in every box with a wide margin."""
    from desktop.paper import ink

    layout, clean = printed
    for number, page in enumerate(clean, start=1):
        scan = degrade(page, angle=2.5, sigma=18, quality=30, seed=number)
        seen = locate(scan, layout.page_size[0])
        assert seen.located is not None
        for result in check_page(scan, seen.located, layout, titles(bundle)).inks:
            least = ink.STAMP_MIN if result.box.kind == "stamp" else ink.SIGNATURE_MIN
            assert result.share < least / 5, (result.box.label, result.share)


def test_a_black_pen_across_a_stamp_box_is_no_stamp(bundle, printed):
    import random

    from tests.paper_scans import sign

    layout, clean = printed
    box = next(b for b in layout.boxes if b.kind == "stamp" and b.required)
    page = clean[box.page - 1].copy()
    sign(page, box, 200, random.Random(1))
    seen = locate(page, layout.page_size[0])
    verdict = check_page(page, seen.located, layout, titles(bundle))
    assert any(m.label == box.label.rstrip("：: ") for m in verdict.missing)


def test_a_page_without_our_qr_is_seen_as_such(tmp_path):
    from PIL import Image

    blank = Image.new("RGB", (1654, 2339), "white")
    assert locate(blank, 210).located is None
    path = tmp_path / "blank.png"
    blank.save(path)
    assert [p.index for p in read_scan(path)] == [1]


@pytest.mark.parametrize("angle", [0.7, -2.0, 4.5])
def test_alignment_by_the_qr_lands_within_a_millimetre_or_two_at_the_pages_foot(printed, angle):
    """Dots drawn at the farthest box's corners before the scanner's rotation, noise and JPEG are
    found again where the QR's alignment predicts them (the 3 mm shrink covers the error)."""
    import numpy as np
    from PIL import ImageDraw

    layout, clean = printed
    box = max(layout.boxes, key=lambda b: b.top + b.height)
    page = clean[box.page - 1].copy()
    corners = [(box.left, box.top + box.height), (box.left + box.width, box.top + box.height)]
    draw = ImageDraw.Draw(page)
    px = 200 / 25.4
    for x, y in corners:
        draw.ellipse((x * px - 6, y * px - 6, x * px + 6, y * px + 6), fill=(0, 200, 0))
    scan = degrade(page, angle=angle, sigma=6, quality=70, seed=2)
    seen = locate(scan, layout.page_size[0])
    pixels = np.asarray(scan, dtype=np.int16)
    green = (pixels[..., 1] - np.maximum(pixels[..., 0], pixels[..., 2])) > 80
    for x, y in corners:
        u, v, w = seen.located.to_scan @ np.array([x, y, 1.0])
        u, v = u / w, v / w
        window = green[int(v) - 60 : int(v) + 60, int(u) - 60 : int(u) + 60]
        ys, xs = np.nonzero(window)
        assert len(xs), "the dot is far from where the alignment puts it"
        error_mm = np.hypot(xs.mean() - 60, ys.mean() - 60) / px
        assert error_mm < 1.5, error_mm
