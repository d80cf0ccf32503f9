"""The drafts file's key: a random 256-bit key per drafts file, and the small file that names it.

Beside `drafts.sqlite` lies `drafts.sqlite.key` (JSON, 0600, no secret in clear). It holds the key's
id, a check value (an HMAC of a constant under the key) and, depending on where the key lives:
  - the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service): the key itself is
    the keyring entry `desk400-drafts` / id;
  - no keyring backend: the key wrapped with a passphrase (scrypt; the agent types it at start, or
    automation sets DESK400_PASSPHRASE: the weaker choice, the passphrase sits in the environment);
  - optionally, sealed to the hall's age public key (`escrow`), so `desk400 recover-key` run with the
    hall's identity restores a key whose keyring entry or passphrase is lost.
The check value tells a wrong key from a damaged file before SQLite sees either: SQLCipher answers
both with "file is not a database". The key file also marks an encrypted file as a drafts file,
since its header is random.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from desktop.files import safefile
from desktop.store.cipher import CURRENT, LEGACY
from desktop.store.models import StoreError

FORMAT = "desk400-drafts-key"
# The name a key file of a later page format (desktop.store.cipher) goes by. desk400 versions that
# know only the first format refuse any other name, untouched ("key file damaged"); a key file
# under the first name they would read, then take the rewritten drafts file for a damaged one, set
# it aside and start an empty one.
LATER_FORMAT = "desk400-drafts-key-2"
SERVICE = "desk400-drafts"
PASSPHRASE_ENV = "DESK400_PASSPHRASE"
KEY_BYTES = 32
# scrypt cost for a new passphrase wrap (stored in the key file, so it can be raised later):
# about 0.1 s once per process on a laptop.
KDF_N = 2**15
KDF_R = 8
_CHECK_TEXT = b"desk400 drafts key check v1"

_lock = threading.Lock()
_cache: dict[tuple[str, str], bytes] = {}  # (key file, check value) -> key: one unlock per process
_typed: list[str] = []  # the passphrase the window asked for, if any


class KeyProblem(StoreError):
    """The drafts file's key is missing or wrong: nothing was changed (exit 2 on the command line)."""


class WrongKey(KeyProblem):
    """The passphrase does not open the key file's key (the window asks again)."""


class NotThisFilesKey(KeyProblem):
    """The key file's key is sound (its check value) but the drafts file beside it was not
    written with it: another passphrase cannot help, the right key file must be put back."""


class NoKey(KeyProblem):
    """No keyring entry and no passphrase: the window asks for one, automation sets the variable."""


@dataclass(frozen=True)
class KeyFile:
    id: str
    check: str
    wrapped: dict[str, Any] | None = None
    escrow: dict[str, str] | None = None
    # The drafts file's page format (desktop.store.cipher); a key file without one predates it.
    cipher: int = CURRENT.version

    def to_json(self) -> str:
        doc: dict[str, Any] = {
            "format": FORMAT if self.cipher == LEGACY.version else LATER_FORMAT,
            "version": 1,
            "id": self.id,
            "check": self.check,
            "cipher": self.cipher,
        }
        if self.wrapped is not None:
            doc["passphrase"] = self.wrapped
        if self.escrow is not None:
            doc["escrow"] = self.escrow
        return json.dumps(doc, indent=1) + "\n"


def key_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".key")


def check_value(key: bytes) -> str:
    return hmac.new(key, _CHECK_TEXT, hashlib.sha256).hexdigest()


def sql_key(key: bytes) -> str:
    """The PRAGMA key argument for a raw key: no SQLCipher key derivation on each connection."""
    return f"\"x'{key.hex()}'\""


def use_passphrase(text: str) -> None:
    """The passphrase the window asked for, used for this process instead of DESK400_PASSPHRASE."""
    with _lock:
        _typed[:] = [text]


def passphrase() -> str | None:
    if _typed:
        return _typed[0]
    return os.environ.get(PASSPHRASE_ENV) or None


