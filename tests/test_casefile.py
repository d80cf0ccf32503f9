"""The case file is read and written exactly as docs/case-file.md says."""

from __future__ import annotations

import json

import pytest

from desktop.files import casefile
from desktop.files.casefile import CaseFile, CaseFileError

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
        ({"version": 3}, "请升级"),
        ({"version": 0}, "无效"),
        ({"version": "1"}, "整数"),
        ({"id": "abc"}, "UUID"),
        ({"id": None}, "缺少案卷编号"),
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


# -- issue 12: strict reading of hostile files ------------------------------------------------

SHAPES = {
    "customer.name": "text",
    "notes": "multiline",
    "business.categories": "list",
    "agreement.term_years": "whole",
}


def test_the_case_number_is_kept_and_written():
    case = casefile.parse(text(number="XH01-20261130-017"))
    assert case.number == "XH01-20261130-017"
    assert json.loads(case.to_json())["number"] == "XH01-20261130-017"
    assert casefile.parse(case.to_json()) == case
    assert casefile.parse(text()).number is None and "number" not in json.loads(
        casefile.parse(text()).to_json()
    )


@pytest.mark.parametrize(
    "number",
    ["xh01-20261130-017", "X-20261130-017", "XHXHXH1-20261130-017", "XH01-20261330-017", "XH01-2026113-017",
     "XH01-20261130-17", "XH01-20261130-017\n", "ＸＨ01-20261130-017", 17],
)  # fmt: skip
def test_a_bad_case_number_is_refused(number):
    with pytest.raises(CaseFileError, match="案卷号 number"):
        casefile.parse(text(number=number))


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("5B1F7A52-2F0C-4D7E-9A51-3C4A8E0D9B11", GOOD["id"]),
        ("urn:uuid:5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11", GOOD["id"]),
        ("{5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11}", GOOD["id"]),
        ("5b1f7a522f0c4d7e9a513c4a8e0d9b11", GOOD["id"]),
        ("５b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11", GOOD["id"]),
        (" 5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11\n", GOOD["id"]),
        ("not-a-uuid", None),
        ("5b1f7a52_2f0c_4d7e_9a51_3c4a8e0d9b11", None),
    ],
)
def test_only_the_canonical_id_is_accepted(spelling, canonical):
    assert not casefile.is_canonical_id(spelling)
    assert casefile.canonical_id(spelling) == canonical
    with pytest.raises(CaseFileError, match=f"应写作 {canonical}" if canonical else "不是有效的 UUID"):
        casefile.parse(text(id=spelling))


@pytest.mark.parametrize(
    ("fields", "ok"),
    [
        ({"customer.name": "杭州"}, True),
        ({"customer.name": None, "business.categories": None, "agreement.term_years": ""}, True),
        ({"customer.name": 12345}, False),
        ({"customer.name": ["a"]}, False),
        ({"business.categories": ["open"]}, True),
        ({"business.categories": "open"}, False),
        ({"business.categories": [1]}, False),
        ({"agreement.term_years": 2}, True),
        ({"agreement.term_years": " 12 "}, True),
        ({"agreement.term_years": "2年"}, False),
        ({"agreement.term_years": 2.0}, False),
        ({"agreement.term_years": True}, False),
    ],
)
def test_value_types_follow_the_fields_shapes(fields, ok):
    if ok:
        assert casefile.parse(text(fields=fields), shapes=SHAPES).fields == fields
    else:
        with pytest.raises(CaseFileError, match=f"字段 {next(iter(fields))} 的值类型不支持"):
            casefile.parse(text(fields=fields), shapes=SHAPES)


def test_shapes_come_from_the_forms(bundle):
    shapes = casefile.shapes_for(bundle.fields)
    lists = {k for k, v in shapes.items() if v == casefile.LIST}
    assert lists == {"business.categories", "agreement.usage", "number.destinations"}
    assert [k for k, v in shapes.items() if v == casefile.WHOLE] == ["agreement.term_years"]
    assert shapes["notes"] == casefile.MULTILINE and shapes["customer.name"] == casefile.TEXT


def test_control_characters_are_refused_only_for_storage():
    doc = text(fields={"customer.name": "a\x00b", "notes": "一\n二"})
    assert casefile.parse(doc, shapes=SHAPES).fields["customer.name"] == "a\x00b"  # check reports it
    with pytest.raises(CaseFileError, match="字段 customer.name 第 2 个字符是控制字符（U\\+0000）"):
        casefile.parse(doc, shapes=SHAPES, for_storage=True)
    assert casefile.parse(text(fields={"notes": "一\r\n二"}), shapes=SHAPES, for_storage=True)


