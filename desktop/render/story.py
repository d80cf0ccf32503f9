"""Turn a document's blocks and a case's values into ReportLab flowables.

Nothing here knows a document: titles, clauses, tables, checkboxes and signature blocks all come
from the layout (desktop.domain.layout). Values are never trusted to be drawable or short: every value is
escaped, stripped of control characters, has undrawable characters spelled out as [U+XXXX], and
wraps inside its line or cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus import paragraph as _rl_paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaParser

from desktop.domain import fields as field_types
from desktop.domain import layout
from desktop.render.boxes import BoxMark, SignLine, StyledLine

BODY_SIZE = 10.5
BODY_LEADING = 18.0
CELL_SIZE = 10.0
CELL_LEADING = 14.0
NBSP = "\u00a0"
BOX_CALLBACK = "desk400box"
# An invisible marker beside each ticked box: the tick itself is a drawing, the marker lets a test
# (or anyone reading the PDF's text) know which choice it belongs to.
TICK_MARKER = "[x:{}]"
# A row is split across pages only when it cannot fit on one (a very long value), never an
# ordinary row: each part must be at least this tall.
SPLIT_IN_ROW = 4 * CELL_LEADING
# Text the wrapping code must not see: C0/C1 controls, bidi overrides, zero-width characters.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_DATE_BLANK = ("年", "月", "日")
# A value beyond its field's limit is an error (so the bundle prints as a draft); it prints cut,
# visibly, so a hostile or mistaken value can neither hang the render nor pass for the real thing.
CUT_MARK = "…（超长，已截断）"
# The limit of a field that declares none (codes, phones, dates, names): far beyond any valid value.
FALLBACK_LIMIT = 256
FALLBACK_ITEMS = 10
_MAX_INT_BITS = 64


def _ord_or_zero(ch: str) -> int:
    return ord(ch) if ch else 0


# ReportLab's CJK line breaker (cjkFragSplit), looking back for a break point when a line ends on
# a non-CJK character, calls ord() on every glyph it passes, and a checkbox's <onDraw> fragment
# is an empty one: TypeError (seen with 「(浙江杭州西湖文三路A…) 省范围」). An empty fragment is no
# CJK character, which is what 0 says; every other call is unchanged.
_rl_paragraph.ord = _ord_or_zero  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Styles:
    font: str
    title: ParagraphStyle
    para: Mapping[str, ParagraphStyle]
    cell: Mapping[str, ParagraphStyle]
    nbsp_em: float


@lru_cache(maxsize=4)
def styles(font: str, frame_width: float) -> Styles:
    """Paragraph styles for the print font (cached: building them is most of a small render)."""
    base = ParagraphStyle(
        "body", fontName=font, fontSize=BODY_SIZE, leading=BODY_LEADING, wordWrap="CJK",
        firstLineIndent=2 * BODY_SIZE, spaceAfter=2, underlineWidth=0.7, underlineOffset=-2.2,
    )  # fmt: skip
    para = {
        "body": base,
        "plain": ParagraphStyle("plain", base, firstLineIndent=0),
        "sign": ParagraphStyle("sign", base, firstLineIndent=0, leftIndent=frame_width * 0.45, spaceAfter=4),
        "center": ParagraphStyle("center", base, firstLineIndent=0, alignment=TA_CENTER),
        "right": ParagraphStyle("right", base, firstLineIndent=0, alignment=TA_RIGHT),
        "item": ParagraphStyle(
            "item", base, firstLineIndent=-BODY_SIZE, leftIndent=3 * BODY_SIZE, spaceAfter=0
        ),
    }
    cell_base = ParagraphStyle(
        "cell",
        base,
        fontSize=CELL_SIZE,
        leading=CELL_LEADING,
        firstLineIndent=0,
        spaceAfter=0,
        alignment=TA_LEFT,
    )
    cell = {
        "value": cell_base,
        "label": ParagraphStyle("label", cell_base, alignment=TA_CENTER),
        "section": cell_base,
        "seal": cell_base,
    }
    title = ParagraphStyle(
        "title", base, fontSize=16, leading=24, firstLineIndent=0, alignment=TA_CENTER, spaceAfter=14
    )
    return Styles(font, title, para, cell, stringWidth(NBSP, font, 1) or 0.5)


@lru_cache(maxsize=1024)
def _parse(markup: str, style: ParagraphStyle) -> tuple[Any, ...]:
    """Parsed paragraph fragments, shared by every render: the clauses are the same each time."""
    _, frags, _ = ParaParser().parse(cleanBlockQuotedText(markup), style)
    if frags is None:
        raise ValueError(f"bad paragraph markup: {markup[:40]!r}")
    return tuple(frags)


class Para(Paragraph):
    """A paragraph that breaks its lines once per width.

    Platypus wraps a flowable several times (keep-together groups measure their content, tables
    size their cells, frames wrap again before drawing), and CJK line breaking is most of the cost
    of a render; the result depends only on the width.
    """

    _wrapped: tuple[float, tuple[float, float], Any] | None = None

    def __init__(
        self, text: str | None, style: ParagraphStyle, frags: list | None = None, **kwargs: Any
    ) -> None:
        # ReportLab's split() makes the halves with this class: keep its signature.
        if frags is None and text is not None:
            frags = list(_parse(text, style))
        super().__init__(text, style, frags=frags, **kwargs)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self._wrapped is not None and self._wrapped[0] == availWidth:
            # split() drops blPara when the paragraph cannot split: put the lines back
            _, (self.width, self.height), self.blPara = self._wrapped
        else:
            size = super().wrap(availWidth, availHeight)
            self._wrapped = (availWidth, size, self.blPara)
        return self.width, self.height


class Values:
    """The case's values and the operator settings as printable text."""

    def __init__(
        self,
        bundle: Any,
        values: Mapping[str, object],
        settings: Mapping[str, str],
        coverage: frozenset[int],
    ) -> None:
        self.bundle = bundle
        self.values = values
        self.settings = {**bundle.setting_defaults(), **{k: v for k, v in settings.items() if v is not None}}
        self.coverage = coverage
        self._shown: dict[tuple[str, int | None], str] = {}

    def clean(self, text: str) -> str:
        """Drawable text: controls dropped, characters the font lacks spelled out, never a tofu box."""
        text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
        if all(ord(ch) in self.coverage or ch in " \n" for ch in text):
            return text
        return "".join(ch if ord(ch) in self.coverage or ch in " \n" else f"[U+{ord(ch):04X}]" for ch in text)

    def _raw(self, key: str) -> object:
        try:
            if not self.bundle.relevant(key, self.values):
                return None
        except Exception:  # a value the condition cannot read: print it rather than fail
            pass
        return self.values.get(key)

    def field_type(self, key: str) -> str:
        try:
            return str(self.bundle.field(key).type)
        except Exception:
            return "text"

    def show(self, part: layout.Value) -> str:
        key = (part.key, part.index)
        if key not in self._shown:  # a value prints on several documents: format it once
            self._shown[key] = self._show(part)
        return self._shown[key]

    def _show(self, part: layout.Value) -> str:
        raw = self._raw(part.key)
        if part.index is not None:
            items = raw if isinstance(raw, (list, tuple)) else ([raw] if raw not in (None, "") else [])
            raw = [items[part.index - 1]] if len(items) >= part.index else None
        if raw is None or raw == "" or raw == []:
            return ""
        raw, cut = self._cut(part.key, raw)
        try:
            fdef = self.bundle.field(part.key)
            text = field_types.display_value(fdef, raw) if raw != "" else ""
        except Exception:  # the renderer never fails on a value; show it as stored
            text = "、".join(map(str, raw)) if isinstance(raw, (list, tuple)) else str(raw)
        text = self.clean(text).strip()
        return text + CUT_MARK if cut else text

    def _cut(self, key: str, raw: object) -> tuple[object, bool]:
        """The value within its field's limit (max_length characters, max_items items) and whether
        anything was cut: a render takes time linear in what it prints, never in what it is given."""
        try:
            fdef = self.bundle.field(key)
            limit, items = fdef.max_length or FALLBACK_LIMIT, fdef.max_items or FALLBACK_ITEMS
        except Exception:
            limit, items = FALLBACK_LIMIT, FALLBACK_ITEMS
        if isinstance(raw, bool):
            return raw, False
        if isinstance(raw, int):
            return (raw, False) if raw.bit_length() <= _MAX_INT_BITS else ("", True)
        if isinstance(raw, str):
            return (raw, False) if len(raw) <= limit else (raw[:limit], True)
        if isinstance(raw, (list, tuple)):
            kept = [self._cut(key, item) for item in raw[:items]]
            cut = len(raw) > items or any(c for _, c in kept)
            return [v for v, _ in kept], cut
        return raw, False

    def show_key(self, key: str) -> str:
        return self.show(layout.Value(key))

    def ticked(self, box: layout.Box) -> bool:
        raw = self._raw(box.key)
        if isinstance(raw, (list, tuple, set, frozenset)):
            return box.choice in raw
        return raw == box.choice

    def setting(self, key: str) -> str:
        return self.clean(str(self.settings.get(key, "")))


