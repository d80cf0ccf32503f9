"""读取证件's camera source offscreen (pytest-qt): a frame pushed into the source's QVideoSink
(the seam the camera's QMediaCaptureSession feeds) is taken as the photo, read by OCR into the
confirm dialog, and nothing reaches the form until 填入; with no camera listed, the source says
so in Chinese and no preview opens.

QtMultimedia needs PulseAudio's client library (libpulse0, scripts/system-deps) to load at all."""

from __future__ import annotations

from datetime import date

import pytest
from capture_images import IdFront, encoded, id_front_image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit
from test_ui_support import field

from desktop.capture.ocr import shared_engine
from desktop.ui.capture_dialog import camera_module

camera = camera_module()
pytestmark = [
    pytest.mark.skipif(camera is None, reason="QtMultimedia cannot load here (libpulse0 missing)"),
    pytest.mark.qt_log_ignore("propagateSizeHints", "No RHI backend"),  # offscreen: CPU conversion
]


def _frame(image_bytes: bytes):
    from PySide6.QtGui import QImage
    from PySide6.QtMultimedia import QVideoFrame

    image = QImage.fromData(image_bytes)
    assert not image.isNull()
    return QVideoFrame(image.convertToFormat(QImage.Format.Format_ARGB32))


def test_a_camera_frame_is_read_and_fills_only_on_confirmation(make_window, qtbot):
    shared_engine().load()
    window = make_window(today=lambda: date(2026, 12, 7))
    card = IdFront()
    name = field(window, "authorization", "handler.name", QLineEdit)
    dialog = window.capture.open()
    dialog.kind_group.button(1).setChecked(True)
    source = camera.CameraSource(dialog)  # not started: the test is the camera
    preview = dialog.show_camera(source)
    assert not preview.take_button.isEnabled()  # nothing to take before the first frame

    source.sink.setVideoFrame(_frame(encoded(id_front_image(card), "JPEG", 85)))
    qtbot.waitUntil(preview.take_button.isEnabled, timeout=5_000)
    assert preview.preview.pixmap() is not None and not preview.preview.pixmap().isNull()
    qtbot.mouseClick(preview.take_button, Qt.MouseButton.LeftButton)
    assert not preview.isVisible()
    assert dialog.image.startswith(b"\x89PNG") and dialog.image_kind == "id_front"

    qtbot.waitUntil(lambda: not dialog.busy and dialog.read is not None, timeout=60_000)
    assert dialog.read.fields["handler.name"].value == card.name
    assert dialog.read.fields["handler.id_number"].value == card.number
    assert name.text() == "" and "handler.name" not in (window.session.values or {})  # shown, not filled
    qtbot.mouseClick(dialog.fill_button, Qt.MouseButton.LeftButton)
    assert name.text() == card.name
    marks = window.findChildren(QLabel, "handler.name.source")
    assert marks and all(m.text() == "「来自身份证」" for m in marks)
    window.close()


def test_cancelling_the_camera_fills_nothing(make_window, qtbot):
    window = make_window()
    dialog = window.capture.open()
    source = camera.CameraSource(dialog)
    preview = dialog.show_camera(source)
    source.sink.setVideoFrame(_frame(encoded(id_front_image(), "PNG")))
    qtbot.waitUntil(preview.take_button.isEnabled, timeout=5_000)
    preview.reject()
    assert dialog.image == b"" and not dialog.busy and dialog.read is None
    window.close()


def test_no_camera_is_said_in_chinese(make_window, qtbot):
    from PySide6.QtMultimedia import QMediaDevices

    if QMediaDevices.videoInputs():
        pytest.skip("this machine has a camera")
    window = make_window()
    dialog = window.capture.open()
    assert camera.CameraSource(dialog).start() == camera.NO_CAMERA
    qtbot.mouseClick(dialog.source_buttons["capture_camera"], Qt.MouseButton.LeftButton)
    assert dialog.status.text() == camera.NO_CAMERA and "未发现摄像头" in camera.NO_CAMERA
    assert dialog.property("kind") is None and dialog.status.property("kind") == "error"
    assert dialog.camera_dialog is None  # no empty preview opened
    window.close()
