"""The print digest: what the print log keeps of a print's values, what `changed` compares against
and what each page's QR carries the start of (desktop.domain.status.DIGEST_SHORT).

Its own module because it needs hashlib and json (~5 ms of imports) and the window names the
statuses (desktop.domain.status, which names this function too) before its first paint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from desktop.files.values import is_empty


def print_digest(values: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of the values a print shows: compact JSON, sorted keys, empty values left
    out, so an emptied field and a missing one print (and digest) alike. The print log keeps it;
    `changed` compares against it; the page QR carries its first DIGEST_SHORT characters."""
    filled = {k: v for k, v in values.items() if not is_empty(v)}
    text = json.dumps(filled, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
