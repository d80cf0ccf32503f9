"""Load a bundle's form definitions (forms/<bundle>/) into typed, checked objects.

Declare, then interpret: fields, choices, conditions, cross-field rules, settings and the document
text are data. This module refuses anything it does not understand, naming the file and the entry,
so a typo in a new edition fails loudly at start instead of printing a wrong contract.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from desktop.domain import layout
from desktop.domain.records import field, record, replace
from desktop.domain.schema import FormError, expect, load_toml, str_list, take
from desktop.files import diskcache, paths

FIELD_TYPES = frozenset(
    {
        "text", "longtext", "person_name", "resident_id", "uscc", "org_code", "postcode", "phone",
        "mobile", "n400", "email", "date", "choice", "multichoice", "integer", "phone_list",
    }
)  # fmt: skip
CHOICE_TYPES = frozenset({"choice", "multichoice"})
TEXT_TYPES = frozenset({"text", "longtext"})
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
DEFAULT_PATTERN = re.compile(r"^(today|@[a-z0-9_.]+|=[a-z0-9_.]+|#number)$")
# What a copy made by 复制为新案卷 does with a field: keep the customer's value, clear a
# request-specific one, or start it as a new case does (today's date, the current settings).
ON_DUPLICATE = ("keep", "clear", "default")


@record
class Choice:
    id: str
    label: str


@record
class Condition:
    """Relevant only when `field` is (or, for a multi-choice, contains) the choice `is_`."""

    field: str
    is_: str

    def holds(self, values: Mapping[str, Any]) -> bool:
        value = values.get(self.field)
        if isinstance(value, list):
            return self.is_ in value
        return value == self.is_


@record
class FieldDef:
    key: str
    label: str
    type: str
    required: bool = False
    choices: tuple[Choice, ...] = ()
    when: Condition | None = None
    max_length: int | None = None
    min_items: int = 0
    max_items: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    default: str | None = None
    on_duplicate: str = "keep"
    ui: Mapping[str, str] = field(default_factory=dict)
    documents: tuple[str, ...] = ()

    def choice_label(self, choice_id: str) -> str:
        for choice in self.choices:
            if choice.id == choice_id:
                return choice.label
        return choice_id


@record
class SettingDef:
    """A hall setting; `pattern` (a regular expression a non-empty value must match whole) and
    `hint` (the Chinese message shown when it does not) let the settings dialog refuse bad input."""

    key: str
    label: str
    default: str
    pattern: str | None = None
    hint: str = ""
    first_start: str = ""  # non-empty: asked at the first start (营业厅设置), this its hint

    def problem(self, value: str) -> str | None:
        """Why `value` cannot be saved (Chinese, naming the setting), or None. Empty means "use
        the default" and is always accepted."""
        if not value or self.pattern is None or re.fullmatch(self.pattern, value):
            return None
        return f"{self.label}：{self.hint}"


@record
class RuleDef:
    """A cross-field rule: `check` names a kind in desktop/domain/rules.py, `params` its arguments."""

    check: str
    params: Mapping[str, str]


@record
class DraftsSpec:
    title_key: str
    search_keys: tuple[str, ...]
    mask_keys: tuple[str, ...]
    duplicate_clear_keys: tuple[str, ...]
    duplicate_reset_keys: tuple[str, ...] = ()
    # Fields whose value, repeated in another live case, suggests the same customer is back.
    same_customer_keys: tuple[str, ...] = ()
    # Fields a search finds but the list line does not show (a masked one stays masked there).
    find_keys: tuple[str, ...] = ()


@record
class MaterialItem:
    """One thing the agent collects at the counter (材料清单), for the categories in `for_`."""

    id: str
    label: str
    for_: tuple[str, ...]
    required: bool = True


@record
class Materials:
    """The bundle's checklist (materials.toml): `field` is the multi-choice field of categories."""

    field: str
    items: tuple[MaterialItem, ...]
    signed: tuple[str, ...] = ()  # fields printed at the page's foot, beside the date (经办单位, 经办人)

    def item(self, item_id: str) -> MaterialItem:
        for entry in self.items:
            if entry.id == item_id:
                return entry
        raise KeyError(item_id)


