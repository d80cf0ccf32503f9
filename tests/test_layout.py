"""The document files load into typed layouts, and every kind of mistake in them is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop.domain import layout
from desktop.domain.forms import default_bundle
from desktop.domain.schema import FormError
from desktop.files import paths

DOCS = paths.forms_dir() / "400" / "documents"
FIELDS = frozenset({"customer.name", "handler.name", "business.categories", "number.destinations", "a.date"})
SETTINGS = frozenset({"operator.name"})
CHOICES = {"business.categories": ("open", "cancel")}


def load(path: Path, **kwargs) -> layout.Document:
    return layout.load_document(path, field_keys=FIELDS, setting_keys=SETTINGS, **kwargs)


def write(tmp_path: Path, body: str, name: str = "doc") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'id = "{name}"\ntitle = "标题"\ntab = "标签"\n' + body, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bundle():
    return default_bundle()


def test_the_four_documents_load_in_order(bundle):
    docs = bundle.documents
    assert [d.id for d in docs] == ["authorization", "requirement", "agreement", "commitment"]
    assert [d.tab for d in docs] == ["授权委托书", "业务需求单", "安全服务协议", "信息安全承诺书"]
    assert docs[0].title == "400业务经办授权委托书"


def test_field_keys_are_in_reading_order_each_once(bundle):
    auth = bundle.document("authorization")
    assert auth.field_keys() == ("handler.name", "handler.id_number", "customer.name", "authorization.date")
    req = bundle.document("requirement").field_keys()
    assert req[:3] == ("application.date", "application.serial", "customer.name")
    assert len(req) == len(set(req))
    assert req.index("business.categories") < req.index("number.n400") < req.index("agency.handler")


def test_every_field_is_shown_on_some_document(bundle):
    shown = {key for doc in bundle.documents for key in doc.field_keys()}
    assert shown == set(bundle.fields)


def test_every_checkbox_names_a_choice_of_a_choice_field(bundle):
    boxes = [
        part
        for doc in bundle.documents
        for text in doc.texts()
        for part in text.parts
        if isinstance(part, layout.Box)
    ]
    assert len(boxes) == 6 + 3 + 4
    for box in boxes:
        fdef = bundle.field(box.key)
        assert fdef.type in ("choice", "multichoice"), box
        assert box.choice in {c.id for c in fdef.choices}, box
    # every choice of every checkbox field has its box
    for key in {b.key for b in boxes}:
        assert {b.choice for b in boxes if b.key == key} == {c.id for c in bundle.field(key).choices}


def test_documents_also_check_choices_when_given(bundle):
    choices = {key: [c.id for c in f.choices] for key, f in bundle.fields.items() if f.choices}
    for doc_id in ("requirement", "agreement"):
        doc = layout.load_document(
            DOCS / f"{doc_id}.toml",
            field_keys=frozenset(bundle.fields),
            setting_keys=frozenset(s.key for s in bundle.settings),
            field_choices=choices,
        )
        assert doc == bundle.document(doc_id)


def test_operator_words_are_settings_not_text(bundle):
    literal = "".join(
        part.text
        for doc in bundle.documents
        for text in doc.texts()
        for part in text.parts
        if isinstance(part, layout.Literal)
    )
    for word in ("浙江省公众信息产业有限公司", "中国电信", "4008899899", "057110000"):
        assert word not in literal
    # 「电信公司」 (a generic word in article 七) is the operator's own text and stays
    assert "电信公司" in literal


def test_seed_text_is_in_the_documents_verbatim(bundle):
    """Each seed line without blanks is in the documents' literal text (settings at their defaults)."""
    defaults = bundle.setting_defaults()
    parts = []
    for doc in bundle.documents:
        for text in doc.texts():
            for part in text.parts:
                if isinstance(part, layout.Literal):
                    parts.append(part.text.replace("\n", ""))  # a label's line break is layout
                elif isinstance(part, layout.Setting):
                    parts.append(defaults[part.key])
                elif not isinstance(part, layout.Box):  # a box is drawn, not text
                    parts.append("\n")
    body = re.sub(r"[ \t]+", "", "".join(parts))
    seed = paths.root() / "tests" / "data" / "documents-400-bundle.txt"  # the operator's text as issued
    for line in seed.read_text(encoding="utf-8").splitlines():
        for piece in re.split(r"[\t]+", line):
            piece = re.sub(r"\s+", "", piece)
            if len(piece) >= 6 and not re.search(r"王霄|\d{10}|年月日|\(\)|为年", piece):
                assert piece in body, piece


