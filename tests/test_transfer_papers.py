"""Card images and signed scans travel with their case only sealed (issue 24, paper-trail.md):
the sealed plaintext is the archive of desktop.files.case_papers, checked whole before anything is
taken in; a plain export leaves them behind and says so. Run under the Windows-semantics layer too
(tests/winsim, .ci/run)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pyrage
import pytest
from PIL import Image
from test_store_helpers import EXAMPLE, open_at

from desktop.cli import main
from desktop.files import case_papers, casefile, sealing
from desktop.store import images
from desktop.store.scans import ScanRow

ADDED = "2026-12-07T10:00:00+08:00"


def run(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def picture(fmt: str, colour: tuple[int, int, int], size: tuple[int, int] = (120, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def hall(tmp_path):
    identity = pyrage.x25519.Identity.generate()
    path = tmp_path / "hall-identity.txt"
    path.write_text(f"{identity}\n", encoding="utf-8")
    return identity, path


def desk_with_papers(db: Path, recipient: str | None) -> str:
    """A drafts file with one case keeping a licence, an ID front and two scanned pages."""
    with open_at(db) as store:
        case = store.create(EXAMPLE)
        images.keep(store.db, case.id, "licence", picture("PNG", (200, 30, 30)), ADDED)
        images.keep(store.db, case.id, "id_front", picture("JPEG", (30, 200, 30)), ADDED)
        store.add_scans(
            [
                ScanRow(case.id, "scan.pdf 第 1 页", "authorization", 1, 2, "b1c401c405", picture("JPEG", (9, 9, 9))),
                ScanRow(
                    case.id, "scan.pdf 第 2 页", "requirement", 2, 2, "b1c401c405", picture("JPEG", (99, 9, 9)),
                    missing=("第 2 页 业务需求单 申请单位（盖公章）：未见盖章",),
                    boxes=({"label": "盖章", "kind": "stamp", "inked": False, "share": 0.0, "corners": [[1.0, 2.0]]},),
                ),
            ]
        )  # fmt: skip
        if recipient is not None:
            store.set_setting("hall.age_recipient", recipient)
        return case.id


def test_a_sealed_export_carries_the_papers_and_import_takes_them_in_once(tmp_path, hall):
    identity, identity_file = hall
    desk = tmp_path / "desk.sqlite"
    case_id = desk_with_papers(desk, str(identity.to_public()))
    out = tmp_path / "usb"
    out.mkdir()
    code, said, err = run("export", "--db", desk, "--id", case_id, "-o", out)
    assert code == 0, err
    sealed = out / f"{case_id}.json.age"
    with open_at(desk) as store:
        kept = [i.data for i in images.of_case(store.db, case_id)] + [r.image for r in store.scans(case_id)]
    on_disk = b"".join(p.read_bytes() for p in out.iterdir())
    assert not any(data[-64:] in on_disk for data in kept)  # nothing in clear beside the sealed file
    plain = pyrage.decrypt(sealed.read_bytes(), [identity])
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        names = sorted(archive.namelist())
        case_json = archive.read("case.json")
        manifest = json.loads(archive.read("manifest.json"))
    assert names == [
        "case.json",
        "images/id_front.jpg",
        "images/licence.png",
        "manifest.json",
        "scans/001.jpg",
        "scans/002.jpg",
    ]
    # The case file inside is the contract's, exactly as a plain export writes it.
    parsed = casefile.parse(case_json.decode("utf-8"), known_keys=frozenset(EXAMPLE))
    assert parsed.to_json().encode("utf-8") == case_json and parsed.fields == EXAMPLE
    assert [(e["kind"], e.get("side"), e.get("page")) for e in manifest["entries"]] == [
        ("image", "licence", None), ("image", "id_front", None), ("scan", None, 1), ("scan", None, 2),
    ]  # fmt: skip

    hall_db = tmp_path / "hall.sqlite"
    code, said, err = run(
        "import",
        "--db",
        hall_db,
        sealed,
        sealed.with_name(sealed.name + ".info"),
        "--identity",
        identity_file,
    )
    assert code == 0, err
    assert "证件图片 2 张、签字扫描件 2 页" in said
    with open_at(desk) as source, open_at(hall_db) as target:
        assert [(i.kind, i.data, i.added) for i in images.of_case(target.db, case_id)] == [
            (i.kind, i.data, i.added) for i in images.of_case(source.db, case_id)
        ]
        theirs, ours = target.scans(case_id), source.scans(case_id)
        assert [(s.doc, s.page, s.image, s.missing, s.boxes, s.at) for s in theirs] == [
            (s.doc, s.page, s.image, s.missing, s.boxes, s.at) for s in ours
        ]
    # The same file again: deduplicated by digest, nothing taken twice.
    code, said, err = run("import", "--db", hall_db, sealed, "--identity", identity_file)
    assert code == 0, err
    assert "证件图片" not in said
    with open_at(hall_db) as target:
        assert len(images.of_case(target.db, case_id)) == 2 and len(target.scans(case_id)) == 2


def test_an_image_captured_later_here_is_kept_over_an_older_travelling_one(tmp_path, hall):
    identity, identity_file = hall
    desk = tmp_path / "desk.sqlite"
    case_id = desk_with_papers(desk, str(identity.to_public()))
    out = tmp_path / "out.json.age"
    assert run("export", "--db", desk, "--id", case_id, "-o", out)[0] == 0
    hall_db = tmp_path / "hall.sqlite"
    assert run("import", "--db", hall_db, out, "--identity", identity_file)[0] == 0
    recaptured = picture("PNG", (1, 2, 3))
    with open_at(hall_db) as target:
        images.keep(target.db, case_id, "licence", recaptured, "2026-12-08T09:00:00+08:00")
    assert run("import", "--db", hall_db, out, "--identity", identity_file)[0] == 0
    with open_at(hall_db) as target:
        kept = {i.kind: i.data for i in images.of_case(target.db, case_id)}
    assert kept["licence"] == recaptured


def test_a_case_without_papers_is_sealed_as_the_case_file_alone_and_old_files_still_import(tmp_path, hall):
    identity, identity_file = hall
    desk = tmp_path / "desk.sqlite"
    with open_at(desk) as store:
        case = store.create(EXAMPLE)
        store.set_setting("hall.age_recipient", str(identity.to_public()))
    out = tmp_path / "case.json.age"
    assert run("export", "--db", desk, "--id", case.id, "-o", out)[0] == 0
    assert pyrage.decrypt(out.read_bytes(), [identity]).startswith(b"{")
    code, said, err = run("import", "--db", tmp_path / "hall.sqlite", out, "--identity", identity_file)
    assert code == 0, err
    assert "证件图片" not in said


def test_a_plain_export_leaves_the_papers_behind_and_says_so_in_one_line(tmp_path):
    desk = tmp_path / "desk.sqlite"
    case_id = desk_with_papers(desk, None)
    out = tmp_path / "case.json"
    code, _said, err = run("export", "--db", desk, "--id", case_id, "-o", out)
    assert code == 0
    assert err.count("\n") == 1 and "未带上案卷的2 张证件图片、2 页签字扫描件" in err and "age 公钥" in err
    assert set(json.loads(out.read_text(encoding="utf-8"))) == {
        "format",
        "version",
        "id",
        "bundle",
        "updated",
        "fields",
        "number",
        "status",
    }
    folder = tmp_path / "all"
    code, _said, err = run("export", "--db", desk, "--all", "-o", folder)
    assert code == 0 and err.count("\n") == 1 and "1 个案卷的证件图片或签字扫描件未随案卷导出" in err


def test_a_chip_readers_bmp_photo_travels_and_bytes_no_image_reader_takes_stay_behind_said(tmp_path, hall):
    identity, identity_file = hall
    desk = tmp_path / "desk.sqlite"
    case_id = desk_with_papers(desk, str(identity.to_public()))
    with open_at(desk) as store:
        images.keep(store.db, case_id, "id_photo", picture("BMP", (7, 7, 7), (102, 126)), ADDED)
        images.keep(store.db, case_id, "id_back", b"not a picture at all", ADDED)
    out = tmp_path / "case.json.age"
    code, _said, err = run("export", "--db", desk, "--id", case_id, "-o", out)
    assert code == 0 and err.count("\n") == 1 and "未带上 1 张格式无法识别的证件图片" in err
    hall_db = tmp_path / "hall.sqlite"
    code, said, err = run("import", "--db", hall_db, out, "--identity", identity_file)
    assert code == 0, err
    assert "证件图片 3 张" in said
    with open_at(hall_db) as target:
        assert [i.kind for i in images.of_case(target.db, case_id)] == ["licence", "id_front", "id_photo"]


# -- hostile archives: each refused whole, exit 2, one Chinese line, nothing taken in ------------


def rebuilt(valid: bytes, change) -> bytes:
    """The archive `valid` with its entries (name -> bytes, manifest parsed) changed by `change`."""
    with zipfile.ZipFile(io.BytesIO(valid)) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    manifest = json.loads(entries.pop("manifest.json"))
    extra = change(entries, manifest["entries"]) or []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, body, kind in extra:
            archive.writestr(name, body, compress_type=kind)
    return buffer.getvalue()


def rename(old: str, new: str):
    def change(entries, listed):
        entries[new] = entries.pop(old)
        next(e for e in listed if e["name"] == old)["name"] = new

    return change


def replace_body(name: str, body: bytes, *, fix_digest: bool = True):
    def change(entries, listed):
        entries[name] = body
        if fix_digest:
            entry = next(e for e in listed if e["name"] == name)
            entry.update(sha256=hashlib.sha256(body).hexdigest(), size=len(body))

    return change


def bomb(entries, listed):
    del entries["images/licence.png"]
    listed[:] = [e for e in listed if e["name"] != "images/licence.png"]
    return [("images/licence.png", b"\0" * (40 * 1024 * 1024), zipfile.ZIP_DEFLATED)]


def crowd(entries, listed):
    return [(f"scans/{n}.jpg", b"x", zipfile.ZIP_STORED) for n in range(100, 100 + case_papers.MAX_ENTRIES)]


def unlisted(entries, listed):
    return [("scans/999.jpg", picture("JPEG", (5, 5, 5)), zipfile.ZIP_STORED)]


HOSTILE = {
    "traversal": (rename("images/licence.png", "../../licence.png"), "不允许的文件名"),
    "backslash": (rename("scans/001.jpg", "scans\\..\\001.jpg"), "不允许的文件名"),
    "bomb": (bomb, "压缩"),
    "too many entries": (crowd, "超过上限"),
    "not an image": (
        replace_body("images/id_front.jpg", b"MZ\x90\x00 not a picture" * 100),
        "不是可以读取的图片",
    ),
    "a PNG posing as a scan": (replace_body("scans/002.jpg", picture("PNG", (1, 1, 1))), "不是 JPEG 图片"),
    "an image under another format's name": (
        replace_body("images/id_front.jpg", picture("PNG", (3, 3, 3))),
        "与文件名不符",
    ),
    "pixel bomb": (replace_body("scans/001.jpg", picture("JPEG", (0, 0, 0), (9000, 5000))), "像素"),
    "digest mismatch": (
        replace_body("images/licence.png", picture("PNG", (0, 0, 1)), fix_digest=False),
        "校验码",
    ),
    "entry not listed": (unlisted, "清单之外"),
    "bad case file": (
        replace_body("case.json", b'{"format": "400-bundle-case", "evil": 1}', fix_digest=False),
        "",
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_archive_is_refused_whole_and_nothing_is_taken_in(tmp_path, hall, kind):
    identity, identity_file = hall
    desk = tmp_path / "desk.sqlite"
    case_id = desk_with_papers(desk, str(identity.to_public()))
    good = tmp_path / "good.json.age"
    assert run("export", "--db", desk, "--id", case_id, "-o", good)[0] == 0
    change, words = HOSTILE[kind]
    valid = pyrage.decrypt(good.read_bytes(), [identity])
    bad = tmp_path / "bad.json.age"
    bad.write_bytes(sealing.seal(rebuilt(valid, change), [identity.to_public()]))
    hall_db = tmp_path / "hall.sqlite"
    code, said, err = run("import", "--db", hall_db, good, bad, "--identity", identity_file)
    assert code == 2 and said == "" and err.count("\n") == 1, err
    assert "bad.json.age" in err and words in err and "Traceback" not in err
    with open_at(hall_db) as target:
        assert target.ids() == [] and images.count(target.db, case_id) == 0 and target.scans(case_id) == []


def test_an_archive_no_import_would_take_is_never_written():
    page = case_papers.ScanPage(
        "authorization", 1, 1, "b1c401c405", "scan.pdf", ADDED, picture("JPEG", (1, 1, 1))
    )
    with pytest.raises(case_papers.PapersError, match="超过一个加密案卷能带的"):
        case_papers.pack(b"{}", [], [page] * case_papers.MAX_ENTRIES)
    packed = case_papers.pack(b"{}", [], [page] * (case_papers.MAX_ENTRIES - 6))
    assert len(case_papers.unpack(packed, "x", sides=images.KINDS).scans) == case_papers.MAX_ENTRIES - 6