@record
class Bundle:
    id: str
    title: str
    edition: str
    fields: Mapping[str, FieldDef]
    documents: tuple[layout.Document, ...]
    settings: tuple[SettingDef, ...]
    rules: tuple[RuleDef, ...]
    drafts: DraftsSpec
    folder: Path
    author_setting: str | None = None  # the setting printed as the PDF's author (the operator)
    # Fields a cross-field rule fills in when left empty, with the field each is filled from.
    filled_by_rule: Mapping[str, str] = field(default_factory=dict)
    materials: Materials | None = None  # the checklist, when the bundle has a materials.toml

    def field(self, key: str) -> FieldDef:
        return self.fields[key]

    def document(self, doc_id: str) -> layout.Document:
        for doc in self.documents:
            if doc.id == doc_id:
                return doc
        raise KeyError(doc_id)

    def keys(self) -> frozenset[str]:
        return frozenset(self.fields)

    def setting_defaults(self) -> dict[str, str]:
        return {s.key: s.default for s in self.settings}

    def relevant(self, key: str, values: Mapping[str, Any]) -> bool:
        """False for a conditional field whose condition fails: then neither required nor printed."""
        when = self.fields[key].when
        return when is None or when.holds(values)


def default_bundle() -> Bundle:
    """The 400 bundle shipped in forms/, from the disk cache while forms/ and the loader are unchanged.

    Parsing and checking forms/ costs ~0.1 s, more than building the whole window.
    """
    folder = paths.forms_dir() / "400"
    here = Path(__file__).parent
    loaders = diskcache.code(
        *(here / f"{name}.py" for name in ("forms", "layout", "records", "rules", "schema"))
    )
    sources = [*folder.rglob("*.toml"), *loaders]
    return diskcache.cached("bundle", sources, lambda: load_bundle(folder), kind=Bundle)


def load_bundle(folder: Path) -> Bundle:
    """Read bundle.toml, fields.toml, rules.toml, each document and materials.toml (optional);
    refuse anything inconsistent."""
    from desktop.domain import rules as rule_kinds  # noqa: PLC0415 (the checks load only when forms/ is parsed, not from the cache)

    where = folder / "bundle.toml"
    top = take(
        load_toml(where), str(where),
        required=("id", "title", "edition", "documents", "drafts"), optional=("setting", "author"),
    )  # fmt: skip
    settings = _settings(top.get("setting", []), str(where))
    setting_keys = frozenset(s.key for s in settings)
    fields = _fields(folder / "fields.toml", setting_keys)
    field_keys = frozenset(fields)

    doc_ids = str_list(top["documents"], f"{where}: documents")
    if not doc_ids:
        raise FormError(f"{where}: documents: a bundle needs at least one document")
    if len(set(doc_ids)) != len(doc_ids):
        raise FormError(f"{where}: documents: duplicate document id")
    documents = []
    shown: dict[str, list[str]] = {key: [] for key in fields}
    for doc_id in doc_ids:
        doc_path = folder / "documents" / f"{doc_id}.toml"
        doc = layout.load_document(
            doc_path,
            field_keys=field_keys,
            setting_keys=setting_keys,
            field_choices={k: [c.id for c in f.choices] for k, f in fields.items() if f.choices},
        )
        if doc.id != doc_id:
            raise FormError(f"{doc_path}: id {doc.id!r} does not match its name in bundle.toml ({doc_id!r})")
        documents.append(doc)
        for key in doc.field_keys():
            shown[key].append(doc_id)
    orphans = [key for key, docs in shown.items() if not docs]
    if orphans:
        raise FormError(f"{folder / 'fields.toml'}: field(s) {', '.join(orphans)} appear on no document")
    fields = {key: _with_documents(f, tuple(shown[key])) for key, f in fields.items()}

    rules = _rules(folder / "rules.toml", fields, rule_kinds.KINDS)
    drafts = _drafts(top["drafts"], f"{where}: [drafts]", fields)
    author = top.get("author")
    if author is not None and expect(author, str, f"{where}: author") not in setting_keys:
        raise FormError(f"{where}: author {author!r} names no setting")
    return Bundle(
        id=expect(top["id"], str, f"{where}: id"),
        title=expect(top["title"], str, f"{where}: title"),
        edition=expect(top["edition"], str, f"{where}: edition"),
        fields=fields,
        documents=tuple(documents),
        settings=settings,
        rules=rules,
        drafts=drafts,
        folder=folder,
        author_setting=author,
        materials=_materials(folder / "materials.toml", fields),
        filled_by_rule={
            r.params[fills[0]]: r.params[fills[1]]
            for r in rules
            if (fills := rule_kinds.KINDS[r.check].fills) is not None
        },
    )