def keyring_backend() -> Any | None:
    """The OS keyring when a real backend exists (none on a bare Linux without Secret Service)."""
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration is no keyring
        return None
    if isinstance(backend, fail.Keyring | null.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return backend


def read_key_file(db_path: Path) -> KeyFile | None:
    """The key file beside `db_path`, None when there is none; a malformed one raises KeyProblem."""
    path = key_path(db_path)
    try:
        raw = safefile.read_regular(path, 64 * 1024)
    except safefile.FileProblem:
        if not path.exists():
            return None
        raise KeyProblem(f"无法读取密钥文件 {path.name}，草稿文件没有改动；请检查文件权限") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
        if doc.get("format") not in (FORMAT, LATER_FORMAT):
            raise ValueError
        cipher = doc.get("cipher", LEGACY.version)
        if type(cipher) is not int:
            raise ValueError
        return KeyFile(str(doc["id"]), str(doc["check"]), doc.get("passphrase"), doc.get("escrow"), cipher)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        raise KeyProblem(
            f"密钥文件 {path.name} 已损坏，草稿文件没有改动；请营业厅用 desk400 recover-key 恢复"
        ) from None


def write_key_file(db_path: Path, info: KeyFile) -> None:
    """Replace the key file atomically (0600, synced)."""
    try:
        safefile.write_atomic(key_path(db_path), info.to_json().encode("utf-8"), mode=0o600)
    except safefile.FileProblem as exc:
        raise StoreError(f"无法写入密钥文件：{exc}") from exc


def unlock(db_path: Path) -> bytes:
    """The key of the drafts file at `db_path` (its key file must exist), verified by its check
    value: WrongKey for a wrong passphrase, NoKey when neither keyring nor passphrase has it."""
    info = read_key_file(db_path)
    if info is None:
        raise NoKey(f"{db_path.name} 旁没有密钥文件 {key_path(db_path).name}，无法解密；草稿文件没有改动")
    return unlock_with(db_path, info)


def unlock_with(db_path: Path, info: KeyFile) -> bytes:
    cache_key = (str(key_path(db_path).resolve()), info.check)
    with _lock:
        known = _cache.get(cache_key)
    if known is not None:
        return known
    # A wrapped key is never in the keyring (see store_key): asking the keyring first only cost
    # its discovery (~0.1 s on a Linux desk without one) before the passphrase was tried.
    key = _from_passphrase(db_path, info) if info.wrapped is not None else _from_keyring(info)
    if key is None:
        key = _from_passphrase(db_path, info)
    remember(db_path, info.check, key)
    return key


def _from_keyring(info: KeyFile) -> bytes | None:
    backend = keyring_backend()
    if backend is None:
        return None
    try:
        stored = backend.get_password(SERVICE, info.id)
    except Exception:  # a locked or unreachable keyring: try the passphrase
        return None
    if not stored:
        return None
    try:
        key = bytes.fromhex(stored)
    except ValueError:
        return None
    return key if hmac.compare_digest(check_value(key), info.check) else None


def _from_passphrase(db_path: Path, info: KeyFile) -> bytes:
    wrapped = info.wrapped
    if wrapped is None:
        raise NoKey(
            f"本机的钥匙串里没有 {db_path.name} 的密钥（文件可能来自另一台电脑，或钥匙串被清除），"
            "草稿文件没有改动；请营业厅用 desk400 recover-key --identity 恢复"
        )
    text = passphrase()
    if text is None:
        raise NoKey(
            f"{db_path.name} 用口令加密，需要口令才能打开：请在窗口中输入，或设置环境变量 {PASSPHRASE_ENV}；"
            "草稿文件没有改动"
        )
    for secret in _spellings(text):
        try:
            pad = _kdf(secret, wrapped)
            key = bytes(a ^ b for a, b in zip(bytes.fromhex(wrapped["wrapped"]), pad, strict=True))
        except (KeyError, ValueError, TypeError):
            raise KeyProblem(f"密钥文件 {key_path(db_path).name} 已损坏，草稿文件没有改动") from None
        if hmac.compare_digest(check_value(key), info.check):
            return key
    raise WrongKey(f"口令不对，无法打开 {db_path.name}；草稿文件没有改动")


def passphrase_bytes(text: str) -> bytes:
    """What scrypt is given for a passphrase: its NFC spelling in UTF-8.

    One passphrase has several spellings in Unicode (「é」 as one code point or as e and an accent;
    macOS hands out the second, Windows and most Linux input methods the first): without one form
    the same passphrase typed on two machines would not open the file. An environment variable
    set from bytes that are not UTF-8 (a GBK terminal or script) arrives with surrogate escapes:
    said as such, never as a damaged key file."""
    try:
        return unicodedata.normalize("NFC", text).encode("utf-8")
    except UnicodeEncodeError:
        raise KeyProblem(
            f"口令里有不是 UTF-8 编码的字节（环境变量 {PASSPHRASE_ENV} 可能是用 GBK 等其他编码设置的），"
            "草稿文件没有改动；请用 UTF-8 编码重新设置口令"
        ) from None


def _spellings(text: str) -> list[bytes]:
    """The passphrase as wrapping uses it (NFC), then as typed when that differs: a key file
    wrapped before passphrases were normalised still opens with the spelling it was made with."""
    first = passphrase_bytes(text)
    typed = text.encode("utf-8")
    return [first] if typed == first else [first, typed]


def _kdf(secret: bytes, params: dict[str, Any]) -> bytes:
    n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
    return hashlib.scrypt(
        secret,
        salt=bytes.fromhex(params["salt"]),
        n=n,
        r=r,
        p=p,
        dklen=KEY_BYTES,
        maxmem=256 * n * r * p,
    )


def wrap(key: bytes, text: str, n: int | None = None) -> dict[str, Any]:
    """The key wrapped with a passphrase: XOR with scrypt(passphrase, fresh salt)."""
    params: dict[str, Any] = {"kdf": "scrypt", "n": n or KDF_N, "r": KDF_R, "p": 1}
    params["salt"] = secrets.token_hex(16)
    pad = _kdf(passphrase_bytes(text), params)
    params["wrapped"] = bytes(a ^ b for a, b in zip(key, pad, strict=True)).hex()
    return params


def create(db_path: Path) -> bytes:
    """A new random key for the drafts file at `db_path`, kept in the keyring (or wrapped with the
    passphrase when there is no keyring), and its key file written. NoKey when neither exists."""
    key = secrets.token_bytes(KEY_BYTES)
    info = KeyFile(id=secrets.token_hex(16), check=check_value(key))
    info = store_key(db_path, info, key)
    write_key_file(db_path, info)
    remember(db_path, info.check, key)
    return key


def remember(db_path: Path, check: str, key: bytes) -> None:
    with _lock:
        _cache[(str(key_path(db_path).resolve()), check)] = key


def store_key(db_path: Path, info: KeyFile, key: bytes) -> KeyFile:
    """Keep `key` where this machine can find it again; returns the key file to write."""
    backend = keyring_backend()
    if backend is not None:
        try:
            backend.set_password(SERVICE, info.id, key.hex())
            return replace(info, wrapped=None)
        except Exception:  # a locked or read-only keyring: fall back to the passphrase
            pass
    text = passphrase()
    if text is None:
        raise NoKey(
            "本机没有可用的系统钥匙串，草稿文件需要一个口令加密：请在窗口中设置口令，"
            f"或设置环境变量 {PASSPHRASE_ENV}"
        )
    return replace(info, wrapped=wrap(key, text))


def needs_passphrase(db_path: Path) -> bool:
    """True when opening (or creating) the drafts file would need a passphrase nobody gave yet."""
    if passphrase() is not None:
        return False
    try:
        info = read_key_file(db_path)
    except KeyProblem:
        return False  # opening says what is wrong
    if info is None:
        return keyring_backend() is None
    return info.wrapped is not None  # a wrapped key is never in the keyring (see store_key)


def forget() -> None:
    """Drop every remembered key and passphrase (tests; a window closing for good)."""
    with _lock:
        _cache.clear()
        _typed.clear()
