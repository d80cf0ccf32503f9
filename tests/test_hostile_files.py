"""Hostile and mistaken files at the command line (issue 12): one Chinese line and exit 2, never a
traceback, never a hang, never a write through a link or over a device, nothing imported.

The commands run in-process (desktop.cli.main) except where a hang is the bug: those run in a
subprocess with a timeout.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.cli import INTERNAL_ERROR, main
from desktop.files import casefile, safefile

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "example-case.json"
EXAMPLE_ID = "5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11"


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([os.fspath(a) if isinstance(a, Path) else str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def refused(result: tuple[int, str, str], *needles: str) -> str:
    """Exit 2 with one Chinese line on stderr (holding every needle) and nothing on stdout."""
    code, out, err = result
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and INTERNAL_ERROR not in err, err
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def example_doc() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def write_doc(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def with_fields(tmp_path: Path, name: str = "case.json", **fields: object) -> Path:
    doc = example_doc()
    doc["fields"].update(fields)
    return write_doc(tmp_path / name, doc)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def drafts(tmp_path, capsys) -> Path:
    """A drafts file holding the example case."""
    db = tmp_path / "drafts.sqlite"
    assert run(capsys, "import", "--db", db, EXAMPLE)[0] == 0
    return db


# -- 6: tracebacks became one Chinese line ------------------------------------------------------


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_refused(tmp_path, capsys, depth):
    path = tmp_path / "deep.json"
    path.write_text('{"fields": {"notes": ' + "[" * depth + "]" * depth + "}}", encoding="utf-8")
    refused(run(capsys, "check", path), "deep.json", "嵌套")


def test_a_5000_digit_number_is_refused(tmp_path, capsys):
    path = tmp_path / "big.json"
    text = json.dumps(example_doc()).replace(
        '"agreement.term_years": 2', '"agreement.term_years": ' + "9" * 5000
    )
    path.write_text(text, encoding="utf-8")
    refused(run(capsys, "check", path), "big.json", "太长")


def test_a_lone_surrogate_is_refused_naming_the_key(tmp_path, capsys, drafts):
    path = tmp_path / "sur.json"
    text = json.dumps(example_doc(), ensure_ascii=True).replace("\\u674e\\u654f", "\\ud800")  # 李敏
    assert "\\ud800" in text
    path.write_text(text, encoding="utf-8")
    before = digest(drafts)
    for command in (["check"], ["import", "--db", drafts]):
        refused(run(capsys, *command, path), "contact.name")
    refused(run(capsys, "render", path, "-o", tmp_path / "x.pdf"), "contact.name")
    assert not (tmp_path / "x.pdf").exists()
    assert digest(drafts) == before


def test_export_to_a_300_character_name_is_refused(tmp_path, capsys, drafts):
    refused(
        run(capsys, "export", "--db", drafts, "--id", EXAMPLE_ID, "-o", tmp_path / ("n" * 300)), "文件名太长"
    )


@pytest.fixture
def locked(drafts, monkeypatch):
    """Another process holds the drafts file's write lock (the store waits 0.2 s, not 5 s)."""
    import desktop.store

    monkeypatch.setattr(desktop.store, "BUSY_TIMEOUT_MS", 200, raising=False)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from desktop.store import keys\nfrom desktop.store.connection import connect\n"
         "c = connect(Path(sys.argv[1]), key=keys.unlock(Path(sys.argv[1]))); c.isolation_level = None\n"
         "c.execute('BEGIN IMMEDIATE')\n"
         "print('locked', flush=True); time.sleep(60)", str(drafts)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield drafts
    finally:
        holder.kill()
        holder.wait()


def test_import_while_another_process_writes_is_one_line(tmp_path, capsys, locked):
    newer = example_doc()
    newer["updated"] = "2027-01-01T00:00:00+08:00"
    newer["fields"]["notes"] = "改过"
    path = write_doc(tmp_path / "newer.json", newer)
    err = refused(run(capsys, "import", "--db", locked, path), "占用")
    assert "database" not in err and "locked" not in err


