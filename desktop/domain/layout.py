"""Strict loader for a document file (forms/<bundle>/documents/<id>.toml): its text and layout.

A document is a list of blocks (title, paragraph, list, ruled lines, table, vertical space, and
a `keep` group that never splits across pages). Text is the operator's wording verbatim with
placeholders in braces:

  {customer.name}        a field's value in its blank (`{key:8}`: the blank is at least 8 em)
  {number.destinations#2} the 2nd entry of a list field
  {business.categories=open} a checkbox, ticked when the field holds that choice
  {@operator.name}       an operator setting, printed as plain text
  {_:10}                 an empty blank 10 em wide for the pen

Everything else in braces, an unknown key, kind or style, or a dangling reference is refused with
a FormError naming the file and the entry, so a typo cannot silently drop a value from a contract.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from desktop.domain.records import record, replace
from desktop.domain.schema import FormError, expect, load_toml, str_list, take

_KEY = r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*"
_BRACED = re.compile(r"\{([^{}]*)\}")
_FIELD = re.compile(
    rf"(?P<key>{_KEY})(?:#(?P<index>[1-9][0-9]?))?(?:=(?P<choice>[a-z0-9_]+))?(?::(?P<width>[0-9]{{1,2}}))?"
)
_SETTING = re.compile(rf"@(?P<key>{_KEY})")
_BLANK = re.compile(r"_(?::(?P<width>[0-9]{1,2}))?")

PARA_STYLES = ("body", "plain", "sign", "center", "right", "item")
# paper-trail.md: a signature box at least 50 × 15 mm, a stamp box at least 45 × 45 mm; each kind's
# default size when the layout gives none.
BOX_KINDS = {"signature": (50.0, 15.0), "stamp": (45.0, 45.0)}
BOX_DEFAULTS = {"signature": (60.0, 18.0), "stamp": (48.0, 48.0)}
BOX_MAX = (170.0, 120.0)
CELL_STYLES = ("value", "label", "section", "seal")


@record
class Literal:
    text: str


@record
class Value:
    """A field's value in its blank; `index` picks one entry (1-based) of a list field."""

    key: str
    width: int = 0
    index: int | None = None


@record
class Box:
    """A checkbox ticked when the field's value is (or, for a multi-choice, contains) `choice`."""

    key: str
    choice: str


@record
class Setting:
    key: str


@record
class Blank:
    """A blank left for the pen (a signature, a handwritten note)."""

    width: int


Inline = Literal | Value | Box | Setting | Blank


@record
class Text:
    parts: tuple[Inline, ...]
    source: str

    def field_keys(self) -> Iterator[str]:
        for part in self.parts:
            if isinstance(part, (Value, Box)):
                yield part.key


@record
class SignBox:
    """A box the customer (or the hall) signs or stamps, in mm: placed right of its label on the
    label's line (a paragraph) or under the label heading its cell (a table), framed lightly in
    print, and checked for ink in the scan when `required` (desktop.paper)."""

    kind: str  # "signature" or "stamp"
    width: float
    height: float
    required: bool = True


@record
class Title:
    text: Text


@record
class Para:
    text: Text
    style: str = "body"
    box: SignBox | None = None


@record
class ItemList:
    items: tuple[Text, ...]


@record
class Lines:
    """A long value written on ruled lines; at least `count` lines, empty ones left for the pen."""

    text: Text
    count: int


@record
class Space:
    height: float


@record
class Cell:
    text: Text
    span: int = 1
    style: str = "value"
    box: SignBox | None = None


@record
class Row:
    cells: tuple[Cell, ...]
    height: float | None = None


@record
class Table:
    """A ruled grid; `columns` are relative widths, each row's spans fill them exactly."""

    columns: tuple[float, ...]
    rows: tuple[Row, ...]


@record
class Keep:
    """Blocks printed on one page together (a clause with its signature, seal and date lines)."""

    blocks: tuple[Block, ...]


Block = Title | Para | ItemList | Lines | Space | Table | Keep


def texts(blocks: Iterable[Block]) -> Iterator[Text]:
    """Every text of the blocks, in reading order."""
    for block in blocks:
        if isinstance(block, (Title, Para, Lines)):
            yield block.text
        elif isinstance(block, ItemList):
            yield from block.items
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    yield cell.text
        elif isinstance(block, Keep):
            yield from texts(block.blocks)


