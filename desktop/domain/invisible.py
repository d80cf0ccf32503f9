"""Characters that do not show but change what a value is: control and format characters.

On a contract they can hide or reorder what the customer reads (U+202E turns ``abc`` into ``cba``
on screen and paper while the stored text stays ``abc``), and in a code or phone number they make
a value that looks right compare unequal. docs/validation.md: a value that holds one is an error
naming its position, never silently cleaned; the window drops them as they are typed or pasted
(`strip_invisible`) and says so.

What counts, by Unicode category, as `tests/test_validation_text.py` checks over every code point:
- Cc, the C0 and C1 controls, NUL included; a multi-line field keeps its line breaks (CR, LF and
  the Unicode line and paragraph separators, which `normalise_text` turns into LF).
- Cf, every format character: bidirectional embeddings, overrides and isolates (U+202A–202E,
  U+2066–2069), zero-width space and marks (U+200B, U+200E, U+200F), word joiner, soft hyphen,
  the byte-order mark U+FEFF, and also ZWJ and ZWNJ (U+200D, U+200C). Those two join emoji and
  shape Indic and Persian words; nothing on this form needs them (names, addresses and codes
  are Chinese or Latin, and the print font has no emoji), while a stray one between 王 and 霄 makes
  a second 「王霄」 that looks the same and compares unequal. So they are refused like the rest.
- Not refused: variation selectors (category Mn, U+FE00–FE0F, U+E0100–E01EF), which pick a
  glyph variant of a rare character in a name; the glyph check decides whether those print.
- Lone surrogates (Cs) are not characters at all: nothing can store or show them, so
  normalising drops them (`drop_surrogates`) before anything else looks at the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The class is spelled out (a scan of all code points at import would cost ~0.2 s); the test
# proves it covers Cc and Cf of the running Python's Unicode data and adds only unassigned points.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_SINGLE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_FORMAT}]")
_MULTI_LINE = re.compile(f"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f{_FORMAT}]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = frozenset("\n\r\u2028\u2029")

_NAMES = {
    "\t": "制表符",
    "\n": "换行符",
    "\r": "回车符",
    "\u2028": "换行符",
    "\u2029": "分段符",
}


@dataclass(frozen=True)
class Hidden:
    """The first invisible character of a text, where it is (1-based) and how many there are."""

    position: int
    char: str
    count: int

    def message(self) -> str:
        """「第 5 个字符是不可见的控制字符（U+202E），请删除」, in the words docs/validation.md uses."""
        name = _NAMES.get(self.char, "不可见的控制字符")
        more = f"，共 {self.count} 个" if self.count > 1 else ""
        single = "；这一栏只能填一行" if self.char in _LINE_BREAKS else ""
        return f"第 {self.position} 个字符是{name}（U+{ord(self.char):04X}）{more}{single}，请删除"


def find_invisible(text: str, *, multiline: bool = False) -> Hidden | None:
    """The first control or format character in `text` (see the module docstring), or None."""
    pattern = _MULTI_LINE if multiline else _SINGLE_LINE
    first = pattern.search(text)
    if first is None:
        return None
    return Hidden(first.start() + 1, first.group(), len(pattern.findall(text, first.start())))


def strip_invisible(text: str, *, multiline: bool = False) -> tuple[str, int]:
    """`text` without its control and format characters, and how many were dropped.

    For the window, as the agent types or pastes: a tab, and in a single-line field a line break,
    becomes a space instead (dropping it would run two words together); those are not counted.
    Lone surrogates are dropped and counted.
    """
    text, surrogates = _SURROGATES.subn("", text)
    spaced = re.sub("\t" if multiline else "\r\n|[\t\n\r\u2028\u2029]", " ", text)
    cleaned, dropped = (_MULTI_LINE if multiline else _SINGLE_LINE).subn("", spaced)
    return cleaned, dropped + surrogates


def drop_surrogates(text: str) -> str:
    """`text` without lone surrogates (from a broken encoding; UTF-8 cannot even store them)."""
    return text if text.isprintable() else _SURROGATES.sub("", text)


_ANY_HIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff{_FORMAT}]")


def marked(text: str) -> str:
    """`text` with every control, format or line-breaking character (and lone surrogate) shown as
    its code point, `[U+200B]`: for a line the agent reads to choose between two values (a
    conflict of `import` or `sync`), where 「王\u200b霄」 would print as 「王霄」 and the two
    sides look the same while they differ."""
    return _ANY_HIDDEN.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)
