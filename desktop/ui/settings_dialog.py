"""The settings dialog: the operator's words, the hall and its agent, the desk code, how long
finished cases stay. A value its setting's pattern refuses (forms/: bundle.toml) keeps the dialog
open with the setting's message; nothing is saved until every value is acceptable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from desktop.forms import SettingDef

RETENTION_KEY = "retention_days"


class SettingsDialog(QDialog):
    """Edits the bundle's settings plus the retention days; `values()` is what the agent set."""

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
        self.edits: dict[str, QLineEdit] = {}
        for setting in settings:
            edit = QLineEdit(str(current.get(setting.key) or ""))
            edit.setObjectName(f"setting.{setting.key}")
            edit.setPlaceholderText(setting.default or "")
            edit.setMinimumWidth(320)
            form.addRow(setting.label, edit)
            self.edits[setting.key] = edit
        self.retention = QSpinBox()
        self.retention.setObjectName(f"setting.{RETENTION_KEY}")
        self.retention.setRange(1, 3650)
        self.retention.setSuffix(" 天")
        self.retention.setValue(int(current.get(RETENTION_KEY) or 90))
        form.addRow("已完成案卷保留", self.retention)
        note = QLabel(
            "经办单位和经办人会预先填入新建的案卷；柜台代码用于新案卷的编号（如 XH01-20261130-017）；"
            "保留期满的已打印案卷会被清除。"
        )
        note.setWordWrap(True)
        form.addRow(note)
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

    def problems(self) -> list[tuple[str, str]]:
        """(key, Chinese message) for each value its setting refuses, in the dialog's order."""
        out = []
        for setting in self.settings:
            problem = setting.problem(self.edits[setting.key].text().strip())
            if problem:
                out.append((setting.key, problem))
        return out

    def accept(self) -> None:
        """Close and save only when every value is acceptable; else say why, at the first bad one."""
        problems = self.problems()
        if problems:
            self.error.setText("\n".join(text for _, text in problems))
            self.error.show()
            self.edits[problems[0][0]].setFocus()
            self.edits[problems[0][0]].selectAll()
            return
        self.error.hide()
        super().accept()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {key: edit.text().strip() for key, edit in self.edits.items()}
        out[RETENTION_KEY] = self.retention.value()
        return out
