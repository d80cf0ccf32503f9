"""The form definitions load strictly: every file in forms/, a toy bundle, and each kind of mistake."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.domain.forms import FIELD_TYPES, load_bundle
from desktop.domain.schema import FormError
from desktop.files import paths

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_KEYS = [
    "customer.name", "customer.license_no", "customer.org_code", "customer.address", "customer.postcode",
    "contact.name", "contact.phone", "handler.name", "handler.id_number", "handler.phone", "handler.mobile",
    "handler.email", "application.date", "application.serial", "business.categories", "number.n400",
    "number.open_date", "number.small", "number.destinations", "notes", "agency.name", "agency.handler",
    "authorization.date", "agreement.scope", "agreement.province", "agreement.usage", "agreement.usage_other",
    "agreement.term_years", "agreement.date_a", "agreement.date_b", "commitment.signer", "commitment.other",
    "commitment.date",
]  # fmt: skip
CONTRACT_DOCS = {  # the documents each field prints on (docs/case-file.md)
    "customer.name": {"authorization", "requirement", "agreement", "commitment"},
    "customer.address": {"requirement", "commitment"},
    "contact.name": {"requirement", "commitment"},
    "contact.phone": {"requirement", "commitment"},
    "handler.name": {"authorization", "requirement"},
    "handler.id_number": {"authorization"},
}

TOY_BUNDLE = """
id = "toy"
title = "玩具资料"
edition = "第 1 版"
documents = ["letter"]
[[setting]]
key = "operator.name"
label = "运营商"
default = "某某公司"
[drafts]
title = "who"
search = ["who"]
mask = ["ident"]
"""
TOY_FIELDS = """
[[field]]
key = "who"
label = "姓名"
type = "person_name"
required = true
[[field]]
key = "ident"
label = "身份证"
type = "resident_id"
[[field]]
key = "color"
label = "颜色"
type = "choice"
choices = [{ id = "red", label = "红" }, { id = "blue", label = "蓝" }]
"""
TOY_RULES = ""
TOY_LETTER = """
id = "letter"
title = "一封信"
tab = "信"
[[block]]
kind = "title"
text = "一封信"
[[block]]
kind = "para"
text = "{@operator.name}：兹有 {who} 身份证 {ident}，喜欢 {color=red}红 {color=blue}蓝。"
"""


def make_toy(folder: Path, **overrides: str) -> Path:
    files = {"bundle.toml": TOY_BUNDLE, "fields.toml": TOY_FIELDS, "rules.toml": TOY_RULES,
             "documents/letter.toml": TOY_LETTER}  # fmt: skip
    files.update(
        {name.replace("__", "/").replace("_toml", ".toml"): text for name, text in overrides.items()}
    )
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def test_every_bundle_in_forms_loads():
    folders = [p.parent for p in paths.forms_dir().glob("*/bundle.toml")]
    assert folders
    for folder in folders:
        bundle = load_bundle(folder)
        assert bundle.documents and bundle.fields


def test_400_bundle_matches_the_contract(bundle):
    assert list(bundle.fields) == CONTRACT_KEYS
    assert [d.id for d in bundle.documents] == ["authorization", "requirement", "agreement", "commitment"]
    for key, docs in CONTRACT_DOCS.items():
        assert set(bundle.field(key).documents) == docs, key
    assert bundle.setting_defaults()["operator.name"] == "浙江省公众信息产业有限公司"
    assert bundle.setting_defaults()["operator.hotlines"] == "4008899899、057110000"
    assert bundle.field("agreement.province").when.field == "agreement.scope"
    assert bundle.filled_by_rule == {"customer.org_code": "customer.license_no"}


def test_a_toy_bundle_loads_too(tmp_path):
    toy = load_bundle(make_toy(tmp_path))
    assert toy.id == "toy" and list(toy.fields) == ["who", "ident", "color"]
    assert toy.document("letter").field_keys() == ("who", "ident", "color")
    assert toy.drafts.mask_keys == ("ident",)
    assert toy.filled_by_rule == {}


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        (
            {
                "fields_toml": TOY_FIELDS
                + '[[field]]\nkey = "who"\nlabel = "x"\ntype = "text"\nmax_length = 5\n'
            },
            "who: duplicate field key",
        ),
        ({"fields_toml": TOY_FIELDS.replace('label = "姓名"', 'label = "姓名"\ncolour = 1')}, "unknown key"),
        ({"fields_toml": TOY_FIELDS.replace('"person_name"', '"nickname"')}, "unknown type 'nickname'"),
        ({"fields_toml": TOY_FIELDS.replace('key = "who"', 'key = "Who Is"')}, "bad key"),
        ({"fields_toml": TOY_FIELDS.replace("required = true", 'required = "yes"')}, "expected bool"),
        (
            {"fields_toml": TOY_FIELDS + '[[field]]\nkey = "memo"\nlabel = "备注"\ntype = "text"\n'},
            "free text needs max_length",
        ),
        (
            {"fields_toml": TOY_FIELDS + '[[field]]\nkey = "more"\nlabel = "x"\ntype = "person_name"\n'},
            "appear on no document",
        ),
        (
            {
                "fields_toml": TOY_FIELDS.replace(
                    'type = "person_name"', 'type = "person_name"\nwhen = { field = "colour", is = "red" }'
                )
            },
            "when.field 'colour' is not a field",
        ),
        (
            {
                "fields_toml": TOY_FIELDS.replace(
                    'type = "person_name"', 'type = "person_name"\nwhen = { field = "color", is = "green" }'
                )
            },
            "not a choice of color",
        ),
        (
            {
                "fields_toml": TOY_FIELDS.replace(
                    'type = "person_name"', 'type = "person_name"\ndefault = "@nope"'
                )
            },
            "names no setting",
        ),
        (
            {
                "fields_toml": TOY_FIELDS.replace(
                    'type = "person_name"', 'type = "person_name"\ndefault = "tomorrow"'
                )
            },
            "default must be",
        ),
        (
            {
                "fields_toml": TOY_FIELDS.replace(
                    '{ id = "blue", label = "蓝" }', '{ id = "red", label = "蓝" }'
                )
            },
            "duplicate id",
        ),
        ({"rules_toml": '[[rule]]\ncheck = "telepathy"\n'}, "unknown check 'telepathy'"),
        (
            {"rules_toml": '[[rule]]\ncheck = "phones_distinct"\nfield = "ghost"\nmessage = "x"\n'},
            "'ghost' is not a field",
        ),
        ({"rules_toml": '[[rule]]\ncheck = "phones_distinct"\nfield = "who"\n'}, "missing key"),
        (
            {
                "rules_toml": '[[rule]]\ncheck = "phones_distinct"\nfield = "who"\nmessage = "x"\nseverity = "fatal"\n'
            },
            "severity",
        ),
        (
            {"bundle_toml": TOY_BUNDLE.replace('mask = ["ident"]', 'mask = ["idnet"]')},
            "'idnet' is not a field",
        ),
        (
            {"bundle_toml": TOY_BUNDLE.replace('documents = ["letter"]', 'documents = ["letter", "letter"]')},
            "duplicate document",
        ),
        ({"bundle_toml": TOY_BUNDLE.replace('documents = ["letter"]', 'documents = ["memo"]')}, "memo.toml"),
        ({"bundle_toml": TOY_BUNDLE + "extra = 1\n"}, "unknown key"),
        (
            {"bundle_toml": TOY_BUNDLE.replace('title = "玩具资料"', 'title = "a"\ntitle = "b"')},
            "bundle.toml",
        ),
        ({"documents__letter_toml": TOY_LETTER.replace("{who}", "{whom}")}, "whom"),
        ({"documents__letter_toml": TOY_LETTER.replace("{color=red}", "{color=green}")}, "green"),
        (
            {"documents__letter_toml": TOY_LETTER.replace("{@operator.name}", "{@operator.nmae}")},
            "operator.nmae",
        ),
    ],
)
def test_mistakes_are_refused_naming_file_and_entry(tmp_path, override, needle):
    make_toy(tmp_path, **override)
    with pytest.raises(FormError, match=re.escape(needle)) as info:
        load_bundle(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_every_field_type_is_handled():
    from desktop.domain.fields import _CHECKS, _PHONES

    assert set(_CHECKS) | set(_PHONES) == FIELD_TYPES and not set(_CHECKS) & set(_PHONES)


def test_nothing_about_the_400_bundle_is_hard_coded_in_desktop():
    """No field key of the 400 bundle appears in Python code: the forms carry it all."""
    offenders = []
    for path in (ROOT / "desktop").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        offenders += [
            f"{path.name}: {key}" for key in CONTRACT_KEYS if f'"{key}"' in text or f"'{key}'" in text
        ]
    assert not offenders


def test_fields_command_lists_every_field():
    out = subprocess.run(
        [sys.executable, "-m", "desktop", "fields", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    rows = json.loads(out)
    assert [r["key"] for r in rows] == CONTRACT_KEYS
    assert {"key", "label", "type", "documents"} <= set(rows[0])


def test_a_copy_of_the_shipped_bundle_loads_from_elsewhere(tmp_path):
    shutil.copytree(paths.forms_dir() / "400", tmp_path / "400")
    assert load_bundle(tmp_path / "400").id == "400"
