"""Field extraction from OCR lines, by the printed labels and the layout of the two cards.

A licence or an ID card prints each value after its label on the same row (the address may wrap
onto the next rows); OCR returns either one line "名称杭州…" or the label and the value as
separate boxes side by side. Both are handled: the label is found by its text, the value is the
rest of its line or the boxes to its right on the same row. Codes are found by their shape
wherever they are printed, then checked and repaired (desktop.capture.repair).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from desktop.capture.ocr import OcrLine
from desktop.capture.record import ID_CARD, LICENCE, CardRead, ReadField, parse_card_date
from desktop.capture.repair import Repair, repair_id_number, repair_uscc

# The roles read (desktop.capture.keys maps them to the bundle's field keys).
LICENCE_ROLES = ("name", "license_no", "address", "legal_rep")
ID_FRONT_ROLES = ("name", "id_number", "address")
ID_BACK_ROLES = ("issuer", "valid_from", "valid_to")

_LICENCE_LABELS = {
    "name": ("名称",),
    "legal_rep": ("法定代表人", "负责人", "经营者", "执行事务合伙人", "投资人"),
    "address": ("住所", "经营场所", "主要经营场所", "营业场所"),
}
_ID_LABELS = {"name": ("姓名",), "address": ("住址",)}
# Every label on either card: a value's row ends where the next label begins.
_ALL_LABELS = (
    "统一社会信用代码", "名称", "类型", "法定代表人", "负责人", "经营者", "执行事务合伙人", "投资人",
    "注册资本", "出资额", "成立日期", "营业期限", "合伙期限", "住所", "经营场所", "主要经营场所", "营业场所",
    "经营范围", "登记机关", "姓名", "性别", "民族", "出生", "住址", "公民身份号码", "签发机关", "有效期限",
)  # fmt: skip
_SKIP = " \t:：·.,，;；|"
_CODE = re.compile(r"[0-9A-Z]{18}")


@dataclass(frozen=True)
class Piece:
    """Text with one confidence per character (separators and spaces already dropped)."""

    text: str
    chars: tuple[float, ...]

    @property
    def confidence(self) -> float:
        return min(self.chars) if self.chars else 0.0

    def __add__(self, other: Piece) -> Piece:
        return Piece(self.text + other.text, self.chars + other.chars)


def _piece(line: OcrLine, start: int = 0) -> Piece:
    kept = [(c, s) for c, s in zip(line.text[start:], line.chars[start:], strict=False) if c not in _SKIP]
    return Piece("".join(c for c, _ in kept), tuple(s for _, s in kept))


def _squeezed(text: str) -> str:
    return "".join(c for c in text if c not in _SKIP)


def _label_at(line: OcrLine, labels: Sequence[str]) -> int | None:
    """Index just past `labels`' first match at the start of the line (spaces between allowed)."""
    for label in sorted(labels, key=len, reverse=True):
        i, j = 0, 0
        text = line.text
        while i < len(text) and j < len(label):
            if text[i] in _SKIP:
                i += 1
            elif text[i] == label[j]:
                i, j = i + 1, j + 1
            else:
                break
        if j == len(label):
            return i
    return None


def _starts_with_label(line: OcrLine) -> bool:
    return _label_at(line, _ALL_LABELS) is not None


def _same_row(a: OcrLine, b: OcrLine) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap > 0.5 * min(a.height, b.height)


def _value_after(lines: Sequence[OcrLine], labels: Sequence[str], *, wraps: bool = False) -> Piece | None:
    """The value printed after one of `labels`: the rest of its line, else the boxes to its right."""
    for index, line in enumerate(lines):
        end = _label_at(line, labels)
        if end is None:
            continue
        value = _piece(line, end)
        right = sorted(
            (o for o in lines if o is not line and o.left >= line.right - 2 and _same_row(o, line)),
            key=lambda o: o.left,
        )
        for other in right:
            if _starts_with_label(other):
                break
            value = value + _piece(other)
        if wraps and value.text:
            value = value + _continuation(lines, index, line, right)
        if value.text:
            return value
    return None


