"""读取证件: read a licence or an ID card, show what would be filled, fill only on confirmation.

The image comes from the ID-card reader (its vendor service or helper program, set in 设置), the
camera (QtMultimedia, where installed), a file, or the newest image in the scan folder. Reading and
OCR run on the window's worker threads: the agent keeps typing in the form meanwhile (the dialog
is not modal). Each field is shown with its confidence and whether a check digit repaired it;
nothing reaches the case until 填入 is pressed, and only the ticked fields.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.capture.cards import read_card
from desktop.capture.keys import card_keys, keyed
from desktop.capture.ocr import NotAnImage, OcrNotIncluded, OcrUnavailable
from desktop.capture.readers import HelperReader, ReaderError, reader_for_url
from desktop.capture.record import ID_CARD, LICENCE, CardRead, expiry_problem, source_mark
from desktop.files.safefile import read_regular, why
from desktop.store import iso, local_now
from desktop.ui.style import set_text_colour

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
READER_URL, READER_HELPER, SCAN_FOLDER = "capture.reader_url", "capture.reader_helper", "capture.scan_folder"
# Labels of the contract's literal keys (the values that fill no field); fields show their own.
LITERAL_LABELS = {
    "legal_rep": "法定代表人",
    "address": "身份证住址",
    "issuer": "签发机关",
    "valid_from": "有效期起",
    "valid_to": "有效期至",
}


def read_job(
    kind: str, front: bytes, back: bytes | None, today: date, keys: Mapping[str, str]
) -> tuple[str, Any]:
    """OCR on a worker thread: ("read", CardRead by the bundle's keys) or ("error", message)."""
    try:
        return "read", keyed(read_card(kind, front, back, today=today), keys)
    except OcrNotIncluded as exc:
        return "error", str(exc)  # this build has no OCR: the reader still works
    except (NotAnImage, OcrUnavailable) as exc:
        return "error", f"图片无法识别：{exc}"


def reader_job(settings: dict[str, Any], keys: Mapping[str, str]) -> tuple[str, Any]:
    """The chip reader on a worker thread: ("read", CardRead) or ("error", message)."""
    try:
        if settings.get(READER_URL):
            record = reader_for_url(str(settings[READER_URL])).read()
        elif settings.get(READER_HELPER):
            helper = HelperReader(shlex.split(str(settings[READER_HELPER])))
            try:
                record = helper.read()
            finally:
                helper.close()
        else:
            return "error", "还没有设置读卡器：请在「设置」里填写读卡器服务地址或读卡程序"
    except ReaderError as exc:
        return "error", str(exc)
    return "read", (keyed(record.to_read(), keys), record.photo)


class CaptureDialog(QDialog):
    """Shows one card's reading; `confirmed(kind, {key: value}, image, image_kind)` when the agent
    fills (image_kind as desktop.store.images.KINDS: the scan, or the chip's photo)."""

    confirmed = Signal(str, dict, bytes, str)

    def __init__(
        self,
        run: Callable[..., None],
        settings: dict[str, Any],
        keys: Mapping[str, Mapping[str, str]],
        labels: Mapping[str, str],
        today: Callable[[], date],
        parent: QWidget | None = None,
    ) -> None:
        """`keys`: {kind: {role: key}} (desktop.capture.keys); `labels`: the label of each key
        that is a field of the form, the ones that can be filled."""
        super().__init__(parent)
        self.setObjectName("capture_dialog")
        self.setWindowTitle("读取证件")
        self.run = run
        self.settings = settings
        self.keys = keys
        self.labels = {**LITERAL_LABELS, **labels}
        self.fillable = frozenset(labels)
        self.today = today
        self.read: CardRead | None = None
        self.image = b""
        self.image_kind = ""
        self.busy = False
        self.camera_dialog: Any = None
        self._build()

    def _build(self) -> None:
        self.kind_group = QButtonGroup(self)
        kinds = QHBoxLayout()
        for n, (kind, text) in enumerate(((LICENCE, "营业执照"), (ID_CARD, "身份证"))):
            button = QRadioButton(text)
            button.setObjectName(f"capture_kind_{kind}")
            button.setChecked(n == 0)
            self.kind_group.addButton(button, n)
            kinds.addWidget(button)
        kinds.addStretch(1)
        sources = QHBoxLayout()
        self.source_buttons: dict[str, QPushButton] = {}
        for name, text, slot in (
            ("capture_reader", "读卡器", self.from_reader),
            ("capture_camera", "摄像头", self.from_camera),
            ("capture_file", "文件…", self.from_file_dialog),
            ("capture_scans", "证件扫描文件夹", self.from_scan_folder),
            ("capture_back", "身份证背面…", self.back_from_file_dialog),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            sources.addWidget(button)
            self.source_buttons[name] = button
        self.camera_button = self.source_buttons["capture_camera"]
        self.source_buttons["capture_back"].setToolTip("先读人像面，再加国徽面：读出签发机关和有效期限")
        # Enabled even with no camera listed: pressed, it says why (a camera plugged in later works).
        self.camera_button.setToolTip("用摄像头拍摄证件（QtMultimedia 在第一次按下时才加载）")
        self.picture = QLabel("未读取")
        self.picture.setObjectName("capture_picture")
        self.picture.setMinimumSize(360, 240)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("capture_fields")
        self.table.setHorizontalHeaderLabels(["填入", "字段", "读到的内容", "可信度"])
        self.table.verticalHeader().hide()
        self.status = QLabel("")
        self.status.setObjectName("capture_status")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.fill_button = self.buttons.addButton("填入", QDialogButtonBox.ButtonRole.AcceptRole)
        self.fill_button.setObjectName("capture_fill")
        self.fill_button.setEnabled(False)
        self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.fill)
        self.buttons.rejected.connect(self.reject)
        side = QHBoxLayout()
        side.addWidget(self.picture, 1)
        side.addWidget(self.table, 1)
        column = QVBoxLayout(self)
        column.addLayout(kinds)
        column.addLayout(sources)
        column.addLayout(side, 1)
        column.addWidget(self.status)
        column.addWidget(self.buttons)

    @property
    def kind(self) -> str:
        return LICENCE if self.kind_group.checkedId() == 0 else ID_CARD

    # -- sources -----------------------------------------------------------------------------

    def from_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "选择证件图片", "", "图片 (*.jpg *.jpeg *.png *.bmp *.tif *.tiff)"
        )
        if path:
            self.load_file(Path(path))

    def back_from_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "选择身份证国徽面图片", "", "图片 (*.jpg *.jpeg *.png *.bmp *.tif *.tiff)"
        )
        if path:
            self.load_back_file(Path(path))

    def load_back_file(self, path: Path) -> None:
        """Read the ID card's back with the front already loaded: issuer and validity (expiry)."""
        if self.kind != ID_CARD or self.image_kind != "id_front" or not self.image:
            self._say("请先读取身份证人像面，再加国徽面", "error")
            return
        try:
            back = read_regular(path, 64 * 1024 * 1024)
        except OSError as exc:
            self._say(f"读不了 {path.name}：{why(exc)}", "error")
            return
        front, today = self.image, self.today()
        keys = self.keys[ID_CARD]
        self._start(
            lambda: read_job(ID_CARD, front, back, today, keys), "正在识别两面，可以继续在表单里填写…"
        )

    def from_scan_folder(self) -> None:
        folder = self.settings.get(SCAN_FOLDER)
        if not folder or not Path(folder).is_dir():
            self._say(
                "还没有设置「证件扫描文件夹」，或它不存在：请在「设置 → 读取证件」里选择扫描仪存放证件图片的文件夹",
                "error",
            )
            return
        scans = [p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
        if not scans:
            self._say(f"证件扫描文件夹 {folder} 里没有图片：请先扫描证件", "error")
            return
        self.load_file(max(scans, key=lambda p: p.stat().st_mtime))

    def from_camera(self) -> None:
        """Open the camera; said in the status line when this PC has none (or no QtMultimedia)."""
        camera = camera_module()
        if camera is None:
            self._say(
                "这台电脑没有可用的摄像头组件（多媒体组件未安装）：请改用「文件…」或「证件扫描文件夹」",
                "error",
            )
            return
        source = camera.CameraSource(self)
        problem = source.start()
        if problem:
            self._say(problem, "error")
            return
        self.show_camera(source)

    def show_camera(self, source: Any) -> Any:
        """The camera's preview for `source` (a desktop.ui.camera.CameraSource, started or fed by
        whatever pushes frames into its sink); the photo taken is read like a file."""
        self.camera_dialog = camera_module().CameraDialog(source, self)
        self.camera_dialog.taken.connect(self.load_bytes)
        self.camera_dialog.show()
        return self.camera_dialog

    def from_reader(self) -> None:
        self.kind_group.button(1).setChecked(True)
        settings, keys = self.settings, self.keys[ID_CARD]
        self._start(lambda: reader_job(settings, keys), "正在读卡…")

    def load_file(self, path: Path) -> None:
        try:
            data = read_regular(path, 64 * 1024 * 1024)
        except OSError as exc:
            self._say(f"读不了 {path.name}：{why(exc)}", "error")
            return
        self.load_bytes(data)

    def load_bytes(self, data: bytes) -> None:
        """Show the image and start its OCR on a worker thread."""
        self.image = data
        self.image_kind = "licence" if self.kind == LICENCE else "id_front"
        pixmap = QPixmap()
        if pixmap.loadFromData(data):
            self.picture.setPixmap(pixmap.scaled(self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio))
        kind, today = self.kind, self.today()
        keys = self.keys[kind]
        self._start(lambda: read_job(kind, data, None, today, keys), "正在识别，可以继续在表单里填写…")

    def _start(self, job: Callable[[], tuple[str, Any]], text: str) -> None:
        self.busy = True
        self.fill_button.setEnabled(False)
        self._say(text, "hint")
        self.run(job, self._finished, lambda reason: self._failed(reason))

    def _failed(self, reason: str) -> None:
        self.busy = False
        self._say(reason, "error")

    def _finished(self, outcome: tuple[str, Any]) -> None:
        self.busy = False
        what, payload = outcome
        if what == "error":
            self._say(payload, "error")
            return
        if isinstance(payload, tuple):  # the chip reader: the record and its photo
            payload, photo = payload
            self.image, self.image_kind = photo, "id_photo"
        self.show_read(payload)

    # -- the reading -------------------------------------------------------------------------

    def show_read(self, read: CardRead) -> None:
        self.read = read
        self.table.setRowCount(0)
        for key, f in read.fields.items():
            row = self.table.rowCount()
            self.table.insertRow(row)
            tick = QTableWidgetItem()
            fillable = key in self.fillable and key not in read.unrepairable
            tick.setFlags(
                Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                if fillable
                else Qt.ItemFlag.NoItemFlags
            )
            tick.setCheckState(Qt.CheckState.Checked if fillable else Qt.CheckState.Unchecked)
            tick.setData(Qt.ItemDataRole.UserRole, key)
            self.table.setItem(row, 0, tick)
            self.table.setItem(row, 1, QTableWidgetItem(self.labels.get(key, key)))
            self.table.setItem(row, 2, QTableWidgetItem(f.value))
            note = (
                "（按校验位修正）"
                if f.repaired
                else "（校验不通过，请核对）"
                if key in read.unrepairable
                else ""
            )
            self.table.setItem(row, 3, QTableWidgetItem(f"{f.confidence:.0%}{note}"))
        self.table.resizeColumnsToContents()
        problems = (
            [f"未读出：{'、'.join(self.labels.get(k, k) for k in read.missing)}"] if read.missing else []
        )
        problems += [
            f"{self.labels.get(k, k)}校验不通过且无法唯一修正，请对照证件手工填写" for k in read.unrepairable
        ]
        expiry = (
            expiry_problem(read.fields["valid_to"].value, self.today()) if "valid_to" in read.fields else None
        )
        if expiry:
            problems.append(expiry[1])
        expired = expiry is not None and expiry[0] == "error"
        kind = "error" if expired or read.unrepairable else "warning" if problems else "hint"
        self._say("；".join(problems) or "请核对后按「填入」，只填入勾选的项", kind)
        self.fill_button.setEnabled(not expired and bool(self.chosen()))

    def chosen(self) -> dict[str, str]:
        """The ticked fields and their values."""
        values = {}
        for row in range(self.table.rowCount()):
            tick = self.table.item(row, 0)
            if tick.checkState() == Qt.CheckState.Checked:
                values[tick.data(Qt.ItemDataRole.UserRole)] = self.table.item(row, 2).text()
        return values

    def fill(self) -> None:
        if self.read is None:
            return
        self.confirmed.emit(self.read.kind, self.chosen(), self.image, self.image_kind)
        self.accept()

    def _say(self, text: str, kind: str) -> None:
        self.status.setText(text)
        self.status.setProperty("kind", kind)
        set_text_colour(self.status, kind)


def camera_module() -> Any:
    """desktop.ui.camera, or None where QtMultimedia (PySide6-Addons) is not installed."""
    try:
        from desktop.ui import camera  # noqa: PLC0415 (QtMultimedia is large and optional: loaded when 读取证件 opens)
    except ImportError:
        return None
    return camera


def keep_image_job(case_id: str, kind: str, image: bytes) -> Callable[[Any], int]:
    """The drafts-file write keeping a card image with its case (on the window's writer thread)."""
    added = iso(local_now())
    return lambda store: store.keep_image(case_id, kind, image, added)


__all__ = ["CaptureDialog", "card_keys", "keep_image_job", "source_mark"]
