"""The OpenCV calls RapidOCR makes, done with numpy and Pillow, so the app carries no OpenCV.

Why: opencv-python-headless is 169 MB in the frozen app (its cv2 module links ffmpeg's codecs,
AV1/VP9 decoders and a second OpenBLAS, so none of them can be left out), which alone put the
folder over its 350 MB gate (issue 24). RapidOCR uses OpenCV only for a handful of plain image
operations: resizing, colour conversion, the outer contours of the text map and their minimum-area
rectangles, a polygon mask and its mean, and a perspective crop of each text line. Those are done
here, each with the call signature and the result shape RapidOCR relies on; desktop.capture.ocr
imports rapidocr with this module standing in for `cv2` (and restores what `cv2` was before).

Where the results differ from OpenCV's, by design:
- `findContours` gives each 8-connected blob's outline as its convex hull's corners (RapidOCR only
  takes a contour's minimum-area rectangle, which is the hull's) and lists no holes (OpenCV's
  RETR_LIST would give a ring's inside as a second, overlapping text box).
- `resize` is Pillow's, which filters when it shrinks (OpenCV's INTER_LINEAR samples), so a
  downscaled text line is smoother; the recogniser reads it at least as well.
- `warpPerspective` samples with Pillow's bicubic filter, the border repeated as BORDER_REPLICATE.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageOps

INTER_NEAREST, INTER_LINEAR, INTER_CUBIC, INTER_AREA = 0, 1, 2, 3
BORDER_CONSTANT, BORDER_REPLICATE = 0, 1
COLOR_BGR2GRAY, COLOR_GRAY2BGR, COLOR_RGB2BGR, COLOR_BGR2RGB = 6, 8, 4, 4
COLOR_BGRA2BGR, COLOR_RGBA2BGR = 1, 3
RETR_LIST, CHAIN_APPROX_SIMPLE = 1, 2
ROTATE_90_CLOCKWISE, ROTATE_180, ROTATE_90_COUNTERCLOCKWISE = 0, 1, 2
IMREAD_COLOR = 1
FONT_HERSHEY_SIMPLEX = 0

_RESAMPLE = {
    INTER_NEAREST: Image.Resampling.NEAREST,
    INTER_LINEAR: Image.Resampling.BILINEAR,
    INTER_CUBIC: Image.Resampling.BICUBIC,
    INTER_AREA: Image.Resampling.BOX,
}


class error(Exception):  # noqa: N801 (OpenCV's name: RapidOCR catches `cv2.error` nowhere, callers might)
    """An operation this module does not provide (RapidOCR's drawing and file helpers)."""


def _planes(image: np.ndarray) -> list[np.ndarray]:
    return [image] if image.ndim == 2 else [image[:, :, c] for c in range(image.shape[2])]


def _stacked(planes: list[np.ndarray], like: np.ndarray) -> np.ndarray:
    return planes[0] if like.ndim == 2 else np.stack(planes, axis=2)


def _pil_map(image: np.ndarray, operation: Any) -> np.ndarray:
    """`operation` applied to the image as Pillow images: three uint8 channels at once (as "RGB",
    whatever their order: geometry treats them alike), else each plane ("L" for uint8, else "F")."""
    if image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3:
        return np.asarray(operation(Image.fromarray(np.ascontiguousarray(image), "RGB")))
    out = []
    for plane in _planes(image):
        if plane.dtype == np.uint8:
            out.append(np.asarray(operation(Image.fromarray(np.ascontiguousarray(plane), "L"))))
        else:
            result = operation(Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), "F"))
            out.append(np.asarray(result).astype(plane.dtype))
    return _stacked(out, image)