def _continuation(lines: Sequence[OcrLine], index: int, label: OcrLine, right: list[OcrLine]) -> Piece:
    """The rows an address wraps onto: below it, starting where its value starts, not labels."""
    start = right[0].left if right else label.left
    bottom = max([label.bottom] + [o.bottom for o in right])
    pitch = label.height
    extra = Piece("", ())
    for other in lines[index + 1 :]:
        if other in right or other.top < bottom - 0.3 * pitch:
            continue
        if (
            other.top > bottom + 0.9 * pitch
            or _starts_with_label(other)
            or abs(other.left - start) > 2 * pitch
        ):
            break
        extra = extra + _piece(other)
        bottom = other.bottom
    return extra


def _find_code(lines: Sequence[OcrLine], labels: Sequence[str]) -> Piece | None:
    """An 18-character code: after its label if there is one, else the first line holding one."""
    labelled = _value_after(lines, labels)
    candidates = ([labelled] if labelled else []) + [_piece(line) for line in lines]
    for piece in candidates:
        upper = piece.text.upper()
        match = _CODE.search(upper)
        if match:
            return Piece(match.group(), piece.chars[match.start() : match.end()])
    return None


def _field(piece: Piece) -> ReadField:
    return ReadField(piece.text, piece.confidence)


def _code_field(read: CardRead, key: str, piece: Piece | None, outcome: Repair | None) -> None:
    """The code as repaired (or as read when no unique repair exists: listed as unrepairable)."""
    if piece is None or outcome is None:
        return
    read.fields[key] = ReadField(outcome.value, piece.confidence, repaired=outcome.repaired)
    if not outcome.valid:
        read.unrepairable.append(key)


def read_licence(lines: Sequence[OcrLine]) -> CardRead:
    """A business licence's name, credit code, address and legal representative."""
    read = CardRead(LICENCE)
    for key, labels in _LICENCE_LABELS.items():
        piece = _value_after(lines, labels, wraps=key == "address")
        if piece:
            read.fields[key] = _field(piece)
    code = _find_code(lines, ("统一社会信用代码",))
    _code_field(read, "license_no", code, repair_uscc(code.text, code.chars) if code else None)
    read.missing = [k for k in LICENCE_ROLES if k not in read.fields]
    return read


def read_id_front(lines: Sequence[OcrLine], *, today: date) -> CardRead:
    """An ID card front's name, number and address."""
    read = CardRead(ID_CARD)
    for key, labels in _ID_LABELS.items():
        piece = _value_after(lines, labels, wraps=key == "address")
        if piece:
            read.fields[key] = _field(piece)
    code = _find_code(lines, ("公民身份号码",))
    outcome = repair_id_number(code.text, code.chars, today=today) if code else None
    _code_field(read, "id_number", code, outcome)
    read.missing = [k for k in ID_FRONT_ROLES if k not in read.fields]
    return read


def read_id_back(lines: Sequence[OcrLine], read: CardRead) -> None:
    """Add an ID card back's issuer and validity to `read` (missing ones listed)."""
    issuer = _value_after(lines, ("签发机关",))
    if issuer:
        read.fields["issuer"] = _field(issuer)
    validity = _value_after(lines, ("有效期限",))
    if validity:
        text = validity.text.replace("—", "-").replace("–", "-").replace("~", "-")
        first, _, second = text.partition("-")
        start = parse_card_date(first)
        if start:
            read.fields["valid_from"] = ReadField(start.isoformat(), validity.confidence)
        end = parse_card_date(second)
        if end:
            read.fields["valid_to"] = ReadField(end.isoformat(), validity.confidence)
        elif "长期" in second:
            read.fields["valid_to"] = ReadField("长期", validity.confidence)
    read.missing += [k for k in ID_BACK_ROLES if k not in read.fields]
