"""The window's side of 读取证件: open the dialog, fill what the agent confirmed, mark it, and keep
the image with the case (encrypted in the drafts file, desktop.store.images).

A filled value goes through the same path as a typed one (CaseView.fill: the session's edit, the
checks, autosave), and its field shows 「来自营业执照」 or 「来自身份证」 until the agent changes it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel

from desktop import capture  # its record loads with the first card read (desktop.files.lazy)
from desktop.store.changes import Changes
from desktop.ui.style import set_text_colour


class CardCapture(QObject):
    """读取证件 for one window (its view, session, workers and drafts file, read from it when
    used: the drafts file opens after the first paint)."""

    def __init__(self, window: Any, started: Callable[[], None]) -> None:
        """`started` opens the drafts file if it is not open yet (the window's lazy start)."""
        super().__init__(window)
        self.window, self.view, self.session, self.workers = (
            window,
            window.view,
            window.session,
            window.workers,
        )
        self.started = started
        self.dialog: Any = None
        self.keep_job: Callable[[str, str, bytes], Callable[[Any], int]] | None = None
        window.view.edited.connect(self.unmark)

    def store(self) -> Any:
        return self.window.store

    def flush(self) -> bool:
        return self.window.autosaver.flush()

    def today(self) -> date:
        return self.window.today()

    def open(self) -> Any:
        """Show the dialog (not modal: the form stays usable while a card is read)."""
        # The dialog's module brings the OCR's and the readers' modules, the validators and the
        # store with them: loaded when 读取证件 first opens, never before the window's first paint.
        from desktop.ui import capture_dialog as dialogs  # noqa: PLC0415 (after the first paint, see above)

        self.started()
        if self.dialog is None or not self.dialog.isVisible():
            stored = self.store().settings()
            settings = {
                k: stored.get(k) for k in (dialogs.READER_URL, dialogs.READER_HELPER, dialogs.SCAN_FOLDER)
            }
            bundle = self.view.bundle
            keys = dialogs.card_keys(bundle.folder)
            # The keys that are fields of the form fill them; the contract's literal keys only show.
            fields = {key for roles in keys.values() for key in roles.values() if key in self.view.rows}
            labels = {key: bundle.field(key).label for key in fields}
            self.dialog = dialogs.CaptureDialog(
                self.workers.run, settings, keys, labels, self.today, self.window
            )
            self.dialog.confirmed.connect(self.fill)
            self.keep_job = dialogs.keep_image_job
            self.dialog.show()
        return self.dialog

    def fill(self, kind: str, values: dict[str, str], image: bytes, image_kind: str) -> None:
        mark = capture.record.source_mark(kind)
        for key, value in values.items():
            self.view.fill(key, value)
            for row in self.view.rows[key]:
                label = _mark_label(row, key)
                label.setText(mark)
                label.show()
        if image and image_kind and self.flush() and self.session.case_id:
            self._keep(self.session.case_id, image_kind, image)

    def _keep(self, case_id: str, kind: str, image: bytes) -> None:
        if self.keep_job is not None:  # set with the dialog that confirmed the fill
            self.window.operations.run(self.keep_job(case_id, kind, image), Changes.of([case_id]))

    def unmark(self, key: str) -> None:
        """The agent changed a filled value: it is theirs now, no longer the card's."""
        for row in self.view.rows.get(key, ()):
            label = row.box.findChild(QLabel, f"{key}.source")
            if label is not None:
                label.hide()


def _mark_label(row: Any, key: str) -> QLabel:
    label = row.box.findChild(QLabel, f"{key}.source")
    if label is None:
        label = QLabel(row.box)
        label.setObjectName(f"{key}.source")
        set_text_colour(label, "info")
        row.box.layout().addWidget(label)
    return label
