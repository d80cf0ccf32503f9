"""The settings dialog: the operator's words, the hall and its agent, how long finished cases stay."""

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
        note = QLabel("经办单位和经办人会预先填入新建的案卷；保留期满的已打印案卷会被清除。")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumSize(form.sizeHint())

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {key: edit.text().strip() for key, edit in self.edits.items()}
        out[RETENTION_KEY] = self.retention.value()
        return out
