"""The plain note beside a sealed case file, so a later export can tell what it would replace.

`ID.json.age` opens only with the hall's identity, which no desk holds: an export into a folder
where another machine left a newer sealed file could not compare it with its own and replaced it
(issue 21). Beside each sealed file export writes `ID.json.age.info`: the case id, its `updated`
time (as seconds since 1970), a salted digest of its values, and the sha256 of the sealed file it describes (a note left
by an interrupted export, or beside a file replaced since, describes another file and is not
trusted). It holds no value in clear: the digest is an HMAC under a random salt, so nothing can be
looked up by its values, and id and time are what the file name and any listing show anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop.files import safefile
from desktop.files.casefile import Value, is_empty

SUFFIX = ".info"
FORMAT = "desk400-sealed-case-info"
MAX_BYTES = 4096


@dataclass(frozen=True)
class SealedInfo:
    """What a sealed case file holds, as its note says."""

    id: str
    updated: float  # the sealed case's `updated`, as a POSIX timestamp
    salt: str
    digest: str

    def same_values(self, fields: Mapping[str, Value]) -> bool:
        """True when `fields` are the values sealed (empty ones aside, as in a case file)."""
        return hmac.compare_digest(_digest(self.salt, fields), self.digest)

    def newer_than(self, updated: str) -> bool:
        try:
            return self.updated > datetime.fromisoformat(updated).timestamp()
        except ValueError:
            return False

    def shown_time(self) -> str:
        """The sealed case's time as this machine's clock reads it, for a message."""
        return datetime.fromtimestamp(self.updated).astimezone().isoformat(timespec="seconds")


def info_path(sealed: Path) -> Path:
    return sealed.with_name(sealed.name + SUFFIX)


def is_info(path: Path) -> bool:
    """True for a note's name (`….json.age.info`): never a case file to import."""
    return path.name.endswith(".age" + SUFFIX)


def _digest(salt: str, fields: Mapping[str, Value]) -> str:
    filled = {k: v for k, v in fields.items() if not is_empty(v)}
    text = json.dumps(filled, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(bytes.fromhex(salt), text.encode("utf-8"), hashlib.sha256).hexdigest()


def write(sealed: Path, data: bytes, case_id: str, updated: str, fields: Mapping[str, Value]) -> None:
    """Write the note for the sealed file `sealed` just written with the bytes `data`."""
    salt = secrets.token_hex(16)
    doc = {
        "format": FORMAT,
        "version": 1,
        "id": case_id,
        "updated": datetime.fromisoformat(updated).timestamp(),
        "salt": salt,
        "digest": _digest(salt, fields),
        "sealed": hashlib.sha256(data).hexdigest(),
    }
    safefile.write_atomic(info_path(sealed), (json.dumps(doc) + "\n").encode("utf-8"), mode=0o600)


def read(sealed: Path, data: bytes) -> SealedInfo | None:
    """The note of the sealed file `sealed` whose bytes are `data`; None when there is none, it
    is malformed, or it describes other bytes than these."""
    try:
        raw = safefile.read_regular(info_path(sealed), MAX_BYTES, what="加密案卷的说明文件")
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            return None
        fields = [doc.get(k) for k in ("id", "salt", "digest", "sealed")]
        updated = doc.get("updated")
        if not all(isinstance(f, str) for f in fields) or type(updated) not in (int, float):
            return None
        case_id, salt, digest, sealed_digest = fields
        bytes.fromhex(salt)
        datetime.fromtimestamp(updated)
    except (safefile.FileProblem, ValueError, UnicodeDecodeError, OverflowError, OSError):
        return None
    if not hmac.compare_digest(sealed_digest, hashlib.sha256(data).hexdigest()):
        return None
    return SealedInfo(case_id, float(updated), salt, digest)
