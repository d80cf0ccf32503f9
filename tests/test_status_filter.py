"""The status filter beside the search box (issue 23 item 8): counts per status when it opens, and
the list (and a search) narrowed to one status."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox
from test_store_helpers import EXAMPLE


def test_store_lists_counts_and_searches_by_status(store):
    a = store.create(EXAMPLE)
    b = store.create({**EXAMPLE, "customer.name": "宁波某某贸易有限公司"})
    store.create({"customer.name": "温州某某物流有限公司"})
    store.record_print(a.id, a.revision, documents=["agreement"], pages=2, digest="1" * 64)
    store.set_status(b.id, "complete", b.revision)
    store.delete(store.create({"customer.name": "回收站里的公司"}).id)
    assert store.status_counts() == {"printed": 1, "complete": 1, "draft": 1}
    assert [c.id for c in store.list_cases(status="printed").items] == [a.id]
    assert [c.id for c in store.search("有限公司", status="complete").items] == [b.id]
    assert store.search("宁波", status="printed").items == ()
    assert len(store.search("有限公司").items) == 3


def test_the_window_filters_the_drafts_list_by_status(make_window, qtbot, db):
    from test_store_helpers import open_at

    with open_at(db) as store:
        printed = store.create(EXAMPLE)
        store.record_print(printed.id, printed.revision, documents=["agreement"], pages=2, digest="1" * 64)
        store.create({"customer.name": "温州某某物流有限公司"})
    window = make_window()
    combo = window.findChild(QComboBox, "status_filter")
    assert combo is not None and combo.isVisible()
    pane = window.drafts
    assert combo.parentWidget() is pane.search.parentWidget()  # beside the search box
    qtbot.waitUntil(lambda: len(pane.ids()) == 2)
    combo.opened.emit()  # what showPopup() sends (a real popup warns under the offscreen platform)
    qtbot.waitUntil(lambda: combo.itemText(combo.findData("printed")) == "已打印 1")
    assert combo.itemText(0) == "全部状态 2" and combo.itemText(combo.findData("changed")) == "打印后有修改 0"
    combo.setCurrentIndex(combo.findData("printed"))
    qtbot.waitUntil(lambda: pane.ids() == [printed.id])
    combo.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(pane.ids()) == 2)
