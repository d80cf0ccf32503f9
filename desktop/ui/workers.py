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
        except Exception as exc:  # reported to the window, which shows it in plain words
            self._report(self.relay.failed, f"{type(exc).__name__}: {exc}")
            return
        self._report(self.relay.done, result)

    @staticmethod
    def _report(signal: Any, payload: Any) -> None:
        try:
            signal.emit(payload)
        except RuntimeError:
            pass  # the window went away while the job ran: nobody is waiting for the answer


class Workers(QObject):
    """The window's background pools; `close` waits for running jobs before the window goes."""

    def __init__(self, open_reader: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.reads = QThreadPool(self)
        self.reads.setMaxThreadCount(1)
        self.reads.setExpiryTimeout(-1)  # keep the thread, and with it its store connection
        self._open_reader = open_reader
        self._local = threading.local()
        self._readers: list[Any] = []
        self._relays: set[_Relay] = set()

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_failed: Callable[[str], None] | None = None,
        *,
        reads: bool = False,
    ) -> None:
        relay = _Relay()
        self._relays.add(relay)
        relay.done.connect(on_done)
        if on_failed is not None:
            relay.failed.connect(on_failed)
        relay.done.connect(lambda _r: self._relays.discard(relay))
        relay.failed.connect(lambda _m: self._relays.discard(relay))
        (self.reads if reads else self.pool).start(_Job(fn, relay))

    def read(self, query: Callable[[Any], Any], on_done: Callable[[Any], None], on_failed=None) -> None:
        """Run `query(store)` on the drafts thread, with that thread's own store connection."""
        self.run(lambda: query(self._reader()), on_done, on_failed, reads=True)

    def _reader(self) -> Any:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._open_reader()
            self._local.store = store
            self._readers.append(store)
        return store

    def close(self) -> None:
        """Wait for running jobs, then close the drafts thread's connection on that thread."""
        self.pool.waitForDone()
        readers = self._readers

        def close_readers() -> None:
            for store in readers:
                store.close()
            readers.clear()

        # Queued behind any running read, on the same (only) thread that opened the connection.
        self.reads.start(close_readers)
        self.reads.waitForDone()
