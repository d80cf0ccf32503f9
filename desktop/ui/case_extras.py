"""What the case on screen gets from beyond its own fields: the materials checklist, and the
same customer found in another case of the drafts file."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer

import desktop.domain  # lazy: the checks load on first use (desktop.files.lazy)
from desktop.domain.materials import categories_of
from desktop.store.changes import Changes
from desktop.store.errors import StoreError
from desktop.ui.banner import Banner, Topic
from desktop.ui.checklist import MaterialsChecklist

LOOK_DELAY_MS = 1000  # the drafts file is asked once the agent pauses in the 400 number or licence


class CaseExtras(QObject):
    def __init__(
        self,
        session: Any,
        view: Any,
        checklist: MaterialsChecklist,
        autosaver: Any,
        workers: Any,
        operations: Any,
        banner: Banner,
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.session, self.view, self.checklist, self.autosaver = session, view, checklist, autosaver
        self.workers, self.operations, self.banner = workers, operations, banner
        self.active = True
        self.timer = QTimer(self, singleShot=True, interval=LOOK_DELAY_MS)
        self.timer.timeout.connect(self.look_for_the_same_customer)
        checklist.toggled.connect(self.materials_ticked)

    def show_checklist(self, *, changed_only: bool = False) -> None:
        """The items the case's categories need, ticked as the case says."""
        categories = categories_of(self.session.bundle, self.session.resolved().values())
        if not changed_only or categories != self.checklist.categories:
            self.checklist.show_for(categories, self.session.materials)

    def materials_ticked(self, ids: list) -> None:
        """A tick is kept beside the case at once; the case's status follows with a save."""
        session = self.session
        session.set_materials(ids)
        self.view.update_counts()  # the status line counts the materials too
        if session.case_id is None:
            session.changed_keys(session.values or session.bundle.fields)  # store the case now
        else:
            case_id = session.case_id
            try:  # on the saving thread, before the status save below (desktop/ui/operations.py)
                self.operations.wait(lambda store: store.set_materials(case_id, ids), Changes.of([case_id]))
            except StoreError as exc:
                self.banner.show_message(Topic.SAVE, str(exc), [], kind="error")
                return
        self.autosaver.save_soon(status=True)

    def look_for_the_same_customer(self) -> None:
        """Ask the drafts file, off the GUI thread, whether another live case has this customer's
        400 number or licence: a warning naming that case (a change request is legitimate)."""
        session = self.session
        bundle = session.bundle
        if not self.active or not bundle.drafts.same_customer_keys:
            return
        case_id, values = session.case_id, session.resolved().values()

        def query_store(store: Any) -> Any:
            return desktop.domain.same_customer.check_same_customer(
                bundle, values, case_id, store.others_with
            )

        def show(findings: Any) -> None:
            if self.active and session.case_id == case_id:
                self.view.recheck(session.set_elsewhere(findings))

        self.workers.read(query_store, show)
