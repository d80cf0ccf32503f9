"""First start: a short 「营业厅设置」 step before the first case (issue 23 item 6).

Without it the first cases got DESK- numbers and a blank 经办单位 on paper. Four values only (the
hall, the agent, the desk code, the operator); 跳过 leaves the defaults and 设置 stays where it
was. Shown once per drafts file: the answer (or the skip) is remembered as FIRST_START_DONE.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from desktop.domain.forms import SettingDef
from desktop.ui.style import set_text_colour

FIRST_START_DONE = "first_start.done"  # a drafts-file setting: the step was answered or skipped
DESK_CODE = "desk.code"  # desktop.store.numbers.DESK_CODE_KEY: its placeholder default is no hall's


def upper_as_typed(edit: QLineEdit) -> None:
    """Letters typed into `edit` become capitals at once, the cursor kept (a desk code `xh01` is
    XH01, as ordinary fields upper-case, instead of being refused)."""

    def upper(text: str) -> None:
        if text != text.upper():
            at = edit.cursorPosition()
            edit.setText(text.upper())
            edit.setCursorPosition(at)

    edit.textEdited.connect(upper)


class HallSetupDialog(QDialog):
    """The four values, checked by their settings' own rules; `values()` once accepted."""

    def __init__(
        self, settings: Sequence[SettingDef], current: Mapping[str, Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("hall_setup")
        self.setWindowTitle("营业厅设置")
        # Which settings, and their hints, are bundle data (bundle.toml `first_start`).
        self.settings = {s.key: s for s in settings if s.first_start}
        form = QFormLayout(self)
        intro = QLabel(
            "第一次使用：请填写营业厅的信息，之后新建的案卷会自动填好经办单位和经办人，并按柜台代码编号。"
            "以后可在「文件 → 设置」中修改。"
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.edits: dict[str, QLineEdit] = {}
        for key, setting in self.settings.items():
            value = current.get(key)
            # The desk code's default (DESK) is a placeholder, shown as a hint only.
            unset = value in (None, "") or (value == setting.default and key == DESK_CODE)
            edit = QLineEdit("" if unset else str(value))
            edit.setObjectName(f"setup.{key}")
            edit.setPlaceholderText(setting.first_start)
            edit.setToolTip(setting.first_start)
            edit.setMinimumWidth(360)
            if key == DESK_CODE:
                upper_as_typed(edit)
            form.addRow(setting.label, edit)
            self.edits[key] = edit
        self.error = QLabel()
        self.error.setObjectName("hall_setup_error")
        self.error.setWordWrap(True)
        set_text_colour(self.error, "error")
        self.error.hide()
        form.addRow(self.error)
        buttons = QDialogButtonBox()
        self.save = buttons.addButton("保存并开始", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save.setObjectName("hall_setup_save")
        self.skip = buttons.addButton("跳过，稍后在设置中填写", QDialogButtonBox.ButtonRole.RejectRole)
        self.skip.setObjectName("hall_setup_skip")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def problems(self) -> list[tuple[str, str]]:
        """(key, message) for each value its setting refuses."""
        out = []
        for key, edit in self.edits.items():
            problem = self.settings[key].problem(edit.text().strip())
            if problem:
                out.append((key, problem))
        return out

    def accept(self) -> None:
        problems = self.problems()
        if problems:
            self.error.setText("\n".join(text for _, text in problems))
            self.error.show()
            self.edits[problems[0][0]].setFocus()
            return
        super().accept()

    def values(self) -> dict[str, str]:
        """The values typed (an empty one is left out: its default stays)."""
        return {key: edit.text().strip() for key, edit in self.edits.items() if edit.text().strip()}


def offer(
    settings: Sequence[SettingDef],
    stored: Callable[[], Mapping[str, Any]],
    has_cases: Callable[[], bool],
    save: Callable[[Mapping[str, Any]], None],
    parent: QWidget | None = None,
) -> HallSetupDialog | None:
    """Open the step (not modal: the window behind stays painted) when this drafts file has never
    answered it and holds no case yet; `save` gets the values, plus FIRST_START_DONE, on 保存, and
    FIRST_START_DONE alone on 跳过. None when there is nothing to ask."""
    current = stored()
    if current.get(FIRST_START_DONE) or has_cases():
        return None
    dialog = HallSetupDialog(settings, current, parent)
    dialog.accepted.connect(lambda: save({**dialog.values(), FIRST_START_DONE: True}))
    dialog.rejected.connect(lambda: save({FIRST_START_DONE: True}))
    dialog.open()
    return dialog
