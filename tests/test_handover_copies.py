"""The handover package holds the 复印件 pages (issue 25, paper-trail.md "Handover package"): a case
whose card images were kept before it was printed is printed with its copies, signed, scanned back
(the copy pages matched to their document like any other), and handed over as its signed scans,
then the annotated copies, then the manifest that names them."""

from __future__ import annotations

from datetime import date

import pytest
from capture_images import IdFront, encoded, id_front_image, licence_image
from pypdf import PdfReader

from desktop.cli import main
from desktop.domain.status import HANDED_OVER, SIGNED
from desktop.render.copies import annotation
from desktop.store import images
from tests.paper_scans import Desk, open_store

ADDED = "2026-12-07T10:00:00+08:00"


@pytest.fixture
def desk(db, bundle, tmp_path) -> Desk:
    return Desk(db, bundle, tmp_path)


def flat(text: str) -> str:
    return "".join(text.split())


def test_a_signed_case_with_a_licence_and_an_id_hands_over_scans_then_copies_then_manifest(
    desk, bundle, example_values, capsys
):
    case_id, number = desk.case(example_values)
    with open_store(desk.db, bundle) as store:
        images.keep(store.db, case_id, "licence", encoded(licence_image(dpi=60)), ADDED)
        images.keep(store.db, case_id, "id_front", encoded(id_front_image(IdFront()), "JPEG"), ADDED)
    pages = desk.signed(case_id, "print")  # the whole bundle, ending with its two 复印件 pages
    assert desk.scan_in(desk.scan(pages, "signed")) == 0, capsys.readouterr().err
    assert desk.status(case_id) == SIGNED
    out = desk.tmp / "package.pdf"
    assert main(["handover", "--db", str(desk.db), "--id", number, "-o", str(out)]) == 0
    assert f"已写入交付包 {len(pages) + 3} 页" in capsys.readouterr().out
    reader = PdfReader(out)
    texts = [flat(p.extract_text()) for p in reader.pages]
    assert len(texts) == len(pages) + 2 + 1
    words = flat(annotation("浙江省公众信息产业有限公司", date.today()))
    licence, id_card = texts[len(pages)], texts[len(pages) + 1]
    assert "复印件：营业执照" in licence and words in licence and len(reader.pages[len(pages)].images) == 1
    assert "复印件：居民身份证（人像面）" in id_card and words in id_card
    assert all("复印件：" not in t for t in texts[: len(pages)])  # the scans come first, as images
    manifest = texts[-1]
    assert "交付清单" in manifest and "其后为证件复印件2份" in manifest
    assert "复印件：营业执照" in manifest and "复印件：居民身份证（人像面）" in manifest
    assert desk.status(case_id) == HANDED_OVER


def test_without_images_the_manifest_says_none_were_kept(desk, example_values, capsys):
    case_id, number = desk.case(example_values)
    pages = desk.signed(case_id, "print")
    assert desk.scan_in(desk.scan(pages, "signed")) == 0
    out = desk.tmp / "package.pdf"
    assert main(["handover", "--db", str(desk.db), "--id", number, "-o", str(out)]) == 0
    texts = [flat(p.extract_text()) for p in PdfReader(out).pages]
    assert len(texts) == len(pages) + 1
    assert "本案卷未保存证件图片，无证件复印件" in texts[-1]
    assert all("复印件：" not in t for t in texts)
