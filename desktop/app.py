"""The window: the one place that builds the views and connects them to the domain code.

Forms, checking, the drafts store and the renderer know nothing of Qt. A keystroke travels

    editor -> CaseView -> EditSession.edit (normalised, marked dirty)
           -> session.verdict on the resolved case -> the field's message, its tab's count
           -> Autosaver: a save at most SAVE_DELAY_MS later on the saving thread
           -> the drafts file (store.save_field, revision-checked)

and paper is rendered from the same resolved case (docs/architecture.md).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

import desktop.ui  # lazy dialogs (desktop.ui's hook): F1's table loads when first asked for
from desktop.domain.forms import Bundle, default_bundle
from desktop.domain.session import EditSession
from desktop.domain.status import window_title
from desktop.files import paths
from desktop.store.changes import Changes
from desktop.store.errors import StoreError
from desktop.ui import actions as action_table
from desktop.ui import status_bar, translations, window_place
from desktop.ui.autosave import SAVE_DELAY_MS, Autosaver
from desktop.ui.banner import Banner, Topic
from desktop.ui.capture_fill import CardCapture
from desktop.ui.case_extras import CaseExtras
from desktop.ui.case_ops import CaseOps
from desktop.ui.case_view import CaseView
from desktop.ui.checklist import MaterialsChecklist, form_and_shelf
from desktop.ui.drafts import DraftsPane
from desktop.ui.hall_sync import HallPanel, HallSync
from desktop.ui.operations import Operations, saved
from desktop.ui.paper_trail import PaperTrail
from desktop.ui.papers import SCAN_FOLDER_KEY, Papers
from desktop.ui.printing import FORM_MIN, Printing
from desktop.ui.recovery import SessionLock
from desktop.ui.style import install_font
from desktop.ui.warmup import warm_up_job
from desktop.ui.watcher import ChangeWatcher
from desktop.ui.workers import Workers

if TYPE_CHECKING:
    from desktop.store import Store

__all__ = ["MainWindow", "run", "SAVE_DELAY_MS"]

# Writes that cannot name the cases they changed (a replayed journal, a hall pull): the list and
# statuses may differ, and the case on screen is looked at again.
UNNAMED = Changes.of(listed=True, status=True, unnamed=True)


class MainWindow(QMainWindow):
    """The agent's window on one drafts file (`db_path`, default: the user's data folder).

    `store_refused(text)` says the drafts file could not be opened (also shown in the banner).

    Attributes, each owned by one object:
      session      EditSession: the case on screen, its edits and verdicts (Qt-free)
      view         CaseView: the document tabs (`tabs`) and the print status line (`print_label`)
      autosaver    Autosaver: pending edits to the drafts file, retries, the close journal
      watcher      ChangeWatcher: another window's save of the case on screen
      operations   Operations: every write on the saving thread, then one `changed(Changes)`
      ops          CaseOps: new, open, duplicate, delete, restore
      printing     Printing: preview pane, print dialog, PDF export
      drafts       DraftsPane: the drafts list and search (follows `operations.changed`)
      banner       Banner: one message inside the window (topics: banner.Topic)
      workers      Workers: the saving and drafts-reading threads with their connections
      actions      the QActions built from desktop/ui/actions.py's table (also `action_<name>`)
    """

    store_refused = Signal(str)

    def __init__(
        self,
        db_path: Path | str | None = None,
        *,
        bundle: Bundle | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__()
        install_font(QApplication.instance(), paths.print_font())
        translations.install(QApplication.instance())
        self.bundle = bundle or default_bundle()
        self.today = today
        self.db_path = Path(db_path) if db_path is not None else paths.default_db()
        self.lock: SessionLock | None = None  # taken once the window has painted
        self._store: Store | None = None
        self._started = False
        self._warm = False
        self._closed = False
        self.session = EditSession(self.bundle, today)
        self.workers = Workers(self._open_reader, self._open_writer, self)
        self.setObjectName("main_window")
        self.setWindowTitle("400业务申请资料")
        # An explicit minimum keeps the layouts from resizing the window's limits as rows come and
        # go (fits a 1366×768 laptop; some platforms warn on every such change).
        self.setMinimumSize(960, 560)
        self._build()
        self._connect()
        _settle_start_up()
        # The drafts file, today's prefilled case and the drafts list come right after the first
        # paint (or with the first call that needs them), so the window shows without waiting.

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        bundle = self.bundle
        self.view = CaseView(bundle, self.session, self)
        self.tabs = self.view.tabs
        self.print_label = self.view.print_label
        self.drafts = DraftsPane.for_bundle(bundle, self.today)
        self.banner = Banner()
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.banner)
        # The case's materials (forms/400/materials.toml) under every tab, in a splitter the agent sizes.
        self.checklist = MaterialsChecklist(bundle)
        column.addWidget(form_and_shelf(self.tabs, self.checklist), 1)
        self.splitter = QSplitter()
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.drafts)
        self.splitter.addWidget(centre)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        self.hall_label, self.saved_label = status_bar.furnish(self.statusBar(), self.print_label)

        self.action_specs = (
            *action_table.ACTIONS,
            *action_table.tab_actions([d.tab for d in bundle.documents]),
        )
        self.actions_by_name = action_table.build(self, self.action_specs, self.menuBar())
        for name, action in self.actions_by_name.items():
            setattr(self, name, action)
        for button in action_table.buttons(self.action_specs, self.actions_by_name):
            self.drafts.add_button(button)
        self.action_restore_case.setEnabled(False)

        self.operations = Operations(self.workers, self)
        self.autosaver = Autosaver(self.session, self.workers, lambda: self.store, self)
        self.watcher = ChangeWatcher(self.session, self.autosaver, self.workers, self)
        self.ops = CaseOps(self.session, self.autosaver, self.watcher, self.operations, lambda: self.store,
                           self.banner, self._present, self)  # fmt: skip
        self.printing = Printing(self.session, self.autosaver, self.workers, self.operations, lambda: self.store,
                                 self.settings, self.reveal_all, self.banner, self.splitter, self.action_preview,
                                 self)  # fmt: skip
        self.printing.form_width = lambda: max(FORM_MIN, self.view.tab_bar.sizeHint().width() + 24)
        self.trail = PaperTrail(self.session, self.printing, lambda: self.store, self.banner,
                                lambda: bundle.documents[self.tabs.currentIndex()].id, self)  # fmt: skip
        self.hall = HallSync(self.workers, lambda: self._open_store(backups=False), self,
                             fields=self.bundle.fields)  # fmt: skip
        self.papers = Papers(bundle, lambda: self.session.case_id, self.workers, self.operations, self)

    def _connect(self) -> None:
        view, autosaver, watcher, ops, printing = (
            self.view,
            self.autosaver,
            self.watcher,
            self.ops,
            self.printing,
        )
        view.edited.connect(self._edited)
        view.left.connect(self._left)
        view.status_changed.connect(self._print_status)
        self.extras = CaseExtras(self.session, self.view, self.checklist, self.autosaver, self.workers,
                                 self.operations, self.banner, self)  # fmt: skip
        autosaver.saved.connect(self._saved)
        autosaver.failed.connect(
            lambda _save, text: self.banner.show_message(Topic.SAVE, text, [], kind="error")
        )
        autosaver.conflict.connect(ops.say_conflict)
        autosaver.binned.connect(lambda: ops.say_binned(self.session.case_id or ""))
        watcher.newer.connect(self._newer_elsewhere)
        watcher.clash.connect(lambda: ops.say_conflict("这个案卷刚在其他窗口（或由导入）修改并保存了"))
        watcher.binned.connect(ops.say_binned)
        watcher.restored.connect(self._restored_elsewhere)
        self.operations.changed.connect(self._changed)
        ops.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        printing.message.connect(self._status_message)
        printing.printed.connect(lambda _id: self.hall.sync_now())
        self.papers.message.connect(self._status_message)
        self.hall_panel = HallPanel(self.hall, self.banner, self.session, self.autosaver, self.hall_label,
                                    self._pulled, self)  # fmt: skip
        self.capture = CardCapture(self, self._ensure_started)
        self.drafts.serve_from(self.workers.read, self.printing.worker_failed)
        self.drafts.open_requested.connect(self.open_case)
        self.tabs.currentChanged.connect(lambda _n: self.printing.follow_tab())
        self.drafts.bin.toggled.connect(self._bin_toggled)
        QApplication.instance().focusChanged.connect(self._focus_changed)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        # Not an `event()` override: the first QEvent one sees has PySide6 build every QEvent
        # subclass (~3.5 ms before the first paint); a QPaintEvent only builds its own type.
        if not self._started:
            QTimer.singleShot(0, self._ensure_started)
        super().paintEvent(event)

    def _ensure_started(self) -> None:
        """Open the drafts file and show a new case: once, before anything that needs them."""
        from desktop.store import StoreError
        from desktop.ui import recovery

        if self._started or self._closed:
            return
        self.view.build_pages()
        self._started = True
        self.lock = lock = SessionLock(self.db_path)
        # Back from another window, which may have saved this case: look (from now on).
        self.installEventFilter(_OnActivation(self.check_for_changes, self))
        try:
            self.store  # noqa: B018 (open it: a file this window cannot use is said in the banner)
        except StoreError as exc:
            self.banner.show_message(Topic.STORE, f"无法打开草稿文件：{exc}", [], kind="error")
            self.store_refused.emit(str(exc))
            return
        self.splitter.setSizes([300, max(self.splitter.width() - 300, 400)])
        # The Qt namespace's enums are built now, not at the agent's first key. Tab titles are
        # never cut (「委托书」 for 授权委托书): the form keeps the room they need.
        self.view.tab_bar.setElideMode(QtCore.Qt.TextElideMode.ElideNone)
        action_table.bind_shortcuts(self.action_specs, self.actions_by_name)
        self.session.set_settings(self.settings())
        if not (recovery.clean_start(self.store, self.db_path, lock.crashed) and self.ops.reopen_last()):
            self.session.load(None, 0, "draft", {})
            self._present()
        focus = QApplication.focusWidget()
        if self.isVisible() and (focus is None or not self.isAncestorOf(focus)):
            self.view.go_tab(self.tabs.currentIndex(), visible=True, first_field=False)
        recovery.offer(self.banner, self.store, self.db_path, lock.crashed, self.open_case, self._replayed,
                       lambda job: self.operations.wait(job, UNNAMED))  # fmt: skip
        self.drafts.refresh()  # the first fill (not a change)
        self.watcher.start()
        self._configure_hall()
        self.papers.watch(self.store.setting(SCAN_FOLDER_KEY))
        # The font's coverage and the phone-number geocoder load off the GUI thread, a little later.
        QTimer.singleShot(300, self, lambda: _warm_up(self))  # cancelled with the window

    def is_warm(self) -> bool:
        """True once the background start-up work (font coverage, geocoder) is done."""
        return self._warm

    def is_ready(self) -> bool:
        """True once the drafts file is open and the first case has the hall's settings."""
        return self._started

    @property
    def store(self) -> Store:
        """The drafts file, opened on first use (raises StoreError when it cannot be used)."""
        if self._store is None:
            self._store = self._open_store(backups=False)
        return self._store

    def _open_store(self, *, backups: bool, any_thread: bool = False) -> Store:
        from desktop.store import Store

        return Store.open_for(self.db_path, self.bundle.drafts, bundle=self.bundle.id, edition=self.bundle.edition,
                          backups=backups, any_thread=any_thread)  # fmt: skip

    def _open_writer(self) -> Store:
        """The saving thread's own connection, lent to the GUI thread to open cases (StorePool.lend)."""
        return self._open_store(backups=False, any_thread=True)

    def _open_reader(self) -> Store:
        """The drafts thread's own connection; it also makes the daily backup and purges old cases."""
        store = self._open_store(backups=True)
        try:
            store.purge()
        except StoreError:
            pass  # purging is housekeeping: a busy file is purged at the next start
        return store

    def findChild(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (Qt API)
        self.view.build_pages()  # every widget name of case-format.md exists for whoever looks
        return super().findChild(*args, **kwargs)

    def findChildren(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (Qt API)
        self.view.build_pages()
        return super().findChildren(*args, **kwargs)

    # -- the case on screen --------------------------------------------------------------------

    def current_case_id(self) -> str | None:
        """The open case's id; None for a new case nothing has been typed into yet."""
        return self.session.case_id

    def settings(self) -> dict[str, Any]:
        """The bundle's settings (defaults, then the hall's), the retention days, 读取证件's places."""
        from desktop.ui.settings_dialog import CAPTURE_KEYS, RETENTION_KEY  # after the first paint

        self._ensure_started()
        values: dict[str, Any] = self.bundle.setting_defaults()
        stored = self.store.settings()
        values.update({k: v for k, v in stored.items() if k in values and v not in (None, "")})
        values[SCAN_FOLDER_KEY] = stored.get(SCAN_FOLDER_KEY) or ""
        return {**values, **{key: stored.get(key) for key in (RETENTION_KEY, *CAPTURE_KEYS)}}

    def _present(self) -> None:
        """Show the session's case everywhere: fields, title, the drafts list's selection, preview."""
        self.banner.dismiss(Topic.CHANGED)  # it spoke of the case shown before
        self.session.set_elsewhere(())
        self.view.show_case()
        self.extras.show_checklist()
        self.extras.look_for_the_same_customer()
        self.drafts.select(self.session.case_id)
        self.update_title()
        self.printing.changed()
        self.trail.follow()

    def update_title(self) -> None:
        self.setWindowTitle(window_title(self.session.number, self.session.title(), self.session.status))

    def open_case(self, case_id: str) -> None:
        """Show a stored case with every value; never blocks (problems go to the banner)."""
        self._ensure_started()
        self.ops.open_case(case_id)

    # -- edits and saves -----------------------------------------------------------------------

    def _edited(self, _key: str) -> None:
        if not self._started:  # typed before the first paint: start, and keep what was typed
            values = dict(self.session.values)
            self._ensure_started()
            for key, value in values.items():
                self.session.edit(key, value)
            self.view.show_case()
        self.autosaver.schedule()
        self.printing.changed()
        self.extras.show_checklist(changed_only=True)
        if _key in self.bundle.drafts.same_customer_keys:
            self.extras.timer.start()

    def _left(self, _key: str) -> None:
        if self._closed or not Shiboken.isValid(self):  # focus leaves as the window is destroyed
            return
        if self.session.dirty:
            self.autosaver.save_soon()

    def _focus_changed(self, old: QWidget | None, _new: QWidget | None) -> None:
        if self.session.dirty and old is not None and Shiboken.isValid(self) and self.isAncestorOf(old):
            self.autosaver.save_soon()

    def _saved(self, save: Any) -> None:
        if save.case_id is None:  # the first save: its defaults are typed now
            self.view.recheck(self.bundle.fields)
        self.drafts.current_id = self.session.case_id
        drafts = self.bundle.drafts
        self.operations.announce(saved(save, (drafts.title_key, *drafts.search_keys, *drafts.mask_keys)))

    def _changed(self, changes: Changes) -> None:
        """The one change event (every write: desktop/ui/operations.py): each view that shows
        stored things follows it, none is refreshed by a writer's hand."""
        self.drafts.follow(changes)
        if changes.touches(self.session.case_id):
            self.saved_label.setText(f"已保存 {datetime.now():%H:%M:%S}")
            self.banner.dismiss(Topic.SAVE)
            self.trail.follow()  # the title and the 打印后有修改 banner, which name the status
        if changes.settings:
            self.banner.dismiss(Topic.SETTINGS)
        if not changes.typed and (changes.touches(self.session.case_id) or changes.settings):
            self.printing.changed()  # the preview (typing already asked for it, edit by edit)
        if changes.unnamed:
            self.check_for_changes()  # the case on screen may be newer now

    def check_for_changes(self) -> None:
        """Look, off the GUI thread, whether another window saved or binned the open case."""
        if self._started and not self._closed:
            self.watcher.check()

    def _newer_elsewhere(self, case: Any) -> None:
        self.ops.show_stored(case)
        self.banner.show_message(
            Topic.CHANGED, "这个案卷刚在其他窗口（或由导入）修改过，这里已显示最新保存的内容。", []
        )

    def _restored_elsewhere(self) -> None:
        self.banner.dismiss(Topic.DELETED)
        if self.session.dirty:
            QTimer.singleShot(0, self.autosaver.save_soon)  # what was typed meanwhile can go now

    def _replayed(self, count: int) -> None:
        self.statusBar().showMessage(f"已把 {count} 个案卷的修改写回草稿文件", 8000)

    def _print_status(self, text: str) -> None:
        for action in (self.action_print, self.action_export_pdf, self.action_preview):
            action.setStatusTip(text)
        self.action_print.setToolTip(text)

    def reveal_all(self) -> None:
        """Asking for paper is "late": every finding is shown, empty required fields included."""
        if self.session.touch_all():
            self.view.recheck(self.bundle.fields)

    # -- the hall server ---------------------------------------------------------------------

    def _pulled(self) -> None:
        """A hall round pulled cases (written on the hall's own thread and connection)."""
        self.operations.announce(UNNAMED)

    def _configure_hall(self) -> None:
        settings = self.settings()
        self.hall.configure(settings.get("hall.url"), settings.get("hall.ca_file"))

    # -- drafts ----------------------------------------------------------------------------------

    def _bin_toggled(self, binned: bool) -> None:
        self.action_restore_case.setEnabled(binned)
        self.action_delete_case.setEnabled(not binned)

    # -- paper -----------------------------------------------------------------------------------

    def export_pdf(self, path: Path | str) -> Path:
        """Write the bundle as a PDF (marked 草稿 while errors remain); no dialog, returns the path."""
        self._ensure_started()
        return self.printing.export_pdf(path)

    def when_ready(self, act: Callable[[], object]) -> None:
        """Run an action's `act` once the drafts file is open (actions of the parts, e.g. papers)."""
        self._ensure_started()
        act()

    def _status_message(self, text: str, timeout: int) -> None:
        if text:
            self.statusBar().showMessage(text, timeout)
        else:
            self.statusBar().clearMessage()

    # -- settings and help -----------------------------------------------------------------------

    def show_settings(self) -> None:
        from desktop.ui.settings_dialog import SettingsDialog  # its widgets are built on first use

        self._ensure_started()
        dialog = SettingsDialog(self.bundle.settings, self.settings(), self)
        dialog.accepted.connect(lambda: self.save_settings(dialog.values()))
        dialog.open()

    def save_settings(self, values: Mapping[str, Any]) -> None:
        self._ensure_started()
        wanted = dict(values)

        def write(store: Store) -> None:
            for key, value in wanted.items():
                store.set_setting(key, value)

        try:
            self.operations.wait(write, Changes(settings=True), lambda _none: self._settings_saved())
        except StoreError as exc:
            self.banner.show_message(Topic.SETTINGS, str(exc), [], kind="error")
            return
        self.statusBar().showMessage("设置已保存；经办单位和经办人会填入新建的案卷", 5000)

    def _settings_saved(self) -> None:
        self.session.set_settings(self.settings())
        self._configure_hall()
        self.papers.watch(self.store.setting(SCAN_FOLDER_KEY))
        if self.session.fresh:  # a blank case on screen takes the new defaults at once
            self.view.recheck(self.bundle.fields)

    def show_keys(self) -> None:
        """F1: the shortcuts as a table in a window of their own (kept beside the form)."""
        rows = action_table.keys_rows(action_table.ACTIONS, len(self.view.pages))
        self.keys_dialog = desktop.ui.keys_dialog.KeysDialog.show_for(self, rows)

    # -- closing ---------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        if not self._closed:
            self._shutdown()
        super().closeEvent(event)

    def _shutdown(self) -> None:
        window_place.save(self)
        if self._started:
            self.autosaver.close(self.db_path)
        self._closed = True
        self.printing.closed = True
        self.extras.active = False
        self.drafts.active = False
        self.watcher.stop()
        self.hall.close()
        QApplication.instance().focusChanged.disconnect(self._focus_changed)
        self.workers.close()
        if self._store is not None:
            self._store.close()
        if self.lock is not None:
            self.lock.release()


def _settle_start_up() -> None:
    """Move what start-up made (modules, classes, Qt's enums, the bundle, the first window's
    wrappers) out of the garbage collector's sight, once per process: it lives as long as the
    process, and every full collection walked all of it again: the ones while the agent types, and
    those the interpreter runs on exit (~12 ms of the start-up yardstick, which ends in exit).
    The cost: a reference cycle that was already garbage at this moment is never freed."""
    if gc.get_freeze_count() == 0:
        gc.freeze()


class _OnActivation(QObject):
    """Calls `react` each time the window it watches is activated."""

    def __init__(self, react: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self.react = react

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.WindowActivate:
            self.react()
        return False


class _QuitAfterPaint(QObject):
    """Ends the event loop right after the window's first paint."""

    def __init__(self, app: QApplication, parent: QObject) -> None:
        super().__init__(parent)  # owned by the window, so it lives as long as the window
        self.app = app

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self.app.quit)
        return False


def _ask_passphrase(db_path: Path | None) -> bool:
    """No keyring and no DESK400_PASSPHRASE: ask before the window opens the drafts file."""
    from desktop.ui import passphrase

    return passphrase.ask(Path(db_path) if db_path is not None else paths.default_db())


def _warm_up(window: MainWindow) -> None:
    """Load, off the GUI thread, what the first keystrokes would otherwise wait for."""

    def loaded(coverage: frozenset[int]) -> None:
        if window._closed:
            return
        window.session.set_coverage(coverage)
        window.view.recheck(window.bundle.fields)
        window._warm = True

    window.workers.run(warm_up_job(window.bundle, window.today()), loaded, window.printing.worker_failed)
    window.workers.write(lambda store: store.warm_cache(), lambda _none: None)


def offer_hall_setup(window: MainWindow) -> Any:
    """First start (no case, never answered): the 营业厅设置 step; None when not needed."""
    from desktop.ui import hall_setup

    window._ensure_started()
    has_cases = lambda: bool(window.store.list_cases(limit=1).items)  # noqa: E731
    return hall_setup.offer(
        window.bundle.settings, window.store.settings, has_cases, window.save_settings, window
    )


def run(db_path: Path | None = None) -> int:
    """Open the window on the drafts file and run until it is closed; the exit status.

    The drafts file opens right after the first paint, as in every window (its key's scrypt or
    the keyring's discovery and the open cost ~0.15 s the agent would otherwise stare at nothing);
    a file this version cannot use then ends the start (`end_on_refusal`)."""
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("desk400")
    from PySide6.QtGui import QIcon

    from desktop.ui import first_font

    first_font.prepare(app)  # before any dialog: the passphrase one must not be empty boxes

    app.setWindowIcon(QIcon(str(paths.resources_dir() / "icons" / "desk400.png")))
    if not _ask_passphrase(db_path):
        return 2
    window = MainWindow(db_path)
    window_place.restore(window)
    if os.environ.get("DESK400_QUIT_AFTER_PAINT"):
        # For tests/bench/bench_frozen.py: launch-to-first-paint of the real entry point.
        window.installEventFilter(_QuitAfterPaint(app, window))
    end_on_refusal(app, window)
    window.show()
    QTimer.singleShot(
        0, window, lambda: offer_hall_setup(window)
    )  # first start: the hall before the first case
    return app.exec()


def end_on_refusal(app: QApplication, window: MainWindow) -> None:
    """A drafts file this version cannot use (another program's, a newer version's, a wrong key)
    ends the start: one line on stderr, a dialog saying why, exit status 2 once it is closed."""

    def refuse(text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        print(text, file=sys.stderr)
        box = QMessageBox(
            QMessageBox.Icon.Critical, "无法打开草稿文件", text, QMessageBox.StandardButton.Ok, window
        )
        box.setObjectName("store_refused")
        box.finished.connect(lambda _result: (window.close(), app.exit(2)))
        box.open()

    window.store_refused.connect(refuse)
