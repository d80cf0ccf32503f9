"""Scan-in and handover end to end (paper-trail.md): a case printed from the drafts file, the paper
signed and stamped in the boxes the layout data marks, scanned (rotated, noisy, JPEG) and read
back with `desk400 scan-in`; then `desk400 handover`."""

from __future__ import annotations

import random
import sys
from datetime import date

import pytest
from pypdf import PdfReader

from desktop.cli import main
from desktop.domain.status import HANDED_OVER, SIGNED
from desktop.paper.reprint import print_day
from tests.paper_scans import DPI, Desk, fill_boxes, open_store, rasterise


@pytest.fixture
def desk(db, bundle, tmp_path) -> Desk:
    return Desk(db, bundle, tmp_path)


def test_a_fully_signed_scan_makes_the_case_signed(desk, example_values, capsys):
    case_id, number = desk.case(example_values)
    pages = desk.signed(case_id, "print")
    assert desk.scan_in(desk.scan(pages, "signed")) == 0
    out = capsys.readouterr().out
    assert f"案卷 {number}：已签回" in out
    assert desk.status(case_id) == SIGNED
    assert desk.kept(case_id) == len(pages)


def test_one_empty_box_is_named_by_page_and_label_and_the_pages_are_kept(desk, example_values, capsys):
    case_id, number = desk.case(example_values)
    pages = desk.print(case_id, "print")
    layout = desk.layout(case_id)
    box = next(b for b in layout.boxes if b.label == "申请单位（盖公章）")
    fill_boxes(pages, layout, DPI, skip=[(box.page, box.label)])
    assert desk.scan_in(desk.scan(pages, "one-missing")) == 1
    err = capsys.readouterr().err
    assert f"第 {box.page} 页 业务需求单 申请单位（盖公章）：未见盖章" in err
    assert err.count("未见") == 1
    assert desk.status(case_id) != SIGNED
    assert desk.kept(case_id) == len(pages)
    # The stamp arrives in a later scan of that page alone: the pages add up, the case is signed.
    fill_boxes(pages, layout, DPI)
    assert desk.scan_in(desk.scan([pages[box.page - 1]], "the-stamp")) == 0
    assert desk.status(case_id) == SIGNED


def test_a_page_of_an_older_print_is_signed_on_the_old_version(desk, example_values, capsys):
    case_id, _ = desk.case(example_values)
    old = desk.signed(case_id, "first")
    with open_store(desk.db, desk.bundle) as store:
        case = store.get(case_id)
        store.save_field(case_id, "contact.name", "李四", case.revision)
    new = desk.signed(case_id, "second")
    assert desk.scan_in(desk.scan([*new[:2], old[2], *new[3:]], "mixed")) == 1
    err = capsys.readouterr().err
    assert "第 3 页「签署的是旧版本」" in err
    assert desk.status(case_id) != SIGNED


def test_shuffled_pages_of_two_cases_are_matched(desk, example_values, capsys):
    first, _ = desk.case(example_values)
    second, _ = desk.case({**example_values, "contact.name": "王五"})
    pages = [*desk.signed(first, "a"), *desk.signed(second, "b")]
    random.Random(5).shuffle(pages)
    half = len(pages) // 2
    assert desk.scan_in(desk.scan(pages[:half], "part1"), desk.scan(pages[half:], "part2", seed=1)) == 0
    assert desk.status(first) == desk.status(second) == SIGNED


def test_blank_and_foreign_pages_are_reported_never_dropped(desk, example_values, capsys):
    import numpy as np
    import zxingcpp
    from PIL import Image

    case_id, _ = desk.case(example_values)
    pages = desk.signed(case_id, "print")
    blank = Image.new("RGB", pages[0].size, "white")
    code = zxingcpp.create_barcode("https://example.com/not-ours", zxingcpp.BarcodeFormat.QRCode)
    foreign = blank.copy()
    foreign.paste(Image.fromarray(np.asarray(code.to_image(scale=8))).convert("RGB"), (100, 100))
    scan = desk.scan([*pages[:3], blank, *pages[3:], foreign], "with-strangers")
    assert desk.scan_in(scan) == 1
    err = capsys.readouterr().err
    assert "with-strangers.pdf 第 4 页：未找到页码二维码" in err
    assert f"with-strangers.pdf 第 {len(pages) + 2} 页：二维码不是本系统打印的页面" in err
    assert desk.kept(case_id) == len(pages)
    assert desk.status(case_id) == SIGNED  # every page of the print is there and signed


