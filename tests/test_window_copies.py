"""The window's whole-bundle print and 另存为 PDF end with the 复印件 pages when the case keeps card
images, as `render --db FILE --id ID` does, and the print log names `copies` only when they
printed (issue 24)."""

from __future__ import annotations

from capture_images import IdFront, encoded, id_front_image, licence_image
from pypdf import PdfReader
from test_status_print_log import pdf_printer

from desktop.store import images

ADDED = "2026-12-07T10:00:00+08:00"


def test_the_windows_pdf_and_print_end_with_the_copies_and_the_log_names_them(make_window, tmp_path):
    window = make_window()
    window.action_load_example.trigger()
    window.autosaver.flush()
    case_id = window.current_case_id()
    plain = PdfReader(window.export_pdf(tmp_path / "before.pdf"))
    assert all("复印件：" not in p.extract_text() for p in plain.pages)
    store = window.printing.store()
    assert store.prints(case_id)[0].documents[-1] == "materials"

    images.keep(store.db, case_id, "licence", encoded(licence_image(dpi=60)), ADDED)
    images.keep(store.db, case_id, "id_front", encoded(id_front_image(IdFront()), "JPEG"), ADDED)
    with_copies = PdfReader(window.export_pdf(tmp_path / "after.pdf"))
    texts = ["".join(p.extract_text().split()) for p in with_copies.pages]
    assert len(texts) == len(plain.pages) + 2
    assert "复印件：营业执照" in texts[-2] and "复印件：居民身份证（人像面）" in texts[-1]
    assert "仅供" in texts[-1] and len(with_copies.pages[-1].images) == 1
    assert all("复印件：" not in t for t in texts[:-2])
    row = store.prints(case_id)[0]
    assert row.documents[-2:] == ("materials", "copies") and row.pages == len(texts)

    pages = window.printing.print_to(pdf_printer(tmp_path / "printed.pdf"))
    assert pages == len(texts)
    row = store.prints(case_id)[0]
    assert row.documents[-1] == "copies" and row.pages == pages
    # One document printed alone takes no copies, and its log row names none.
    window.printing.print_to(pdf_printer(tmp_path / "one.pdf"), documents=["authorization"])
    assert store.prints(case_id)[0].documents == ("authorization",)
