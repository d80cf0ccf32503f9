"""The window's papers: 导入签字扫描件 (chosen files, or new files in the watched scan folder set in
设置), the case's 签回情况 (each page of the latest print beside its scan: a tick, or the empty box
outlined in red: desktop.ui.papers_view) and 生成交付包. The scans are read on a worker thread and
taken in on the saving thread as operations (desktop/ui/operations.py): the window's one change
event follows each. Only what the window builds before its first paint is imported here: the file
dialog's type and the dialog's module (its list, image and painter types) load on first use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6 import QtWidgets
from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from desktop import ui  # the 签回情况 dialog (desktop.ui.papers_view) loads when first opened
from desktop.domain.records import record  # frozen values without dataclasses' start-up cost
from desktop.store.changes import Changes

SCAN_FOLDER_KEY = "paper.scan_folder"  # set in 设置 (desktop.ui.settings_dialog)
SCAN_SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"})
# A scanner writes its file over a second or two: a new file is taken once its size held still
# for one tick.
SETTLE_MS = 1500
# What a scan-in changes: the pages' cases (which, only the report's lines say), their statuses.
TAKEN_IN = Changes.of(status=True, unnamed=True)


@record
class Outcome:
    """One scan-in as the window shows it: the report's lines and the command line's exit code."""

    lines: tuple[str, ...]
    code: int
    signed: tuple[str, ...] = ()


class Papers(QObject):
    """Signals: `imported(Outcome)` after each scan-in; `message(text, ms)` for the status bar.
    Its writes (scan-ins, handovers) go through `operations`, whose `changed` tells the views."""

    imported = Signal(object)
    message = Signal(str, int)

    def __init__(
        self, bundle: Any, case_id: Callable[[], str | None], workers: Any, operations: Any, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.bundle, self.case_id, self.workers, self.window = bundle, case_id, workers, parent
        self.operations = operations
        self.folder: Path | None = None
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(lambda _path: self._settle.start())
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self._look)
        self._sizes: dict[Path, int] = {}
        self._taken: set[Path] = set()

    # -- scan-in -------------------------------------------------------------------------------

    def ask_import(self) -> None:
        files, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self.window,
            "导入签字扫描件",
            str(self.folder or ""),
            "扫描件 (*.pdf *.png *.jpg *.jpeg *.tif *.tiff)",
        )
        if files:
            self.import_files([Path(f) for f in files])

    def import_files(self, files: Sequence[Path]) -> None:
        """Read the files on a worker thread, then match and keep their pages on the saving thread."""
        from desktop.paper.intake import read_all  # noqa: PLC0415 (numpy, zxing-cpp and pdfium load with the first scan, not with the window)
        from desktop.paper.scans import ScanUnreadable  # noqa: PLC0415 (numpy, zxing-cpp and pdfium load with the first scan, not with the window)

        def read() -> Any:
            try:
                return read_all(files)
            except ScanUnreadable as exc:
                return Outcome((f"{exc}；本批扫描件均未导入",), 2)

        def take(pages: Any) -> None:
            if isinstance(pages, Outcome):
                self._done(pages)
                return
            self.operations.run(
                lambda store: _scan_in(store, self.bundle, pages), TAKEN_IN, self._done, self._failed
            )

        self.message.emit("正在读取签字扫描件…", 0)
        self.workers.run(read, take, self._failed)

    def _done(self, outcome: Outcome) -> None:
        head = (
            "签字扫描件已导入" if outcome.code == 0 else "签字扫描件有问题" if outcome.code == 1 else "未导入"
        )
        self.message.emit(f"{head}：{outcome.lines[-1] if outcome.lines else ''}", 10000)
        self.imported.emit(outcome)

    def _failed(self, text: str) -> None:
        self.message.emit(f"导入签字扫描件失败：{text}", 10000)
        self.imported.emit(Outcome((text,), 2))

    # -- the watched scan folder ---------------------------------------------------------------

    def watch(self, folder: str | None) -> None:
        """Watch `folder` (设置: 签字扫描件文件夹) for new scans; the files already there are not new."""
        for path in self._watcher.directories():
            self._watcher.removePath(path)
        self.folder = Path(folder) if folder else None
        self._sizes.clear()
        if self.folder is None or not self.folder.is_dir():
            return
        self._taken = set(_scans_in(self.folder))
        self._watcher.addPath(str(self.folder))

    def _look(self) -> None:
        if self.folder is None:
            return
        fresh, settling = [], False
        for path in _scans_in(self.folder):
            if path in self._taken:
                continue
            size = path.stat().st_size if path.exists() else -1
            if size > 0 and self._sizes.get(path) == size:
                fresh.append(path)
            else:
                self._sizes[path] = size
                settling = True
        if settling:
            self._settle.start()
        if fresh:
            self._taken.update(fresh)
            self.import_files(fresh)

    # -- 签回情况 and 生成交付包 ---------------------------------------------------------------------

    def show_case(self) -> None:
        """The case on screen's pages of its latest print, each with its scan."""
        case_id = self.case_id()
        if case_id is None:
            self.message.emit("请先打开一个案卷", 5000)
            return

        def query(store: Any) -> Any:
            from desktop.paper.progress import progress  # noqa: PLC0415 (numpy, zxing-cpp and pdfium load with the first scan, not with the window)

            return store.get(case_id), progress(store.prints(case_id), store.scans(case_id))

        self.workers.read(query, lambda found: self._open_view(*found), self._failed)

    def _open_view(self, case: Any, state: Any) -> None:
        view = ui.papers_view.PapersView(
            case, state, {d.id: d.tab for d in self.bundle.documents}, self.window
        )
        view.handover_requested.connect(self.ask_handover)
        view.open()

    def ask_handover(self) -> None:
        case_id = self.case_id()
        if case_id is None:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.window, "生成交付包", f"{case_id}-交付包.pdf", "PDF (*.pdf)"
        )
        if path:
            self.handover_to(Path(path))

    def handover_to(self, path: Path) -> None:
        """Write the case's handover package to `path` on the saving thread."""
        case_id = self.case_id()
        if case_id is None:
            return

        def job(store: Any) -> str:
            from desktop.paper.handover import NotReady, handover  # noqa: PLC0415 (numpy, zxing-cpp and pdfium load with the first scan, not with the window)

            try:
                package = handover(store, self.bundle, case_id, path)
            except NotReady as exc:
                return str(exc)
            sealed = f"（另有加密副本 {package.sealed.name}）" if package.sealed else ""
            return f"已生成交付包：{package.pdf}{sealed}"

        def done(text: str) -> None:
            self.message.emit(text, 10000)

        self.operations.run(job, Changes.of([case_id], status=True, listed=True), done, self._failed)


def _scan_in(store: Any, bundle: Any, pages: Any) -> Outcome:
    from desktop.paper.intake import scan_in  # noqa: PLC0415 (numpy, zxing-cpp and pdfium load with the first scan, not with the window)

    report = scan_in(store, bundle, pages)
    return Outcome(tuple(report.lines()), report.exit_code, tuple(report.signed))


def _scans_in(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in SCAN_SUFFIXES and p.is_file())
    except OSError:
        return []
