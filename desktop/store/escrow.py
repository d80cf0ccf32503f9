"""Key escrow: the drafts key sealed to the hall's age public key, kept in the key file.

Losing the key (a reinstalled machine, a wiped keyring, a forgotten passphrase) loses the drafts.
With the setting `hall.age_recipient` set, the key file also holds the key sealed to the hall; the
hall runs `desk400 recover-key --identity FILE` with its private identity on the desk's drafts
file, and the key goes back into this machine's keyring (or under the passphrase).
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import replace
from pathlib import Path

from desktop.files import sealing
from desktop.store import keys
from desktop.store.models import StoreError

ESCROW_SETTING = "hall.age_recipient"


def seal_key(db_path: Path, key: bytes, recipient_text: object) -> None:
    """Seal `key` to the recipient in the key file (an empty value removes the sealed copy).
    StoreError when the recipient is no age public key; nothing is changed then."""
    info = keys.read_key_file(db_path)
    if info is None:
        raise StoreError("草稿文件旁没有密钥文件，无法托管密钥")
    text = str(recipient_text or "").strip()
    if not text:
        if info.escrow is not None:
            keys.write_key_file(db_path, replace(info, escrow=None))
        return
    try:
        recipient = sealing.recipient(text)
    except sealing.SealError as exc:
        raise StoreError(str(exc)) from None
    if isinstance(info.escrow, dict) and info.escrow.get("recipient") == text:
        return
    sealed = base64.b64encode(sealing.seal(key, [recipient])).decode("ascii")
    keys.write_key_file(db_path, replace(info, escrow={"recipient": text, "sealed": sealed}))


def is_sealed_to(db_path: Path, recipient_text: object) -> bool:
    """True when the key file holds the key sealed to this recipient (a malformed escrow: no, so
    the start seals it again)."""
    info = keys.read_key_file(db_path)
    text = str(recipient_text or "").strip()
    return info is not None and isinstance(info.escrow, dict) and info.escrow.get("recipient") == text


def recover_key(db_path: Path, identity_file: Path) -> None:
    """Open the sealed key with the hall's identity and keep it on this machine again (keyring, or
    the passphrase when there is no keyring). StoreError (Chinese) on any failure, nothing changed."""
    info = keys.read_key_file(db_path)
    if info is None:
        raise StoreError(f"{db_path.name} 旁没有密钥文件 {keys.key_path(db_path).name}，无法恢复密钥")
    name = keys.key_path(db_path).name
    if not info.escrow:
        raise StoreError(f"密钥文件 {name} 里没有托管给营业厅的密钥，无法恢复")
    # The key file is JSON a person may have edited: an escrow that is no object, or a sealed
    # key that is no text, is a damaged escrow, said as such (it was an internal error).
    text = info.escrow.get("sealed") if isinstance(info.escrow, dict) else None
    if not isinstance(text, str):
        raise StoreError(
            f"密钥文件 {name} 里托管的密钥已损坏（escrow.sealed 应为一段 base64 文字），无法恢复"
        )
    try:
        sealed = base64.b64decode(text, validate=True)
        key = sealing.unseal(sealed, sealing.identities(identity_file), keys.key_path(db_path).name)
    except sealing.SealError as exc:
        raise StoreError(str(exc)) from None
    except ValueError:
        raise StoreError(f"密钥文件 {name} 里托管的密钥已损坏，无法恢复") from None
    if len(key) != keys.KEY_BYTES or not hmac.compare_digest(keys.check_value(key), info.check):
        raise StoreError("托管的密钥与草稿文件不符，无法恢复")
    keys.write_key_file(db_path, keys.store_key(db_path, info, key))
    keys.remember(db_path, info.check, key)
