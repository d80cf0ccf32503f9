"""The window's papers: 导入签字扫描件 takes a signed scan in and the case on screen becomes 已签回;
a new file in the watched scan folder is taken in by itself; 签回情况 shows each page with a tick or
the empty box outlined in red; 生成交付包 writes the package and the case is 已交付."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from desktop.domain.status import HANDED_OVER, SIGNED
from desktop.ui.papers import SCAN_FOLDER_KEY
from desktop.ui.papers_view import PapersView, outlined
from tests.paper_scans import Desk, fill_boxes

TIMEOUT = 90_000


@pytest.fixture
def desk(db, bundle, tmp_path) -> Desk:
    return Desk(db, bundle, tmp_path)


def _view() -> PapersView | None:
    return next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, PapersView) and w.isVisible()), None
    )


def test_a_signed_scan_imported_in_the_window_signs_the_case_and_hands_it_over(
    desk, make_window, qtbot, example_values
):
    case_id, _ = desk.case(example_values)
    scan = desk.scan(desk.signed(case_id, "print"), "signed")
    window = make_window()
    window.open_case(case_id)
    qtbot.waitUntil(lambda: window.session.case_id == case_id)
    with qtbot.waitSignal(window.papers.imported, timeout=TIMEOUT) as got:
        window.papers.import_files([scan])
    assert got.args[0].code == 0 and any("已签回" in line for line in got.args[0].lines)
    qtbot.waitUntil(lambda: window.session.status == SIGNED, timeout=10_000)
    window.when_ready(window.papers.show_case)
    qtbot.waitUntil(lambda: _view() is not None)
    view = _view()
    rows = [view.pages.item(i).text() for i in range(view.pages.count())]
    assert rows and all("✓ 已签回" in row for row in rows)
    assert view.handover.isEnabled()
    view.reject()
    out = desk.tmp / "package.pdf"
    window.papers.handover_to(out)
    qtbot.waitUntil(lambda: out.exists() and desk.status(case_id) == HANDED_OVER, timeout=TIMEOUT)


def test_the_scan_folder_picks_up_a_new_scan_and_an_empty_box_is_outlined_in_red(
    desk, make_window, qtbot, example_values
):
    case_id, _ = desk.case(example_values)
    pages = desk.print(case_id, "print")
    layout = desk.layout(case_id)
    box = next(b for b in layout.boxes if b.label == "法人签字")
    fill_boxes(pages, layout, 150, skip=[(box.page, box.label)])
    scan = desk.scan(pages, "unsigned")
    folder = desk.tmp / "scanner"
    folder.mkdir()
    window = make_window()
    window.save_settings({SCAN_FOLDER_KEY: str(folder)})
    with qtbot.waitSignal(window.papers.imported, timeout=TIMEOUT) as got:
        shutil.copy(scan, folder / "scan0001.pdf")
    assert got.args[0].code == 1
    assert any("法人签字：未见签字" in line and "scan0001.pdf" in line for line in got.args[0].lines)
    window.open_case(case_id)
    qtbot.waitUntil(lambda: window.session.case_id == case_id)
    window.when_ready(window.papers.show_case)
    qtbot.waitUntil(lambda: _view() is not None)
    view = _view()
    assert "✗" in view.pages.item(box.page - 1).text()
    assert not view.handover.isEnabled()
    image = outlined(view.state.pages[box.page - 1].scan).toImage()
    pixels = np.array([[image.pixelColor(x, y).getRgb()[:3] for x in range(0, image.width(), 3)]
                       for y in range(0, image.height(), 3)])  # fmt: skip
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
    assert red.sum() > 50
    view.reject()
