"""The window's link to the hall server: a sync round every SYNC_MS on a thread of its own.

Typing never waits for it: keystrokes go to the local drafts file as always, and the round runs
on its own connection to that file (desktop/hall/engine.py does the work, Qt-free). The status
line tells apart 「已同步 hh:mm」, 「离线，N 个案卷待同步」, 「服务器忙，N 个案卷待同步」, 「N 个冲突待选择」
and 「N 个服务器案卷已隔离」 (pulled rows that failed the case-file rules, listed in its tooltip and
once in the banner); conflicts of the case on screen are offered field by field in the banner,
and the agent's pick goes out with the next round.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

import desktop.files  # lazy: casefile loads when an engine is made (desktop.files.lazy)
import desktop.hall  # lazy: psycopg loads with the first sync (desktop.files.lazy)
from desktop.domain.records import record  # frozen values without dataclasses' start-up cost
from desktop.ui.banner import Banner, Topic
from desktop.ui.style import set_text_colour
from desktop.ui.workers import StorePool, Workers

SYNC_MS = 10_000


@record
class Outcome:
    """What one round (or one failed attempt) leaves for the window to show."""

    ok: bool
    pending: int
    conflicts: tuple[Any, ...]  # desktop.hall.engine.ConflictItem
    message: str = ""
    pulled: int = 0
    quarantined: tuple[Any, ...] = ()  # desktop.store.hallbook.Quarantined
    busy: bool = False  # the server was reached but busy (a lock or statement timeout)
    failed: bool = False  # the round broke on this side (a bug): not offline


def status_line(outcome: Outcome, now: datetime | None = None) -> tuple[str, str]:
    """The status line's text and kind for a round's outcome: offline, busy, pending, conflicts
    and quarantined rows each said as themselves, never one for another."""
    first = (  # the connection's state: the first that holds
        (outcome.failed, f"同步出错（{outcome.message or '未知原因'}），本机的修改已保留", "error"),
        (outcome.busy, f"服务器忙，{outcome.pending} 个案卷待同步", "hint"),
        (not outcome.ok, f"离线，{outcome.pending} 个案卷待同步", "hint"),
        (outcome.pending > 0, f"{outcome.pending} 个案卷待同步", "hint"),
    )
    parts: list[str] = []
    kind = "ok"
    for holds, text, tone in first:
        if holds:
            parts, kind = [text], tone
            break
    if outcome.conflicts:
        parts.append(f"{len(outcome.conflicts)} 个冲突待选择")
        kind = "error"
    if outcome.quarantined:
        parts.append(f"{len(outcome.quarantined)} 个服务器案卷已隔离")
        kind = "error"
    if not parts:
        parts.append(f"已同步 {(now or datetime.now()):%H:%M}")
    return "；".join(parts), kind


class HallSync(QObject):
    """Signals: `status(text, kind)` for the status bar; `outcome(Outcome)` after every round."""

    status = Signal(str, str)
    outcome = Signal(object)

    def __init__(
        self, workers: Workers, open_store: Callable[[], Any], parent: QObject, fields: Any = None
    ) -> None:
        """`fields` (the bundle's field definitions) lets the engine check pulled rows as `import`
        checks case files (unknown fields, value types)."""
        super().__init__(parent)
        self.fields = fields
        self.workers = workers
        self.pool = StorePool(self, open_store)  # its own connection: reads and saves never wait
        self.url = ""
        self.ca_file: str | None = None
        self.running = False
        self.closed = False
        self.last: Outcome | None = None
        # The sync thread's engine and the settings it was made for: kept between rounds with its
        # server connection; used and closed only on that thread.
        self.engine: tuple[tuple[str, str | None], Any] | None = None
        self.timer = QTimer(self, interval=SYNC_MS)
        self.timer.timeout.connect(self.sync_now)

    def configure(self, url: str | None, ca_file: str | None) -> None:
        """Use the server at `url` (None or empty: no server, the app works as it always did)."""
        self.url, self.ca_file = (url or "").strip(), (ca_file or "").strip() or None
        if not self.url:
            self.timer.stop()
            self.status.emit("", "")
            return
        self.timer.start()
        self.sync_now()

    def sync_now(self) -> None:
        """One round now (unless one is running): at start, every SYNC_MS, after a print."""
        if not self.url or self.running or self.closed:
            return
        self.running = True
        url, ca_file = self.url, self.ca_file
        self._run(lambda store: _round(self._engine(store, url, ca_file)))

    def resolve(self, case_id: str, key: str, pick: str) -> None:
        """The agent's pick for one conflicted field, then a round that pushes it."""
        url, ca_file = self.url, self.ca_file

        def job(store: Any) -> Outcome:
            engine = self._engine(store, url, ca_file)
            engine.resolve(case_id, key, pick)
            return _round(engine)

        self.running = True
        self._run(job)

    def _engine(self, store: Any, url: str, ca_file: str | None) -> Any:
        """The engine for these settings, made on first use (on the sync thread, like the store)."""
        key = (url, ca_file)
        if self.engine is not None and self.engine[0] == key and self.engine[1].store is store:
            return self.engine[1]
        self._drop_engine()
        shapes = desktop.files.casefile.shapes_for(self.fields) if self.fields is not None else None
        connect = desktop.hall.connection.connector(url, ca_file)
        self.engine = key, desktop.hall.engine.SyncEngine(store, connect, shapes)
        return self.engine[1]

    def _drop_engine(self) -> None:
        if self.engine is not None:
            self.engine[1].close()
            self.engine = None

    def _run(self, job: Callable[[Any], Outcome]) -> None:
        pool = self.pool
        self.workers.run(lambda: job(pool.connection()), self._done, self._failed, pool=pool.pool)

    def _done(self, outcome: Outcome) -> None:
        self.running = False
        if self.closed:
            return
        self.last = outcome
        self.status.emit(*status_line(outcome))
        self.outcome.emit(outcome)

    def _failed(self, message: str) -> None:
        self._done(Outcome(False, 0, (), message, failed=True))

    def close(self) -> None:
        self.closed = True
        self.timer.stop()
        # Queued behind a running round, on the sync thread, before the pool closes its store.
        self.pool.pool.start(self._drop_engine)
        self.pool.close()


def _round(engine: Any) -> Outcome:
    """One sync round on this thread's drafts connection; never raises for a server problem."""
    try:
        report = engine.sync_once()
    except desktop.hall.connection.HallError as exc:
        busy = isinstance(exc, desktop.hall.connection.ServerBusy)
        held = tuple(engine.quarantined())
        return Outcome(
            False, engine.pending_count(), tuple(engine.conflicts()), str(exc), quarantined=held, busy=busy
        )
    held = tuple(engine.quarantined())
    return Outcome(
        True, engine.pending_count(), tuple(engine.conflicts()), pulled=report.pulled, quarantined=held
    )


class HallPanel(QObject):
    """What the agent sees of the hall: the status line, and the conflicts of the case on screen
    in the banner, field by field (mine / theirs, who and when); a pick goes out at once."""

    def __init__(
        self,
        hall: HallSync,
        banner: Banner,
        session: Any,
        autosaver: Any,
        label: Any,
        pulled: Callable[[], None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.hall, self.banner, self.session, self.autosaver, self.label = (
            hall,
            banner,
            session,
            autosaver,
            label,
        )
        self.pulled = pulled
        self.told: frozenset[tuple[str, int]] = frozenset()  # the quarantined rows the banner named
        self.naming_quarantine = False  # the hall banner names them (a round leaves it up)
        hall.status.connect(self.show_status)
        hall.outcome.connect(self.show_outcome)

    def show_status(self, text: str, kind: str) -> None:
        self.label.setText(text)
        set_text_colour(self.label, kind)

    def show_outcome(self, outcome: Outcome) -> None:
        if outcome.pulled:
            self.pulled()
        held = frozenset((q.case_id, q.revision) for q in outcome.quarantined)
        self.label.setToolTip("\n".join(f"已隔离 {q.label}：{q.reason}" for q in outcome.quarantined))
        mine = [c for c in outcome.conflicts if c.case_id == self.session.case_id]
        if not mine and held - self.told:
            self.told = held
            self.show_quarantined(outcome.quarantined)
            return
        self.told &= held
        if not mine:
            if not self.naming_quarantine:
                self.banner.dismiss(Topic.HALL)
            return
        self.naming_quarantine = False
        bundle = self.session.bundle
        lines, buttons = [], []
        for item in mine[:3]:
            label = bundle.field(item.key).label if item.key in bundle.fields else item.key
            who = f"（{item.who} {item.when}）" if item.who else ""
            lines.append(f"{label}：本机「{_shown(item.mine)}」/ 服务器「{_shown(item.theirs)}」{who}")
            buttons.append((f"{label}用本机", lambda c=item: self.pick(c, "mine")))
            buttons.append((f"{label}用服务器", lambda c=item: self.pick(c, "theirs")))
        more = f"（另有 {len(mine) - 3} 处）" if len(mine) > 3 else ""
        text = "这个案卷在另一台电脑上也改了，请逐项选择：" + "；".join(lines) + more
        self.banner.show_message(Topic.HALL, text, buttons, kind="error")

    def show_quarantined(self, rows: tuple[Any, ...]) -> None:
        """Name the rows kept aside, once each: they did not stop the sync, nothing was lost here."""
        lines = [f"{q.label}：{q.reason}" for q in rows[:3]]
        more = f"（另有 {len(rows) - 3} 个，见状态栏提示）" if len(rows) > 3 else ""
        text = (
            f"服务器上有 {len(rows)} 个案卷不符合案卷文件规则，已隔离（没有写入本机），请告诉管理员："
            + "；".join(lines)
            + more
        )
        self.banner.show_message(Topic.HALL, text, [], kind="error")
        self.naming_quarantine = True

    def pick(self, item: Any, pick: str) -> None:
        if not self.autosaver.flush():
            return
        self.banner.dismiss(Topic.HALL)
        self.hall.resolve(item.case_id, item.key, pick)


def _shown(value: Any) -> str:
    if value in (None, "", []):
        return "（空）"
    return "、".join(map(str, value)) if isinstance(value, list) else str(value)
