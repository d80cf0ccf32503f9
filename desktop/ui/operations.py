"""Writes to the drafts file as operations: run on the saving thread, then one `changed(Changes)`.

Anki's `CollectionOp` runs a change off the GUI thread and ends with `operation_did_execute`,
which every view listens to; this is that for the window. A write runs on the saving thread (the
autosave's `StorePool`, one job at a time, in order), so a copy, a delete or a checklist tick
never overtakes the autosave typed just before it, and never commits from the GUI thread's
connection (which would empty the saving connection's page cache, see StorePool.lend). When it is
done, `changed` is emitted once, on the GUI thread, with what the write says it changed; the
drafts list, the title, the banner and the preview decide from that what to show again, so no
writer calls a view's refresh by hand.

`run` is asynchronous (its result goes to `then`); `wait` blocks the GUI thread until the saving
thread has run the job (for operations whose next step needs the result at once: a copy is
opened, a print's revision recorded), which is what running it on the GUI thread cost before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from desktop.store.changes import Changes

if TYPE_CHECKING:
    from desktop.domain.session import SaveSnapshot
    from desktop.ui.workers import Workers

T = TypeVar("T")


class Operations(QObject):
    """The window's writes; `changed(Changes)` after each one that succeeded."""

    changed = Signal(object)

    def __init__(self, workers: Workers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workers = workers

    def run(
        self,
        job: Callable[[Any], T],
        changes: Changes | Callable[[T], Changes],
        then: Callable[[T], None] | None = None,
        failed: Callable[[str], None] | None = None,
    ) -> None:
        """Run `job(store)` on the saving thread; on the GUI thread then `then(result)` and one
        `changed` (`changes`, or `changes(result)`). A failure goes to `failed` as the agent's line
        (desktop.store.describe) and emits nothing: nothing was written."""

        def done(result: T) -> None:
            if then is not None:
                then(result)
            self.announce(changes(result) if callable(changes) else changes)

        self.workers.write(job, done, failed)

    def wait(
        self,
        job: Callable[[Any], T],
        changes: Changes | Callable[[T], Changes],
        then: Callable[[T], object] | None = None,
    ) -> T:
        """Run `job(store)` on the saving thread and wait for it; then `then(result)` (the session
        shows the case written) and one `changed`; returns the result.

        Raises what the job raised (a StoreError the caller shows in its banner), having emitted
        nothing. The saving thread runs it after the save in flight, if any: the order typed in."""
        writes = self.workers.writes
        finished = threading.Event()
        outcome: dict[str, Any] = {}

        def task() -> None:
            try:
                outcome["result"] = writes.locked(job)
            except BaseException as exc:  # noqa: BLE001 (handed back to the GUI thread, raised there)
                outcome["error"] = exc
            finally:
                finished.set()

        writes.pool.start(task)
        finished.wait()
        if "error" in outcome:
            raise outcome["error"]
        result: T = outcome["result"]
        if then is not None:
            then(result)
        self.announce(changes(result) if callable(changes) else changes)
        return result

    def announce(self, changes: Changes) -> None:
        """A write done elsewhere (the autosave's, the hall's round on its own thread): tell the
        views, once."""
        if not changes.empty:
            self.changed.emit(changes)


def saved(save: SaveSnapshot, listed_keys: tuple[str, ...]) -> Changes:
    """What an autosave changed: its case (added by a first save); `listed` when the drafts list
    shows one of its keys (`listed_keys`) or its status. Typing (`typed`: the list waits for a
    pause) unless the save changed the status: a checklist tick or an edit after print shows in
    the list at once (issue 23: it waited, or never came)."""
    case_id = save.new_id or save.case_id
    return Changes.of(
        [case_id],
        added=[save.new_id] if save.case_id is None else (),
        listed=save.listed(*listed_keys),
        status=save.restatused,
        typed=bool(save.keys) and not save.restatused,
    )