def _settings(entries: Any, where: str) -> tuple[SettingDef, ...]:
    expect(entries, list, f"{where}: setting")
    out: list[SettingDef] = []
    for i, raw in enumerate(entries):
        here = f"{where}: setting[{i}]"
        entry = take(
            raw, here, required=("key", "label", "default"), optional=("pattern", "hint", "first_start")
        )
        key = expect(entry["key"], str, f"{here}.key")
        if not KEY_PATTERN.match(key):
            raise FormError(f"{here}: bad key {key!r}")
        if any(s.key == key for s in out):
            raise FormError(f"{here}: duplicate setting {key!r}")
        default = expect(entry["default"], str, here)
        pattern = entry.get("pattern")
        hint = expect(entry.get("hint", ""), str, f"{here}.hint")
        if pattern is not None:
            try:
                re.compile(expect(pattern, str, f"{here}.pattern"))
            except re.error as exc:
                raise FormError(f"{here}.pattern: not a regular expression ({exc})") from None
            if not hint:
                raise FormError(f"{here}: a setting with a pattern needs a hint (the message for bad input)")
            if default and not re.fullmatch(pattern, default):
                raise FormError(f"{here}: default {default!r} does not match its pattern")
        first = expect(entry.get("first_start", ""), str, f"{here}.first_start")
        out.append(
            SettingDef(key, expect(entry["label"], str, f"{here}.label"), default, pattern, hint, first)
        )
    return tuple(out)


FIELD_KEYS_REQUIRED = ("key", "label", "type")
FIELD_KEYS_OPTIONAL = (
    "required", "choices", "when", "max_length", "min_items", "max_items", "minimum", "maximum",
    "default", "on_duplicate", "ui",
)  # fmt: skip


def _fields(path: Path, setting_keys: frozenset[str]) -> dict[str, FieldDef]:
    top = take(load_toml(path), str(path), required=("field",))
    expect(top["field"], list, f"{path}: field")
    fields: dict[str, FieldDef] = {}
    for i, raw in enumerate(top["field"]):
        key = raw.get("key", f"#{i}") if isinstance(raw, Mapping) else f"#{i}"
        here = f"{path}: field {key}"
        entry = take(raw, here, required=FIELD_KEYS_REQUIRED, optional=FIELD_KEYS_OPTIONAL)
        fdef = _field(entry, here)
        if fdef.key in fields:
            raise FormError(f"{here}: duplicate field key")
        fields[fdef.key] = fdef
    for fdef in fields.values():
        here = f"{path}: field {fdef.key}"
        if fdef.when is not None:
            target = fields.get(fdef.when.field)
            if target is None:
                raise FormError(f"{here}: when.field {fdef.when.field!r} is not a field")
            if target.type not in CHOICE_TYPES or fdef.when.is_ not in {c.id for c in target.choices}:
                raise FormError(f"{here}: when.is {fdef.when.is_!r} is not a choice of {target.key}")
        if fdef.default and fdef.default.startswith("@") and fdef.default[1:] not in setting_keys:
            raise FormError(f"{here}: default {fdef.default!r} names no setting")
        if fdef.default and fdef.default.startswith("=") and fdef.default[1:] not in fields:
            raise FormError(f"{here}: default {fdef.default!r} names no field")
    return fields


