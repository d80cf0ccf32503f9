"""The checklist widget (材料清单): one box per item the case's business categories need.

Which items, and which are required, is bundle data (forms/<bundle>/materials.toml, read through
desktop.domain.materials); this widget only shows them and reports the ticks. Every box is a Tab
stop, in the list's order (issue 23: with one stop for the whole list, Tab+Space left it and pressed
新建 instead of ticking the next item); the arrow keys move between boxes too, Space ticks. Wiring (desktop/app.py): show it beside the documents, call `show_for` when a case
opens or its categories change, and on `toggled` store the ticks (Store.set_materials) and hand
them to the session (EditSession.set_materials), whose next save records the status.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6 import QtCore
from PySide6.QtCore import Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from desktop.domain import materials as checklist
from desktop.domain.forms import Bundle

TITLE = "材料清单"
SHELF_MIN = 60  # px: the title and one item
SHELF_START = 170  # px: the title, a few items and the status line
NO_CATEGORY = "请先在业务需求单中选择业务类别"
ALL_TICKED = "必备材料已收齐"
# Arrow keys by name, resolved at the first key press: building the Qt namespace's enums at
# import cost the window's start-up ~15 ms.
NEXT_KEYS = ("Key_Down", "Key_Right")
PREVIOUS_KEYS = ("Key_Up", "Key_Left")
VERTICAL = 2  # Qt.Orientation.Vertical (tests/test_checklist_widget.py holds them equal)


class _Box(QCheckBox):
    """A checklist item's box: tells the checklist when it takes focus and which arrow was
    pressed. (Overrides, not an event filter: a filter would see every event of every box, and
    its first would have PySide6 build every QEvent subclass before the window's first paint.)"""

    def __init__(self, text: str, owner: MaterialsChecklist) -> None:
        super().__init__(text)
        self.owner = owner

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt API)
        super().focusInEvent(event)
        self.owner.focused(self)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if not self.owner.arrow(self, event.key()):
            super().keyPressEvent(event)


class MaterialsChecklist(QGroupBox):
    """Object name `materials`; each box `materials=<item id>`; `toggled` carries the ticked ids."""

    toggled = Signal(list)

    def __init__(self, bundle: Bundle, parent: QWidget | None = None) -> None:
        super().__init__(TITLE, parent)
        self.setObjectName("materials")
        self.bundle = bundle
        self.categories: tuple[str, ...] = ()
        # Every item's box is made once, here, so the boxes sit where the group is in the focus
        # chain; `show_for` only shows the ones the categories need (hidden boxes take no Tab).
        self.all_boxes: dict[str, QCheckBox] = {}
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        for item in bundle.materials.items if bundle.materials else ():
            box = _Box(item.label + ("" if item.required else "（如有）"), self)
            box.setObjectName(f"materials={item.id}")
            box.toggled.connect(self._changed)
            box.hide()
            layout.addWidget(box)
            self.all_boxes[item.id] = box
        self.status = QLabel()
        self.status.setObjectName("materials.status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._show_status()

    def show_for(self, categories: Iterable[str], ticked: Iterable[str] = ()) -> None:
        """Show the items `categories` need, ticked as `ticked` says (no `toggled` emitted)."""
        self.categories = tuple(categories)
        done = set(ticked)
        wanted = {item.id for item in checklist.items_for(self.bundle, self.categories)}
        self.boxes = {k: box for k, box in self.all_boxes.items() if k in wanted}
        for item_id, box in self.all_boxes.items():
            box.blockSignals(True)
            box.setChecked(item_id in done and item_id in wanted)
            box.blockSignals(False)
            box.setVisible(item_id in wanted)
        self._show_status()

    def ticked(self) -> list[str]:
        """The ticked item ids, in the checklist's order."""
        return [item_id for item_id, box in self.boxes.items() if box.isChecked()]

    def missing(self) -> list[checklist.MaterialItem]:
        return checklist.materials_missing(self.bundle, self.categories, self.ticked())

    # -- keyboard ----------------------------------------------------------------------------

    def focused(self, box: QCheckBox) -> None:
        """The agent reached `box` (Tab, arrows or the mouse): show it inside the scrolled shelf."""
        shelf = self.parentWidget().parentWidget() if self.parentWidget() else None
        if isinstance(shelf, QScrollArea):
            shelf.ensureWidgetVisible(box)

    def arrow(self, box: QCheckBox, pressed: int) -> bool:
        """Up/Left and Down/Right move between the shown boxes; True when `pressed` did."""
        keys = QtCore.Qt.Key
        step = (
            1
            if pressed in [getattr(keys, k) for k in NEXT_KEYS]
            else -1
            if pressed in [getattr(keys, k) for k in PREVIOUS_KEYS]
            else 0
        )
        if not step or box not in self.boxes.values():
            return False
        boxes = list(self.boxes.values())
        boxes[(boxes.index(box) + step) % len(boxes)].setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
        return True

    # -- state -------------------------------------------------------------------------------

    def _changed(self, _checked: bool) -> None:
        self._show_status()
        self.toggled.emit(self.ticked())

    def _show_status(self) -> None:
        if not self.categories:
            self.status.setText(NO_CATEGORY)
        else:
            self.status.setText(checklist.missing_message(self.missing()) or ALL_TICKED)


def shelf(checklist: MaterialsChecklist) -> QScrollArea:
    """The checklist under the documents, on every tab, scrolled when the categories ask for more
    items than it has room for."""
    area = QScrollArea()
    area.setObjectName("materials_shelf")
    area.setWidget(checklist)
    area.setWidgetResizable(True)
    area.setMinimumHeight(SHELF_MIN)
    return area


def form_and_shelf(tabs: QWidget, checklist: MaterialsChecklist) -> QSplitter:
    """The documents above the checklist, with a handle between them the agent drags (issue 23:
    a fixed 75-px box hid the gap at its bottom); the checklist starts at SHELF_START px."""
    split = QSplitter()
    # Vertical, by the property's value: naming Qt.Orientation has PySide6 build the whole Qt
    # namespace (~100 enums, ~17 ms) before the first paint; the window builds it right after.
    split.setProperty("orientation", VERTICAL)
    split.setObjectName("form_splitter")
    split.setChildrenCollapsible(False)
    split.addWidget(tabs)
    split.addWidget(shelf(checklist))
    split.setStretchFactor(0, 1)
    split.setStretchFactor(1, 0)
    split.setSizes([10_000, SHELF_START])
    return split
