"""Paper: the preview pane, printing through the system dialog, and saving the bundle as a PDF.

Every path prints the session's resolved case (desktop.domain.resolve), the same values the screen
shows and `check` judges; the PDF is rendered off the GUI thread from a snapshot of them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QSplitter, QWidget

import desktop.render  # lazy: ReportLab loads with the first render (desktop.files.lazy)
import desktop.store  # lazy, as render: the card images are read when a print takes them
import desktop.ui  # lazy: print_path (pdfium) loads with the first print
from desktop.files.safefile import write_atomic  # never through a link; whole or not at all
from desktop.store.changes import Changes
from desktop.store.errors import Conflict
from desktop.ui.banner import Banner, Topic

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtPrintSupport import QPrinter

    from desktop.domain.session import EditSession
    from desktop.store import Store
    from desktop.ui.autosave import Autosaver
    from desktop.ui.operations import Operations
    from desktop.ui.preview import PreviewPane
    from desktop.ui.workers import Workers

PREVIEW_DELAY_MS = 700
FORM_MIN = 600  # px: the form with its four tab titles whole and its fields usable
PAGE_MIN = 520  # px: an A4 page readable at fit-width
PAGE_SLACK = 60  # px the page may give up so that the drafts list stays beside the preview
DRAFTS_BESIDE = 216  # px: the narrowest drafts list still worth showing beside the preview


class RenderJob:
    """A render for a worker thread: calling it returns the PDF; `pages` then holds its page count
    (what a print-log row records), read back on the GUI thread once the worker is done."""

    def __init__(self, render: Callable[[RenderJob], bytes], *, copies: bool = False) -> None:
        self._render = render
        self.copies = copies  # it ends with the 复印件 pages (the case keeps card images)
        self.pages = 0
        self.starts: dict[str, int] = {}  # each document's first page (from 0)

    def __call__(self) -> bytes:
        return self._render(self)


class Printing(QObject):
    message = Signal(str, int)  # a confirmation for the status bar, and how long to show it (ms)
    printed = Signal(str)  # a case's status changed to printed

    def __init__(
        self,
        session: EditSession,
        autosaver: Autosaver,
        workers: Workers,
        operations: Operations,
        store: Callable[[], Store],
        settings: Callable[[], dict[str, Any]],
        reveal_all: Callable[[], None],
        banner: Banner,
        splitter: QSplitter,
        action_preview: QAction,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.autosaver = autosaver
        self.workers = workers
        self.operations = operations  # the print log and audit rows are written as operations
        self.store = store  # the GUI thread's connection, for reading the card images a print takes
        self.settings = settings
        self.reveal_all = reveal_all
        self.banner = banner
        self.splitter = splitter
        self.action_preview = action_preview
        self.window = parent
        self.preview: PreviewPane | None = None
        self.closed = False
        self._drafts_width = 300
        self.form_width: Callable[[], int] = lambda: FORM_MIN
        # The document of the tab on screen (set by the window): the preview opens on it.
        self.current_document: Callable[[], str | None] = lambda: None
        self._token = 0
        self.timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self.timer.timeout.connect(self.refresh_preview)

    def render_job(self, documents: Collection[str] | None = None) -> RenderJob:
        """A snapshot of the resolved case as a job for a worker thread (no widget, no shared state).
        `documents`: only those (desktop.render.document_ids), None the whole bundle."""
        session = self.session
        bundle = session.bundle
        values = session.resolved().values()
        settings = {k: str(v) for k, v in self.settings().items() if isinstance(v, str)}
        label = session.number or session.case_id or "未保存"
        draft = bool(session.print_blockers())
        ticked = tuple(session.materials)  # the checklist page 材料清单 follows the documents
        wanted = None if documents is None else tuple(documents)
        copies = self.kept_copies(wanted)  # read here: the store is not the worker's

        def render(job: RenderJob) -> bytes:
            out = io.BytesIO()
            job.pages = desktop.render.render_pdf(
                bundle, values, settings, case_id=label, draft=draft, out=out, materials=ticked,
                documents=wanted, starts=job.starts, copies=copies,
            )  # fmt: skip
            return out.getvalue()

        return RenderJob(render, copies=bool(copies))

    def kept_copies(self, documents: Collection[str] | None) -> list[tuple[str, bytes]]:
        """The case's card images for the 复印件 pages, when the print takes them (the whole
        bundle, or `copies` named), as `render --db FILE --id ID` prints them."""
        case_id = self.session.case_id
        if case_id is None or (documents is not None and "copies" not in documents):
            return []
        return [(i.kind, i.data) for i in self.store().card_images(case_id)]

    def draft_note(self) -> str:
        blockers = self.session.print_blockers()
        if not blockers:
            return "预览：没有错误，可以正式打印。"
        return f"预览（草稿）：还有 {sum(blockers.values())} 处错误，每页带「草稿」标记。"

    # -- preview -----------------------------------------------------------------------------

    def previewing(self) -> bool:
        return self.preview is not None and self.preview.isVisible()

    def changed(self) -> None:
        """The case changed: the preview follows after a pause."""
        if self.previewing():
            self.timer.start()

    def toggle_preview(self) -> None:
        if self.preview is None:
            try:
                from desktop.ui.preview import PreviewPane  # noqa: PLC0415 (QtPdf: ~40 ms, and absent from some installs)
            except ImportError:
                self.no_pdf_view()
                return
            self.preview = PreviewPane()
            self.preview.hide()
            self.splitter.addWidget(self.preview)
            self.splitter.setStretchFactor(2, 1)
        shown = not self.preview.isVisible()
        self.preview.setVisible(shown)
        self.action_preview.setChecked(shown)
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if shown:
            self.reveal_all()
            # The form keeps the room its tabs need, the page at least PAGE_MIN - PAGE_SLACK, and
            # the drafts list stays beside them, narrowed (issue 23: at 1366 px it used to step
            # aside); only a window too narrow for DRAFTS_BESIDE hides it.
            self._drafts_width = sizes[0] or self._drafts_width
            form = max(self.form_width(), (total - FORM_MIN) // 2)
            room = total - form - (PAGE_MIN - PAGE_SLACK)
            drafts = min(sizes[0] or self._drafts_width, room) if room >= DRAFTS_BESIDE else 0
            self.splitter.setSizes([drafts, form, max(total - drafts - form, 0)])
            self.refresh_preview(self.current_document())
        else:
            self.splitter.setSizes([self._drafts_width, max(total - self._drafts_width, 0), 0])

    def follow_tab(self) -> None:
        """The agent went to another tab: the open preview goes to that document's first page."""
        if self.previewing() and self.preview.pdf is not None:
            self.preview.go_to_document(self.current_document())

    def refresh_preview(self, document: str | None = None) -> None:
        """Render the preview again; `document`: then show that document's first page (else the
        page shown stays)."""
        if self.preview is None:
            return
        self._token += 1
        token = self._token
        note = self.draft_note()
        self.preview.status.setText("正在生成预览…")
        job = self.render_job()

        def show(data: bytes) -> None:
            if token == self._token and not self.closed:
                self.preview.show_pdf(data, note, document, job.starts)

        self.workers.run(job, show, self.worker_failed)

    # -- printing ----------------------------------------------------------------------------

    def print_case(self, documents: Collection[str] | None = None) -> None:
        """Print through the system dialog; the PDF is rendered off the GUI thread first.
        `documents`: only those (打印本文档), None the whole bundle."""
        self.autosaver.flush()
        self.reveal_all()
        self.message.emit("正在准备打印…", 0)
        wanted = None if documents is None else tuple(documents)
        job = self.render_job(wanted)
        self.workers.run(job, lambda data: self._print_ready(data, wanted, job.copies), self.worker_failed)

    def _print_ready(
        self, data: bytes, documents: Collection[str] | None = None, copies: bool = False
    ) -> None:
        if self.closed:
            return
        self.message.emit("", 0)
        printer = self.ask_printer()
        if printer is not None:
            self.print_to(printer, data, documents, copies=copies)

    def ask_printer(self) -> QPrinter | None:
        """The system print dialog; the printer the agent chose, or None when cancelled."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo  # noqa: PLC0415 (Qt's print support loads when first asked for)

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.window.windowTitle())
        if not QPrinterInfo.availablePrinterNames():
            # No printer installed: the dialog can only print to a file; it proposes the case's
            # PDF in the home folder (as 另存为 PDF does), not Qt's bare folder name.
            printer.setOutputFileName(str(self.pdf_name()))
        dialog = QPrintDialog(printer, self.window)
        dialog.setWindowTitle("打印 400 业务申请资料")
        return printer if dialog.exec() == QPrintDialog.DialogCode.Accepted else None

    def print_to(
        self,
        printer: QPrinter,
        data: bytes | None = None,
        documents: Collection[str] | None = None,
        *,
        copies: bool = False,
    ) -> int:
        """Print the bundle (or `documents`) on `printer` (no dialog) and record the print; pages.
        `copies`: `data` ends with the 复印件 pages (a job's `copies`). The PDF itself goes to the
        printer or file wherever the platform allows (print_path)."""
        if data is None:
            job = self.render_job(documents)
            data, copies = job(), job.copies

        def raster(pages: Sequence[int]) -> int:
            try:
                from desktop.ui.preview import print_pdf  # noqa: PLC0415 (QtPdf, as for the preview)
            except ImportError:
                self.no_pdf_view()
                return 0
            return print_pdf(data, printer, pages)

        try:
            sent = desktop.ui.print_path.deliver(desktop.ui.print_path.choice_of(printer), data, raster)
        except desktop.ui.print_path.PrintRefused as exc:
            self.banner.show_message(Topic.PRINT, str(exc), [], kind="error")
            return 0
        self._record_print(sent.pages, documents, copies=copies)
        self.message.emit(sent.message, 5000)
        return sent.pages

    def _record_print(
        self, pages: int, documents: Collection[str] | None = None, *, copies: bool = False
    ) -> None:
        """A final print or PDF (no error, nothing unfilled) is one print-log row and makes the case
        已打印; a draft print (marked 草稿 on every page) records nothing."""
        session = self.session
        if session.print_blockers():
            return
        if session.fresh:
            session.changed_keys(session.values or session.bundle.fields)
        self.autosaver.flush()
        if session.case_id is None:
            return
        printed = desktop.render.printed_documents(session.bundle, documents, materials=True, copies=copies)
        digest = session.print_digest()
        case_id, revision = session.case_id, session.revision
        try:
            self.operations.wait(
                lambda store: store.record_print(
                    case_id, revision, documents=printed, pages=pages, digest=digest
                ),
                Changes.of([case_id], status=True, listed=True),
                lambda printed_at: session.printed(printed_at, digest),
            )
        except Conflict as exc:
            self.autosaver.conflict.emit(str(exc))
            return
        self.printed.emit(case_id)

    def _log_export(self, case_id: str) -> None:
        """The audit row of a PDF written (the case's history; nothing a view shows changes)."""
        self.operations.wait(lambda store: store.log_event(case_id, "exported", detail="pdf"), Changes())

    def export_pdf(self, path: Path | str) -> Path:
        """Write the bundle as a PDF (marked 草稿 while errors remain); no dialog, returns the path."""
        target = Path(path)
        self.autosaver.flush()
        job = self.render_job()
        write_atomic(target, job())
        if self.session.case_id is not None:
            self._log_export(self.session.case_id)
            self._record_print(job.pages, copies=job.copies)
        self.message.emit(f"已保存 PDF：{target}", 8000)
        return target

    def pdf_name(self) -> Path:
        """Where a PDF of the case is first proposed: the home folder, named for the customer."""
        session = self.session
        title = session.values.get(session.bundle.drafts.title_key) or "400业务申请资料"
        # A company name may hold what no file name may (「A/B」, Windows' \\ : * ? " < > |).
        return Path.home() / (re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", str(title)) + ".pdf")

    def ask_export_pdf(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # noqa: PLC0415 (its type costs enums before the first paint)

        self.autosaver.flush()
        session = self.session
        name, _filter = QFileDialog.getSaveFileName(
            self.window, "另存为 PDF", str(self.pdf_name()), "PDF (*.pdf)"
        )
        if not name:
            return
        target = Path(name if name.lower().endswith(".pdf") else name + ".pdf")
        case_id = session.case_id
        job = self.render_job()

        def write() -> tuple[Path, int]:
            write_atomic(target, job())
            return target, job.pages

        def done(result: tuple[Path, int]) -> None:
            path, pages = result
            if case_id is not None and not self.closed:
                self._log_export(case_id)
                if case_id == self.session.case_id:
                    self._record_print(pages, copies=job.copies)
            self.message.emit(f"已保存 PDF：{path}", 8000)

        self.workers.run(write, done, self.worker_failed)

    def no_pdf_view(self) -> None:
        self.action_preview.setChecked(False)
        self.banner.show_message(
            Topic.PDF,
            "本机缺少 Qt 的 PDF 组件（QtPdf），无法预览或打印；仍可“另存为 PDF”后用其他程序打印。",
            [],
            kind="error",
        )

    def worker_failed(self, message: str) -> None:
        if not self.closed:
            self.banner.show_message(Topic.WORKER, f"后台任务失败：{message}", [], kind="error")