def resize(
    src: np.ndarray,
    dsize: tuple[int, int] | None,
    fx: float = 0,
    fy: float = 0,
    interpolation: int = INTER_LINEAR,
) -> np.ndarray:
    """The image at `dsize` (width, height), or scaled by fx, fy when dsize is None."""
    if dsize is None or dsize == (0, 0):
        dsize = (round(src.shape[1] * fx), round(src.shape[0] * fy))
    width, height = int(dsize[0]), int(dsize[1])
    if width <= 0 or height <= 0:
        raise error(f"resize to {width}x{height}")
    method = _RESAMPLE.get(interpolation, Image.Resampling.BILINEAR)
    return _pil_map(src, lambda im: im.resize((width, height), method))


def cvtColor(src: np.ndarray, code: int) -> np.ndarray:  # noqa: N802 (OpenCV's name)
    """Grey to three channels, three channels swapped (RGB↔BGR), four to three, or BGR to grey."""
    if code == COLOR_GRAY2BGR:
        grey = src if src.ndim == 2 else src[:, :, 0]
        return np.repeat(grey[:, :, None], 3, axis=2)
    if code == COLOR_BGR2GRAY and src.dtype == np.uint8:  # ITU-R 601 weights, as OpenCV's, BGR order
        rgb = Image.fromarray(np.ascontiguousarray(src), "RGB")  # the channels as they are: B, G, R
        return np.asarray(rgb.convert("L", matrix=(0.114, 0.587, 0.299, 0.0)))
    if code == COLOR_BGR2GRAY:
        b, g, r = (src[:, :, c].astype(np.float32) for c in range(3))
        return (0.114 * b + 0.587 * g + 0.299 * r).astype(src.dtype)
    if code in (COLOR_RGB2BGR, COLOR_RGBA2BGR):
        return np.ascontiguousarray(src[:, :, 2::-1])
    if code == COLOR_BGRA2BGR:
        return np.ascontiguousarray(src[:, :, :3])
    raise error(f"colour conversion {code}")


def bitwise_not(src: np.ndarray) -> np.ndarray:
    return np.bitwise_not(src)


def bitwise_and(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    out = np.bitwise_and(a, b)
    if mask is not None:
        out[mask == 0] = 0
    return out


def add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Saturating addition, as OpenCV adds uint8 images."""
    return np.clip(a.astype(np.int32) + b.astype(np.int32), 0, 255).astype(a.dtype)


def rotate(src: np.ndarray, code: int) -> np.ndarray:
    turns = {ROTATE_90_CLOCKWISE: -1, ROTATE_180: 2, ROTATE_90_COUNTERCLOCKWISE: 1}[code]
    return np.ascontiguousarray(np.rot90(src, turns))


def copyMakeBorder(  # noqa: N802 (OpenCV's name)
    src: np.ndarray,
    top: int,
    bottom: int,
    left: int,
    right: int,
    borderType: int,
    value: Any = 0,  # noqa: N803
) -> np.ndarray:
    pad = [(top, bottom), (left, right)] + ([(0, 0)] if src.ndim == 3 else [])
    if borderType == BORDER_REPLICATE:
        return np.pad(src, pad, mode="edge")
    fill = value[0] if isinstance(value, tuple | list) else value
    return np.pad(src, pad, mode="constant", constant_values=fill)


def dilate(src: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Dilation by a rectangular kernel anchored at its centre, as DB post-processing asks."""
    kh, kw = kernel.shape[:2]
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(src, [(top, kh - 1 - top), (left, kw - 1 - left)], mode="constant")
    out = np.zeros_like(src)
    for dy in range(kh):
        for dx in range(kw):
            if kernel[dy, dx]:
                np.maximum(out, padded[dy : dy + src.shape[0], dx : dx + src.shape[1]], out=out)
    return out


def _runs(bitmap: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every horizontal run of set pixels: its row, first and last column."""
    mask = np.asarray(bitmap) != 0
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    _rows, stops = np.nonzero(edges == -1)
    return rows, starts, stops - 1


def _components(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[int]:
    """The run indices grouped by 8-connected blob (union-find over runs of adjacent rows)."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_row: dict[int, list[int]] = {}
    for index, row in enumerate(rows.tolist()):
        by_row.setdefault(row, []).append(index)
    start_list, end_list = starts.tolist(), ends.tolist()
    for row, current in by_row.items():
        above = by_row.get(row - 1)
        if not above:
            continue
        j = 0
        for i in current:  # both lists run left to right: a merge-like sweep
            while j < len(above) and end_list[above[j]] + 1 < start_list[i]:
                j += 1
            k = j
            while k < len(above) and start_list[above[k]] <= end_list[i] + 1:
                a, b = find(i), find(above[k])
                if a != b:
                    parent[a] = b
                k += 1
    return [find(i) for i in range(len(rows))]


def _hull(points: np.ndarray) -> np.ndarray:
    """The convex hull's corners, counter-clockwise (Andrew's monotone chain)."""
    unique = sorted(set(map(tuple, points.tolist())))
    if len(unique) <= 2:
        return np.array(unique, dtype=np.float64)

    def cross(o: tuple, a: tuple, b: tuple) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1], dtype=np.float64)


