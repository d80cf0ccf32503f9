"""The 复印件 page: the case's card images printed from the drafts file, each crossed by the
Order 25 Art. 9 annotation (operator, purpose, date); `render --documents copies`."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import date

from capture_images import IdFront, Licence, encoded, id_front_image, licence_image
from pypdf import PdfReader
from test_store_helpers import open_at

from desktop.cli import main
from desktop.render.copies import annotation
from desktop.store import images


def run(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_annotation_words():
    assert annotation("浙江省公众信息产业有限公司", date(2026, 12, 7)) == (
        "仅供浙江省公众信息产业有限公司办理400业务使用 2026年12月07日"
    )


def test_render_documents_copies_prints_each_image_annotated(tmp_path):
    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        case = store.create({"customer.name": Licence().name})
        images.keep(store.db, case.id, "licence", encoded(licence_image(dpi=60)), "2026-12-07T10:00:00+08:00")
        images.keep(
            store.db, case.id, "id_front", encoded(id_front_image(IdFront())), "2026-12-07T10:00:00+08:00"
        )
    path = tmp_path / "case.json"
    assert run("export", "--db", db, "--id", case.id, "-o", path)[0] == 0
    pdf = tmp_path / "copies.pdf"
    code, said, err = run("render", "--db", db, path, "-o", pdf, "--documents", "copies")
    assert code == 0, err
    reader = PdfReader(pdf)
    assert len(reader.pages) == 2  # the licence, then the ID card: no bundle pages before them
    words = annotation("浙江省公众信息产业有限公司", date.today())
    for page in reader.pages:
        assert len(page.images) == 1
        assert words.replace(" ", "") in page.extract_text().replace(" ", "").replace("\n", "")


def test_copies_without_images_or_unknown_documents_are_refused(tmp_path):
    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        case = store.create({"customer.name": "没有图片的公司"})
    path = tmp_path / "case.json"
    assert run("export", "--db", db, "--id", case.id, "-o", path)[0] == 0
    code, _out, err = run("render", "--db", db, path, "-o", tmp_path / "x.pdf", "--documents", "copies")
    assert code == 2 and "没有证件图片" in err
    code, _out, err = run("render", "--db", db, path, "-o", tmp_path / "x.pdf", "--documents", "nonsense")
    assert code == 2 and "nonsense" in err
    assert json.loads(path.read_text(encoding="utf-8"))["id"] == case.id


def test_the_whole_bundle_ends_with_the_copies_and_the_log_names_them_only_when_printed(tmp_path):
    from desktop.domain.forms import default_bundle
    from desktop.render import printed_documents

    bundle = default_bundle()
    with_copies = printed_documents(bundle, None, materials=False, copies=True)
    assert with_copies[-1] == "copies"
    assert "copies" not in printed_documents(bundle, None, materials=False, copies=False)
    assert printed_documents(bundle, ["copies"], materials=False, copies=False) == ()

    db = tmp_path / "drafts.sqlite"
    with open_at(db) as store:
        case = store.create({"customer.name": Licence().name})
        images.keep(store.db, case.id, "licence", encoded(licence_image(dpi=60)), "2026-12-07T10:00:00+08:00")
    pdf = tmp_path / "all.pdf"
    code, _said, err = run("render", "--db", db, "--id", case.id, "-o", pdf)
    assert code == 0, err
    pages = PdfReader(pdf).pages
    assert len(pages[-1].images) == 1 and "复印件" in pages[-1].extract_text()
    assert all(not page.images for page in pages[:-1])