def _markup(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


def _blank(em: float, st: Styles) -> str:
    return NBSP * max(1, round(em / st.nbsp_em))


@dataclass(frozen=True)
class Run:
    """A piece of resolved text: plain or underlined, or a checkbox (`box` is its label)."""

    text: str
    underline: bool = False
    box: str = ""


def runs(text: layout.Text, vals: Values, st: Styles, *, blanks: bool) -> list[Run]:
    """The text with every placeholder resolved; `blanks` underlines values like a filled-in form."""
    out: list[Run] = []
    for part in text.parts:
        if isinstance(part, layout.Literal):
            out.append(Run(part.text))
        elif isinstance(part, layout.Setting):
            out.append(Run(vals.setting(part.key)))
        elif isinstance(part, layout.Box):
            # Keys and choice ids are [a-z0-9_.] (checked by the loader): safe in an attribute.
            label = f"{'x' if vals.ticked(part) else 'o'}|{part.key}={part.choice}"
            out.append(Run(_blank(1.35, st), box=label))
        elif isinstance(part, layout.Blank):
            out.append(Run(_blank(part.width, st), blanks))
        else:
            out.append(_value(part, vals, st, blanks=blanks))
    return out


def _value(part: layout.Value, vals: Values, st: Styles, *, blanks: bool) -> Run:
    shown = vals.show(part)
    if not shown and vals.field_type(part.key) == "date":
        gap = _blank(2.5 if blanks else 1.5, st)
        return Run(_blank(3, st) + gap.join(_DATE_BLANK), blanks)
    if not blanks:
        return Run(shown)
    if not shown:
        return Run(_blank(part.width or 4, st), True)
    side = _blank(max(1.0, part.width - stringWidth(shown, st.font, 1)) / 2, st)
    return Run(f"{side}{shown}{side}", True)


def hanging(parts: list[Run], style: ParagraphStyle, width: float) -> ParagraphStyle | None:
    """For a label and the underlined value it introduces (「单位地址：____」) that wrap: a hanging
    indent, so the value's next line starts under the value, its underline where the value's
    began, not back at the label's margin (issue 23, the 承诺书's long address). None otherwise."""
    if len(parts) < 2 or parts[0].underline or parts[0].box or not parts[1].underline:
        return None
    if style.firstLineIndent:
        return None  # an indented body paragraph keeps its own first-line form
    label = stringWidth(parts[0].text, style.fontName, style.fontSize)
    if label > (width - style.leftIndent - style.rightIndent) / 2:
        return None  # a long lead-in: the value needs the whole line
    return ParagraphStyle(
        f"{style.name}-hanging", style, leftIndent=style.leftIndent + label, firstLineIndent=-label
    )


def markup(parts: list[Run]) -> str:
    """Paragraph markup for resolved runs."""
    out: list[str] = []
    for run in parts:
        if run.box:
            out.append(f'<onDraw name="{BOX_CALLBACK}" label="{run.box}"/>{run.text}')
        elif run.underline:
            out.append(f"<u>{_markup(run.text)}</u>")
        else:
            out.append(_markup(run.text))
    return "".join(out)


def inline(text: layout.Text, vals: Values, st: Styles, *, blanks: bool) -> str:
    return markup(runs(text, vals, st, blanks=blanks))


class Line(StyledLine):
    """One line of text, its underlines and checkboxes drawn directly.

    Most filled-in lines of a form (「公司名称 ____」) are short, and ReportLab's paragraph path for
    mixed text breaks it character by character, several times slower than drawing the line. Used
    only for text that fits on one line; anything longer is a Para.
    """

    def __init__(self, parts: list[Run], widths: list[float], style: ParagraphStyle) -> None:
        super().__init__()
        self.parts, self.widths, self.style = parts, widths, style

    @staticmethod
    def fits(parts: list[Run], style: ParagraphStyle, width: float) -> list[float] | None:
        """The runs' widths when they fit on one line of `width`, else None."""
        if any("\n" in run.text for run in parts):
            return None
        widths = [stringWidth(run.text, style.fontName, style.fontSize) for run in parts]
        room = width - style.leftIndent - style.firstLineIndent - style.rightIndent
        return widths if sum(widths) <= room - 0.5 else None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        return availWidth, self.style.leading

    def draw(self) -> None:
        style, canvas = self.style, self.canv
        x = style.leftIndent + style.firstLineIndent
        free = self.width - x - style.rightIndent - sum(self.widths)
        if style.alignment == TA_CENTER:
            x += free / 2
        elif style.alignment == TA_RIGHT:
            x += free
        y = style.leading - style.fontSize  # the baseline, where a paragraph puts its first line
        canvas.setFont(style.fontName, style.fontSize)
        for run, width in zip(self.parts, self.widths, strict=True):
            if run.box:
                draw_checkbox(canvas, x, y, style.fontSize, run.box)
            elif run.text.strip(NBSP + " "):
                canvas.drawString(x, y, run.text)
            if run.underline:
                canvas.saveState()
                canvas.setLineWidth(style.underlineWidth)
                canvas.line(x, y + style.underlineOffset, x + width, y + style.underlineOffset)
                canvas.restoreState()
            x += width


def draw_checkbox(canvas: Canvas, x: float, y: float, size: float, label: str) -> None:
    """A real square box at the text position (`y` the baseline), ticked when `label` says so.

    A ticked box also carries an invisible TICK_MARKER naming its choice, so the PDF's text tells
    which boxes are ticked (the tick itself is a drawing, not a glyph the font may lack).
    """
    x, y = x + 0.08 * size, y - 0.1 * size
    side = 0.82 * size
    canvas.saveState()
    canvas.setLineWidth(0.7)
    canvas.setStrokeColor(colors.black)
    canvas.rect(x, y, side, side, stroke=1, fill=0)
    state, _, choice = label.partition("|")
    if state == "x":
        canvas.setLineWidth(1.2)
        path = canvas.beginPath()
        path.moveTo(x + 0.15 * side, y + 0.52 * side)
        path.lineTo(x + 0.42 * side, y + 0.18 * side)
        path.lineTo(x + 0.9 * side, y + 0.92 * side)
        canvas.drawPath(path, stroke=1, fill=0)
        text = canvas.beginText(x, y)
        text.setTextRenderMode(3)
        text.setFont(canvas._fontname, 1)
        text.textOut(TICK_MARKER.format(choice))
        canvas.drawText(text)
    canvas.restoreState()


def box_callback(canvas: Canvas, kind: str, label: str) -> None:
    """The paragraph `<onDraw>` callback: a checkbox inside wrapped text."""
    info = canvas._curr_tx_info
    style = info["xs"].style
    canvas.saveState()
    canvas.setFont(style.fontName, style.fontSize)
    draw_checkbox(canvas, info["cur_x"], info["cur_y"], style.fontSize, label)
    canvas.restoreState()


class DocumentStart(Flowable):
    """Zero-size marker at the top of a document: the PDF outline entry, and the header's title."""

    def __init__(self, doc_id: str, title: str) -> None:
        super().__init__()
        self.doc_id, self.title = doc_id, title
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return 0, 0

    def draw(self) -> None:
        outline_entry = getattr(self.canv, "outline_entry", None)
        if outline_entry is not None:
            outline_entry(self.doc_id, self.title)


class Builder:
    """Builds the flowables of every document of a bundle for one case."""

    def __init__(self, vals: Values, st: Styles, frame_width: float, *, grid: bool = True) -> None:
        self.vals, self.st, self.frame_width, self.grid = vals, st, frame_width, grid

    def story(self, documents: Iterable[layout.Document]) -> list[Flowable]:
        out: list[Flowable] = []
        for i, doc in enumerate(documents):
            if i:
                out.append(PageBreak())
            out.append(DocumentStart(doc.id, doc.title))
            out.extend(self.blocks(doc.blocks))
        return out

    def para(self, text: layout.Text, style: ParagraphStyle) -> Flowable:
        return self.text(runs(text, self.vals, self.st, blanks=True), style, self.frame_width)

    @staticmethod
    def text(parts: list[Run], style: ParagraphStyle, width: float) -> Flowable:
        """A one-line text drawn directly when it fits, else a wrapping paragraph."""
        widths = Line.fits(parts, style, width)
        if widths is not None:
            return Line(parts, widths, style)
        return Para(markup(parts), hanging(parts, style, width) or style)

    def blocks(self, blocks: Iterable[layout.Block]) -> list[Flowable]:
        out: list[Flowable] = []
        for block in blocks:
            out.extend(self.block(block))
        return out

    def block(self, block: layout.Block) -> list[Flowable]:
        st = self.st
        if isinstance(block, layout.Title):
            return [self.para(block.text, st.title)]
        if isinstance(block, layout.Para):
            if block.box is not None:
                label, rest = self.box_texts(block.text)
                return [SignLine(label, rest, block.box, st.para[block.style])]
            return [self.para(block.text, st.para[block.style])]
        if isinstance(block, layout.ItemList):
            return [self.para(t, st.para["item"]) for t in block.items]
        if isinstance(block, layout.Lines):
            return self.lines(block)
        if isinstance(block, layout.Space):
            return [Spacer(1, block.height)]
        if isinstance(block, layout.Keep):
            return [KeepTogether(self.blocks(block.blocks))]
        return [self.table(block)] if self.grid else self.table_as_lines(block)

    def box_texts(self, text: layout.Text) -> tuple[str, str]:
        """A boxed line's label and what it prints inside its box (values, settings; no blanks)."""
        label = layout.box_label(text)
        rest: list[str] = []
        leading = 0
        while leading < len(text.parts) and isinstance(text.parts[leading], layout.Literal):
            leading += 1
        for part in text.parts[leading:]:
            if isinstance(part, layout.Value):
                rest.append(self.vals.show(part))
            elif isinstance(part, layout.Setting):
                rest.append(self.vals.setting(part.key))
            elif isinstance(part, layout.Literal) and rest:
                rest.append(self.vals.clean(part.text))
        return label, "".join(rest)

    def table_as_lines(self, block: layout.Table) -> list[Flowable]:
        """A table printed row by row as plain lines: the fallback when a value is too long for a
        ruled cell (ReportLab cannot split a spanned cell taller than a page)."""
        style = self.st.para["plain"]
        gap = _blank(1.5, self.st)
        return [
            Para(gap.join(inline(c.text, self.vals, self.st, blanks=True) for c in row.cells), style)
            for row in block.rows
        ]

    def lines(self, block: layout.Lines) -> list[Flowable]:
        style = self.st.para["plain"]
        text = inline(block.text, self.vals, self.st, blanks=False)
        full = f"<u>{_blank(self.frame_width / style.fontSize * 0.98, self.st)}</u>"
        if not re.sub(r"<[^>]*>|\s|\u00a0", "", text):
            return [Para(full, style) for _ in range(block.count)]
        return [Para(f"<u>{text}</u>", style)]

    def _cell(self, cell: layout.Cell, width: float, height: float | None) -> object:
        st = self.st
        parts = runs(cell.text, self.vals, st, blanks=False)
        para = self.text(parts, st.cell[cell.style], width - 8)
        if cell.box is not None:
            return [para, BoxMark(layout.box_label(cell.text), cell.box)]
        if height:
            return [para, Spacer(1, max(0.0, height - 9 - st.cell[cell.style].leading))]
        return para

    def table(self, block: layout.Table) -> Table:
        st = self.st
        total = sum(block.columns)
        widths = [self.frame_width * c / total for c in block.columns]
        data: list[list[object]] = []
        commands: list[tuple] = [
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            # Empty (spanned) cells are drawn as strings too: never with a non-embedded base font.
            ("FONT", (0, 0), (-1, -1), st.font, CELL_SIZE, CELL_LEADING),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]
        for r, row in enumerate(block.rows):
            cells: list[object] = []
            col = 0
            for cell in row.cells:
                cells.append(self._cell(cell, sum(widths[col : col + cell.span]), row.height))
                if cell.style == "label":
                    commands.append(("ALIGN", (col, r), (col, r), "CENTER"))
                cells.extend([""] * (cell.span - 1))
                if cell.span > 1:
                    commands.append(("SPAN", (col, r), (col + cell.span - 1, r)))
                if cell.style == "section":
                    commands.append(
                        ("BACKGROUND", (col, r), (col + cell.span - 1, r), colors.Color(0.92, 0.92, 0.92))
                    )
                if cell.style == "seal" or row.height:
                    commands.append(("VALIGN", (col, r), (col + cell.span - 1, r), "TOP"))
                col += cell.span
            data.append(cells)
        return Table(
            data, colWidths=widths, style=TableStyle(commands), splitByRow=1, splitInRow=SPLIT_IN_ROW
        )
