"""rapidocr without OpenCV (issue 24: OpenCV's 169 MB kept the frozen app over its size limit):
desktop.capture.imageops does the image operations rapidocr calls, with numpy and Pillow.

Each operation is checked on a picture whose answer is known (a rotated rectangle's size and angle,
a crop that must equal a slice), and the whole read on a generated licence with OpenCV hidden the
way Python reports a module absent (sys.modules["cv2"] = None), as in the frozen app."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from capture_images import Licence, degraded, encoded, licence_image
from PIL import Image, ImageDraw

from desktop.capture import imageops as cv
from desktop.capture.ocr import OcrEngine

ROOT = Path(__file__).resolve().parent.parent


def rotated_rectangle(width: float, height: float, angle: float, centre=(100.0, 80.0)) -> np.ndarray:
    u = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
    v = np.array([-u[1], u[0]])
    c = np.array(centre)
    return np.array(
        [c + sx * u * width / 2 + sy * v * height / 2 for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    )


def bitmap(*polygons: np.ndarray, size=(240, 180)) -> np.ndarray:
    image = Image.new("L", size, 0)
    draw = ImageDraw.Draw(image)
    for polygon in polygons:
        draw.polygon([tuple(p) for p in polygon], fill=255)
    return np.asarray(image)


@pytest.mark.parametrize("angle", [0.0, 7.0, -12.0, 30.0])
def test_a_blobs_minimum_rectangle_has_its_size_and_angle(angle):
    shape = rotated_rectangle(120, 30, angle)
    contours, _ = cv.findContours(bitmap(shape), cv.RETR_LIST, cv.CHAIN_APPROX_SIMPLE)
    assert len(contours) == 1 and contours[0].dtype == np.int32 and contours[0].shape[1:] == (1, 2)
    (cx, cy), (w, h), found = cv.minAreaRect(contours[0])
    long, short = max(w, h), min(w, h)
    assert abs(long - 120) <= 2.5 and abs(short - 30) <= 2.5
    assert abs(cx - 100) <= 1.5 and abs(cy - 80) <= 1.5
    # the long side's direction, modulo a half turn
    direction = found if w >= h else found + 90
    assert min(abs((direction - angle + 90) % 180 - 90), 180) <= 1.5
    corners = cv.boxPoints(((cx, cy), (w, h), found))
    assert corners.shape == (4, 2) and corners.dtype == np.float32
    assert np.allclose(corners.mean(axis=0), (cx, cy), atol=1e-3)


def test_separate_blobs_are_separate_contours_and_diagonal_touch_joins():
    two = bitmap(rotated_rectangle(40, 10, 0, (40, 40)), rotated_rectangle(40, 10, 0, (40, 100)))
    assert len(cv.findContours(two, cv.RETR_LIST, cv.CHAIN_APPROX_SIMPLE)[0]) == 2
    diagonal = np.zeros((6, 6), np.uint8)
    diagonal[1, 1] = diagonal[2, 2] = diagonal[3, 3] = 255  # 8-connected, as OpenCV follows them
    assert len(cv.findContours(diagonal, cv.RETR_LIST, cv.CHAIN_APPROX_SIMPLE)[0]) == 1
    assert cv.findContours(np.zeros((5, 5), np.uint8), cv.RETR_LIST, cv.CHAIN_APPROX_SIMPLE)[0] == ()


def test_a_polygon_mask_and_its_mean():
    pred = np.zeros((50, 60), np.float32)
    pred[10:20, 10:30] = 0.8
    mask = np.zeros((50, 60), np.uint8)
    returned = cv.fillPoly(mask, np.array([[[10, 10], [29, 10], [29, 19], [10, 19]]], np.int32), 1)
    assert returned is mask and mask.sum() == 200  # filled in place, edges included
    assert cv.mean(pred, mask)[0] == pytest.approx(0.8)
    assert cv.mean(pred, np.zeros_like(mask))[0] == 0.0


def test_a_perspective_crop_of_an_upright_box_is_its_slice():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (80, 120, 3), dtype=np.uint8)
    src = np.array([[20, 10], [70, 10], [70, 40], [20, 40]], np.float32)
    dst = np.array([[0, 0], [50, 0], [50, 30], [0, 30]], np.float32)
    matrix = cv.getPerspectiveTransform(src, dst)
    assert np.allclose(matrix @ np.array([70, 40, 1.0]), [50, 30, 1.0], atol=1e-6)
    crop = cv.warpPerspective(image, matrix, (50, 30), borderMode=cv.BORDER_REPLICATE, flags=cv.INTER_CUBIC)
    assert crop.shape == (30, 50, 3)
    assert np.abs(crop.astype(int) - image[10:40, 20:70].astype(int)).max() <= 1
    ok, inverse = cv.invert(matrix)
    assert ok and np.allclose(inverse @ matrix, np.eye(3), atol=1e-9)


def test_resize_colour_and_borders_keep_opencvs_shapes():
    image = np.zeros((40, 100, 3), np.uint8)
    image[:, :, 2] = 200  # red in BGR
    assert cv.resize(image, (50, 20)).shape == (20, 50, 3)
    assert cv.resize(image, None, fx=0.5, fy=0.5, interpolation=cv.INTER_AREA).shape == (20, 50, 3)
    grey = cv.cvtColor(image, cv.COLOR_BGR2GRAY)
    assert grey.shape == (40, 100) and int(grey[0, 0]) == round(0.299 * 200)
    assert cv.cvtColor(grey, cv.COLOR_GRAY2BGR).shape == (40, 100, 3)
    assert (cv.cvtColor(image, cv.COLOR_RGB2BGR)[0, 0] == [200, 0, 0]).all()
    padded = cv.copyMakeBorder(image, 1, 2, 3, 4, cv.BORDER_CONSTANT, value=(0, 0, 0))
    assert padded.shape == (43, 107, 3) and padded[0, 0].sum() == 0
    assert cv.rotate(image, cv.ROTATE_180).shape == image.shape
    with pytest.raises(cv.error):
        cv.imwrite("x.png", image)


def test_a_phone_photo_is_turned_upright_by_its_exif_orientation(tmp_path):
    upright = Image.new("RGB", (60, 20), "white")
    upright.paste((0, 0, 0), (0, 0, 10, 20))  # a black band on the left
    sideways = upright.rotate(90, expand=True)  # as the camera stored it...
    exif = Image.Exif()
    exif[0x0112] = 6  # ...with "rotate 90° clockwise to view"
    path = tmp_path / "photo.jpg"
    sideways.save(path, "JPEG", exif=exif)
    decoded = cv.imdecode(np.frombuffer(path.read_bytes(), np.uint8))
    assert decoded.shape == (20, 60, 3) and decoded[10, 2].max() < 60 and decoded[10, 50].min() > 200
    assert cv.imdecode(np.frombuffer(b"not an image", np.uint8)) is None


def test_rapidocr_runs_on_imageops_and_cv2_is_left_as_it_was():
    before = sys.modules.get("cv2")
    OcrEngine().load()
    assert sys.modules["rapidocr.main"].cv2 is cv
    assert sys.modules["rapidocr.ch_ppocr_det.utils"].cv2 is cv
    assert sys.modules.get("cv2") is before  # whatever `cv2` named before, if anything


def test_a_licence_reads_right_with_opencv_absent(tmp_path):
    """As in the frozen app, which carries no OpenCV: every key field right on a degraded scan."""
    card = Licence()
    path = tmp_path / "licence.jpg"
    path.write_bytes(encoded(degraded(licence_image(card)), "JPEG", 80))
    code = (
        "import sys\nsys.modules['cv2'] = None\nfrom desktop.cli import main\n"
        f"sys.exit(main(['read-card', 'licence', {str(path)!r}, '--json']))\n"
    )
    env = dict(os.environ, DESK400_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fields = {key: f["value"] for key, f in json.loads(result.stdout)["fields"].items()}
    assert fields == {
        "customer.name": card.name,
        "customer.license_no": card.code,
        "customer.address": card.address,
        "legal_rep": card.legal_rep,
    }
