"""The settings dialog: the operator's words, the hall and its agent, how long finished cases stay,
and 服务器 (the hall server's address, the desk code, the CA file, the password kept in the OS
keyring, the hall's age public key and 测试连接). A value its setting refuses (a pattern from
forms/ bundle.toml, or an age key pyrage cannot read) keeps the dialog open with the setting's
message; nothing is saved until every value is acceptable.

测试连接 runs on a thread of its own: a server that does not answer never freezes the dialog."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

import desktop.files  # lazy: age (sealing) loads on first use (desktop.files.lazy)
import desktop.hall  # lazy: psycopg loads with the first sync (desktop.files.lazy)
from desktop.domain.forms import SettingDef
from desktop.ui.hall_setup import upper_as_typed
from desktop.ui.papers import SCAN_FOLDER_KEY
from desktop.ui.style import set_text_colour

RETENTION_KEY = "retention_days"
AGE_KEY = "hall.age_recipient"  # desktop.store.escrow.ESCROW_SETTING
# The settings shown under 服务器 (the rest of the bundle's settings are the hall's words).
SERVER_KEYS = ("hall.url", "desk.code", "hall.ca_file")
URL_KEY, CA_KEY = "hall.url", "hall.ca_file"
# 读取证件 (desktop.ui.capture_dialog): where the ID-card reader and the scanner are.
CAPTURE_ROWS = (
    (
        "capture.reader_url",
        "读卡器服务地址",
        "http://127.0.0.1:… 或 ws://127.0.0.1:…（厂商的本机读卡服务，HTTP 或 WebSocket；留空则不用）",
    ),
    ("capture.reader_helper", "读卡程序", "读卡器厂商动态库的辅助程序及参数（没有服务地址时用）"),
    (
        "capture.scan_folder",
        "证件扫描文件夹",
        "营业执照、身份证的扫描图片：按「读取证件 → 扫描文件夹」时取最新一张，不自动导入",
    ),
)
CAPTURE_KEYS = tuple(key for key, _label, _hint in CAPTURE_ROWS)
CARD_FOLDER_KEY = "capture.scan_folder"
# Two scan folders, not one routed by content: every new file in the signed-scan folder is taken
# in at once and matched by its page's QR; a signed page whose QR does not read (a stamp over it,
# a fold) must come back as "no QR: scan again", not be offered as a card, and a card image has no
# QR to route it by. An MFP keeps one "scan to folder" target per button, so two cost nothing.
TWO_FOLDERS_NOTE = (
    "为什么有两个扫描文件夹：「签字扫描件文件夹」里的每个新文件都会自动导入，并按页上的二维码归入案卷；"
    "证件图片没有二维码，放在那里只会被报告为无法匹配。读不出二维码的签字页也不能当作证件读取。"
    "请在多功能打印机上设两个“扫描到文件夹”目标（两个按钮），分别指向这两个文件夹。"
)
SAME_FOLDER = (
    "「证件扫描文件夹」和「签字扫描件文件夹」是同一个文件夹：签字扫描件文件夹里的新文件都会自动导入，"
    "证件图片不能放在那里。请为证件另选一个文件夹，或清空「证件扫描文件夹」"
)


class _Probe(QObject):
    """Carries one 测试连接 result from its thread back to the GUI thread (a queued signal)."""

    finished = Signal(bool, str)


class SettingsDialog(QDialog):
    """Edits the bundle's settings plus the retention days and the hall's age key; `values()` is
    what the agent set. The server password typed here goes to the OS keyring on 保存, never into
    `values()` (the drafts file holds nothing secret)."""

    def __init__(
        self, settings: Sequence[SettingDef], current: Mapping[str, Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.setWindowTitle("设置")
        form = QFormLayout(self)
        # The size is fixed before the dialog shows: the layout does not set limits on the window
        # afterwards (some platforms warn on every such change).
        form.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.settings = tuple(settings)
        self.current = dict(current)
        self.edits: dict[str, QLineEdit] = {}
        server = QGroupBox("服务器")
        server.setObjectName("settings_server")
        server_form = QFormLayout(server)
        for setting in settings:
            edit = QLineEdit(str(current.get(setting.key) or ""))
            edit.setObjectName(f"setting.{setting.key}")
            edit.setPlaceholderText(setting.default or "")
            edit.setMinimumWidth(320)
            (server_form if setting.key in SERVER_KEYS else form).addRow(setting.label, edit)
            self.edits[setting.key] = edit
            if setting.key == "desk.code":
                upper_as_typed(edit)  # xh01 becomes XH01 as typed, instead of being refused
        self.retention = QSpinBox()
        self.retention.setObjectName(f"setting.{RETENTION_KEY}")
        self.retention.setRange(1, 3650)
        self.retention.setSuffix(" 天")
        self.retention.setValue(int(current.get(RETENTION_KEY) or 90))
        form.addRow("已完成案卷保留", self.retention)
        self.scan_folder = QLineEdit(str(current.get(SCAN_FOLDER_KEY) or ""))
        self.scan_folder.setObjectName(f"setting.{SCAN_FOLDER_KEY}")
        self.scan_folder.setPlaceholderText(
            "签回的打印页（带二维码）：多功能打印机“扫描到文件夹”的文件夹，新扫描件放入即自动导入"
        )
        form.addRow("签字扫描件文件夹", self.scan_folder)
        note = QLabel(
            "经办单位和经办人会预先填入新建的案卷；柜台代码用于新案卷的编号（如 XH01-20261130-017）；"
            "保留期满的已打印案卷会被清除。"
        )
        note.setWordWrap(True)
        form.addRow(note)
        self._server_rows(server_form)
        form.addRow(server)
        capture = QGroupBox("读取证件")
        capture.setObjectName("settings_capture")
        capture_form = QFormLayout(capture)
        self.capture_edits: dict[str, QLineEdit] = {}
        for key, label, hint in CAPTURE_ROWS:
            edit = QLineEdit(str(current.get(key) or ""))
            edit.setObjectName(f"setting.{key}")
            edit.setPlaceholderText(hint)
            capture_form.addRow(label, edit)
            self.capture_edits[key] = edit
        folders = QLabel(TWO_FOLDERS_NOTE)
        folders.setObjectName("settings_scan_folders_note")
        folders.setWordWrap(True)
        capture_form.addRow(folders)
        form.addRow(capture)
        self.error = QLabel()
        self.error.setObjectName("settings_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumSize(form.sizeHint())

    def _server_rows(self, form: QFormLayout) -> None:
        self.password = QLineEdit()
        self.password.setObjectName("setting.hall.password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("留空：使用这台电脑上已保存的密码")
        form.addRow("柜台账号密码", self.password)
        # What only the hall's administrator sets, in words an agent can follow (issue 23: the
        # age key and ~/.pgpass were shown to agents as they are).
        advanced = QGroupBox("高级（由营业厅管理员设置）")
        advanced.setObjectName("settings_advanced")
        rows = QFormLayout(advanced)
        self.age = QLineEdit(str(self.current.get(AGE_KEY) or ""))
        self.age.setObjectName(f"setting.{AGE_KEY}")
        self.age.setPlaceholderText("age1…（管理员提供；不知道就留空）")
        rows.addRow("营业厅保管密钥", self.age)
        explain = QLabel(
            "填写后，这台电脑草稿文件的钥匙会加密交给营业厅保管：忘记口令或换电脑时，管理员能帮您找回草稿；"
            "导出的案卷文件也会加密，只有营业厅能打开。留空则不交给营业厅保管。\n"
            "柜台账号密码留空时，本程序使用管理员事先保存在这台电脑上的密码（系统钥匙串或密码文件）。"
        )
        explain.setObjectName("settings_advanced_note")
        explain.setWordWrap(True)
        rows.addRow(explain)
        form.addRow(advanced)
        self.test_button = QPushButton("测试连接")
        self.test_button.setObjectName("hall_test_connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setObjectName("hall_test_result")
        self.test_result.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.test_result, 1)
        form.addRow(row)

    # -- 测试连接 ---------------------------------------------------------------------------------

    def test_connection(self) -> None:
        """Try the server as typed on a worker thread; the result line appears when it is done."""
        url = self.edits[URL_KEY].text() if URL_KEY in self.edits else ""
        ca_file = self.edits[CA_KEY].text() if CA_KEY in self.edits else ""
        password = self.password.text()
        self.test_button.setEnabled(False)
        self.test_result.setText("正在连接…")
        set_text_colour(self.test_result, "hint")
        probe = _Probe()
        probe.finished.connect(self._tested)

        def work() -> None:
            probe.finished.emit(*_probe(url, ca_file, password))

        threading.Thread(target=work, name="desk400-test-connection", daemon=True).start()

    def _tested(self, ok: bool, text: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(text)
        set_text_colour(self.test_result, "ok" if ok else "error")

    # -- saving -----------------------------------------------------------------------------------

    def problems(self) -> list[tuple[str, str]]:
        """(key, Chinese message) for each value its setting refuses, in the dialog's order."""
        out = []
        for setting in self.settings:
            problem = setting.problem(self.edits[setting.key].text().strip())
            if problem:
                out.append((setting.key, problem))
        age = self.age.text().strip()
        if age:
            try:
                desktop.files.sealing.recipient(age)
            except desktop.files.sealing.SealError as exc:
                out.append((AGE_KEY, f"{exc}，请改正后再保存"))
        if same_folder(self.scan_folder.text(), self.capture_edits[CARD_FOLDER_KEY].text()):
            out.append((CARD_FOLDER_KEY, SAME_FOLDER))
        return out

    def accept(self) -> None:
        """Close and save only when every value is acceptable (and a typed password is in the
        keyring); else say why, at the first bad one."""
        problems = self.problems()
        if not problems and self.password.text():
            problem = _remember(
                self.edits[URL_KEY].text() if URL_KEY in self.edits else "", self.password.text()
            )
            if problem:
                problems.append(("", problem))
        if problems:
            self.error.setText("\n".join(text for _, text in problems))
            self.error.show()
            widget = self._widget(problems[0][0])
            widget.setFocus()
            widget.selectAll()
            return
        self.error.hide()
        super().accept()

    def values(self) -> dict[str, Any]:
        """The settings to save. The age key only when it changed: saving it (re)seals the drafts
        key to the hall, which a file without a key file cannot do."""
        out: dict[str, Any] = {key: edit.text().strip() for key, edit in self.edits.items()}
        out[RETENTION_KEY] = self.retention.value()
        out[SCAN_FOLDER_KEY] = self.scan_folder.text().strip()
        out.update({key: edit.text().strip() for key, edit in self.capture_edits.items()})
        age = self.age.text().strip()
        if age != str(self.current.get(AGE_KEY) or "").strip():
            out[AGE_KEY] = age
        return out

    def _widget(self, key: str) -> QLineEdit:
        if key == AGE_KEY:
            return self.age
        return self.edits.get(key) or self.capture_edits.get(key) or self.password


