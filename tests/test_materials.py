"""材料清单: the checklist declared in forms/400/materials.toml, ticked per case in the drafts store,
printed after the four documents, and holding a case back from "complete" while incomplete."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest
from test_forms import TOY_FIELDS, make_toy
from test_store_helpers import EXAMPLE

from desktop.domain.forms import load_bundle
from desktop.domain.materials import (
    categories_of,
    items_for,
    known_ticks,
    materials_missing,
    missing_message,
    status_for,
)
from desktop.domain.schema import FormError
from desktop.domain.session import EditSession
from desktop.render import TICK_MARKER, render_pdf
from desktop.store import CaseDeleted

CATEGORIES = ("open", "cancel", "suspend", "customer_change", "data_change", "number_change")
FOUR_SIGNED = {"authorization_signed", "requirement_signed", "agreement_signed", "commitment_signed"}


def required_ids(bundle, *categories):
    return [i.id for i in materials_missing(bundle, categories, ())]


# -- the data ---------------------------------------------------------------------------------


def test_every_category_has_its_list(bundle):
    assert bundle.materials is not None and bundle.materials.field == "business.categories"
    for category in CATEGORIES:
        ids = required_ids(bundle, category)
        assert {"license_copy", "handler_id", "authorization_signed", "requirement_signed"} <= set(ids), (
            category
        )
    assert FOUR_SIGNED <= set(required_ids(bundle, "open"))
    assert "bills_settled" in required_ids(bundle, "cancel") and "agreement_signed" not in required_ids(
        bundle, "cancel"
    )
    assert "change_proof" in required_ids(bundle, "customer_change")


def test_missing_items_follow_categories_and_ticks(bundle):
    open_items = required_ids(bundle, "open")
    assert "seal_sample" not in open_items  # optional: never holds a case back
    assert "seal_sample" in [i.id for i in items_for(bundle, ["open"])]
    assert materials_missing(bundle, ["open"], open_items) == []
    assert [i.id for i in materials_missing(bundle, ["open"], open_items[1:])] == open_items[:1]
    both = required_ids(bundle, "open", "cancel")
    assert len(both) == len(set(both)) and set(both) == set(open_items) | set(required_ids(bundle, "cancel"))
    assert materials_missing(bundle, [], []) == []
    assert categories_of(bundle, {"business.categories": ["open", "cancel"]}) == ("open", "cancel")
    assert known_ticks(bundle, ["handler_id", "gone", "handler_id"]) == ["handler_id"]


def test_a_case_is_finished_only_with_no_errors_and_nothing_missing(bundle):
    missing = materials_missing(bundle, ["open"], [])
    assert status_for(False, missing) == "draft" and status_for(True, []) == "draft"
    assert status_for(False, []) == "complete"
    assert missing_message(missing).startswith("材料清单尚缺：营业执照副本复印件、")
    assert missing_message([]) == ""


MATERIALS = """
field = "color"
[[item]]
id = "photo"
label = "照片"
for = ["red"]
"""
MULTI_FIELDS = TOY_FIELDS.replace('type = "choice"', 'type = "multichoice"')


def test_a_toy_checklist_loads(tmp_path):
    toy = load_bundle(make_toy(tmp_path, fields_toml=MULTI_FIELDS, materials_toml=MATERIALS))
    assert [(i.id, i.for_, i.required) for i in toy.materials.items] == [("photo", ("red",), True)]
    assert load_bundle(make_toy(tmp_path / "none")).materials is None


@pytest.mark.parametrize(
    ("fields", "materials", "needle"),
    [
        (MULTI_FIELDS, "extra = 1\n" + MATERIALS, "materials.toml: unknown key(s) extra"),
        (MULTI_FIELDS, MATERIALS.replace('for = ["red"]', 'for = ["red"]\nnote = "x"'), "item photo: unknown key(s) note"),
        (MULTI_FIELDS, MATERIALS.replace('["red"]', '["green"]'), "item photo: for must list choices of color (unknown: green)"),
        (MULTI_FIELDS, MATERIALS.replace('["red"]', "[]"), "for must list choices"),
        (TOY_FIELDS, MATERIALS, "field 'color' is not a multi-choice field"),
        (MULTI_FIELDS, MATERIALS + MATERIALS[MATERIALS.index("[[item]]"):], "item photo: duplicate item id"),
        (MULTI_FIELDS, MATERIALS.replace('id = "photo"', 'id = "Photo!"'), "bad id 'Photo!'"),
        (MULTI_FIELDS, MATERIALS.replace('label = "照片"', "label = 1"), "expected str"),
        (MULTI_FIELDS, 'field = "color"\nitem = []\n', "at least one item"),
    ],
)  # fmt: skip
def test_checklist_mistakes_are_refused_naming_file_and_key(tmp_path, fields, materials, needle):
    make_toy(tmp_path, fields_toml=fields, materials_toml=materials)
    with pytest.raises(FormError, match=re.escape(needle)) as info:
        load_bundle(tmp_path)
    assert str(tmp_path / "materials.toml") in str(info.value)


# -- the store --------------------------------------------------------------------------------


def test_ticks_are_kept_with_the_case_without_an_edit(store):
    case = store.create(EXAMPLE)
    assert case.materials == ()
    store.set_materials(case.id, ["license_copy", "handler_id", "license_copy"])
    again = store.get(case.id)
    assert again.materials == ("license_copy", "handler_id")
    assert (again.revision, again.updated, again.fields) == (case.revision, case.updated, case.fields)
    assert store.save_field(case.id, "notes", "x", case.revision) == case.revision + 1  # no conflict
    assert [(e.event, e.key) for e in store.audit(case.id)][-2:] == [
        ("edited", "materials"),
        ("edited", "notes"),
    ]
    store.set_materials(case.id, [])
    assert store.get(case.id).materials == ()


def test_a_copy_starts_unticked_and_the_bin_refuses_ticks(store):
    case = store.create(EXAMPLE)
    store.set_materials(case.id, ["handler_id"])
    assert store.duplicate(case.id).materials == ()
    store.delete(case.id)
    with pytest.raises(CaseDeleted):
        store.set_materials(case.id, ["license_copy"])


# -- the session ------------------------------------------------------------------------------


def test_the_session_saves_complete_only_once_every_required_item_is_ticked(bundle, example_values):
    session = EditSession(bundle, today=lambda: date(2026, 11, 28))
    session.load("5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11", 3, "draft", example_values, "XH01-20261128-001")
    assert session.print_blockers() == {}
    assert session.snapshot().wanted == "draft"
    session.set_materials(required_ids(bundle, "open")[:-1])
    assert session.snapshot().wanted == "draft" and len(session.missing_materials()) == 1
    session.set_materials(required_ids(bundle, "open"))
    assert session.missing_materials() == [] and session.snapshot().wanted == "complete"
    session.load(None, 0, "draft", {}, materials=["handler_id"])
    assert session.materials == ("handler_id",)


# -- the printed page -------------------------------------------------------------------------


def pdf(bundle, values, **options) -> pypdf.PdfReader:
    out = io.BytesIO()
    render_pdf(
        bundle,
        values,
        bundle.setting_defaults(),
        case_id="XH01-20261128-017",
        draft=False,
        out=out,
        **options,
    )
    return pypdf.PdfReader(io.BytesIO(out.getvalue()))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_checklist_page_follows_the_documents_unchanged(bundle, example_values):
    plain = pdf(bundle, example_values)
    ticked = ["license_copy", "handler_id"]
    with_list = pdf(bundle, example_values, materials=ticked)
    assert len(with_list.pages) == len(plain.pages) + 1
    for before, after in zip(plain.pages, with_list.pages[:-1], strict=False):
        body = flat(before.extract_text()).rsplit("第", 1)[0]  # the page total in the footer differs
        assert body == flat(after.extract_text()).rsplit("第", 1)[0]
    last = flat(with_list.pages[-1].extract_text())
    assert last.startswith("材料清单") and "案卷编号：XH01-20261128-017" in last
    assert example_values["customer.name"] in last and "业务类别：开通" in last
    for item in items_for(bundle, ["open"]):
        assert flat(item.label) in last, item.id
    marks = re.findall(r"\[x:materials=(\w+)\]", last)
    assert marks == ticked and TICK_MARKER.format("materials=license_copy") in last
    assert "撤机前结清" not in last  # only the case's categories


def test_a_case_without_categories_lists_every_item(bundle, example_values):
    values = {k: v for k, v in example_values.items() if k != "business.categories"}
    last = flat(pdf(bundle, values, materials=[]).pages[-1].extract_text())
    assert "尚未选择" in last and "撤机前结清" in last and "[x:" not in last
