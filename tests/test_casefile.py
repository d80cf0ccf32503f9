"""The case file is read and written exactly as case-format.md says."""

from __future__ import annotations

import json

import pytest

from desktop import casefile
from desktop.casefile import CaseFile, CaseFileError

GOOD = {
    "format": "400-bundle-case",
    "version": 1,
    "id": "5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11",
    "bundle": "400",
    "updated": "2026-11-28T10:15:00+08:00",
    "fields": {
        "customer.name": "杭州某某科技有限公司",
        "business.categories": ["open"],
        "agreement.term_years": 2,
    },
}


def text(**changes):
    doc = dict(GOOD)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return json.dumps(doc, ensure_ascii=False)


def test_round_trip_keeps_everything(tmp_path):
    case = casefile.parse(text())
    path = tmp_path / "c.json"
    casefile.write(case, path)
    again = casefile.read(path)
    assert again == case
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "400-bundle-case"


def test_missing_fields_key_means_empty_case():
    assert casefile.parse(text(fields=None)).fields == {}


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"extra": 1}, "不认识的键 extra"),
        ({"format": "other"}, "格式应为"),
        ({"version": 2}, "请升级"),
        ({"version": 0}, "无效"),
        ({"version": "1"}, "整数"),
        ({"id": "abc"}, "UUID"),
        ({"id": None}, "缺少案例编号"),
        ({"bundle": ""}, "bundle"),
        ({"updated": "yesterday"}, "ISO"),
        ({"updated": "2026-11-28T10:15:00"}, "时区"),
        ({"fields": []}, "fields"),
        ({"fields": {"a": {"b": 1}}}, "值类型不支持"),
        ({"fields": {"a": True}}, "值类型不支持"),
    ],
)
def test_bad_files_are_refused_with_a_message(changes, needle):
    with pytest.raises(CaseFileError, match=needle):
        casefile.parse(text(**changes), source="x.json")


def test_unknown_field_keys_are_named():
    with pytest.raises(CaseFileError, match="customer.nmae"):
        casefile.parse(text(fields={"customer.nmae": "x"}), known_keys=frozenset({"customer.name"}))


def test_not_json_and_not_an_object():
    with pytest.raises(CaseFileError, match="不是有效的 JSON"):
        casefile.parse("{", source="x.json")
    with pytest.raises(CaseFileError, match="JSON 对象"):
        casefile.parse("[]", source="x.json")


def test_read_names_missing_and_undecodable_files(tmp_path):
    with pytest.raises(CaseFileError, match="文件不存在"):
        casefile.read(tmp_path / "none.json")
    bad = tmp_path / "latin.json"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CaseFileError, match="UTF-8"):
        casefile.read(bad)


def test_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + text().encode("utf-8"))
    assert casefile.read(path).id == GOOD["id"]


def test_write_is_atomic_and_leaves_no_temp(tmp_path):
    case = CaseFile(id=casefile.new_id(), bundle="400", updated="2026-11-28T10:15:00+08:00", fields={})
    casefile.write(case, tmp_path / "a.json")
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
