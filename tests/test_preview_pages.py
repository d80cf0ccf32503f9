"""Issue 23 item 11: the preview opens on the current tab's document, keeps the drafts list beside
it at 1366 px, says page x / y and turns pages with PageUp / PageDown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def test_preview_opens_on_the_tabs_document_with_page_numbers(make_window, qtbot, bundle):
    window = make_window()
    window.action_load_example.trigger()
    window.view.go_tab(2)  # 安全服务协议
    window.action_preview.trigger()
    preview = window.printing.preview
    qtbot.waitUntil(lambda: preview.pdf is not None and preview.page_count() >= 4, timeout=15000)
    pages = preview.starts
    agreement = pages["agreement"]
    assert agreement > 0 and preview.current_page() == agreement
    count = preview.page_count()
    label = preview.findChild(type(preview.status), "preview_page")
    assert label.text() == f"第 {agreement + 1} / {count} 页"
    drafts, form, page = window.splitter.sizes()
    assert drafts > 0 and form > 0 and page > 0  # the drafts list stays beside the preview
    preview.view.setFocus()
    QTest.keyClick(preview.view, Qt.Key.Key_PageDown)
    assert preview.current_page() == agreement + 1 and label.text() == f"第 {agreement + 2} / {count} 页"
    QTest.keyClick(preview.view, Qt.Key.Key_PageUp)
    assert preview.current_page() == agreement
    window.view.go_tab(0)  # another tab: the preview follows to its document
    assert preview.current_page() == pages["authorization"] == 0
