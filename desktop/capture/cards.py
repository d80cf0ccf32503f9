"""Reading a card image end to end: decode, prepare, OCR, extract, repair."""

from __future__ import annotations

from datetime import date

from desktop.capture import extract
from desktop.capture.ocr import OcrEngine, decode, prepare, shared_engine
from desktop.capture.record import ID_CARD, LICENCE, CardRead


def read_card(
    kind: str, front: bytes, back: bytes | None = None, *, today: date, engine: OcrEngine | None = None
) -> CardRead:
    """The fields of a licence (`kind` "licence") or an ID card ("id", front and maybe back), by
    role (desktop.capture.keys.keyed gives them the bundle's keys).

    Raises ocr.NotAnImage for bytes that are no image and ocr.OcrUnavailable when the engine or
    its models are missing; both carry a message for the agent.
    """
    engine = engine or shared_engine()
    images = [prepare(decode(front))] + ([prepare(decode(back))] if back is not None else [])
    lines = engine.read(images[0])
    if kind == LICENCE:
        return extract.read_licence(lines)
    if kind != ID_CARD:
        raise ValueError(kind)
    read = extract.read_id_front(lines, today=today)
    if len(images) > 1:
        extract.read_id_back(engine.read(images[1]), read)
    return read
