"""Hostile scan files: every one is a ScanUnreadable (exit 2) or pages, never a traceback, a hang
or unbounded memory."""

from __future__ import annotations

import io
import resource
import struct
import zlib

import pytest
from PIL import Image

from desktop.paper.scans import MAX_PIXELS, ScanUnreadable, read_scan


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _page_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 566), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _page_pdf() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 566), "white").save(buffer, "PDF")
    return buffer.getvalue()


HOSTILE = {
    "empty.pdf": b"",
    "text.pdf": "这不是扫描件".encode(),
    "truncated.pdf": _page_pdf()[:300],
    "header-only.pdf": b"%PDF-1.7\n",
    "truncated.png": _page_png()[:200],
    "truncated.jpg": b"\xff\xd8\xff\xe0" + b"\0" * 50,
    "bomb.png": _png_header_claiming(20_000, 20_000),
    "wide.png": _png_header_claiming(MAX_PIXELS, 2),
    "gif.gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_with_a_chinese_line(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    with pytest.raises(ScanUnreadable) as caught:
        read_scan(path)
    message = str(caught.value)
    assert message.startswith(name) and any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_a_real_20000_px_image_is_refused_in_bounded_memory(tmp_path):
    """A genuine 20,000 × 20,000 PNG (a few hundred KB of zeros): refused before decoding."""
    path = tmp_path / "huge.png"
    Image.new("1", (20_000, 20_000), 1).save(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ScanUnreadable, match="过大"):
        read_scan(path)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200


def test_multi_page_tiff_and_pdf_give_every_page(tmp_path):
    pages = [Image.new("RGB", (300, 420), colour) for colour in ("white", "gray", "black")]
    tiff = tmp_path / "three.tiff"
    pages[0].save(tiff, save_all=True, append_images=pages[1:])
    assert [p.where() for p in read_scan(tiff)] == [f"three.tiff 第 {n} 页" for n in (1, 2, 3)]
    pdf = tmp_path / "three.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:])
    assert len(read_scan(pdf)) == 3