def test_placeholders_parse(tmp_path):
    path = write(
        tmp_path,
        '[[block]]\nkind = "para"\n'
        'text = "A{customer.name:8}B{@operator.name}{business.categories=open}'
        '{number.destinations#2}{_:10}{_}"\n',
    )
    (para,) = load(path).blocks
    assert para.text.parts == (
        layout.Literal("A"),
        layout.Value("customer.name", 8),
        layout.Literal("B"),
        layout.Setting("operator.name"),
        layout.Box("business.categories", "open"),
        layout.Value("number.destinations", 0, 2),
        layout.Blank(10),
        layout.Blank(6),
    )


def test_nested_keep_and_table_load(tmp_path):
    path = write(
        tmp_path,
        '[[block]]\nkind = "keep"\n[[block.blocks]]\nkind = "table"\ncolumns = [1, 2]\n'
        "[[block.blocks.row]]\nheight = 40\n"
        'cells = [{ text = "名称", style = "label" }, { text = "{customer.name}" }]\n'
        '[[block.blocks.row]]\ncells = [{ text = "x", span = 2, style = "section" }]\n'
        '[[block.blocks]]\nkind = "space"\nheight = 12\n',
    )
    (keep,) = load(path).blocks
    table, space = keep.blocks
    assert table.columns == (1.0, 2.0) and table.rows[0].height == 40 and space.height == 12
    assert table.rows[1].cells[0].span == 2


BAD = [
    ('[[block]]\nkind = "para"\ntext = "x"\ncolour = "red"\n', "block[0]: unknown key(s) colour"),
    ('[[block]]\nkind = "poem"\ntext = "x"\n', "block[0]: unknown block kind 'poem'"),
    ('[[block]]\nkind = "para"\ntext = "x"\nstyle = "bold"\n', "block[0].style: unknown style 'bold'"),
    (
        '[[block]]\nkind = "para"\ntext = "{customer.nmae}"\n',
        "block[0].text: {customer.nmae} names an unknown field",
    ),
    ('[[block]]\nkind = "para"\ntext = "{@operator.nmae}"\n', "names an unknown setting"),
    ('[[block]]\nkind = "para"\ntext = "{Customer Name}"\n', "malformed placeholder"),
    ('[[block]]\nkind = "para"\ntext = "a } b"\n', "unbalanced brace"),
    ('[[block]]\nkind = "para"\ntext = "{customer.name"\n', "unbalanced brace"),
    ('[[block]]\nkind = "para"\ntext = "{business.categories=open:3}"\n', "takes no #index or :width"),
    ('[[block]]\nkind = "para"\n', "block[0]: missing key(s) text"),
    ('[[block]]\nkind = "para"\ntext = 3\n', "block[0].text: expected str"),
    ('[[block]]\nkind = "space"\nheight = -1\n', "block[0].height: expected a positive length"),
    ('[[block]]\nkind = "lines"\ntext = "x"\ncount = 0\n', "count must be 1–20"),
    ('[[block]]\nkind = "list"\nitems = []\n', "at least one item"),
    ('[[block]]\nkind = "keep"\nblocks = []\n', "at least one block"),
    ("block = []\n", "a document needs at least one block"),
    (
        '[[block]]\nkind = "table"\ncolumns = [1, 1]\n[[block.row]]\ncells = [{ text = "x" }]\n',
        "span 1 columns",
    ),
    (
        '[[block]]\nkind = "table"\ncolumns = [1]\n[[block.row]]\ncells = [{ text = "x", rowspan = 2 }]\n',
        "block[0].row[0].cells[0]: unknown key(s) rowspan",
    ),
    (
        '[[block]]\nkind = "keep"\n[[block.blocks]]\nkind = "para"\ntext = "{nope}"\n',
        "block[0].blocks[0].text: {nope} names an unknown field",
    ),
    ('extra = 1\n[[block]]\nkind = "para"\ntext = "x"\n', "unknown key(s) extra"),
    (
        '[[block]]\nkind = "para"\ntext = "{customer.name}"\n[[form_note]]\nbefore = "handler.name"\ntext = "x"\n',
        "form_note[0].before: 'handler.name' is not a field this document shows",
    ),
    (
        '[[block]]\nkind = "para"\ntext = "{customer.name}"\n[[form_note]]\nbefore = "customer.name"\ntext = " "\n',
        "form_note[0]: needs a text",
    ),
]


