"""The offline OCR engine: RapidOCR 3 on onnxruntime, with the ONNX models its wheel carries.

The models are loaded from the installed package (and from the same place inside the frozen app,
where build.spec collects them), each checked against the SHA-256 pinned here before use. RapidOCR
itself re-downloads a model it does not find at its default place, which offline means a hang and
then a failure: we always pass explicit model paths, and guard its downloader so that any fetch is
refused with a clear error instead of reaching the network.

Images are decoded from bytes in memory (never written to a temp file), cropped to the card's
content and scaled down before detection: a 300 dpi scan has far more pixels than the text needs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import statistics
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import desktop.capture

# The OCR stack (no OpenCV: desktop.capture.imageops does rapidocr's image operations). The
# frozen app carries it (build.spec); an installation without it gets a plain answer, not a failure.
STACK = ("rapidocr", "onnxruntime", "numpy")
NOT_INCLUDED = (
    "此版本未包含证件识别（OCR）组件，营业执照和身份证的照片、扫描件无法识别："
    "请手工填写，或用身份证读卡器读取（读卡器不需要识别组件）"
)

# Pinned with the rapidocr release in pyproject.toml (its default_models.yaml gives the same).
MODELS = {
    "det": ("PP-OCRv6_det_small.onnx", "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f"),
    "rec": ("PP-OCRv6_rec_small.onnx", "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884"),
    "cls": (
        "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
        "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
    ),
}
# The longest side of the image lines are cut from (a 300 dpi licence's 4 mm text stays ~40 px
# high: the recogniser's own height is 48), and of the copy text is detected on (detection finds
# 3 mm text at 100 dpi, ~12 px; its time and memory grow with the pixels, so it gets fewer).
MAX_SIDE = 1600
DET_SIDE = 640
MIN_SIDE = 480
# Lines recognised below this score are noise (rapidocr's own Global.text_score).
TEXT_SCORE = 0.5


class OcrUnavailable(Exception):
    """The OCR stack or one of its models is missing or damaged; the message is for the agent."""


class OcrNotIncluded(OcrUnavailable):
    """This installation carries no OCR stack (a build made without it): said as NOT_INCLUDED."""

    def __init__(self) -> None:
        super().__init__(NOT_INCLUDED)


def ocr_included() -> bool:
    """Whether the OCR stack is installed here (a checkout, or a build that bundles it); found
    without importing it (onnxruntime takes a second to load)."""
    return all(importlib.util.find_spec(name) is not None for name in STACK)


def _stack() -> tuple[Any, Any, Any]:
    """rapidocr, its image operations (desktop.capture.imageops, in OpenCV's place) and numpy,
    imported on the first card read (~60 MB of libraries the window does not need to start);
    OcrNotIncluded when this installation has none of them."""
    if not ocr_included():
        raise OcrNotIncluded
    try:
        import numpy as np  # noqa: PLC0415 (the OCR stack: loaded on the first card read)

        from desktop.capture import imageops  # noqa: PLC0415 (numpy and Pillow: loaded on the first card read)

        rapidocr = _rapidocr_on(imageops)
    except ImportError as exc:
        raise OcrUnavailable(f"识别组件未安装完整（{exc.name or exc}），请重新安装 desk400") from None
    return rapidocr, imageops, np


_IMPORT_LOCK = threading.Lock()


def _rapidocr_on(imageops: Any) -> Any:
    """rapidocr imported with `imageops` standing in for OpenCV.

    rapidocr's modules `import cv2` when they load and call it for plain image operations only;
    the app carries no OpenCV (169 MB in the frozen app, issue 24), so while rapidocr loads,
    `cv2` names imageops, and afterwards whatever it named before (an OpenCV installed beside
    desk400 stays OpenCV for any other code)."""
    with _IMPORT_LOCK:
        if "rapidocr.main" in sys.modules:
            return sys.modules["rapidocr"]
        absent = object()
        before = sys.modules.get("cv2", absent)
        sys.modules["cv2"] = imageops
        try:
            importlib.import_module("rapidocr.utils.download_file")
            importlib.import_module("rapidocr.main")  # it imports every module that uses cv2
        finally:
            if before is absent:
                del sys.modules["cv2"]
            else:
                sys.modules["cv2"] = before
        return sys.modules["rapidocr"]


class NotAnImage(Exception):
    """The bytes given are not an image Pillow can decode."""


@dataclass(frozen=True)
class OcrLine:
    """One line of text: its characters with their confidence, and its box in the prepared image."""

    text: str
    score: float
    chars: tuple[float, ...]  # one confidence per character of `text`
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


def model_dir() -> Path:
    """Where the packaged models are: inside rapidocr, installed or frozen alike."""
    rapidocr, _cv2, _np = _stack()
    return Path(rapidocr.__file__).resolve().parent / "models"


def verify_models(directory: Path | None = None) -> dict[str, Path]:
    """The three model files, each checked by hash; OcrUnavailable naming the first bad one."""
    directory = directory or model_dir()
    found = {}
    for task, (name, digest) in MODELS.items():
        path = directory / name
        try:
            actual = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            raise OcrUnavailable(f"识别模型 {name} 缺失，请重新安装 desk400（模型不会从网上下载）") from None
        if actual != digest:
            raise OcrUnavailable(f"识别模型 {name} 已损坏（校验值不符），请重新安装 desk400")
        found[task] = path
    return found


def _refuse_download(*_args: Any, **_kwargs: Any) -> None:
    raise OcrUnavailable("识别组件试图从网上下载模型，已阻止：请重新安装 desk400")


def _guard_downloads(rapidocr: Any) -> None:
    # rapidocr's DownloadFile.run fetches any model or dictionary it cannot find locally. With
    # explicit model paths it should never be called; if a rapidocr upgrade changes that, this
    # makes it fail at once and say so, offline and online alike.
    rapidocr.utils.download_file.DownloadFile.run = staticmethod(_refuse_download)


class OcrEngine:
    """One loaded RapidOCR (load once, ~0.5–1 s; share it); `read` is safe from one thread at a time."""

    def __init__(self, directory: Path | None = None, *, threads: int | None = None) -> None:
        """`threads`: onnxruntime's intra-op threads (None: one per core). The window leaves a core
        to the GUI thread, so typing stays fluid while a card is read."""
        self._directory = directory
        self._threads = threads
        self._engine: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._engine is None:
                self._engine = self._build()

    def _build(self) -> Any:
        rapidocr, _cv2, np = _stack()
        paths = verify_models(self._directory)
        try:
            _guard_downloads(rapidocr)
            engine = rapidocr.RapidOCR(
                params={
                    "Det.model_path": str(paths["det"]),
                    "Rec.model_path": str(paths["rec"]),
                    "Cls.model_path": str(paths["cls"]),
                    "Global.log_level": "error",
                    "Global.use_cls": False,  # cards are upright; a rotated photo is turned first
                    "Global.return_word_box": True,
                    "Det.limit_type": "max",
                    "Det.limit_side_len": DET_SIDE,
                    "EngineConfig.onnxruntime.intra_op_num_threads": self._threads or -1,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                }
            )
        except ImportError as exc:
            raise OcrUnavailable(f"识别组件未安装（{exc.name}），请重新安装 desk400") from None
        # rapidocr loads each model on its first use: one tiny read of each here, so that the
        # load is paid (and quoted) once and the first card's read is only its read; each
        # model's session is swapped at once, before the next loads (one at a time in memory).
        engine(np.full((32, 32, 3), 255, dtype=np.uint8), use_det=True, use_cls=False, use_rec=False)
        _without_spinning(getattr(engine, "text_det", None), paths["det"], self._threads)
        engine(np.full((48, 96, 3), 255, dtype=np.uint8), use_det=False, use_cls=False, use_rec=True)
        _without_spinning(getattr(engine, "text_rec", None), paths["rec"], self._threads)
        return engine

    @property
    def spins(self) -> bool:
        """Whether a loaded model's idle threads spin (they should not: see _without_spinning)."""
        self.load()
        for part in ("text_det", "text_rec"):
            session = getattr(getattr(getattr(self._engine, part, None), "session", None), "session", None)
            if session is None:
                return True
            entry = session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning")
            if entry != "0":
                return True
        return False

    def read(self, image: Any) -> list[OcrLine]:
        """The lines of text of a prepared image (see `prepare`), top to bottom.

        Detection runs on a copy scaled to DET_SIDE (its time and memory grow with the pixels:
        at 880 px it took ~190 MB and most of the read); each line found is then cut from the
        prepared image, sharper, and recognised alone. rapidocr's own crop would come from the
        small copy, where a licence's text is ~20 px high and the recogniser scales it to 48.
        """
        self.load()
        _rapidocr, cv2, np = _stack()
        longest = max(image.shape[:2])
        scale = min(1.0, DET_SIDE / longest)
        small = (
            image
            if scale == 1.0
            else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        with self._lock:
            found = self._engine(small, use_det=True, use_cls=False, use_rec=False)
            boxes = (
                []
                if found.boxes is None
                else [np.asarray(box, dtype=np.float32) / scale for box in found.boxes]
            )
            texts = [self._recognised(image, box) for box in boxes]
        turn = _skew(boxes)
        lines = []
        for box, (text, score, chars) in zip(boxes, texts, strict=True):
            if not text.strip() or score < TEXT_SCORE:
                continue  # what rapidocr drops from a whole-page read too
            points = [_rotated(p, turn) for p in box]
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            lines.append(OcrLine(text, score, chars, min(xs), min(ys), max(xs), max(ys)))
        lines.sort(key=lambda line: (line.top, line.left))
        return lines

    def _recognised(self, image: Any, box: Any) -> tuple[str, float, tuple[float, ...]]:
        """One detected line cut from `image` and recognised: text, score, per-character scores.

        Recognition alone (no detection) returns rapidocr's raw per-character confidences
        (WordInfo.confs, one per character kept by the CTC decoder), so the word-box geometry
        a whole-page read computes (~0.2 s a licence) is not needed."""
        crop = desktop.capture.get_rotate_crop_image(image, box)
        if crop.size == 0:
            return "", 0.0, ()
        output = self._engine(crop, use_det=False, use_cls=False, use_rec=True, return_word_box=True)
        text, score = output.txts[0], float(output.scores[0])
        words = output.word_results[0] if output.word_results else None
        return text, score, _char_confidences(text, score, getattr(words, "confs", None))


def _without_spinning(model: Any, path: Path, threads: int | None) -> None:
    """Give a loaded rapidocr model a session whose idle threads sleep instead of spinning.

    onnxruntime's worker threads spin between operators by default; on a 2-core laptop with the
    GUI thread (or any other program) busy, the spinning takes the cores the work needs: a
    licence read measured 1.6-1.8 s with spinning and 0.9-1.2 s without, same machine and load.
    rapidocr 3.10 has no setting for it (its EngineConfig knows threads and the arena only) and
    cannot take a ready session through its parameters (OmegaConf refuses the object), so the
    session is swapped for one made from the same model with the same options plus this entry.
    Guarded: a rapidocr whose models are laid out otherwise keeps its own session (slower, not
    wrong). The old session goes before the new one is made: one copy in memory at a time.
    """
    holder = getattr(model, "session", None)
    if not isinstance(getattr(holder, "session", None), desktop.capture.InferenceSession):
        return
    options = desktop.capture.SessionOptions()
    options.log_severity_level = 4
    options.enable_cpu_mem_arena = False  # rapidocr's default: the memory back after each read
    options.graph_optimization_level = desktop.capture.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    holder.session = None
    holder.session = desktop.capture.InferenceSession(
        str(path),
        sess_options=options,
        providers=[("CPUExecutionProvider", {"arena_extend_strategy": "kSameAsRequested"})],
    )


def _skew(boxes: list[Any]) -> float:
    """The page's skew (radians): the median slope of the long text boxes' top edges.

    A photo or a scan a few degrees askew puts a value's box above or below its label's; the
    boxes are turned back by this angle before rows are matched (desktop.capture.extract)."""
    angles = []
    for box in boxes:
        (x0, y0), (x1, y1) = box[0], box[1]
        if abs(x1 - x0) > 2 * abs(box[3][1] - y0):
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(angles) if angles else 0.0


def _rotated(point: Any, angle: float) -> tuple[float, float]:
    x, y = float(point[0]), float(point[1])
    c, s = math.cos(-angle), math.sin(-angle)
    return (x * c - y * s, x * s + y * c)


def _char_confidences(text: str, score: float, confs: Any) -> tuple[float, ...]:
    """One confidence per character; the line's score where the decoder's count differs."""
    chars = [float(c) for c in confs or ()]
    if len(chars) != len(text):
        return tuple([score] * len(text))
    return tuple(chars)


def decode(data: bytes) -> Any:
    """The image in `data` as a BGR array (rapidocr's order), in memory, turned upright by its
    EXIF orientation (a phone photo); NotAnImage when it is none."""
    _rapidocr, cv2, np = _stack()
    if not data:
        raise NotAnImage("文件是空的")
    array = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if array is None or array.size == 0:
        raise NotAnImage("不是能识别的图片（支持 JPEG、PNG、BMP、TIFF）")
    return array


def prepare(image: Any) -> Any:
    """Crop to the content (the margin of a flatbed scan) and scale so the longest side is MAX_SIDE."""
    _rapidocr, cv2, np = _stack()
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    ink = np.argwhere(grey < 200)
    if len(ink):
        (top, left), (bottom, right) = ink.min(axis=0), ink.max(axis=0)
        pad = max(8, int(0.02 * max(image.shape[:2])))
        top, left = max(0, top - pad), max(0, left - pad)
        bottom, right = min(image.shape[0], bottom + pad), min(image.shape[1], right + pad)
        if (bottom - top) > MIN_SIDE // 2 and (right - left) > MIN_SIDE // 2:
            image = image[top:bottom, left:right]
    longest = max(image.shape[:2])
    if longest > MAX_SIDE:
        scale = MAX_SIDE / longest
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    elif longest < MIN_SIDE:
        scale = MIN_SIDE / longest
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return image


_SHARED: OcrEngine | None = None
_SHARED_LOCK = threading.Lock()


def shared_engine() -> OcrEngine:
    """The process's one engine (the models take ~100 MB; loading twice is waste). It leaves one
    core free (the window's GUI thread runs beside it)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = OcrEngine(threads=max(1, (os.cpu_count() or 2) - 1))
        return _SHARED