def test_full_disk_on_import_is_one_line(tmp_path, capsys, drafts, monkeypatch):
    from desktop.store import Store

    def full(self, cases, **options):
        exc = sqlite3.OperationalError("database or disk is full")
        exc.sqlite_errorcode = 13
        raise exc

    monkeypatch.setattr(Store, "import_cases", full)
    err = refused(run(capsys, "import", "--db", drafts, EXAMPLE), "磁盘已满")
    assert "database" not in err


def test_full_disk_on_export_is_one_line_and_leaves_nothing(tmp_path, capsys, drafts, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safefile.os, "write", full)
    out = tmp_path / "out"
    out.mkdir()
    err = refused(
        run(capsys, "export", "--db", drafts, "--id", EXAMPLE_ID, "-o", out / "x.json"), "磁盘空间不足"
    )
    assert "No space" not in err
    assert list(out.iterdir()) == []


# -- 7: render cuts a value past its limit (tests/test_render.py times it) --------------------


def test_render_of_a_30000_character_name_is_quick_and_marked(tmp_path, capsys):
    path = with_fields(tmp_path, **{"customer.name": "名" * 30_000})
    start = time.perf_counter()
    code, out, err = run(capsys, "render", path, "-o", tmp_path / "out.pdf")
    assert code == 0 and time.perf_counter() - start < 5
    assert "草稿" in out and (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")


# -- 8: input that is not a regular file -------------------------------------------------------


def test_a_fifo_as_the_case_file_exits_2_at_once(tmp_path):
    fifo = tmp_path / "case.json"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "check", str(fifo)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "管道" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("path", ["/dev/null", "/dev/zero"])
def test_a_device_as_the_case_file_is_refused(capsys, path):
    refused(run(capsys, "check", path), "设备")


def test_a_folder_as_the_case_file_is_refused(tmp_path, capsys):
    refused(run(capsys, "check", tmp_path), "文件夹")


# -- 9: output never through a link, never over a device ---------------------------------------


def test_render_never_writes_through_a_planted_temporary_link(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    out = tmp_path / "dir"
    out.mkdir()
    (out / ".out.pdf.part").symlink_to(victim)
    assert run(capsys, "render", EXAMPLE, "-o", out / "out.pdf")[0] == 0
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert (out / "out.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("kind", ["link", "folder", "fifo", "dangling"])
def test_render_refuses_a_link_folder_or_fifo_as_output(tmp_path, capsys, kind):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    target = tmp_path / "out.pdf"
    if kind == "link":
        target.symlink_to(victim)
    elif kind == "dangling":
        target.symlink_to(tmp_path / "nowhere.pdf")
    elif kind == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)
    before = sorted(p.name for p in tmp_path.iterdir())
    refused(run(capsys, "render", EXAMPLE, "-o", target), "out.pdf")
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path / "nowhere.pdf").exists()


def test_render_never_replaces_a_device_node(tmp_path, capsys):
    node = tmp_path / "full"
    try:
        os.mknod(node, stat.S_IFCHR | 0o600, os.makedev(1, 7))  # like /dev/full
    except (PermissionError, AttributeError):
        pytest.skip("creating a device node needs root")
    refused(run(capsys, "render", EXAMPLE, "-o", node), "设备")
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_a_regular_output_is_replaced_whole(tmp_path, capsys):
    out = tmp_path / "out.pdf"
    out.write_bytes(b"old")
    code, stdout, _ = run(capsys, "render", EXAMPLE, "-o", out)
    assert code == 0 and out.read_bytes().startswith(b"%PDF")
    assert stdout.strip().startswith("已写入 ") and "页" in stdout and stdout.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]


def test_export_refuses_a_link_as_output(tmp_path, capsys, drafts):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (tmp_path / "x.json").symlink_to(victim)
    refused(run(capsys, "export", "--db", drafts, "--id", EXAMPLE_ID, "-o", tmp_path / "x.json"), "链接")
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_export_all_refuses_a_planted_link_in_the_folder(tmp_path, capsys, drafts):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / f"{EXAMPLE_ID}.json").symlink_to(victim)
    refused(run(capsys, "export", "--db", drafts, "--all", "-o", folder), "链接")
    assert victim.read_text(encoding="utf-8") == "keep me"


