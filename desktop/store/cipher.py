"""SQLCipher's page format for drafts files: a file is read only with the settings it was written with.

The key file records the format (`keys.KeyFile.cipher`); a file in an older one is rewritten in the
current one at its first open (desktop.store.encrypt.upgrade_cipher), so every other connection
speaks only `CURRENT`.

  1. desk400's first encrypted files: SQLCipher 4's defaults on 8 KB pages, HMAC-SHA512.
  2. 4 KB pages, HMAC-SHA256.

Why 2: every page read from disk is decrypted and its HMAC checked. Opening a case reads one table
page the cache does not hold, and that page was most of what encryption added to an open: about
15 us for 8 KB under HMAC-SHA512, 6 us for 4 KB under HMAC-SHA256 (measured; the SHA-256
instructions of CPUs since AMD Zen and Intel Ice Lake make it twice SHA-512's speed). What protects
the data is unchanged: AES-256 under the file's random 256-bit key, every page authenticated with
an HMAC under a key derived from it. HMAC-SHA256 keeps the integrity tag a current-generation
hash; HMAC-SHA1 measured no faster here and was not taken.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cipher:
    version: int
    page_bytes: int
    hmac: str

    def pragmas(self, schema: str = "") -> tuple[str, ...]:
        """The statements that set this format on a keyed connection (`schema`: an attached one),
        before its first read."""
        prefix = f"{schema}." if schema else ""
        return (
            f"PRAGMA {prefix}cipher_page_size = {self.page_bytes}",
            f"PRAGMA {prefix}cipher_hmac_algorithm = {self.hmac}",
        )


LEGACY = Cipher(version=1, page_bytes=8192, hmac="HMAC_SHA512")
CURRENT = Cipher(version=2, page_bytes=4096, hmac="HMAC_SHA256")
BY_VERSION = {cipher.version: cipher for cipher in (LEGACY, CURRENT)}
OLDER = tuple(cipher for cipher in BY_VERSION.values() if cipher != CURRENT)
