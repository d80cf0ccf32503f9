"""One photo from the camera (QtMultimedia, in PySide6-Addons), kept in memory.

QImageCapture.capture() hands the frame over as a QImage (captureToFile would write it to disk in
clear); it is encoded to PNG in a QBuffer. Untested offscreen (no camera there): the capture
dialog only offers it when QMediaDevices lists a video input.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QCamera, QImageCapture, QMediaCaptureSession, QMediaDevices
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget


def has_camera() -> bool:
    """A video input is listed (none offscreen)."""
    return bool(QMediaDevices.videoInputs())


def grab_frame(parent: QWidget) -> bytes | None:
    """Show the camera's picture; the PNG bytes of the frame taken, or None when cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("拍摄证件")
    view = QVideoWidget(dialog)
    view.setMinimumSize(640, 400)
    buttons = QDialogButtonBox()
    take = buttons.addButton("拍照", QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
    column = QVBoxLayout(dialog)
    column.addWidget(view, 1)
    column.addWidget(buttons)
    camera = QCamera(dialog)
    capture = QImageCapture(dialog)
    session = QMediaCaptureSession(dialog)
    session.setCamera(camera)
    session.setImageCapture(capture)
    session.setVideoOutput(view)
    taken: list[bytes] = []

    def captured(_id: int, image: QImage) -> None:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        taken.append(bytes(data.data()))
        dialog.accept()

    capture.imageCaptured.connect(captured)
    take.clicked.connect(capture.capture)
    buttons.rejected.connect(dialog.reject)
    camera.start()
    try:
        dialog.exec()
    finally:
        camera.stop()
    return taken[0] if taken else None
