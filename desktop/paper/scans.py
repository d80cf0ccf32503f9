"""Reading scan files into page images, refusing anything that could exhaust the desk.

A scan is a stranger's file: a truncated PDF or image, a decompression bomb (a few KB that claim
20,000 × 20,000 pixels), hundreds of pages. Every limit is checked before pixels are decoded, and
any failure is a ScanUnreadable whose message (Chinese) names the file and the fix.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from PIL import Image, ImageSequence

# A4 at 300 dpi is 8.7 Mpx; 40 Mpx leaves room for 600 dpi scans of A4 and refuses bombs outright.
MAX_PIXELS = 40_000_000
MAX_PAGES = 100
MAX_FILE_BYTES = 300 * 1024 * 1024
# Scanned PDFs are rendered at the checker's working resolution.
PDF_DPI = 200


class ScanUnreadable(Exception):
    """A scan file that cannot be read; the message is Chinese and names the file."""


@dataclass(frozen=True)
class ScanPage:
    """One page of a scan file: where it came from (file, 1-based page) and its pixels (RGB)."""

    source: str
    index: int
    image: Image.Image

    def where(self) -> str:
        return f"{self.source} 第 {self.index} 页"


def read_scan(path: Path) -> list[ScanPage]:
    """Every page of one scan file, as RGB images; ScanUnreadable when the file is not a readable
    PDF, PNG, JPEG or TIFF within the limits."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScanUnreadable(f"{name}：文件超过 {MAX_FILE_BYTES // 2**20} MB，请分成几次扫描")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScanUnreadable(f"{name}：无法读取（{exc.strerror or exc}），请检查文件是否存在") from None
    if data.startswith(b"%PDF"):
        pages = list(_pdf_pages(data, name))
    else:
        pages = list(_image_pages(data, name))
    if not pages:
        raise ScanUnreadable(f"{name}：文件里没有页面，请重新扫描")
    return [ScanPage(name, n, image) for n, image in enumerate(pages, start=1)]


def _pdf_pages(data: bytes, name: str) -> Iterator[Image.Image]:
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise ScanUnreadable(f"{name}：PDF 已损坏或不完整，请重新扫描") from None
    try:
        if len(pdf) > MAX_PAGES:
            raise ScanUnreadable(f"{name}：超过 {MAX_PAGES} 页，请分成几个文件扫描")
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            scale = PDF_DPI / 72
            # A page claiming a huge size renders at most MAX_PIXELS, never more.
            if width * height * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / max(1.0, width * height)) ** 0.5
            if width < 1 or height < 1:
                raise ScanUnreadable(f"{name}：第 {index + 1} 页没有内容，请重新扫描")
            yield _scanned_image(page, name) or page.render(scale=scale).to_pil().convert("RGB")
    except pypdfium2.PdfiumError:
        raise ScanUnreadable(f"{name}：PDF 已损坏或不完整，请重新扫描") from None
    finally:
        pdf.close()


def _scanned_image(page: pypdfium2.PdfPage, name: str) -> Image.Image | None:
    """The page's one image at its own resolution, when the page is nothing but that image upright
    (what a scanner writes): decoding it is several times cheaper than rendering the page. None
    for any other page, which is rendered instead."""
    if page.get_rotation():
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or not isinstance(objects[0], pypdfium2.PdfImage):
        return None
    image = objects[0]
    a, b, c, d, _e, _f = image.get_matrix().get()
    width, height = page.get_size()
    if b or c or a < 0.9 * width or d < 0.9 * height:
        return None
    px_width, px_height = image.get_px_size()
    if px_width * px_height > MAX_PIXELS:
        raise ScanUnreadable(f"{name}：图像过大（{px_width}×{px_height} 像素），请以 200–300 dpi 重新扫描")
    return image.get_bitmap().to_pil().convert("RGB")


def _image_pages(data: bytes, name: str) -> Iterator[Image.Image]:
    fix = "请扫描为 PDF、PNG、JPEG 或 TIFF"
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it: here that is a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        if image.format not in ("PNG", "JPEG", "TIFF", "MPO"):
            raise ScanUnreadable(f"{name}：不是扫描件（{image.format or '未知格式'}），{fix}")
        for n, frame in enumerate(ImageSequence.Iterator(image)):
            if n >= MAX_PAGES:
                raise ScanUnreadable(f"{name}：超过 {MAX_PAGES} 页，请分成几个文件扫描")
            width, height = frame.size
            if width * height > MAX_PIXELS:
                raise ScanUnreadable(f"{name}：图像过大（{width}×{height} 像素），请以 200–300 dpi 重新扫描")
            yield frame.convert("RGB")
    except ScanUnreadable:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ScanUnreadable(f"{name}：图像过大，请以 200–300 dpi 重新扫描") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ScanUnreadable(f"{name}：不是可读的扫描件（文件已损坏或不完整），{fix}") from None
