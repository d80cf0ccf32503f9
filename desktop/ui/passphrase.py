"""The passphrase dialog: shown at start when this machine has no keyring for the drafts key.

Never a silent plain file: without a keyring the drafts key is wrapped with a passphrase, and the
agent is told why it is asked for and what losing it means.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop.store import keys
from desktop.ui.style import set_text_colour

MIN_LENGTH = 8


class PassphraseDialog(QDialog):
    """Asks for the drafts file's passphrase (twice when it is being set for a new file)."""

    def __init__(self, creating: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passphrase_dialog")
        self.setWindowTitle("草稿文件口令")
        self.creating = creating
        column = QVBoxLayout(self)
        if creating:
            text = (
                "这台电脑没有可用的系统钥匙串，草稿里的客户资料将用口令加密保存。请设置一个至少 "
                f"{MIN_LENGTH} 位的口令，每次启动时输入。忘记口令就无法打开草稿，除非营业厅托管了密钥。"
            )
        else:
            text = "这台电脑没有可用的系统钥匙串，草稿文件用口令加密。请输入口令。"
        explain = QLabel(text)
        explain.setWordWrap(True)
        column.addWidget(explain)
        self.edit = QLineEdit()
        self.edit.setObjectName("passphrase")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        column.addWidget(self.edit)
        self.again = QLineEdit()
        self.again.setObjectName("passphrase_again")
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setPlaceholderText("再输入一次")
        self.again.setVisible(creating)
        column.addWidget(self.again)
        self.problem = QLabel("")
        self.problem.setObjectName("passphrase_problem")
        self.problem.setWordWrap(True)
        set_text_colour(self.problem, "error")  # a refusal reads as one (issue 23: it was black)
        column.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self.check: Callable[[str], str | None] = lambda _text: None

    def _check(self) -> None:
        text = self.edit.text()
        if self.creating and len(text) < MIN_LENGTH:
            self.problem.setText(f"口令至少 {MIN_LENGTH} 位")
            return
        if self.creating and text != self.again.text():
            self.problem.setText("两次输入的口令不一致")
            return
        problem = self.check(text)
        if problem:
            self.problem.setText(problem)
            self.edit.selectAll()
            return
        self.accept()


def problem_with(db_path: Path, text: str) -> str | None:
    """Why `text` does not open the drafts file (None: it does, or the file is new)."""
    info = keys.read_key_file(db_path)
    if info is None or info.wrapped is None:
        return None
    keys.use_passphrase(text)
    try:
        keys.unlock_with(db_path, info)
    except keys.WrongKey:
        return "口令不对，请重新输入"
    except keys.KeyProblem:
        return None  # opening the file says what is wrong
    return None


def ask(db_path: Path, parent: QWidget | None = None) -> bool:
    """Ask for the passphrase when one is needed; False when the agent chose to quit."""
    if not keys.needs_passphrase(db_path):
        return True
    try:
        creating = keys.read_key_file(db_path) is None
    except keys.KeyProblem:
        return True
    dialog = PassphraseDialog(creating, parent)
    dialog.check = lambda text: problem_with(db_path, text)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    keys.use_passphrase(dialog.edit.text())
    return True
