"""After a crash or a failed close: say what happened and offer the way back, never silently.

A lock beside the drafts file is held while a window is open; a leftover lock whose process is
gone means the last session ended without closing, and the banner offers the last edited case.
Edits journalled at a close that could not save (desktop/store/journal.py) are offered too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import desktop.store  # lazy: the store's modules load on first use (desktop.files.lazy)
from desktop.store.errors import StoreError
from desktop.ui.banner import Banner, Topic
from desktop.ui.drafts import when

if TYPE_CHECKING:
    from desktop.store import Store


class SessionLock:
    """Held while the window is open; `crashed` tells whether the last session ended badly."""

    def __init__(self, db_path: Path) -> None:
        from PySide6.QtCore import QLockFile  # noqa: PLC0415 (taken after the first paint: its type's enums too)

        path = db_path.with_name(f".{db_path.name}.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        self._lock = QLockFile(str(path))
        self._lock.setStaleLockTime(0)
        self.crashed = self._lock.tryLock(0) and existed

    def release(self) -> None:
        self._lock.unlock()


def clean_start(store: Store, db_path: Path, crashed: bool) -> bool:
    """Whether the last session ended cleanly, with nothing to put back: only then does the window
    reopen on the last case by itself; otherwise `offer` speaks first and nothing is reopened
    behind the agent's back (README: nothing is restored silently)."""
    return not crashed and store.recovery is None and not desktop.store.journal.read(db_path)


def offer(
    banner: Banner,
    store: Store,
    db_path: Path,
    crashed: bool,
    open_case: Callable[[str], object],
    replayed: Callable[[int], None],
    write: Callable[[Callable[[Any], int]], int],
) -> None:
    """Show the one recovery message that matters most at start-up, if any. `write(job)` runs
    the journal's replay as one of the window's writes (Operations.wait: the saving thread, then
    the change event)."""
    if store.recovery is not None:
        banner.show_message(Topic.RECOVERY, store.recovery.message, [], kind="error")
        return
    entries = desktop.store.journal.read(db_path)
    if entries:

        def put_back() -> None:
            try:
                count = write(lambda writer: desktop.store.journal.replay(db_path, writer))
            except StoreError as exc:
                banner.show_message(
                    Topic.RECOVERY, f"未能写回：{exc}。修改仍保存在恢复文件中。", [], kind="error"
                )
                return
            banner.dismiss(Topic.RECOVERY)
            replayed(count)

        banner.show_message(
            Topic.RECOVERY,
            f"上次关闭时有 {len(entries)} 个案卷的修改没能写入草稿文件（磁盘已满或文件被占用），已另行保存。",
            [("写回草稿", put_back)],
            kind="error",
        )
        return
    if not crashed:
        return
    page = store.list_cases(0, 1)
    if not page.items:
        return
    last = page.items[0]
    title = last.title or "未填公司名称的案卷"
    banner.show_message(
        Topic.RECOVERY,
        f"上次没有正常关闭。最后编辑的案卷：「{title}」（{when(last.updated)} 保存）。",
        [("打开这个案卷", lambda: open_case(last.id))],
    )