def same_folder(first: str, second: str) -> bool:
    """Whether two folders as typed are one (either empty: no); spelled differently, through a
    link, or in another case on Windows alike."""
    first, second = first.strip(), second.strip()
    if not first or not second:
        return False
    try:
        if Path(first).is_dir() and Path(second).is_dir():
            return os.path.samefile(first, second)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(first)) == os.path.normcase(os.path.abspath(second))


def _probe(url: str, ca_file: str, password: str) -> tuple[bool, str]:
    """(worked, the Chinese line) for one connection attempt; never raises (a worker thread)."""
    try:
        return True, desktop.hall.probe.try_connection(url, ca_file, password)
    except desktop.hall.connection.HallError as exc:
        return False, str(exc)
    except Exception as exc:  # noqa: BLE001 - a thread must report, never die silently
        return False, f"测试连接失败（内部错误 {type(exc).__name__}）"


def _remember(url: str, password: str) -> str | None:
    """Put the typed password in the keyring for the URL's role; the Chinese reason if it cannot."""
    if not url.strip():
        return "填写了密码但没有服务器地址：请先填写营业厅服务器地址"
    try:
        desktop.hall.connection.remember_password(url.strip(), password)
    except desktop.hall.connection.HallError as exc:
        return str(exc)
    return None