def findContours(image: np.ndarray, mode: int, method: int) -> tuple[tuple[np.ndarray, ...], None]:  # noqa: N802
    """Each 8-connected blob's outline as int32 points (N, 1, 2), as its convex hull's corners."""
    rows, starts, ends = _runs(image)
    if not len(rows):
        return (), None
    labels = np.array(_components(rows, starts, ends))
    order = np.argsort(labels, kind="stable")
    split = np.flatnonzero(np.diff(labels[order])) + 1
    contours = []
    for group in np.split(order, split):
        ys = rows[group]
        points = np.concatenate([np.stack([starts[group], ys], 1), np.stack([ends[group], ys], 1)])
        contours.append(_hull(points).astype(np.int32).reshape(-1, 1, 2))
    return tuple(contours), None


def minAreaRect(points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float], float]:  # noqa: N802
    """The smallest rectangle around the points: centre, (width, height), angle in degrees."""
    hull = _hull(np.asarray(points, dtype=np.float64).reshape(-1, 2))
    if len(hull) == 1:
        return (float(hull[0][0]), float(hull[0][1])), (0.0, 0.0), 0.0
    best: tuple[float, float, float, float, float, float] | None = None
    for i in range(len(hull)):
        edge = hull[(i + 1) % len(hull)] - hull[i]
        length = math.hypot(edge[0], edge[1])
        if length == 0:
            continue
        u = edge / length
        v = np.array([-u[1], u[0]])
        along, across = hull @ u, hull @ v
        w, h = along.max() - along.min(), across.max() - across.min()
        if best is None or w * h < best[0]:
            centre = u * (along.max() + along.min()) / 2 + v * (across.max() + across.min()) / 2
            best = (
                w * h,
                float(centre[0]),
                float(centre[1]),
                float(w),
                float(h),
                math.degrees(math.atan2(u[1], u[0])),
            )
    assert best is not None  # two distinct points make one edge
    _area, cx, cy, w, h, angle = best
    return (cx, cy), (w, h), angle


def boxPoints(box: tuple[tuple[float, float], tuple[float, float], float]) -> np.ndarray:  # noqa: N802
    """The rectangle's four corners (float32, 4×2) from minAreaRect's answer."""
    (cx, cy), (w, h), angle = box
    u = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
    v = np.array([-u[1], u[0]])
    centre = np.array([cx, cy])
    corners = [centre + sx * u * w / 2 + sy * v * h / 2 for sx, sy in ((-1, 1), (-1, -1), (1, -1), (1, 1))]
    return np.array(corners, dtype=np.float32)


def fillPoly(img: np.ndarray, pts: Any, color: Any) -> np.ndarray:  # noqa: N802
    """Fill each polygon into `img` in place (as OpenCV does) and return it."""
    value = color[0] if isinstance(color, tuple | list) else color
    canvas = Image.new("L", (img.shape[1], img.shape[0]), 0)
    draw = ImageDraw.Draw(canvas)
    for polygon in pts:
        corners = [(float(x), float(y)) for x, y in np.asarray(polygon).reshape(-1, 2)]
        if len(corners) >= 3:
            draw.polygon(corners, fill=1, outline=1)
    img[np.asarray(canvas) != 0] = value
    return img


