"""`desk400 read-card (licence|id) IMAGE [BACK] [--json]` (paper-trail.md, "Papers in").

Exit 0 every field read, 1 read with fields missing or a code with no unique repair (listed), 2
not an image (or the OCR stack unusable): one Chinese line on stderr, never a traceback.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from desktop.capture.cards import read_card
from desktop.capture.keys import CardKeysError, default_card_keys, keyed
from desktop.capture.ocr import NOT_INCLUDED, NotAnImage, OcrUnavailable, ocr_included
from desktop.capture.record import ID_CARD, CardRead
from desktop.files.safefile import read_regular

# A 600 dpi A4 colour scan as PNG is ~30 MB; anything far larger is no card photo.
MAX_IMAGE_BYTES = 64 * 1024 * 1024

KIND_NAMES = {"licence": "营业执照", ID_CARD: "身份证"}


class CardUnreadable(Exception):
    """The image cannot be read at all (exit 2); the message is the line the user sees."""


def cmd_read_card(
    kind: str, image: Path, back: Path | None, *, as_json: bool, today: date | None = None
) -> int:
    if not ocr_included():
        raise CardUnreadable(NOT_INCLUDED)  # no OCR stack here: exit 2 before reading
    if back is not None and kind != ID_CARD:
        raise CardUnreadable("只有身份证可以给出背面图片（营业执照只读一面）")
    front_bytes = read_regular(image, MAX_IMAGE_BYTES)
    back_bytes = read_regular(back, MAX_IMAGE_BYTES) if back is not None else None
    try:
        keys = default_card_keys()[kind]
        read = keyed(read_card(kind, front_bytes, back_bytes, today=today or date.today()), keys)
    except CardKeysError as exc:
        raise CardUnreadable(str(exc)) from None
    except NotAnImage as exc:
        raise CardUnreadable(f"{KIND_NAMES[kind]}图片无法读取：{exc}") from None
    except OcrUnavailable as exc:
        raise CardUnreadable(str(exc)) from None
    print(render(read, as_json=as_json))
    return 0 if read.complete else 1


def render(read: CardRead, *, as_json: bool) -> str:
    if as_json:
        return json.dumps(
            {
                "fields": {key: f.as_json() for key, f in read.fields.items()},
                "missing": read.missing,
                "unrepairable": read.unrepairable,
            },
            ensure_ascii=False,
            indent=2,
        )
    lines = []
    for key, f in read.fields.items():
        mark = "（按校验位修正）" if f.repaired else ""
        lines.append(f"{key}\t{f.value}\t{f.confidence:.2f}{mark}")
    for key in read.missing:
        lines.append(f"{key}\t未读出，请手工填写")
    for key in read.unrepairable:
        lines.append(f"{key}\t校验不通过且无法唯一修正，请对照证件核对")
    return "\n".join(lines)
