"""Where the printed paper stands, in the window (shared/spec/paper-trail.md): the banner that
says a printed case was changed (打印后有修改, with 重新打印), 打印本文档 for the current tab's
document, and 打印记录, the case's print log (its dialog in desktop.ui.print_log, loaded when first
opened: its table types are not built before the window's first paint).

Kept out of app.py (which only wires it) so the lifecycle's window side is one small module; the
status itself is decided by desktop.domain.status through the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from desktop import ui  # 打印记录's dialog (desktop.ui.print_log) loads when first opened
from desktop.domain.status import CHANGED
from desktop.ui.banner import Banner, Topic

if TYPE_CHECKING:
    from desktop.domain.session import EditSession
    from desktop.store import Store
    from desktop.ui.print_log import PrintLogDialog
    from desktop.ui.printing import Printing

CHANGED_TEXT = (
    "打印后有修改：这个案卷在正式打印之后改过，已打印（可能已签字）的纸面文件与案卷不再一致。"
    "请重新打印，并请客户在新打印的文件上重新签字盖章。"
)
REPRINT = "重新打印"
EXTRA_NAMES = {"materials": "材料清单", "copies": "复印件"}


def document_names(bundle: Any) -> dict[str, str]:
    """Each printable id's name as the agent knows it (the tab's title)."""
    return {**{d.id: d.tab for d in bundle.documents}, **EXTRA_NAMES}


class PaperTrail(QObject):
    """The window's side of the lifecycle; `current_document()` is the id of the tab on screen."""

    def __init__(
        self,
        session: EditSession,
        printing: Printing,
        store: Callable[[], Store],
        banner: Banner,
        current_document: Callable[[], str],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.printing = printing
        self.store = store
        self.banner = banner
        self.current_document = current_document
        self.window = parent
        self.dialog: PrintLogDialog | None = None
        printing.printed.connect(lambda _id: self.follow())
        printing.current_document = current_document  # the preview opens on the tab's document

    def follow(self) -> None:
        """After a save, a print or when a case is shown: the banner while the case is 打印后有修改
        (and the window's title, which names the status)."""
        update_title = getattr(self.window, "update_title", None)
        if update_title is not None:
            update_title()
        if self.session.status == CHANGED and not self.session.conflicted:
            if self.banner.topic != Topic.PRINTED:
                self.banner.show_message(Topic.PRINTED, CHANGED_TEXT, [(REPRINT, self.reprint)], kind="info")
        else:
            self.banner.dismiss(Topic.PRINTED)

    def reprint(self) -> None:
        """重新打印: the whole bundle again, since the agent cannot know which page the change hit."""
        self.printing.print_case()

    def print_document(self) -> None:
        """打印本文档 (Ctrl+Shift+P): only the document of the tab on screen."""
        self.printing.print_case([self.current_document()])

    def show_print_log(self) -> PrintLogDialog:
        """打印记录: every final print of the case on screen, newest first."""
        session = self.session
        rows = self.store().prints(session.case_id) if session.case_id else []
        if self.dialog is None:
            self.dialog = ui.print_log.PrintLogDialog(document_names(session.bundle), self.window)
        self.dialog.show_rows(session.number or session.title(), rows)
        self.dialog.show()
        self.dialog.activateWindow()
        return self.dialog
