"""Turning stored values into the text a list shows and a search matches, and back again safely.

Rows are read as bytes and decoded here, so one damaged row (bytes that are not UTF-8, fields that
are not JSON) becomes one damaged case instead of an error that stops every list.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from desktop.files.casefile import Value

MAX_TERMS = 32  # words of a query beyond this are ignored (SQLite refuses very long expressions)


class Undecodable(ValueError):
    """A stored value that is not what the store wrote (damaged bytes or JSON)."""


def mask(text: str) -> str:
    """Hide the middle of an identifier: 610113198402242115 -> 610113********2115."""
    n = len(text)
    if n >= 11:
        return text[:6] + "*" * (n - 10) + text[-4:]
    if n > 2:
        return text[0] + "*" * (n - 2) + text[-1]
    return "*" * n


def terms(query: str) -> list[str]:
    """Lower-cased words of a query; a phone-style fragment (400-903 0005) loses its separators.

    Control characters (NUL included) separate words, and only the first MAX_TERMS words count:
    a pasted page of text searches, it does not fail."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in query)
    text = cleaned.strip().lower()
    if text and all(c.isdigit() or c in " -" for c in text):
        text = text.replace("-", "").replace(" ", "")
    return [t for t in text.split() if t][:MAX_TERMS]


def chars(text: str) -> str:
    """One token per letter or digit, for the character index (punctuation separates)."""
    return " ".join(c for c in text if c.isalnum())


def phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def text_of(value: Value) -> str:
    """A value as one line of text; a string is cut at a NUL (it can only be indexed up to there)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(v.split("\0", 1)[0] for v in value)
    return str(value).split("\0", 1)[0]


def masked(value: Value) -> Value:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, int):
        return mask(str(value))
    return value


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def decode(raw: Any) -> Any:
    """A text column read as bytes (CAST AS BLOB) as str; raises Undecodable for damaged bytes.
    Anything else (NULL, a number) comes back as it is."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        return raw
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Undecodable("not UTF-8") from exc


def load_fields(raw: bytes | str | None) -> dict[str, Value]:
    """The `fields` column as a dict; raises Undecodable when it is not the JSON object we wrote."""
    text = decode(raw)
    try:
        fields = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise Undecodable("not JSON") from exc
    if not isinstance(fields, dict):
        raise Undecodable("not an object")
    return fields


def check_values(values: Mapping[str, Value]) -> None:
    for key, value in values.items():
        if not isinstance(key, str):
            raise TypeError(f"field key must be str, got {key!r}")
        ok = (
            value is None
            or isinstance(value, str)
            or (isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        )
        if not ok:
            raise TypeError(f"field {key}: unsupported value type {type(value).__name__}")