def _field(entry: dict[str, Any], here: str) -> FieldDef:
    key = expect(entry["key"], str, f"{here}: key")
    if not KEY_PATTERN.match(key):
        raise FormError(f"{here}: bad key {key!r}")
    ftype = expect(entry["type"], str, f"{here}: type")
    if ftype not in FIELD_TYPES:
        raise FormError(f"{here}: unknown type {ftype!r} (known: {', '.join(sorted(FIELD_TYPES))})")
    choices = _choices(entry.get("choices", []), here)
    if (ftype in CHOICE_TYPES) != bool(choices):
        raise FormError(f"{here}: choices belong to choice and multichoice fields, and those need them")
    when = None
    if "when" in entry:
        cond = take(entry["when"], f"{here}: when", required=("field", "is"))
        when = Condition(expect(cond["field"], str, f"{here}: when.field"), expect(cond["is"], str, here))
    default = entry.get("default")
    if default is not None and not DEFAULT_PATTERN.match(expect(default, str, f"{here}: default")):
        raise FormError(
            f"{here}: default must be 'today', '@setting', '=field' or '#number', not {default!r}"
        )
    on_duplicate = expect(entry.get("on_duplicate", "keep"), str, f"{here}: on_duplicate")
    if on_duplicate not in ON_DUPLICATE:
        raise FormError(f"{here}: on_duplicate must be 'keep', 'clear' or 'default'")
    if on_duplicate == "default" and not (default == "today" or (default or "").startswith("@")):
        raise FormError(
            f"{here}: on_duplicate = 'default' needs a default a new case starts with ('today' or '@setting')"
        )
    ui = take(entry.get("ui", {}), f"{here}: ui", optional=("placeholder",))
    ints = {}
    for name in ("max_length", "min_items", "max_items", "minimum", "maximum"):
        if name in entry:
            ints[name] = expect(entry[name], int, f"{here}: {name}")
    if ftype in TEXT_TYPES and "max_length" not in ints:
        raise FormError(f"{here}: free text needs max_length")
    return FieldDef(
        key=key,
        label=expect(entry["label"], str, f"{here}: label"),
        type=ftype,
        required=expect(entry.get("required", False), bool, f"{here}: required"),
        choices=choices,
        when=when,
        default=default,
        on_duplicate=on_duplicate,
        ui={k: expect(v, str, f"{here}: ui.{k}") for k, v in ui.items()},
        **ints,
    )


def _choices(entries: Any, here: str) -> tuple[Choice, ...]:
    expect(entries, list, f"{here}: choices")
    out: list[Choice] = []
    for i, raw in enumerate(entries):
        entry = take(raw, f"{here}: choices[{i}]", required=("id", "label"))
        cid = expect(entry["id"], str, f"{here}: choices[{i}].id")
        if not ID_PATTERN.match(cid) or any(c.id == cid for c in out):
            raise FormError(f"{here}: choices[{i}]: bad or duplicate id {cid!r}")
        out.append(Choice(cid, expect(entry["label"], str, f"{here}: choices[{i}].label")))
    return tuple(out)


