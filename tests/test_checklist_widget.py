"""The checklist widget: boxes for the case's categories, `toggled` with the ticked ids, each box
a Tab stop (the arrow keys move too) and Space to tick."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.domain.materials import items_for
from desktop.ui.checklist import VERTICAL, MaterialsChecklist


def make(qtbot, bundle):
    host = QWidget()
    qtbot.addWidget(host)
    before = QLineEdit(host)
    checklist = MaterialsChecklist(bundle, host)
    after = QLineEdit(host)
    layout = QVBoxLayout(host)
    # Boxes come and go while shown: the window's size must not follow (offscreen Qt warns).
    layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    host.resize(900, 700)
    for widget in (before, checklist, after):
        layout.addWidget(widget)
    host.show()
    qtbot.waitExposed(host)
    return host, before, checklist, after


def shown(checklist) -> list[str]:
    return [b.objectName() for b in checklist.findChildren(QCheckBox) if b.isVisibleTo(checklist)]


def shown_for(qtbot, checklist, categories, ticked=()):
    """Boxes added to a shown widget appear once the event loop runs."""
    checklist.show_for(categories, ticked)
    qtbot.waitUntil(lambda: all(box.isVisible() for box in checklist.boxes.values()))


def test_boxes_follow_the_categories_and_report_ticks(qtbot, bundle):
    host, _before, checklist, _after = make(qtbot, bundle)
    assert checklist.objectName() == "materials" and checklist.title() == "材料清单"
    assert checklist.status.text() == "请先在业务需求单中选择业务类别" and checklist.boxes == {}
    shown_for(qtbot, checklist, ["open"], ["handler_id"])
    ids = [i.id for i in items_for(bundle, ["open"])]
    assert shown(checklist) == [f"materials={i}" for i in ids]
    assert checklist.ticked() == ["handler_id"]
    assert checklist.status.text().startswith("材料清单尚缺：")
    with qtbot.waitSignal(checklist.toggled) as signal:
        checklist.findChild(QCheckBox, "materials=license_copy").click()
    assert signal.args == [["license_copy", "handler_id"]]
    for item in items_for(bundle, ["open"]):
        checklist.boxes[item.id].setChecked(True)
    assert checklist.status.text() == "必备材料已收齐" and checklist.missing() == []
    checklist.show_for(["cancel"], [])
    assert "materials=bills_settled" in shown(checklist) and "materials=agreement_signed" not in shown(
        checklist
    )
    assert checklist.ticked() == []  # a box hidden with its category is not ticked either


def test_tab_enters_arrows_move_space_ticks(qtbot, bundle):
    host, before, checklist, after = make(qtbot, bundle)
    shown_for(qtbot, checklist, ["open"])
    boxes = list(checklist.boxes.values())
    before.setFocus()
    qtbot.waitUntil(before.hasFocus)
    QTest.keyClick(before, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is boxes[0]
    QTest.keyClick(boxes[0], Qt.Key.Key_Down)
    QTest.keyClick(boxes[1], Qt.Key.Key_Down)
    assert QApplication.focusWidget() is boxes[2]
    QTest.keyClick(boxes[2], Qt.Key.Key_Up)
    assert QApplication.focusWidget() is boxes[1]
    with qtbot.waitSignal(checklist.toggled) as signal:
        QTest.keyClick(boxes[1], Qt.Key.Key_Space)
    assert signal.args == [[boxes[1].objectName().partition("=")[2]]]
    # Issue 23 item 4: Tab walks the items in order (a Tab+Space never skips past the list onto
    # a button), and leaves after the last one; Shift+Tab comes back to the last one.
    QTest.keyClick(boxes[1], Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is boxes[2]
    for box in boxes[2:]:
        assert QApplication.focusWidget() is box
        QTest.keyClick(box, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is after
    QTest.keyClick(after, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is boxes[-1]


def test_the_checklist_pane_is_resizable_in_the_window(make_window, qtbot):
    """Issue 23 item 3: the checklist sits in a splitter under the documents, not a fixed box."""
    from PySide6.QtWidgets import QScrollArea, QSplitter

    window = make_window()
    split = window.findChild(QSplitter, "form_splitter")
    shelf = window.findChild(QScrollArea, "materials_shelf")
    assert split is not None and split.indexOf(shelf) == 1 and split.indexOf(window.tabs) == 0
    # The documents above the checklist: set by the property's value, which is Qt's own.
    assert split.orientation() == Qt.Orientation.Vertical and Qt.Orientation.Vertical.value == VERTICAL
    assert shelf.height() >= 120
    total = sum(split.sizes())
    split.setSizes([total - 320, 320])
    qtbot.waitUntil(lambda: shelf.height() >= 300)