# -- 10 and 11: values the drafts cannot keep, values of the wrong type, huge files ------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("customer.name", "杭州\x00科技"),
        ("notes", "第一行\t第二行"),
        ("customer.address", "文三路\n478 号"),
        ("notes", "\x1b[31m红"),
    ],
)
def test_import_refuses_control_characters_naming_the_key(tmp_path, capsys, drafts, key, value):
    before = digest(drafts)
    refused(run(capsys, "import", "--db", drafts, with_fields(tmp_path, **{key: value})), key, "控制字符")
    assert digest(drafts) == before


def test_import_keeps_line_breaks_in_a_multi_line_field(tmp_path, capsys, drafts):
    doc = example_doc()
    doc["updated"] = "2027-01-01T00:00:00+08:00"
    doc["fields"]["notes"] = "第一行\n第二行\r\n第三行"
    assert run(capsys, "import", "--db", drafts, write_doc(tmp_path / "n.json", doc))[0] == 0


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("customer.name", 12345),
        ("customer.name", 1.5),
        ("customer.name", ["杭州"]),
        ("customer.name", True),
        ("business.categories", "open"),
        ("number.destinations", [13825265634]),
        ("agreement.term_years", 2.0),
        ("agreement.term_years", "两年"),
        ("agreement.term_years", ["2"]),
    ],
)
def test_values_of_the_wrong_type_are_refused_naming_the_key(tmp_path, capsys, drafts, key, value):
    path = with_fields(tmp_path, **{key: value})
    before = digest(drafts)
    refused(run(capsys, "check", path), key)
    refused(run(capsys, "render", path, "-o", tmp_path / "x.pdf"), key)
    refused(run(capsys, "import", "--db", drafts, path), key)
    assert digest(drafts) == before and not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("term", [2, "2", "１０", ""])
def test_term_years_may_be_a_number_or_a_string_of_digits(tmp_path, capsys, term):
    assert run(capsys, "check", with_fields(tmp_path, **{"agreement.term_years": term}))[0] in (0, 1)


def test_a_huge_case_file_is_refused_without_reading_it(tmp_path, capsys, drafts):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB that cost nothing to make
    start = time.perf_counter()
    refused(run(capsys, "import", "--db", drafts, path), "太大")
    assert time.perf_counter() - start < 2


def test_a_file_just_over_1_mb_is_refused_and_one_under_is_read(tmp_path, capsys):
    doc = example_doc()
    doc["fields"]["notes"] = "x" * (1024 * 1024)
    refused(run(capsys, "check", write_doc(tmp_path / "big.json", doc)), "太大")
    doc["fields"]["notes"] = "x" * (1024 * 1024 - 3000)
    assert run(capsys, "check", write_doc(tmp_path / "ok.json", doc))[0] == 1  # too long a note


def test_nesting_deeper_than_the_format_is_refused(tmp_path, capsys):
    refused(run(capsys, "check", with_fields(tmp_path, **{"business.categories": [["open"]]})), "嵌套")


def test_duplicate_keys_are_refused(tmp_path, capsys):
    path = tmp_path / "dup.json"
    text = json.dumps(example_doc(), ensure_ascii=False)
    path.write_text(text.replace('"notes":', '"customer.name": "另一家公司", "notes":'), encoding="utf-8")
    refused(run(capsys, "check", path), "customer.name", "两次")


# -- 12: one case, one id ----------------------------------------------------------------------