@pytest.mark.parametrize(("body", "message"), BAD)
def test_mistakes_are_refused_naming_file_and_entry(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(FormError) as err:
        load(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_unknown_choice_is_refused_when_choices_are_given(tmp_path):
    path = write(tmp_path, '[[block]]\nkind = "para"\ntext = "{business.categories=opne}"\n')
    load(path)  # without the choices only the field is checked
    with pytest.raises(FormError, match="'opne' is not a choice of 'business.categories'"):
        load(path, field_choices=CHOICES)


def test_id_must_match_the_file_name(tmp_path):
    path = write(tmp_path, '[[block]]\nkind = "para"\ntext = "x"\n', name="doc")
    path.rename(tmp_path / "other.toml")
    with pytest.raises(FormError, match="does not match the file name"):
        load(tmp_path / "other.toml")


def test_broken_toml_names_the_file(tmp_path):
    path = tmp_path / "doc.toml"
    path.write_text('id = "doc"\nid = "again"\n', encoding="utf-8")
    with pytest.raises(FormError, match="doc.toml"):
        load(path)


def test_a_form_note_stands_above_its_field(tmp_path):
    body = '[[block]]\nkind = "para"\ntext = "{customer.name}"\n[[form_note]]\nbefore = "customer.name"\ntext = "落款："\n'
    assert load(write(tmp_path, body)).notes == (layout.FormNote("customer.name", "落款："),)


# -- signature and stamp boxes (paper-trail.md) ----------------------------------------------

BAD_BOXES = [
    ('box = { kind = "seal" }', "block[0].box: unknown box kind 'seal'"),
    ('box = { kind = "signature", width = 40 }', "a signature box's width must be 50–170 mm, got 40"),
    ('box = { kind = "signature", height = 12 }', "a signature box's height must be 15–120 mm, got 12"),
    ('box = { kind = "stamp", height = 30 }', "a stamp box's height must be 45–120 mm, got 30"),
    ('box = { kind = "stamp", where = "left" }', "block[0].box: unknown key(s) where"),
    ('box = { kind = "stamp", required = "yes" }', "block[0].box.required: expected bool"),
    ("box = { width = 60 }", "block[0].box: missing key(s) kind"),
]


@pytest.mark.parametrize(("box", "message"), BAD_BOXES)
def test_box_mistakes_are_refused(tmp_path, box, message):
    path = write(tmp_path, f'[[block]]\nkind = "para"\ntext = "法人签字 {{_:12}}"\n{box}\n')
    with pytest.raises(FormError, match=re.escape(message)):
        load(path)


def test_a_box_needs_its_label_first(tmp_path):
    path = write(tmp_path, '[[block]]\nkind = "para"\ntext = "{_:12}"\nbox = { kind = "signature" }\n')
    with pytest.raises(FormError, match="a box needs its label first"):
        load(path)


def test_boxes_load_with_their_labels_in_a_paragraph_and_a_cell(tmp_path):
    path = write(
        tmp_path,
        '[[block]]\nkind = "para"\ntext = "法人签字 {_:12}"\nbox = { kind = "signature" }\n'
        '[[block]]\nkind = "table"\ncolumns = [1]\n[[block.row]]\n'
        'cells = [{ text = "申请单位（盖公章）", style = "seal", box = { kind = "stamp", width = 60, required = false } }]\n',
    )
    found = list(layout.boxes(load(path).blocks))
    assert found == [
        ("法人签字", layout.SignBox("signature", 60.0, 18.0, True)),
        ("申请单位（盖公章）", layout.SignBox("stamp", 60.0, 48.0, False)),
    ]


def test_the_shipped_documents_mark_the_customers_boxes(bundle):
    marked = {
        doc.id: [(label, box.kind, box.required) for label, box in layout.boxes(doc.blocks)]
        for doc in bundle.documents
    }
    assert marked["authorization"] == [("法人签字", "signature", True)]
    assert ("申请单位（盖公章）", "stamp", True) in marked["requirement"]
    assert ("甲方 (盖章)：", "stamp", True) in marked["agreement"]
    assert ("[单位公章]:", "stamp", True) in marked["commitment"]