def test_a_non_image_refuses_the_whole_batch_with_the_drafts_unchanged(desk, example_values, capsys):
    case_id, _ = desk.case(example_values)
    good = desk.scan(desk.signed(case_id, "print"), "good")
    bad = desk.tmp / "notes.pdf"
    bad.write_text("这不是扫描件", encoding="utf-8")
    before = desk.db.read_bytes()
    assert desk.scan_in(good, bad) == 2
    assert "notes.pdf" in capsys.readouterr().err
    assert desk.db.read_bytes() == before
    assert desk.kept(case_id) == 0 and desk.status(case_id) != SIGNED


def test_qr_codes_naming_another_case_or_a_wrong_digest_are_reported(desk, bundle, example_values, capsys):
    from desktop.render import render_pdf

    case_id, number = desk.case(example_values)
    desk.print(case_id, "print")
    wrong = desk.tmp / "wrong.pdf"
    render_pdf(bundle, example_values, {}, case_id=number, draft=False, out=wrong, digest="0123456789")
    stranger = desk.tmp / "stranger.pdf"
    render_pdf(bundle, example_values, {}, case_id="ZZ99-20991231-999", draft=False, out=stranger)
    scan = desk.scan([rasterise(wrong, DPI)[0], rasterise(stranger, DPI)[0]], "hostile")
    assert desk.scan_in(scan) == 1
    err = capsys.readouterr().err
    assert "第 1 页：案卷" in err and "0123456789" in err
    assert "第 2 页：二维码上的案卷 ZZ99-20991231-999 不在本草稿文件中" in err
    assert desk.kept(case_id) == 0


def test_handover_only_of_a_signed_case_with_scans_and_manifest(desk, bundle, example_values, capsys):
    case_id, number = desk.case(example_values)
    pages = desk.signed(case_id, "print")
    out = desk.tmp / "package.pdf"
    assert main(["handover", "--db", str(desk.db), "--id", number, "-o", str(out)]) == 1
    assert "只有「已签回」的案卷才能生成交付包" in capsys.readouterr().err
    assert not out.exists()
    assert desk.scan_in(desk.scan(pages, "signed")) == 0
    assert main(["handover", "--db", str(desk.db), "--id", number, "-o", str(out)]) == 0
    reader = PdfReader(out)
    assert len(reader.pages) == len(pages) + 1
    assert all(reader.pages[i].images for i in range(len(pages)))  # the scans, as images
    manifest = reader.pages[-1].extract_text()
    assert "交付清单" in manifest and number in manifest and "电子签名法" in manifest
    assert desk.status(case_id) == HANDED_OVER
    assert "本案卷未保存证件图片，无证件复印件" in manifest
    # A handed-over case is not handed over twice.
    assert main(["handover", "--db", str(desk.db), "--id", number, "-o", str(desk.tmp / "again.pdf")]) == 1


def test_handover_is_sealed_to_the_hall_when_its_recipient_is_set(desk, bundle, example_values):
    import pyrage

    identity = pyrage.x25519.Identity.generate()
    case_id, number = desk.case(example_values)
    pages = desk.signed(case_id, "print")
    assert desk.scan_in(desk.scan(pages, "signed")) == 0
    with open_store(desk.db, bundle) as store:
        store.set_setting("hall.age_recipient", str(identity.to_public()))
    out = desk.tmp / "package.pdf"
    assert main(["handover", "--db", str(desk.db), "--id", number, "-o", str(out)]) == 0
    assert pyrage.decrypt((desk.tmp / "package.pdf.age").read_bytes(), [identity]) == out.read_bytes()


def test_the_print_day_is_read_back_from_the_log():
    assert print_day("2026-12-07T10:00:00+08:00") == date(2026, 12, 7)
    assert print_day("garbage") == date.today()


def test_scan_in_without_numpy_says_the_component_is_missing_and_changes_nothing(
    desk, example_values, capsys, monkeypatch
):
    """An installation without numpy (the frozen app carries it since issue 24; a build made
    without it must still answer plainly): scan-in says so, exit 2, no traceback."""
    case_id, _ = desk.case(example_values)
    good = desk.scan(desk.signed(case_id, "print"), "good")
    before = desk.db.read_bytes()
    for name in [m for m in sys.modules if m == "numpy" or m.startswith(("numpy.", "desktop.paper"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "numpy", None)  # what an import of a module left out meets
    assert desk.scan_in(good) == 2
    err = capsys.readouterr().err
    assert "numpy" in err and "无法运行" in err and "Traceback" not in err
    assert desk.db.read_bytes() == before