SPELLINGS = [
    EXAMPLE_ID.upper(),
    f"urn:uuid:{EXAMPLE_ID}",
    "{" + EXAMPLE_ID + "}",
    EXAMPLE_ID.replace("-", ""),
    EXAMPLE_ID.replace("5", "５"),
    f" {EXAMPLE_ID} ",
    EXAMPLE_ID.replace("-", " - ", 1),
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_other_spellings_of_an_id_are_refused_showing_the_canonical_one(tmp_path, capsys, drafts, spelling):
    doc = example_doc()
    doc["id"] = spelling
    path = write_doc(tmp_path / "id.json", doc)
    before = digest(drafts)
    refused(run(capsys, "check", path), f"应写作 {EXAMPLE_ID}")
    refused(run(capsys, "import", "--db", drafts, path), f"应写作 {EXAMPLE_ID}")
    assert digest(drafts) == before


def test_an_id_that_is_no_uuid_is_refused(tmp_path, capsys):
    doc = example_doc()
    doc["id"] = "../../etc/passwd\nx"
    err = refused(run(capsys, "check", write_doc(tmp_path / "id.json", doc)), "UUID")
    assert "\n" not in err.strip()


def test_export_all_names_files_by_canonical_ids_only(tmp_path, capsys):
    """Cases stored under other spellings (from before ids were checked) export under canonical
    names; an id that is no UUID at all is skipped with a line, never written as a name."""
    from desktop.domain.forms import default_bundle
    from desktop.store import Store

    bundle = default_bundle()
    db = tmp_path / "drafts.sqlite"
    upper = "7D0C1F9E-0000-4000-8000-00000000000A"
    odd = [f"urn:uuid:{EXAMPLE_ID}", upper, "bad\nname"]
    with Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition) as store:
        store.import_cases(
            [
                (i, casefile.CaseFile(id=i, bundle="400", updated="2026-11-28T10:15:00+08:00", fields={}))
                for i in odd
            ]
        )
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "export", "--db", db, "--all", "-o", out)
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{EXAMPLE_ID}.json", f"{upper.lower()}.json"])
    assert all(casefile.is_canonical_id(casefile.read(p).id) for p in out.iterdir())
    assert "跳过" in err and len(stdout.strip().splitlines()) == 1


def test_export_of_a_non_canonical_id_names_the_canonical_one(tmp_path, capsys, drafts):
    refused(
        run(capsys, "export", "--db", drafts, "--id", EXAMPLE_ID.upper(), "-o", tmp_path / "x.json"),
        EXAMPLE_ID,
    )


# -- the command line speaks Chinese ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], None),
        (["check"], "缺少必需的参数"),
        (["frobnicate"], "不能是"),
        (["check", "--bogus", "x.json"], "不认识的参数"),
        (["render", "x.json"], "缺少必需的参数"),
        (["render", "x.json", "-o"], "后面要跟一个值"),
        (["export", "--id", "a", "--all", "-o", "x"], "不能和"),
        (["export", "-o", "x"], "其中之一"),
    ],
)
def test_usage_errors_are_one_chinese_line(capsys, args, needle):
    if not args:
        args = ["--db"]
        needle = "后面要跟一个值"
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err, err
    for english in ("usage", "error:", "required", "unrecognized", "invalid choice", "expected"):
        assert english not in err, err


def test_help_is_chinese(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and out.startswith("用法：") and "显示本帮助并退出" in out
    assert "show this help" not in out and "options" not in out


def test_each_successful_command_says_what_it_did(tmp_path, capsys):
    db = tmp_path / "d.sqlite"
    code, out, _ = run(capsys, "import", "--db", db, EXAMPLE)
    assert code == 0 and out.startswith("已导入 1 个文件") and out.count("\n") == 1
    code, out, _ = run(capsys, "export", "--db", db, "--id", EXAMPLE_ID, "-o", tmp_path / "one.json")
    assert code == 0 and out.startswith("已导出 1 个案卷") and "one.json" in out and out.count("\n") == 1
    code, out, _ = run(capsys, "render", EXAMPLE, "-o", tmp_path / "out.pdf")
    # 8 pages: the signature and stamp boxes (at least 50 × 15 and 45 × 45 mm) and the QR band
    # above the body (paper-trail.md) push the requirement form and the agreement one page on.
    assert code == 0 and out == f"已写入 8 页（正式）：{tmp_path / 'out.pdf'}\n"
