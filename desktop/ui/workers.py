"""Slow work off the GUI thread: rendering, searching drafts, loading the font's coverage.

A job is a plain function run in a QThreadPool; its result comes back through a signal, queued to
the GUI thread. Jobs never touch widgets. Drafts reads run on their own one-thread pool with that
thread's own store connection (one Store per thread).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

import desktop.store  # lazy: the store's modules load on first use (desktop.files.lazy)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported to the window in plain Chinese words, never the raw text
            self._report(self.relay.failed, desktop.store.describe.describe(exc))
            return
        self._report(self.relay.done, result)

    @staticmethod
    def _report(signal: Any, payload: Any) -> None:
        try:
            signal.emit(payload)
        except RuntimeError:
            pass  # the window went away while the job ran: nobody is waiting for the answer


class StorePool:
    """One thread kept alive with its own store connection (a Store belongs to one thread, except
    one opened for any thread, which `lend` can hand to the GUI thread between jobs)."""

    def __init__(self, parent: QObject, open_store: Callable[[], Any]) -> None:
        self.pool = QThreadPool(parent)
        self.pool.setMaxThreadCount(1)
        # Keep the thread, and with it its connection. (Never waitForDone() while the pool is in
        # use: Qt ends the pool's threads there, and the connection would be left on a dead one.)
        self.pool.setExpiryTimeout(-1)
        self.open_store = open_store
        self.store: Any = None
        self.busy = threading.Lock()  # held by a job, or by the GUI thread borrowing the store

    def connection(self) -> Any:
        if self.store is None:
            self.store = self.open_store()
        return self.store

    def locked(self, job: Callable[[Any], Any]) -> Any:
        """Run `job(store)` on the pool's thread, the store this thread's alone meanwhile."""
        with self.busy:
            return job(self.connection())

    def lend(self, job: Callable[[Any], Any], fallback: Callable[[], Any], *, wait_s: float = 0.0) -> Any:
        """Run `job` now, on the calling thread, with the pool's store when it is open and no job
        holds it (within `wait_s`: a job known to be ending), else with `fallback()`.

        Why: SQLite empties a connection's page cache whenever another connection has committed
        since its last read. The saving thread's connection commits every autosave itself, so its
        cache (the id index and the table's inner pages, decrypted) lasts across them, where the
        GUI thread's is emptied by each: a case opened on it reads one page from disk, not several."""
        store = self.store
        if store is not None and (
            self.busy.acquire(timeout=wait_s) if wait_s > 0 else self.busy.acquire(False)
        ):
            try:
                if self.store is store:  # not closed meanwhile
                    return job(store)
            finally:
                self.busy.release()
        return job(fallback())

    def close(self) -> None:
        def close_store() -> None:
            with self.busy:
                if self.store is not None:
                    self.store.close()
                    self.store = None

        # Queued behind any running job, on the same (only) thread that opened the connection.
        self.pool.start(close_store)
        self.pool.waitForDone()


class Workers(QObject):
    """The window's background threads; `close` waits for running jobs before the window goes.

    `run` takes any job; `read` and `write` run `job(store)` on the drafts-reading thread and the
    saving thread, each with its own connection to the drafts file.
    """

    def __init__(
        self, open_reader: Callable[[], Any], open_writer: Callable[[], Any], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.reads = StorePool(self, open_reader)
        self.writes = StorePool(self, open_writer)
        self._relays: set[_Relay] = set()

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_failed: Callable[[str], None] | None = None,
        *,
        pool: QThreadPool | None = None,
    ) -> None:
        relay = _Relay()
        self._relays.add(relay)
        relay.done.connect(on_done)
        if on_failed is not None:
            relay.failed.connect(on_failed)
        relay.done.connect(lambda _r: self._relays.discard(relay))
        relay.failed.connect(lambda _m: self._relays.discard(relay))
        (pool or self.pool).start(_Job(fn, relay))

    def read(self, query: Callable[[Any], Any], on_done: Callable[[Any], None], on_failed=None) -> None:
        """Run `query(store)` on the drafts-reading thread."""
        reads = self.reads
        self.run(lambda: query(reads.connection()), on_done, on_failed, pool=reads.pool)

    def write(self, job: Callable[[Any], Any], on_done: Callable[[Any], None], on_failed=None) -> None:
        """Run `job(store)` on the saving thread (one at a time, in order)."""
        writes = self.writes
        self.run(lambda: writes.locked(job), on_done, on_failed, pool=writes.pool)

    def close(self) -> None:
        """Wait for running jobs, then close each thread's connection on its own thread."""
        self.pool.waitForDone()
        self.reads.close()
        self.writes.close()
