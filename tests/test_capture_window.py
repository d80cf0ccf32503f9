"""读取证件 in the window (pytest-qt): the reading shows beside the form, nothing is filled until
the agent confirms, filled values are marked and checked as typed, the image is kept encrypted
with the case, and the form stays usable while the OCR runs."""

from __future__ import annotations

import json
import os
from datetime import date

import pytest
from capture_images import IdFront, Licence, encoded, id_back_image, id_front_image, licence_image, uscc
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit
from test_capture_readers import CARD, vendor_service  # noqa: F401, F811 (the fixture)
from test_store_helpers import keyed_db
from test_ui_support import field, type_text

from desktop.capture.keys import default_card_keys, keyed
from desktop.capture.ocr import shared_engine
from desktop.capture.record import expiry_problem
from desktop.store import images


def _finished(dialog) -> bool:
    return not dialog.busy and dialog.read is not None


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, on showing a dialog
def test_nothing_is_filled_until_the_agent_confirms(make_window, qtbot, tmp_path):
    shared_engine().load()
    window = make_window()
    good = uscc("91330106", "MA2B8C5D")
    card = Licence(code=good[:12] + "B" + good[13:])  # one confusable character, repaired
    scan = tmp_path / "scans" / "licence.png"
    scan.parent.mkdir()
    scan.write_bytes(encoded(licence_image(card, dpi=150)))
    name = field(window, "authorization", "customer.name", QLineEdit)

    dialog = window.capture.open()
    dialog.load_file(scan)
    type_text(name, "边识别边输入")  # the form is not blocked while the OCR runs
    qtbot.waitUntil(lambda: _finished(dialog), timeout=60_000)
    assert name.text() == "边识别边输入"  # shown, not filled
    shown = {
        dialog.table.item(r, 0).data(Qt.ItemDataRole.UserRole): dialog.table.item(r, 2).text()
        for r in range(dialog.table.rowCount())
    }
    assert shown["customer.license_no"] == good and shown["customer.name"] == card.name
    assert "按校验位修正" in " ".join(dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount()))

    qtbot.mouseClick(dialog.fill_button, Qt.MouseButton.LeftButton)
    assert name.text() == card.name
    assert window.session.values["customer.license_no"] == good
    marks = window.findChildren(QLabel, "customer.name.source")
    assert marks and all(m.text() == "「来自营业执照」" and not m.isHidden() for m in marks)
    assert window.findChild(QLabel, "customer.license_no.error").text() == ""  # checked, and valid
    type_text(name, "改")
    assert all(m.isHidden() for m in marks)  # changed by the agent: no longer the licence's
    window.close()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_cancel_leaves_the_form_alone_and_an_expired_card_cannot_fill(make_window, qtbot, tmp_path):
    shared_engine().load()
    window = make_window(today=lambda: date(2026, 12, 7))
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "older.png").write_bytes(b"not even an image")
    front = scans / "front.png"
    front.write_bytes(encoded(id_front_image(IdFront())))
    os.utime(scans / "older.png", (1, 1))
    window.save_settings({"capture.scan_folder": str(scans)})  # what 设置 saves
    dialog = window.capture.open()
    dialog.kind_group.button(1).setChecked(True)
    dialog.source_buttons["capture_scans"].click()  # the newest image in the scan folder
    qtbot.waitUntil(lambda: _finished(dialog), timeout=60_000)
    assert dialog.read.fields["handler.name"].value == IdFront().name
    dialog.reject()
    assert field(window, "authorization", "handler.name", QLineEdit).text() == ""

    back = tmp_path / "back.png"
    back.write_bytes(encoded(id_back_image(validity="2016.11.30-2026.11.30")))
    dialog = window.capture.open()
    dialog.kind_group.button(1).setChecked(True)
    dialog.load_file(front)
    qtbot.waitUntil(lambda: _finished(dialog), timeout=60_000)
    dialog.load_back_file(back)
    qtbot.waitUntil(lambda: _finished(dialog) and "valid_to" in dialog.read.fields, timeout=60_000)
    assert dialog.read.fields["issuer"].value == "杭州市公安局西湖分局"
    assert not dialog.fill_button.isEnabled() and "已于 2026年11月30日 过期" in dialog.status.text()
    dialog.reject()

    record = tmp_path / "card.json"
    record.write_text(
        json.dumps(
            {"name": "李小梅", "id_number": IdFront().number, "valid_to": "2026-11-30"}, ensure_ascii=False
        ),
        encoding="utf-8",
    )
    from desktop.capture.readers import FileReader

    dialog = window.capture.open()
    dialog.show_read(keyed(FileReader(record).read().to_read(), default_card_keys()["id"]))
    assert not dialog.fill_button.isEnabled() and "已于 2026年11月30日 过期" in dialog.status.text()


def test_expiry_rules():
    today = date(2026, 12, 7)
    assert expiry_problem("2026-12-06", today)[0] == "error"
    assert expiry_problem("2027-01-06", today)[0] == "warning"
    assert expiry_problem("2027-01-07", today) is None
    assert expiry_problem("长期", today) is None


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_chip_reader_fills_the_handler_after_confirmation(make_window, qtbot, vendor_service):  # noqa: F811
    url, answers = vendor_service
    answers.append(json.dumps({"data": CARD}, ensure_ascii=False).encode())
    window = make_window(today=lambda: date(2026, 12, 7))
    window.save_settings({"capture.reader_url": url})
    dialog = window.capture.open()
    dialog.source_buttons["capture_reader"].click()
    qtbot.waitUntil(lambda: _finished(dialog), timeout=10_000)
    assert field(window, "authorization", "handler.name", QLineEdit).text() == ""
    assert "100%" in dialog.table.item(0, 3).text()  # chip data: certain
    qtbot.mouseClick(dialog.fill_button, Qt.MouseButton.LeftButton)
    assert window.session.values["handler.id_number"] == CARD["certNumber"]
    marks = window.findChildren(QLabel, "handler.name.source")
    assert marks and all(m.text() == "「来自身份证」" for m in marks)
    case_id = window.current_case_id()
    kept = lambda: images.of_case(keyed_db(window.db_path), case_id)  # noqa: E731
    qtbot.waitUntil(lambda: bool(kept()), timeout=10_000)
    assert [(i.kind, i.data) for i in kept()] == [("id_photo", b"\x89PNG fake photo")]
    window.close()
