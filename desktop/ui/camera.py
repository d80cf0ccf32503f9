"""The camera source of 读取证件 (QtMultimedia, in PySide6-Addons): one photo, kept in memory.

The camera's frames go through a QMediaCaptureSession into `CameraSource.sink`, a QVideoSink:
the one seam frames arrive by, whoever produces them (the camera here; a test, or a QMediaPlayer,
pushes QVideoFrames into the same sink). The frame taken is encoded to PNG in a QBuffer, never
written to a file (QImageCapture.captureToFile would leave it in clear on disk). With no camera
listed, `start` says so in Chinese instead of opening an empty preview.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLoggingCategory, QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QMediaDevices, QVideoFrame, QVideoSink
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

# QtMultimedia's FFmpeg back-end probes optional libraries (VA-API, PipeWire) when it first loads
# and warns once for each one a machine lacks; none is needed to take one photo, so the probe's
# warnings are silenced (a camera's real failures come through QCamera.errorOccurred).
QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver.warning=false")

NO_CAMERA = (
    "未发现摄像头：请接上摄像头（Windows 还需在「设置 → 隐私 → 相机」里允许桌面应用使用）后再按「摄像头」，"
    "或改用「文件…」「证件扫描文件夹」读取证件"
)
# The preview is redrawn at most this often: converting every frame would take the GUI thread's time.
PREVIEW_INTERVAL = 0.1


class CameraSource(QObject):
    """Frames from the camera (or whatever feeds `sink`); `frame_arrived` on each one."""

    frame_arrived = Signal()
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sink = QVideoSink(self)
        self.session = QMediaCaptureSession(self)
        self.session.setVideoSink(self.sink)
        self.camera: QCamera | None = None
        self._frame: QVideoFrame | None = None
        self.sink.videoFrameChanged.connect(self._arrived)

    def start(self) -> str | None:
        """Open the first camera; the reason in Chinese when there is none."""
        devices = QMediaDevices.videoInputs()
        if not devices:
            return NO_CAMERA
        self.camera = QCamera(devices[0], self)
        self.camera.errorOccurred.connect(self._camera_error)
        self.session.setCamera(self.camera)
        self.camera.start()
        return None

    def stop(self) -> None:
        if self.camera is not None:
            self.camera.stop()

    @property
    def has_frame(self) -> bool:
        return self._frame is not None

    def latest(self) -> QImage:
        """The last frame as an image (null before the first)."""
        return self._frame.toImage() if self._frame is not None else QImage()

    def take(self) -> bytes | None:
        """The last frame as PNG bytes, in memory; None before the first frame."""
        image = self.latest()
        if image.isNull():
            return None
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        return bytes(data.data())

    def _arrived(self, frame: QVideoFrame) -> None:
        if frame.isValid():
            self._frame = QVideoFrame(frame)
            self.frame_arrived.emit()

    def _camera_error(self, _error: QCamera.Error, text: str) -> None:
        self.failed.emit(f"摄像头无法打开（{text}）：请检查摄像头没有被其他程序占用，或改用「文件…」")


class CameraDialog(QDialog):
    """The preview and 拍照 (enabled once a frame has arrived); `taken(png)` when pressed. Not
    modal, like 读取证件 itself: the form stays usable while the agent frames the card."""

    taken = Signal(bytes)

    def __init__(self, source: CameraSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("camera_dialog")
        self.setWindowTitle("拍摄证件")
        self.source = source
        self.preview = QLabel("等待摄像头画面…")
        self.preview.setObjectName("camera_preview")
        self.preview.setMinimumSize(640, 400)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QDialogButtonBox()
        self.take_button: QPushButton = buttons.addButton("拍照", QDialogButtonBox.ButtonRole.AcceptRole)
        self.take_button.setObjectName("camera_take")
        self.take_button.setEnabled(False)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.take)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.preview, 1)
        column.addWidget(buttons)
        self._drawn = 0.0
        source.frame_arrived.connect(self._show_frame)
        source.failed.connect(self._failed)
        self.finished.connect(lambda _result: source.stop())

    def _show_frame(self) -> None:
        self.take_button.setEnabled(True)
        now = time.monotonic()
        if now - self._drawn < PREVIEW_INTERVAL:
            return
        self._drawn = now
        pixmap = QPixmap.fromImage(self.source.latest())
        self.preview.setPixmap(pixmap.scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio))

    def _failed(self, text: str) -> None:
        self.preview.setText(text)
        self.take_button.setEnabled(False)

    def take(self) -> None:
        data = self.source.take()
        if data:
            self.taken.emit(data)
            self.accept()