def mean(src: np.ndarray, mask: np.ndarray | None = None) -> tuple[float, float, float, float]:
    """The mean of the pixels under the mask (0 when none is), as OpenCV's four-channel scalar."""
    pixels = np.asarray(src)
    if mask is not None:
        pixels = pixels[np.asarray(mask) != 0]  # (N,) or (N, channels)
    pixels = pixels.reshape(-1, 1 if pixels.ndim < 2 or src.ndim == 2 else pixels.shape[-1])
    values = [float(pixels[:, c].mean()) if len(pixels) else 0.0 for c in range(pixels.shape[1])]
    padded = values + [0.0] * (4 - len(values))
    return padded[0], padded[1], padded[2], padded[3]


def getPerspectiveTransform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:  # noqa: N802
    """The 3×3 homography mapping the four `src` points onto the four `dst` points."""
    a, b = [], []
    for (x, y), (u, v) in zip(
        np.asarray(src, np.float64).reshape(4, 2), np.asarray(dst, np.float64).reshape(4, 2), strict=True
    ):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.extend([u, v])
    h = np.linalg.solve(np.array(a), np.array(b))
    return np.append(h, 1.0).reshape(3, 3)


def invert(matrix: np.ndarray) -> tuple[float, np.ndarray]:
    try:
        return 1.0, np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return 0.0, np.zeros_like(matrix)


def warpPerspective(  # noqa: N802
    src: np.ndarray,
    M: np.ndarray,  # noqa: N803
    dsize: tuple[int, int],
    flags: int = INTER_LINEAR,
    borderMode: int = BORDER_CONSTANT,  # noqa: N803
    borderValue: Any = 0,  # noqa: N803
) -> np.ndarray:
    """`src` mapped through the homography M onto a (width, height) image."""
    pad = 4 if borderMode == BORDER_REPLICATE else 0
    source = copyMakeBorder(src, pad, pad, pad, pad, BORDER_REPLICATE) if pad else src
    shift = np.array([[1, 0, pad], [0, 1, pad], [0, 0, 1]], dtype=np.float64)
    inverse = shift @ np.linalg.inv(M)  # output pixel -> source pixel (in the padded source)
    # Pillow samples output pixel centres (x + 0.5) and reads source pixel centres at +0.5 too;
    # OpenCV maps integer coordinates: move between the two conventions.
    half = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    unhalf = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    coeffs = half @ inverse @ unhalf
    coeffs = coeffs / coeffs[2, 2]
    data = tuple(coeffs.reshape(-1)[:8].tolist())
    method = _RESAMPLE.get(flags, Image.Resampling.BILINEAR)
    size = (int(dsize[0]), int(dsize[1]))
    return _pil_map(source, lambda im: im.transform(size, Image.Transform.PERSPECTIVE, data, method))


def imdecode(buffer: np.ndarray, flags: int = IMREAD_COLOR) -> np.ndarray | None:
    """The image in the bytes as BGR (None when they are none), decoded by Pillow and turned by
    its EXIF orientation as OpenCV's IMREAD_COLOR does (a phone photo taken sideways)."""
    try:
        with Image.open(io.BytesIO(np.asarray(buffer, dtype=np.uint8).tobytes())) as image:
            rgb = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return cvtColor(rgb, COLOR_RGB2BGR)


def _not_provided(name: str) -> Any:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise error(f"cv2.{name} is not provided without OpenCV (desktop.capture.imageops)")

    return refuse


# RapidOCR's visualisation and file-saving helpers: never called by desktop.capture.ocr.
imwrite = _not_provided("imwrite")
imencode = _not_provided("imencode")
putText = _not_provided("putText")  # noqa: N816
polylines = _not_provided("polylines")
