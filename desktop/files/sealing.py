"""age encryption (through pyrage): case files that travel sealed, the escrowed drafts key, and the
recovery journal.

A hall publishes one age recipient (`age1…`, setting `hall.age_recipient`) and keeps its identity
(`AGE-SECRET-KEY-1…`, an identity file as `age-keygen` writes) off the desks. A desk seals to the
recipient; only the holder of the identity opens. The recovery journal is sealed to an identity
derived from the drafts file's own key, so the journal opens wherever the drafts file does.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyrage

from desktop.files import safefile

SUFFIX = ".age"
MAX_IDENTITY_BYTES = 64 * 1024
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


class SealError(ValueError):
    """A recipient, identity or sealed file that cannot be used; the message is Chinese."""


def recipient(text: str) -> Any:
    """The age recipient `text` (an `age1…` public key); SealError when it is not one."""
    try:
        return pyrage.x25519.Recipient.from_str(text.strip())
    except (pyrage.RecipientError, ValueError, TypeError):
        raise SealError("营业厅的 age 公钥无效：应为 age-keygen 给出的以 age1 开头的公钥") from None


def identities(path: Path) -> list[Any]:
    """The identities of an age identity file (comment lines `#` skipped)."""
    name = safefile.shown(path)
    try:
        raw = safefile.read_regular(Path(path), MAX_IDENTITY_BYTES, what="age 身份文件")
    except safefile.FileProblem as exc:
        raise SealError(f"身份文件 {exc}") from None
    found = []
    for line in raw.decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            found.append(pyrage.x25519.Identity.from_str(line))
        except (pyrage.IdentityError, ValueError, TypeError):
            raise SealError(f"{name}：不是 age 身份文件（每行应为 AGE-SECRET-KEY-1 开头的私钥）") from None
    if not found:
        raise SealError(f"{name}：里面没有 age 私钥")
    return found


def seal(data: bytes, recipients: Sequence[Any]) -> bytes:
    return pyrage.encrypt(data, list(recipients))


def unseal(data: bytes, keys: Sequence[Any], source: str) -> bytes:
    """The plaintext of an age file; SealError when none of `keys` opens it (or it is no age file)."""
    try:
        return pyrage.decrypt(data, list(keys))
    except (pyrage.DecryptError, ValueError, TypeError):
        raise SealError(f"{source}：无法用给出的身份文件解密（身份不对，或文件已损坏）") from None


def is_sealed(data: bytes) -> bool:
    return data.startswith(b"age-encryption.org/v1\n")


def derived_identity(key: bytes, purpose: bytes) -> Any:
    """An age X25519 identity derived from a secret key (its own purpose, so nothing is reused)."""
    secret = hmac.new(key, b"desk400 age identity: " + purpose, hashlib.sha256).digest()
    return pyrage.x25519.Identity.from_str(_bech32("age-secret-key-", secret).upper())


def _bech32(hrp: str, data: bytes) -> str:
    """BIP 173 bech32 of `data` with human-readable part `hrp` (how age spells its keys)."""
    acc, bits, words = 0, 0, []
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            words.append((acc >> bits) & 31)
    if bits:
        words.append((acc << (5 - bits)) & 31)
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + words + [0] * 6
    polymod = 1
    for value in values:
        top = polymod >> 25
        polymod = ((polymod & 0x1FFFFFF) << 5) ^ value
        for i, gen in enumerate((0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)):
            if (top >> i) & 1:
                polymod ^= gen
    checksum = polymod ^ 1
    words += [(checksum >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[w] for w in words)