def _materials(path: Path, fields: Mapping[str, FieldDef]) -> Materials | None:
    """The checklist of materials.toml, None when the bundle has none."""
    if not path.exists():
        return None
    top = take(load_toml(path), str(path), required=("field", "item"), optional=("signed",))
    key = expect(top["field"], str, f"{path}: field")
    signed = str_list(top.get("signed", []), f"{path}: signed")
    unknown_signed = [k for k in signed if k not in fields]
    if unknown_signed:
        raise FormError(f"{path}: signed names fields the bundle lacks: {', '.join(unknown_signed)}")
    target = fields.get(key)
    if target is None or target.type != "multichoice":
        raise FormError(f"{path}: field {key!r} is not a multi-choice field of the bundle")
    categories = {c.id for c in target.choices}
    entries = expect(top["item"], list, f"{path}: item")
    if not entries:
        raise FormError(f"{path}: item: a checklist needs at least one item")
    items: list[MaterialItem] = []
    for i, raw in enumerate(entries):
        name = raw.get("id", f"#{i}") if isinstance(raw, Mapping) else f"#{i}"
        here = f"{path}: item {name}"
        entry = take(raw, here, required=("id", "label", "for"), optional=("required",))
        item_id = expect(entry["id"], str, f"{here}: id")
        if not ID_PATTERN.match(item_id):
            raise FormError(f"{here}: bad id {item_id!r} (lower-case letters, digits and _)")
        if any(item.id == item_id for item in items):
            raise FormError(f"{here}: duplicate item id")
        label = expect(entry["label"], str, f"{here}: label")
        if not label.strip():
            raise FormError(f"{here}: label is empty")
        for_ = str_list(entry["for"], f"{here}: for")
        unknown = [c for c in for_ if c not in categories]
        if not for_ or unknown:
            raise FormError(
                f"{here}: for must list choices of {key} (unknown: {', '.join(unknown) or 'none listed'})"
            )
        required = expect(entry.get("required", True), bool, f"{here}: required")
        items.append(MaterialItem(item_id, label, for_, required))
    return Materials(key, tuple(items), tuple(signed))


def _with_documents(fdef: FieldDef, documents: tuple[str, ...]) -> FieldDef:
    return replace(fdef, documents=documents)


def _rules(path: Path, fields: Mapping[str, FieldDef], kinds: Mapping[str, Any]) -> tuple[RuleDef, ...]:
    top = take(load_toml(path), str(path), optional=("rule",))
    entries = expect(top.get("rule", []), list, f"{path}: rule")
    out = []
    for i, raw in enumerate(entries):
        here = f"{path}: rule[{i}]"
        if not isinstance(raw, Mapping) or "check" not in raw:
            raise FormError(f"{here}: a rule needs a check")
        check = expect(raw["check"], str, f"{here}.check")
        kind = kinds.get(check)
        if kind is None:
            raise FormError(f"{here}: unknown check {check!r} (known: {', '.join(sorted(kinds))})")
        entry = take(raw, f"{here} ({check})", required=("check", *kind.fields, *kind.texts),
                     optional=kind.optional)  # fmt: skip
        params = {k: expect(v, str, f"{here}.{k}") for k, v in entry.items() if k != "check"}
        for name in kind.fields:
            if params[name] not in fields:
                raise FormError(f"{here} ({check}): {name} = {params[name]!r} is not a field")
        if params.get("severity", "error") not in ("error", "warning"):
            raise FormError(f"{here} ({check}): severity must be 'error' or 'warning'")
        out.append(RuleDef(check, params))
    return tuple(out)


def _drafts(raw: Any, where: str, fields: Mapping[str, FieldDef]) -> DraftsSpec:
    entry = take(raw, where, required=("title", "search", "mask"), optional=("same_customer", "find"))
    title = expect(entry["title"], str, f"{where}.title")
    search = str_list(entry["search"], f"{where}.search")
    mask = str_list(entry["mask"], f"{where}.mask")
    same = str_list(entry.get("same_customer", []), f"{where}.same_customer")
    find = str_list(entry.get("find", []), f"{where}.find")
    for key in (title, *search, *mask, *same, *find):
        if key not in fields:
            raise FormError(f"{where}: {key!r} is not a field")
    for key in same:
        if key not in search or key in mask:
            # The search index is what makes the question fast (Store.others_with).
            raise FormError(f"{where}.same_customer: {key!r} must be a searched, unmasked field")
    clear = tuple(k for k, f in fields.items() if f.on_duplicate == "clear")
    reset = tuple(k for k, f in fields.items() if f.on_duplicate == "default")
    return DraftsSpec(
        title_key=title,
        search_keys=search,
        mask_keys=mask,
        duplicate_clear_keys=clear,
        duplicate_reset_keys=reset,
        same_customer_keys=same,
        find_keys=find,
    )
