"""The command line's output and exit statuses, as docs/case-file.md fixes them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "example-case.json"


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)  # fmt: skip


def case_with(tmp_path: Path, name: str = "case.json", **fields) -> Path:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["fields"].update(fields)
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_clean_case_exits_0_silently():
    result = run("check", EXAMPLE)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_errors_exit_1_one_line_each(tmp_path):
    path = case_with(tmp_path, **{"handler.id_number": "610113198402242116", "customer.postcode": "100020"})
    result = run("check", path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("customer.postcode: warning: 邮政编码：")
    assert lines[1].startswith("handler.id_number: error: 经办人身份证：") and "5" in lines[1]
    assert len(lines) == 2


def test_warnings_alone_exit_0(tmp_path):
    result = run("check", case_with(tmp_path, **{"customer.postcode": "100020"}))
    assert result.returncode == 0 and ": warning: " in result.stdout


def test_several_files_are_prefixed_and_json_lists_all(tmp_path):
    good = case_with(tmp_path, "good.json")
    bad = case_with(tmp_path, "bad.json", **{"number.n400": "8001234567"})
    text = run("check", good, bad)
    assert text.returncode == 1
    assert text.stdout.splitlines() == [
        line for line in text.stdout.splitlines() if line.startswith(f"{bad}: ")
    ]
    rows = json.loads(run("check", "--json", good, bad).stdout)
    assert rows and {r["file"] for r in rows} == {str(bad)}
    assert set(rows[0]) == {"file", "key", "severity", "message"}


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "文件不存在"),
        ("{not json", "不是有效的 JSON"),
        ('{"format": "x", "version": 1}', "格式应为"),
        ("UNKNOWN_FIELD", "不认识的字段 customer.nickname"),
        ("FUTURE", "请升级"),
        ("OTHER_BUNDLE", "资料包"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(tmp_path, content, needle):
    path = tmp_path / "in.json"
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    if content == "UNKNOWN_FIELD":
        doc["fields"]["customer.nickname"] = "x"
        content = json.dumps(doc)
    elif content == "FUTURE":
        doc["version"] = 9
        content = json.dumps(doc)
    elif content == "OTHER_BUNDLE":
        doc["bundle"] = "800"
        content = json.dumps(doc)
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run("check", path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and needle in result.stderr
    assert "Traceback" not in result.stderr


def test_one_bad_file_in_a_batch_exits_2(tmp_path):
    result = run("check", EXAMPLE, tmp_path / "missing.json")
    assert result.returncode == 2 and "missing.json" in result.stderr


def test_usage_errors_exit_2():
    assert run("check").returncode == 2
    assert run("render", EXAMPLE).returncode == 2


def test_fields_plain_lists_every_field():
    result = run("fields")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].split("\t")[:3] == ["customer.name", "公司名称", "text"]


def test_import_export_round_trip_and_conflict(tmp_path):
    db = tmp_path / "drafts.sqlite"
    assert run("import", "--db", db, EXAMPLE).returncode == 0
    out = tmp_path / "out"
    result = run("export", "--db", db, "--all", "-o", out)
    assert result.returncode == 0
    exported = json.loads((out / "5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11.json").read_text(encoding="utf-8"))
    assert exported["fields"] == json.loads(EXAMPLE.read_text(encoding="utf-8"))["fields"]
    one = tmp_path / "one.json"
    assert run("export", "--db", db, "--id", exported["id"], "-o", one).returncode == 0
    # An older version-1 file with other content is a conflict: exit 1, nothing changed. (A
    # version-2 file naming a base this drafts file still holds merges instead: tests/test_transfer.py.)
    older = dict(exported, updated="2020-01-01T00:00:00+08:00", version=1)
    older.pop("base", None)
    older["fields"] = dict(exported["fields"], **{"customer.name": "旧名称有限公司"})
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(older, ensure_ascii=False), encoding="utf-8")
    result = run("import", "--db", db, stale)
    assert result.returncode == 1 and "没有导入任何文件" in result.stderr
    again = tmp_path / "again.json"
    assert run("export", "--db", db, "--id", exported["id"], "-o", again).returncode == 0
    assert (
        json.loads(again.read_text(encoding="utf-8"))["fields"]["customer.name"] == "杭州云栖数智科技有限公司"
    )


def test_import_batch_with_a_bad_file_exits_2_and_imports_nothing(tmp_path):
    db = tmp_path / "drafts.sqlite"
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = run("import", "--db", db, EXAMPLE, bad)
    assert result.returncode == 2 and "bad.json" in result.stderr and "Traceback" not in result.stderr
    assert run("export", "--db", db, "--id", "5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11", "-o",
               tmp_path / "x.json").returncode == 2  # fmt: skip


def test_export_needs_id_or_all(tmp_path):
    assert run("export", "--db", tmp_path / "d.sqlite", "-o", tmp_path / "x").returncode == 2


def test_render_writes_a_pdf_and_final_refuses_errors(tmp_path):
    out = tmp_path / "out.pdf"
    assert run("render", EXAMPLE, "-o", out, "--final").returncode == 0
    assert out.read_bytes().startswith(b"%PDF")
    bad = case_with(tmp_path, **{"handler.id_number": "610113198402242116"})
    refused = run("render", bad, "-o", tmp_path / "no.pdf", "--final")
    assert refused.returncode == 1 and "handler.id_number: error:" in refused.stderr
    assert not (tmp_path / "no.pdf").exists()
    assert run("render", bad, "-o", tmp_path / "draft.pdf").returncode == 0


def test_render_to_an_unwritable_place_exits_2(tmp_path):
    result = run("render", EXAMPLE, "-o", tmp_path / "no" / "such" / "dir" / "x.pdf")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_a_nested_commands_usage_error_says_its_name_once():
    """Issue 21: 「用法：用法：desk400 server init：参数有误…」."""
    result = run("server", "init")
    assert result.returncode == 2 and "用法：" not in result.stderr, result.stderr
    assert result.stderr.startswith("desk400 server init：参数有误：缺少必需的参数：--url")
    assert "用 desk400 server init --help 查看用法" in result.stderr
    shown = run("server", "add-desk", "--help")
    assert shown.returncode == 0 and shown.stdout.startswith("用法：desk400 server add-desk ")