def test_lone_surrogates_are_refused_always():
    raw = text(fields={"notes": "x"}).replace('"x"', '"a\\udc80"')
    with pytest.raises(CaseFileError, match="字段 notes 第 2 个字符无效"):
        casefile.parse(raw)
    with pytest.raises(CaseFileError, match="孤立代理项"):
        casefile.parse(text(fields={}).replace('"fields": {}', '"fields": {"\\ud800": "x"}'))


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ('{"a": ' + "[" * 50 + "]" * 50 + "}", "嵌套"),
        ('{"format": "[[[[[[[[[[\\"[[["}', "格式应为"),  # brackets inside a string are text
        ('{"version": ' + "1" * 30 + "}", "太长"),
        ('{"version": NaN}', "NaN"),
        ('{"format": "a", "format": "b"}', "出现了两次"),
    ],
)
def test_hostile_json_is_refused_before_it_costs_anything(raw, needle):
    with pytest.raises(CaseFileError, match=needle):
        casefile.parse(raw, source="x.json")


def test_read_refuses_a_file_over_1_mb_and_what_is_not_a_file(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (casefile.MAX_BYTES + 1))
    with pytest.raises(CaseFileError, match="太大"):
        casefile.read(big)
    with pytest.raises(CaseFileError, match="文件夹"):
        casefile.read(tmp_path)


def test_write_refuses_a_link(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep", encoding="utf-8")
    (tmp_path / "a.json").symlink_to(victim)
    case = casefile.parse(text())
    with pytest.raises(OSError, match="链接"):
        casefile.write(case, tmp_path / "a.json")
    assert victim.read_text(encoding="utf-8") == "keep"


# -- version 2: the base an import merges against ---------------------------------------------

DIGEST = "a" * 64


def test_a_version_2_file_keeps_its_base_and_writes_it_back():
    case = casefile.parse(text(version=2, base={"revision": 3, "digest": DIGEST}))
    assert case.base == casefile.Base(3, DIGEST)
    doc = json.loads(case.to_json())
    assert doc["version"] == 2 and doc["base"] == {"revision": 3, "digest": DIGEST}
    assert casefile.parse(case.to_json()) == case


def test_a_file_without_a_base_is_written_as_version_1():
    case = casefile.parse(text())
    assert case.base is None
    doc = json.loads(case.to_json())
    assert doc["version"] == 1 and "base" not in doc


def test_the_base_digest_is_the_digest_of_the_values_empty_ones_aside():
    assert casefile.values_digest({"a": "1", "b": "", "c": []}) == casefile.values_digest({"a": "1"})
    assert casefile.values_digest({"a": "1"}) != casefile.values_digest({"a": "2"})
    assert len(casefile.values_digest({})) == 64


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"version": 1, "base": {"revision": 1, "digest": DIGEST}}, "version 1 的文件不能有 base"),
        ({"version": 2}, "缺少 base"),
        ({"version": 2, "base": None}, "缺少 base"),
        ({"version": 2, "base": [1, DIGEST]}, "base 应为 JSON 对象"),
        ({"version": 2, "base": "3"}, "base 应为 JSON 对象"),
        ({"version": 2, "base": {"revision": 1, "digest": DIGEST, "values": {}}}, "base 中不认识的键 values"),
        ({"version": 2, "base": {"digest": DIGEST}}, "base.revision"),
        ({"version": 2, "base": {"revision": -1, "digest": DIGEST}}, "base.revision"),
        # One more than it would not fit SQLite's integer: every later export of the case failed.
        ({"version": 2, "base": {"revision": 2**63 - 2, "digest": DIGEST}}, "base.revision"),
        ({"version": 2, "base": {"revision": casefile.MAX_REVISION + 1, "digest": DIGEST}}, "base.revision"),
        ({"version": 2, "base": {"revision": True, "digest": DIGEST}}, "base.revision"),
        ({"version": 2, "base": {"revision": 1.5, "digest": DIGEST}}, "base.revision"),
        ({"version": 2, "base": {"revision": "1", "digest": DIGEST}}, "base.revision"),
        ({"version": 2, "base": {"revision": 1}}, "base.digest"),
        ({"version": 2, "base": {"revision": 1, "digest": DIGEST.upper()}}, "base.digest"),
        ({"version": 2, "base": {"revision": 1, "digest": DIGEST[:63]}}, "base.digest"),
        ({"version": 2, "base": {"revision": 1, "digest": DIGEST + "\n"}}, "base.digest"),
        ({"version": 2, "base": {"revision": 1, "digest": "ａ" * 64}}, "base.digest"),
        ({"version": 2, "base": {"revision": 1, "digest": 7}}, "base.digest"),
        ({"version": 2, "base": {"revision": 1, "digest": {"x": 1}}}, "base.digest"),
    ],
)
def test_a_hostile_base_is_refused_with_a_message(changes, needle):
    with pytest.raises(CaseFileError, match=needle):
        casefile.parse(text(**changes), source="x.json")
