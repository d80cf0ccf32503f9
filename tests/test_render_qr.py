"""The page QR: ReportLab's own symbol, without what ReportLab loads around it (issue 20: the
barcode package's every symbology and the Japanese codecs were ~20 ms of each `desk400 render`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.graphics.barcode.qr import QrCodeWidget

from desktop.render.identity import PageId
from desktop.render.qr import MASK, qr_modules

ROOT = Path(__file__).resolve().parent.parent


def _widget(payload: str) -> list[list[bool]]:
    """What ReportLab's QrCodeWidget encodes at level M with our mask."""
    encoder = QrCodeWidget(payload, barLevel="M", barBorder=4).qr
    encoder.getBestMaskPattern = lambda: MASK
    encoder.make()
    return [[bool(m) for m in row] for row in encoder.modules]


@pytest.mark.parametrize(
    "page",
    [
        PageId("DESK-20261208-001", "authorization", 1, 9, "0123456789"),
        PageId("XH01-20261207-004", "materials", 12, 12, "abcdef0123"),
        PageId("-", "copies", 3, 140, "ffffffffff"),
        PageId("a" * 40, "d" * 32, 999, 999, "9" * 10),  # the longest payload: a larger version
    ],
)
def test_the_modules_are_the_ones_reportlabs_widget_encodes(page):
    assert qr_modules(page.payload()) == _widget(page.payload())


def test_a_render_loads_neither_the_barcode_package_nor_the_japanese_codecs(tmp_path):
    out = tmp_path / "out.pdf"
    code = (
        "import sys; from desktop.cli import main; "
        f"code = main(['render', 'examples/example-case.json', '-o', {str(out)!r}]); "
        "print(sorted(m for m in ('reportlab.graphics.barcode', 'encodings.shift_jis') if m in sys.modules), code)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                          timeout=120)  # fmt: skip
    assert done.stdout.splitlines()[-1] == "[] 0"
    assert out.stat().st_size > 10_000


def test_a_finished_command_leaves_its_objects_out_of_the_collectors_sight(tmp_path):
    """The interpreter's collections at exit walked everything a render made (~40 ms of the
    `render` command, tests/bench/bench_render.py); `desk400` freezes it once the command is done."""
    out = tmp_path / "out.pdf"
    code = (
        "import gc, sys; from desktop.__main__ import main; "
        f"sys.argv = ['desk400', 'render', 'examples/example-case.json', '-o', {str(out)!r}]; "
        "code = main(); print(gc.get_freeze_count() > 10_000, code)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                          timeout=120)  # fmt: skip
    assert done.stdout.split()[-2:] == ["True", "0"]
