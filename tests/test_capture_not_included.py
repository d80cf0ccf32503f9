"""An installation without the OCR stack (the frozen app carries it since issue 24's size work, but
a build or install made without rapidocr, onnxruntime or numpy must still answer plainly): read-card
exits 2 with one Chinese line, 读取证件 says the
same for a photo or scan while the chip reader still fills, and the self-test does not count the
OCR step. The stack is hidden the way Python itself reports a module absent (sys.modules[name] =
None makes importlib find no spec and any import fail)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from capture_images import encoded, licence_image
from PySide6.QtCore import Qt
from test_capture_readers import CARD, vendor_service  # noqa: F401 (the fixture)

from desktop.capture.ocr import NOT_INCLUDED, STACK, ocr_included

ROOT = Path(__file__).resolve().parent.parent
HIDE = "import sys\nfor name in {stack!r}: sys.modules[name] = None\n"


def run_without_ocr(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    code = HIDE.format(stack=STACK) + f"from desktop.cli import main\nsys.exit(main({list(argv)!r}))\n"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESK400_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=180)  # fmt: skip


def test_read_card_without_the_ocr_stack_exits_2_saying_so(tmp_path):
    image = tmp_path / "licence.png"
    image.write_bytes(encoded(licence_image(dpi=60)))
    result = run_without_ocr(tmp_path, "read-card", "licence", str(image))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == NOT_INCLUDED and "此版本未包含证件识别（OCR）组件" in NOT_INCLUDED
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_self_test_does_not_count_ocr_a_build_lacks(tmp_path):
    result = run_without_ocr(tmp_path, "self-test")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    (ocr,) = [line for line in lines if "证件识别" in line]
    assert ocr.startswith("未含") and "此版本未包含证件识别（OCR）组件" in ocr and "不计入通过或失败" in ocr
    assert lines[-1] == "self-test: 6 passed, 0 failed, 1 not included in this build"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_window_says_so_for_a_photo_and_the_chip_reader_still_fills(
    make_window,
    qtbot,
    tmp_path,
    monkeypatch,
    vendor_service,  # noqa: F811
):
    for name in STACK:
        monkeypatch.setitem(sys.modules, name, None)
    assert not ocr_included()
    window = make_window(today=lambda: date(2026, 12, 7))
    scan = tmp_path / "licence.png"
    scan.write_bytes(encoded(licence_image(dpi=60)))
    dialog = window.capture.open()
    dialog.load_file(scan)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert dialog.status.text() == NOT_INCLUDED and dialog.read is None

    url, answers = vendor_service
    answers.append(json.dumps({"data": CARD}, ensure_ascii=False).encode())
    dialog.close()
    window.save_settings({"capture.reader_url": url})
    dialog = window.capture.open()
    dialog.source_buttons["capture_reader"].click()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.read is not None, timeout=10_000)
    qtbot.mouseClick(dialog.fill_button, Qt.MouseButton.LeftButton)
    assert window.session.values["handler.id_number"] == CARD["certNumber"]
    window.close()
