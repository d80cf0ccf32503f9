"""What a capture produced: fields with their confidence, and the chip reader's ID record.

Plain data (no OCR, no Qt), so the window, the command line and the store share one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

LICENCE, ID_CARD = "licence", "id"
# The mark a filled value carries in the window (paper-trail.md, "Papers in").
SOURCE_MARKS = {LICENCE: "来自营业执照", ID_CARD: "来自身份证"}
EXPIRY_WARNING_DAYS = 30


def source_mark(kind: str) -> str:
    """The mark beside a field filled from a card: 「来自营业执照」 or 「来自身份证」."""
    return f"「{SOURCE_MARKS[kind]}」"


@dataclass(frozen=True)
class ReadField:
    """One value read: its confidence (0–1; 1.0 for chip data) and whether a check digit fixed it."""

    value: str
    confidence: float
    repaired: bool = False

    def as_json(self) -> dict[str, object]:
        return {"value": self.value, "confidence": round(self.confidence, 3), "repaired": self.repaired}


@dataclass
class CardRead:
    """The result of reading one card (front, and for an ID card perhaps its back).

    `missing` lists the keys expected but not read; `unrepairable` the codes read whose check
    failed with no unique repair: those are kept as read (never guessed) for the agent to fix.
    """

    kind: str
    fields: dict[str, ReadField] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    unrepairable: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unrepairable


@dataclass(frozen=True)
class IdRecord:
    """An ID card as a reader gives it; chip data is authoritative, OCR the fallback (`source`)."""

    name: str = ""
    sex: str = ""
    nation: str = ""
    birth: str = ""
    address: str = ""
    id_number: str = ""
    issuer: str = ""
    valid_from: str = ""
    valid_to: str = ""
    photo: bytes = b""
    source: str = "chip"

    def to_read(self, confidence: float = 1.0) -> CardRead:
        """The record as a card read (roles; desktop.capture.keys gives the bundle's keys)."""
        pairs = {
            "name": self.name,
            "id_number": self.id_number,
            "address": self.address,
            "issuer": self.issuer,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
        }
        read = CardRead(ID_CARD)
        for key, value in pairs.items():
            if value:
                read.fields[key] = ReadField(value, confidence)
        read.missing = [k for k in ("name", "id_number") if k not in read.fields]
        return read


def parse_card_date(text: str) -> date | None:
    """A card's date as printed (2020.01.02, 2020-01-02, 20200102 or 2020年01月02日), else None."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) != 8:
        return None
    try:
        return datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        return None


def expiry_problem(valid_to: str, today: date) -> tuple[str, str] | None:
    """("error"|"warning", message) for an expired card or one expiring within 30 days.

    "长期" (long-term) never expires; a date that cannot be read is the agent's to check.
    """
    if not valid_to or "长期" in valid_to:
        return None
    end = parse_card_date(valid_to)
    if end is None:
        return ("warning", f"身份证有效期限 {valid_to} 无法识别，请核对证件")
    if end < today:
        return ("error", f"身份证已于 {end:%Y年%m月%d日} 过期，请经办人出示有效证件")
    if (end - today).days <= EXPIRY_WARNING_DAYS:
        return ("warning", f"身份证将于 {end:%Y年%m月%d日} 到期（{(end - today).days} 天后），请提醒经办人")
    return None
