"""What the agent does to whole cases: new, open, duplicate, delete, restore, load the example.

Each operation writes pending edits first (a case is never left with unsaved typing), writes on
the saving thread through `Operations` (desktop/ui/operations.py), changes the session, and ends
in the window's one `changed(Changes)`; the drafts list, the title and the banner listen to that
(Anki's `operation_did_execute`), instead of every operation calling their refresh by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

import desktop.domain  # lazy: the checks load on first use (desktop.files.lazy)
import desktop.files  # lazy: the case-file reader loads with the example (desktop.files.lazy)
from desktop.files import paths
from desktop.store.changes import Changes
from desktop.store.errors import CaseNotFound, DamagedCase, StoreError
from desktop.ui.banner import Banner, Topic

if TYPE_CHECKING:
    from desktop.domain.session import EditSession
    from desktop.store import Store
    from desktop.ui.autosave import Autosaver
    from desktop.ui.operations import Operations
    from desktop.ui.watcher import ChangeWatcher


EXAMPLE = paths.root() / "examples" / "example-case.json"  # 载入示例案卷


class CaseOps(QObject):
    message = Signal(str)  # a passing confirmation for the status bar

    def __init__(
        self,
        session: EditSession,
        autosaver: Autosaver,
        watcher: ChangeWatcher,
        operations: Operations,
        store: Callable[[], Store],
        banner: Banner,
        present: Callable[[], None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.autosaver = autosaver
        self.watcher = watcher
        self.operations = operations
        self.store = store  # the GUI thread's connection, for reads when the saving thread is busy
        self.banner = banner
        self.present = present  # shows the session's case on every view

    def new_case(self) -> bool:
        """A blank case with today's dates and the hall's settings; stored on its first edit."""
        if not self.autosaver.flush():
            return False
        self.session.load(None, 0, "draft", {})
        self.present()
        return True

    def reopen_last(self) -> bool:
        """Start on the case worked on last (the latest saved live case), not a blank 新案卷: the
        agent who closed the window mid-case finds it again (issue 23). False when there is none."""
        try:
            items = self.store().list_cases(limit=1).items
        except StoreError:
            return False
        return bool(items) and not items[0].damaged and self.open_case(items[0].id)

    def open_case(self, case_id: str, *, again: bool = False) -> bool:
        """Show a stored case with every value; never blocks (problems go to the banner)."""
        session = self.session
        if case_id == session.case_id and not session.conflicted and not again:
            return True
        if not self.autosaver.flush():
            return False
        try:
            # On the saving thread's connection when it is free: its cache outlives the autosaves.
            case = self.autosaver.workers.writes.lend(lambda store: store.get(case_id), self.store)
        except DamagedCase as exc:  # one damaged case: the others stay usable, this one comes back
            self.banner.show_message(
                Topic.OPEN, str(exc), [("从备份恢复这个案卷", lambda: self.repair(case_id))], kind="error"
            )
            return False
        except (CaseNotFound, StoreError) as exc:
            self.banner.show_message(Topic.OPEN, str(exc), [], kind="error")
            return False
        self.show_stored(case)
        if case.deleted:
            self.say_binned(case.id)
        else:
            self.banner.dismiss(Topic.RECOVERY, Topic.CONFLICT, Topic.OPEN, Topic.CHANGED, Topic.UNDO)
        return True

    def show_stored(self, case: Any) -> None:
        values = desktop.domain.case.normalise_values(
            self.session.bundle, case.fields, today=self.session.today()
        )
        self.session.load(
            case.id, case.revision, case.status, values, case.number, case.materials, case.last_print
        )
        self.present()

    def duplicate(self) -> None:
        """The same customer, a new request: request-specific fields cleared (forms/ decides which)."""
        if not self.autosaver.flush() or self.session.case_id is None:
            self.message.emit("先填写或打开一个案卷，再复制")
            return
        session = self.session
        # A copy starts like a new case: today's dates and the hall's settings (forms/ says which).
        start = desktop.domain.case.initial_values(session.bundle, session.settings, today=session.today())
        source = session.case_id
        if self._write(
            lambda store: store.duplicate(source, start),
            lambda copy: Changes.of(added=[copy.id], listed=True),
            lambda copy: self.open_case(copy.id),
        ):
            self.message.emit("已复制为新案卷，本次申请的内容已清空")

    def delete(self, target: str | None) -> None:
        """Move `target` (default: the open case) to the bin, with an undo in the banner."""
        session = self.session
        target = target or session.case_id
        if target is None:
            return
        title = session.values.get(session.bundle.drafts.title_key) if target == session.case_id else None
        if target == session.case_id:
            self.autosaver.flush()

        def deleted(_none: None) -> None:
            if target == session.case_id:
                session.forget_edits()
                session.load(None, 0, "draft", {})
                self.present()
            self.banner.show_message(
                Topic.UNDO,
                f"已删除「{title or '案卷'}」（可在回收站中恢复）。",
                [("撤销删除", lambda: self.restore(target))],
            )

        self._write(lambda store: store.delete(target), Changes.of(removed=[target], listed=True), deleted)

    def restore(self, case_id: str) -> None:
        def restored(_none: None) -> None:
            self.banner.dismiss()
            self.watcher.binned_noticed = None
            if case_id == self.session.case_id:
                # The case on screen: what was typed while it sat in the bin belongs to it, not to
                # a new case (reopening would flush those edits as one).
                QTimer.singleShot(0, self.autosaver.save_soon)
            else:
                self.open_case(case_id)

        if self._write(lambda store: store.restore(case_id), Changes.of([case_id], listed=True), restored):
            self.message.emit("已从回收站恢复")

    def repair(self, case_id: str) -> None:
        """Put a damaged case back from the newest backup that holds it, and show it."""
        try:
            self.operations.wait(
                lambda store: store.repair_case(case_id),
                Changes.of([case_id], listed=True, status=True),
                lambda _case: (self.banner.dismiss(Topic.OPEN), self.open_case(case_id, again=True)),
            )
        except StoreError as exc:
            self.banner.show_message(Topic.OPEN, f"{exc}（没有可用的备份副本）", [], kind="error")
            return
        self.message.emit("已从备份恢复这个案卷")

    def say_binned(self, case_id: str) -> None:
        self.watcher.binned_noticed = case_id  # said: the change check does not say it again
        self.banner.show_message(
            Topic.DELETED,
            "这个案卷在回收站中，恢复后才能修改。",
            [("恢复", lambda: self.restore(case_id))],
            kind="error",
        )

    def load_example(self) -> None:
        """A filled-in example case for a newcomer, stored as a new draft (numbered EXAMPLE)."""
        bundle = self.session.bundle
        case = desktop.files.casefile.read(EXAMPLE, known_keys=bundle.keys())
        values = desktop.domain.case.normalise_values(bundle, case.fields, today=self.session.today())
        self.create_from(values, "已载入示例案卷（一个新草稿），可随意修改或删除", example=True)

    def create_from(self, values: dict[str, Any], note: str, *, example: bool = False) -> None:
        """A new stored case from `values` (the example case, numbered EXAMPLE), shown at once."""
        if not self.autosaver.flush():
            return
        if self._write(
            lambda store: store.create(values, example=example),
            lambda created: Changes.of(added=[created.id], listed=True),
            lambda created: self.open_case(created.id),
        ):
            self.message.emit(note)

    def _write(self, job: Callable[[Any], Any], changes: Any, then: Callable[[Any], object]) -> bool:
        """One operation on the saving thread (`then` on its result, then the change event);
        False, said in the banner, when the drafts file refused it (nothing was written)."""
        try:
            self.operations.wait(job, changes, then)
        except StoreError as exc:
            self.banner.show_message(Topic.SAVE, str(exc), [], kind="error")
            return False
        return True

    # -- a save that clashed with another window's ------------------------------------------

    def say_conflict(self, message: str) -> None:
        self.session.mark_conflict()
        self.banner.show_message(
            Topic.CONFLICT,
            f"{message}。本窗口的修改尚未保存。",
            [("载入另一窗口的版本", self.take_theirs), ("用本窗口的内容覆盖", self.keep_mine)],
            kind="error",
        )

    def take_theirs(self) -> None:
        session = self.session
        case_id = session.case_id
        session.forget_edits()
        if case_id:
            self.open_case(case_id, again=True)

    def keep_mine(self) -> None:
        session = self.session
        if session.case_id is None:
            return
        case_id, values = session.case_id, dict(session.values)

        def overwrite(store: Any) -> tuple[int, str]:
            stored = store.get(case_id)
            return store.save_fields(case_id, values, stored.revision), stored.status

        def overwritten(outcome: tuple[int, str]) -> None:
            session.overwritten(*outcome)
            self.banner.dismiss()

        try:
            self.operations.wait(overwrite, Changes.of([case_id], listed=True, status=True), overwritten)
        except StoreError as exc:
            self.banner.show_message(Topic.CONFLICT, f"覆盖失败：{exc}", [], kind="error")