@record
class FormNote:
    """A line the document's tab shows above a field: where that field sits among the text printed
    as issued, so the tab reads in the document's order (the 承诺书's first field is its article
    九 and comes after eight fixed ones; without the note the tab seemed to start in the middle)."""

    before: str  # the field key the note stands above
    text: str


@record
class Document:
    id: str
    title: str
    tab: str
    blocks: tuple[Block, ...]
    notes: tuple[FormNote, ...] = ()

    def texts(self) -> Iterator[Text]:
        return texts(self.blocks)

    def field_keys(self) -> tuple[str, ...]:
        """Every field the document shows, in reading order, each once."""
        seen: dict[str, None] = {}
        for text in self.texts():
            for key in text.field_keys():
                seen.setdefault(key)
        return tuple(seen)

    def setting_keys(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for text in self.texts():
            for part in text.parts:
                if isinstance(part, Setting):
                    seen.setdefault(part.key)
        return tuple(seen)


class _Loader:
    def __init__(
        self,
        path: Path,
        field_keys: frozenset[str],
        setting_keys: frozenset[str],
        field_choices: Mapping[str, Iterable[str]] | None,
    ) -> None:
        self.path = path
        self.field_keys = field_keys
        self.setting_keys = setting_keys
        self.choices = None if field_choices is None else {k: set(v) for k, v in field_choices.items()}

    def where(self, entry: str) -> str:
        return f"{self.path}: {entry}"

    def text(self, raw: Any, entry: str) -> Text:
        where = self.where(entry)
        source = expect(raw, str, where)
        parts: list[Inline] = []
        pos = 0
        for match in _BRACED.finditer(source):
            self._literal(source[pos : match.start()], parts, where)
            parts.append(self._placeholder(match.group(1), where))
            pos = match.end()
        self._literal(source[pos:], parts, where)
        return Text(tuple(parts), source)

    @staticmethod
    def _literal(chunk: str, parts: list[Inline], where: str) -> None:
        if "{" in chunk or "}" in chunk:
            raise FormError(f"{where}: unbalanced brace in {chunk!r}")
        if chunk:
            parts.append(Literal(chunk))

    def _placeholder(self, body: str, where: str) -> Inline:
        if m := _BLANK.fullmatch(body):
            return Blank(int(m["width"] or 6))
        if m := _SETTING.fullmatch(body):
            if m["key"] not in self.setting_keys:
                raise FormError(f"{where}: {{@{m['key']}}} names an unknown setting")
            return Setting(m["key"])
        m = _FIELD.fullmatch(body)
        if not m:
            raise FormError(f"{where}: malformed placeholder {{{body}}}")
        key = m["key"]
        if key not in self.field_keys:
            raise FormError(f"{where}: {{{body}}} names an unknown field {key!r}")
        if m["choice"]:
            if m["index"] or m["width"]:
                raise FormError(f"{where}: a checkbox {{{body}}} takes no #index or :width")
            if self.choices is not None and m["choice"] not in self.choices.get(key, ()):
                raise FormError(f"{where}: {{{body}}}: {m['choice']!r} is not a choice of {key!r}")
            return Box(key, m["choice"])
        return Value(key, int(m["width"] or 0), int(m["index"]) if m["index"] else None)

    def blocks(self, raw: Any, entry: str) -> tuple[Block, ...]:
        expect(raw, list, self.where(entry))
        return tuple(self.block(item, f"{entry}[{i}]") for i, item in enumerate(raw))

    def block(self, raw: Any, entry: str) -> Block:
        where = self.where(entry)
        if not isinstance(raw, Mapping):
            raise FormError(f"{where}: expected a table, got {type(raw).__name__}")
        kind = raw.get("kind")
        if kind not in _KINDS:
            raise FormError(f"{where}: unknown block kind {kind!r} (known: {', '.join(_KINDS)})")
        return getattr(self, f"_{kind}")(raw, entry, where)

    def _title(self, raw: Any, entry: str, where: str) -> Title:
        table = take(raw, where, required=("kind", "text"))
        return Title(self.text(table["text"], f"{entry}.text"))

    def _para(self, raw: Any, entry: str, where: str) -> Para:
        table = take(raw, where, required=("kind", "text"), optional=("style", "box"))
        style = self._choice(table.get("style", "body"), PARA_STYLES, f"{entry}.style")
        text = self.text(table["text"], f"{entry}.text")
        box = self._box(table["box"], f"{entry}.box") if "box" in table else None
        if box is not None and not box_label(text):
            raise FormError(
                f"{where}: a box needs its label first on the line (「法人签字」, then the blank)"
            )
        return Para(text, style, box)

    def _list(self, raw: Any, entry: str, where: str) -> ItemList:
        table = take(raw, where, required=("kind", "items"))
        items = str_list(table["items"], self.where(f"{entry}.items"))
        if not items:
            raise FormError(f"{where}: a list needs at least one item")
        return ItemList(tuple(self.text(item, f"{entry}.items[{i}]") for i, item in enumerate(items)))

    def _lines(self, raw: Any, entry: str, where: str) -> Lines:
        table = take(raw, where, required=("kind", "text"), optional=("count",))
        count = expect(table.get("count", 1), int, self.where(f"{entry}.count"))
        if not 1 <= count <= 20:
            raise FormError(f"{where}: count must be 1–20, got {count}")
        return Lines(self.text(table["text"], f"{entry}.text"), count)

    def _space(self, raw: Any, entry: str, where: str) -> Space:
        table = take(raw, where, required=("kind", "height"))
        return Space(self._length(table["height"], f"{entry}.height"))

    def _keep(self, raw: Any, entry: str, where: str) -> Keep:
        table = take(raw, where, required=("kind", "blocks"))
        blocks = self.blocks(table["blocks"], f"{entry}.blocks")
        if not blocks:
            raise FormError(f"{where}: a keep group needs at least one block")
        return Keep(blocks)

    def _table(self, raw: Any, entry: str, where: str) -> Table:
        table = take(raw, where, required=("kind", "columns", "row"))
        columns = expect(table["columns"], list, self.where(f"{entry}.columns"))
        widths = tuple(self._length(c, f"{entry}.columns[{i}]") for i, c in enumerate(columns))
        if not widths:
            raise FormError(f"{where}: a table needs at least one column")
        rows = expect(table["row"], list, self.where(f"{entry}.row"))
        if not rows:
            raise FormError(f"{where}: a table needs at least one row")
        return Table(
            widths, tuple(self._row(r, f"{entry}.row[{i}]", len(widths)) for i, r in enumerate(rows))
        )

    def _row(self, raw: Any, entry: str, ncols: int) -> Row:
        where = self.where(entry)
        table = take(raw, where, required=("cells",), optional=("height",))
        cells_raw = expect(table["cells"], list, self.where(f"{entry}.cells"))
        cells = tuple(self._cell(c, f"{entry}.cells[{i}]") for i, c in enumerate(cells_raw))
        spans = sum(c.span for c in cells)
        if spans != ncols:
            raise FormError(f"{where}: cells span {spans} columns, the table has {ncols}")
        height = self._length(table["height"], f"{entry}.height") if "height" in table else None
        return Row(cells, height)

    def _cell(self, raw: Any, entry: str) -> Cell:
        where = self.where(entry)
        table = take(raw, where, required=("text",), optional=("span", "style", "box"))
        span = expect(table.get("span", 1), int, self.where(f"{entry}.span"))
        if span < 1:
            raise FormError(f"{where}: span must be at least 1")
        style = self._choice(table.get("style", "value"), CELL_STYLES, f"{entry}.style")
        text = self.text(table["text"], f"{entry}.text")
        box = self._box(table["box"], f"{entry}.box") if "box" in table else None
        if box is not None and not box_label(text):
            raise FormError(f"{where}: a box's cell needs its label (「申请单位（盖公章）」) as its text")
        return Cell(text, span, style, box)

    def _box(self, raw: Any, entry: str) -> SignBox:
        """A box's kind, size (mm, at least the contract's minimum) and whether it is required."""
        where = self.where(entry)
        table = take(raw, where, required=("kind",), optional=("width", "height", "required"))
        kind = expect(table["kind"], str, self.where(f"{entry}.kind"))
        if kind not in BOX_KINDS:
            raise FormError(f"{where}: unknown box kind {kind!r} (known: {', '.join(BOX_KINDS)})")
        least, default = BOX_KINDS[kind], BOX_DEFAULTS[kind]
        size = []
        for n, name in enumerate(("width", "height")):
            value = float(expect(table.get(name, default[n]), (int, float), self.where(f"{entry}.{name}")))
            if not least[n] <= value <= BOX_MAX[n]:
                raise FormError(
                    f"{where}: a {kind} box's {name} must be {least[n]:g}–{BOX_MAX[n]:g} mm, got {value:g}"
                )
            size.append(value)
        required = expect(table.get("required", True), bool, self.where(f"{entry}.required"))
        return SignBox(kind, size[0], size[1], required)

    def _choice(self, raw: Any, allowed: tuple[str, ...], entry: str) -> str:
        value = expect(raw, str, self.where(entry))
        if value not in allowed:
            raise FormError(f"{self.where(entry)}: unknown style {value!r} (known: {', '.join(allowed)})")
        return value

    def notes(self, raw: Any, shown: tuple[str, ...]) -> tuple[FormNote, ...]:
        """The tab's notes: each above a field this document shows, one per field."""
        notes: list[FormNote] = []
        for n, item in enumerate(expect(raw, list, self.where("form_note"))):
            entry = f"form_note[{n}]"
            note = take(item, self.where(entry), required=("before", "text"))
            before = expect(note["before"], str, self.where(f"{entry}.before"))
            text = expect(note["text"], str, self.where(f"{entry}.text")).strip()
            if before not in shown:
                raise FormError(self.where(f"{entry}.before: {before!r} is not a field this document shows"))
            if not text or any(other.before == before for other in notes):
                raise FormError(self.where(f"{entry}: needs a text, and one note per field"))
            notes.append(FormNote(before, text))
        return tuple(notes)

    def _length(self, raw: Any, entry: str) -> float:
        value = float(expect(raw, (int, float), self.where(entry)))
        if not 0 < value <= 800:
            raise FormError(f"{self.where(entry)}: expected a positive length, got {raw}")
        return value


def box_label(text: Text) -> str:
    """A box's label: the literal text before its blank (「或授权代表 (签字)：」), as the verdicts
    name it; empty when the text does not start with one."""
    label = []
    for part in text.parts:
        if not isinstance(part, Literal):
            break
        label.append(part.text)
    return "".join(label).strip()


def boxes(blocks: Iterable[Block]) -> Iterator[tuple[str, SignBox]]:
    """Every box of the blocks with its label, in reading order."""
    for block in blocks:
        if isinstance(block, Para) and block.box is not None:
            yield box_label(block.text), block.box
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    if cell.box is not None:
                        yield box_label(cell.text), cell.box
        elif isinstance(block, Keep):
            yield from boxes(block.blocks)


_KINDS = ("title", "para", "list", "lines", "space", "keep", "table")


def load_document(
    path: Path,
    *,
    field_keys: frozenset[str],
    setting_keys: frozenset[str],
    field_choices: Mapping[str, Iterable[str]] | None = None,
) -> Document:
    """Read and check one document file; `field_choices` (key → choice ids) also checks checkboxes."""
    data = load_toml(path)
    top = take(data, str(path), required=("id", "title", "tab", "block"), optional=("form_note",))
    loader = _Loader(path, field_keys, setting_keys, field_choices)
    for key in ("id", "title", "tab"):
        if not expect(top[key], str, loader.where(key)).strip():
            raise FormError(loader.where(f"{key}: must not be empty"))
    if top["id"] != path.stem:
        raise FormError(loader.where(f"id {top['id']!r} does not match the file name {path.name}"))
    blocks = loader.blocks(top["block"], "block")
    if not blocks:
        raise FormError(loader.where("block: a document needs at least one block"))
    document = Document(top["id"], top["title"], top["tab"], blocks)
    return replace(document, notes=loader.notes(top.get("form_note", []), document.field_keys()))
