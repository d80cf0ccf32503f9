"""The autosave: every edit reaches the drafts file within a moment, or the agent is told.

One save at a time, in order, on the saving thread (its `StorePool`). A failed save keeps its
edits pending, says in the banner what happened and what to do, and retries with back-off
(2 s, 4 s, … 30 s); 已保存 changes only after a real commit. At close, edits that cannot be
written go to the recovery journal (desktop/store/journal.py) instead of being lost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

import desktop.store  # lazy: the store's modules load on first use (desktop.files.lazy)
from desktop.domain.session import EditSession, SaveSnapshot, write_save
from desktop.store.errors import CaseDeleted, Conflict

if TYPE_CHECKING:
    from desktop.ui.workers import Workers

SAVE_DELAY_MS = 400  # an edit reaches the store at most this long after it was typed
RETRY_MS = (2000, 4000, 8000, 15000, 30000)
FLUSH_WAIT_S = 0.05  # for the saving thread to let go of its connection after the save it ran


class Autosaver(QObject):
    """Saves the session's pending edits.

    Signals: `saved(save)` after a commit; `failed(save, message)` after a failure (the message
    is the agent's); `conflict(message)` and `binned()` for the two failures the window answers
    with its own banner; `idle()` whenever nothing is pending or in flight after a save.
    """

    saved = Signal(object)
    failed = Signal(object, str)
    conflict = Signal(str)
    binned = Signal()
    idle = Signal()

    def __init__(
        self, session: EditSession, workers: Workers, store: Callable[[], Any], parent: QObject
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.workers = workers
        self.store = store  # the GUI thread's connection, for flush()
        self.in_flight: SaveSnapshot | None = None
        self.failures = 0
        self.status_due = False  # a save is owed for the status alone (a checklist tick)
        self.closed = False
        self.timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self.timer.timeout.connect(self.save_soon)
        self._retry = QTimer(self, singleShot=True)
        self._retry.timeout.connect(self.save_soon)

    @property
    def busy(self) -> bool:
        """Edits pending or a save in flight."""
        return bool(self.session.dirty) or self.in_flight is not None

    def schedule(self) -> None:
        """An edit: save it after the pause (a run of keystrokes is one save)."""
        if not self.timer.isActive():
            self.timer.start()

    def save_soon(self, *, status: bool = False) -> None:
        """Send the pending edits to the saving thread now (unless one save is still running).

        `status`: save even with no edit pending, so that the case's status follows (a checklist
        tick can turn a clean case complete)."""
        session = self.session
        self.status_due = self.status_due or status
        if self.closed or session.conflicted or not (session.dirty or self.status_due and session.case_id):
            return
        if session.blank():
            session.dirty.clear()  # nothing typed yet: no case (and no case number) to make
            return
        if self.in_flight is not None:
            self.timer.start()  # one save at a time, in order: the next one follows it
            return
        self.status_due = False
        save = session.snapshot()
        self.in_flight = save
        writes = self.workers.writes

        def job() -> SaveSnapshot:
            try:
                return writes.locked(lambda store: write_save(save, store))
            except Exception as exc:  # noqa: BLE001 (the thread's connection did not open: a failed save)
                save.error = exc
                save.done.set()  # a flush waits for this, and a save never finished stopped the autosave
                return save

        self.workers.run(job, lambda _s: self._finished(save), pool=writes.pool)

    def flush(self) -> bool:
        """Write pending edits now, on this thread; False when they could not be written."""
        self.timer.stop()
        if self.in_flight is not None:
            save = self.in_flight
            save.done.wait()  # the save running now finishes first (never waitForDone: see workers)
            self._finished(save)
        session = self.session
        if session.conflicted:
            return not session.dirty
        if session.blank():
            session.dirty.clear()
        if not session.dirty:
            return True
        save = session.snapshot()
        self.in_flight = save
        try:
            # On the saving thread's connection, as every autosave (a save there may be just ending):
            # a commit from the GUI thread's would empty its cache, which the next open reads from.
            self.workers.writes.lend(lambda store: write_save(save, store), self.store, wait_s=FLUSH_WAIT_S)
        except Exception as exc:  # noqa: BLE001 (a drafts file that cannot open is a failed save)
            save.error = exc
        return self._finished(save)

    def _finished(self, save: SaveSnapshot) -> bool:
        """Take a save's outcome once (a flush may have taken it already)."""
        if save is not self.in_flight:
            return save.error is None
        self.in_flight = None
        session = self.session
        if save.error is not None:
            session.give_back(save)
            if isinstance(save.error, Conflict):
                session.mark_conflict()
                self.conflict.emit(str(save.error))
            elif isinstance(save.error, CaseDeleted):
                self.binned.emit()
            else:
                self.failures += 1
                self.failed.emit(
                    save,
                    desktop.store.describe.describe(
                        save.error, failed="保存失败", then=desktop.store.describe.KEPT_ON_SCREEN
                    ),
                )
                # start(ms) on the autosave's own timer would slow every later save for good.
                self._retry.start(RETRY_MS[min(self.failures, len(RETRY_MS)) - 1])
            return False
        self.failures = 0
        session.take(save)
        self.saved.emit(save)
        if session.dirty:
            self.schedule()
        else:
            self.idle.emit()
        return True

    def close(self, db_path: Path) -> bool:
        """The window closes: write what is pending, or journal it. True if nothing was lost."""
        self._retry.stop()
        ok = self.flush()
        self.closed = True
        session = self.session
        if ok and not session.dirty:
            return True
        values = session.resolved().to_store() if session.fresh else dict(session.values)
        if session.conflicted:
            # Another window saved this case meanwhile: keep these values as a case of their own.
            try:
                self.store().create(values)
                return True
            except Exception:  # noqa: BLE001 (then the journal keeps them)
                pass
        try:
            desktop.store.journal.append(db_path, session.case_id, session.revision, values, datetime.now())
        except OSError:
            return False
        return True
