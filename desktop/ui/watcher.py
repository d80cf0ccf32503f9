"""Notices, off the GUI thread, that another window saved or binned the case on screen.

Without it a second window's save would surface only at this window's next save: an agent could
print a bundle that is no longer what the drafts file holds. It looks every CHANGE_CHECK_MS while
the window is open, and when the window is brought to the front.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.store.errors import CaseNotFound

if TYPE_CHECKING:
    from desktop.domain.session import EditSession
    from desktop.ui.autosave import Autosaver
    from desktop.ui.workers import Workers

CHANGE_CHECK_MS = 3000


class ChangeWatcher(QObject):
    """Signals: `newer(case)` a newer save with nothing unsaved here; `clash()` a newer save
    while this window has unsaved edits; `binned(case_id)` the case went to the bin (said
    once); `restored()` a case binned elsewhere came back."""

    newer = Signal(object)
    clash = Signal()
    binned = Signal(str)
    restored = Signal()

    def __init__(self, session: EditSession, autosaver: Autosaver, workers: Workers, parent: QObject) -> None:
        super().__init__(parent)
        self.session = session
        self.autosaver = autosaver
        self.workers = workers
        self.active = False
        self.binned_noticed: str | None = None
        self.timer = QTimer(self, interval=CHANGE_CHECK_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.active = True
        self.timer.start()

    def stop(self) -> None:
        self.active = False
        self.timer.stop()

    def check(self) -> None:
        """Ask the drafts-reading thread for the stored case (nothing while a save is running)."""
        session = self.session
        case_id = session.case_id
        if not self.active or case_id is None or session.conflicted or self.autosaver.in_flight:
            return

        def query_store(store: Any) -> Any:
            try:
                return store.get(case_id)
            except CaseNotFound:
                return None  # purged: the next save says so in plain words

        self.workers.read(query_store, lambda case: self._answer(case_id, case))

    def _answer(self, case_id: str, case: Any) -> None:
        session = self.session
        if case is None or not self.active or case_id != session.case_id:
            return
        if session.conflicted or self.autosaver.in_flight:
            return
        if case.deleted:
            if self.binned_noticed != case_id:  # said once: a dismissed banner stays dismissed
                self.binned_noticed = case_id
                self.binned.emit(case_id)
            return
        if self.binned_noticed == case_id:  # restored elsewhere (a restore keeps the revision)
            self.binned_noticed = None
            self.restored.emit()
        if case.revision <= session.revision:
            return  # nothing new (or this window's own save, taken since the question was asked)
        if session.dirty:
            session.mark_conflict()
            self.clash.emit()
        else:
            self.newer.emit(case)
