"""The case file of docs/case-file.md: one case as UTF-8 JSON, read and written exactly.

The file moves between laptops and the hall's PC, so it is read strictly: unknown keys, a wrong
format name, a value of the wrong type, a non-canonical id or a file from a newer version are
refused with a message that names the problem, never guessed at. A hostile file (huge, deeply
nested, a 5,000-digit number, a lone surrogate) is refused the same way, cheaply, before it can
exhaust the parser.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop.files import safefile
from desktop.files.safefile import shown
from desktop.files.values import Value, is_empty  # noqa: F401 (the case file's value types)

FORMAT = "400-bundle-case"
# Version 2 adds `base`: the state both machines last shared, so an import can merge field by field.
VERSION = 2
TOP_KEYS = ("format", "version", "id", "bundle", "updated", "fields", "number", "base", "status")
# `status` (shared/spec/paper-trail.md) is information for the reader: an import decides its own.
_STATUS = re.compile("[a-z_]{1,20}", re.ASCII)
BASE_KEYS = ("revision", "digest")
# A real case file is about 2 KB; anything over this is not one.
MAX_BYTES = 1024 * 1024
# The format's deepest value is a list inside "fields" inside the top object.
MAX_DEPTH = 3
# A whole number in a case file is a term of years; anything past a 64-bit integer is hostile
# (and past 4,300 digits Python refuses to convert it at all).
MAX_INT_DIGITS = 19

# The shapes a field's value may take (see shapes_for).
TEXT, MULTILINE, LIST, WHOLE = "text", "multiline", "list", "whole"
_LIST_TYPES = frozenset({"multichoice", "phone_list"})
_MULTILINE_TYPES = frozenset({"longtext"})
_WHOLE_TYPES = frozenset({"integer"})

_CANONICAL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# DESK-YYYYMMDD-NNN: the desk code (2–6 upper-case letters or digits), the day, the day's sequence.
EXAMPLE_NUMBER = "EXAMPLE"  # the example case's number (desktop.store.numbers.EXAMPLE)
_CASE_NUMBER = re.compile(r"([A-Z0-9]{2,6})-(\d{8})-(\d{3,6})", re.ASCII)
_DIGITS = re.compile(r"[0-9\uff10-\uff19]+")
# A JSON string literal (unrolled, so linear), removed before counting brackets.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_C0 = re.compile("[\x00-\x1f]")
_C0_BUT_BREAKS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f]")
_SUSPECT = re.compile("[\ud800-\udfff\x00-\x1f]")  # what either of the two above might find
_DIGEST = re.compile("[0-9a-f]{64}", re.ASCII)

# What a field holds, and when it is empty: desktop.files.values, named here too.


# The largest base revision a file may carry: far beyond any real count of handovers or hall
# revisions, and far from 2**53, where JSON readers stop keeping whole numbers exactly. A file
# claiming 2**53 - 1 was taken, and every later export of its case carried 2**53, which every
# import refused (issue 21); a base at the limit is still read, but what an import records from it
# (its revision + 1) is never carried out again (desktop.exchange.transfer.base_for).
MAX_REVISION = 2**31


class CaseFileError(ValueError):
    """A case file that cannot be read; the message is Chinese and names the file and the problem."""

    said = True  # str() is the agent's line (desktop.store.describe)


def values_digest(fields: Mapping[str, Value]) -> str:
    """The sha256 of a case's values as a version-2 file's `base` carries it: compact JSON with
    sorted keys, empty values left out (an empty field is the same as a missing key)."""
    return hashlib.sha256(canonical_text(fields).encode()).hexdigest()


def canonical_text(fields: Mapping[str, Value]) -> str:
    """The values as `values_digest` hashes them: compact JSON, sorted keys, empty values left out."""
    filled = {k: v for k, v in fields.items() if not is_empty(v)}
    return json.dumps(filled, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Base:
    """The state the writing machine last shared with another for this case (a handover or a hall
    sync): its revision and the digest of its values. An import that knows those values merges the
    file against them field by field."""

    revision: int
    digest: str


@dataclass(frozen=True)
class CaseFile:
    id: str
    bundle: str
    updated: str
    fields: dict[str, Value] = field(default_factory=dict)
    number: str | None = None  # the case number people read aloud (DESK-YYYYMMDD-NNN), if known
    base: Base | None = None  # version 2: what the writer last shared (None: nothing, version 1)
    status: str | None = None  # where the case stood at the writer (draft … handed_over), if said

    def to_json(self) -> str:
        """Version 2 when the file carries a base; without one, version 1, which every desk400 reads
        and which means the same (no common state known)."""
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": 1 if self.base is None else VERSION,
            "id": self.id,
            "bundle": self.bundle,
            "updated": self.updated,
            "fields": self.fields,
        }
        if self.number is not None:
            doc["number"] = self.number
        if self.base is not None:
            doc["base"] = {"revision": self.base.revision, "digest": self.base.digest}
        if self.status is not None:
            doc["status"] = self.status
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def new_id() -> str:
    return str(uuid.uuid4())


def is_canonical_id(text: object) -> bool:
    """A lower-case 8-4-4-4-12 UUID: the one spelling of a case's id."""
    return isinstance(text, str) and _CANONICAL_ID.fullmatch(text) is not None


def canonical_id(text: str) -> str | None:
    """The canonical spelling of an id written another way (upper case, braces, urn:uuid:, no
    hyphens, full-width digits, spaces), or None when it is no UUID at all."""
    if is_canonical_id(text):
        return text
    cleaned = "".join(unicodedata.normalize("NFKC", text).split())
    if not cleaned.isascii() or "_" in cleaned:
        return None
    try:
        return str(uuid.UUID(cleaned))
    except ValueError:
        return None


def check_case_number(text: str) -> str | None:
    """Why `text` is not a case number DESK-YYYYMMDD-NNN (a Chinese reason), or None if it is one
    (the example case's EXAMPLE is one too)."""
    if text == EXAMPLE_NUMBER:
        return None
    match = _CASE_NUMBER.fullmatch(text)
    if match is None:
        return "应为「柜台代码-年月日-序号」，如 XH01-20261130-017（柜台代码 2–6 个大写字母或数字）"
    try:
        date(int(match[2][:4]), int(match[2][4:6]), int(match[2][6:]))
    except ValueError:
        return f"其中的日期 {match[2]} 不是真实的日期"
    return None


def shapes_for(fields: Mapping[str, Any]) -> dict[str, str]:
    """Each field's value shape from its definition (anything with a `type`): list, whole number,
    multi-line text or text. The forms decide; this module knows no field keys."""
    out = {}
    for key, fdef in fields.items():
        ftype = getattr(fdef, "type", "text")
        if ftype in _LIST_TYPES:
            out[key] = LIST
        elif ftype in _WHOLE_TYPES:
            out[key] = WHOLE
        elif ftype in _MULTILINE_TYPES:
            out[key] = MULTILINE
        else:
            out[key] = TEXT
    return out


def parse(
    text: str,
    *,
    source: str = "案卷文件",
    known_keys: frozenset[str] | None = None,
    shapes: Mapping[str, str] | None = None,
    for_storage: bool = False,
) -> CaseFile:
    """Parse a case file's text.

    `known_keys` (the bundle's field keys) refuses unknown fields; `shapes` (see shapes_for) also
    refuses a value of the wrong type for its field, and implies the known keys. `for_storage`
    (import) also refuses control characters in values, which would break the drafts' text and its
    search index; `check` reports those as findings instead.
    """
    if len(text) > MAX_BYTES:
        raise CaseFileError(f"{source}：文件太大（超过 {MAX_BYTES // 1024} KB），不是案卷文件")
    if _too_deep(text):
        raise CaseFileError(f"{source}：嵌套层数超过案卷文件格式所需的 {MAX_DEPTH} 层，不是案卷文件")
    try:
        doc = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_small_int,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as exc:
        raise CaseFileError(f"{source}：不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）") from None
    except _Refused as exc:
        raise CaseFileError(f"{source}：{exc}") from None
    except (ValueError, RecursionError):  # belt and braces: the checks above should catch these
        raise CaseFileError(f"{source}：不是有效的案卷文件（JSON 无法解析）") from None
    if not isinstance(doc, dict):
        raise CaseFileError(f"{source}：内容应为 JSON 对象")
    unknown = sorted(set(doc) - set(TOP_KEYS))
    if unknown:
        raise CaseFileError(f"{source}：不认识的键 {_names(unknown)}")
    if doc.get("format") != FORMAT:
        raise CaseFileError(f"{source}：格式应为 {FORMAT}，实际为 {_shown_value(doc.get('format'))}")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CaseFileError(f"{source}：version 应为整数")
    if version > VERSION:
        raise CaseFileError(
            f"{source}：文件版本 {version} 比本程序支持的版本 {VERSION} 新，请升级 desk400 后再打开"
        )
    if version < 1:
        raise CaseFileError(f"{source}：文件版本 {version} 无效")
    case_id = _case_id(doc.get("id"), source)
    bundle = doc.get("bundle")
    if not isinstance(bundle, str) or not bundle:
        raise CaseFileError(f"{source}：缺少资料包 bundle")
    if _SURROGATE.search(bundle) or _C0.search(bundle):
        raise CaseFileError(f"{source}：资料包 bundle 含有无效字符")
    updated = _updated(doc.get("updated"), source)
    number = _case_number(doc.get("number"), source)
    base = _base(doc.get("base"), version, source)
    status = doc.get("status")
    if status is not None and not (isinstance(status, str) and _STATUS.fullmatch(status)):
        raise CaseFileError(f"{source}：状态 status 应为 draft、complete、printed 这样的英文标识")
    fields = doc.get("fields", {})
    if not isinstance(fields, dict):
        raise CaseFileError(f"{source}：fields 应为 JSON 对象")
    if shapes is not None and known_keys is None:
        known_keys = frozenset(shapes)
    if known_keys is not None:
        strange = sorted(set(fields) - known_keys)
        if strange:
            raise CaseFileError(f"{source}：不认识的字段 {_names(strange)}")
    for key, value in fields.items():
        problem = _value_problem(value, (shapes or {}).get(key), for_storage=for_storage)
        if problem:
            raise CaseFileError(f"{source}：字段 {shown(key, 60)} {problem}")
    return CaseFile(
        id=case_id,
        bundle=bundle,
        updated=updated,
        fields=dict(fields),
        number=number,
        base=base,
        status=status,
    )


def read(
    path: Path,
    *,
    known_keys: frozenset[str] | None = None,
    shapes: Mapping[str, str] | None = None,
    for_storage: bool = False,
) -> CaseFile:
    """Read a case file from disk; every failure is a CaseFileError naming the file.

    Only a regular file of at most MAX_BYTES is read (a FIFO or device is refused at once)."""
    try:
        raw = safefile.read_regular(Path(path), MAX_BYTES)
    except safefile.FileProblem as exc:
        raise CaseFileError(str(exc)) from None
    name = shown(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaseFileError(f"{name}：不是 UTF-8 编码的文本") from None
    return parse(text, source=name, known_keys=known_keys, shapes=shapes, for_storage=for_storage)


def write(case: CaseFile, path: Path, *, mode: int = 0o666) -> None:
    """Write atomically through an exclusive temporary file (see desktop.files.safefile): a crash never
    leaves half a case file, and a link or device at `path` is refused (safefile.FileProblem)."""
    safefile.write_atomic(Path(path), case.to_json().encode("utf-8"), mode=mode)


class _Refused(Exception):
    """Raised from inside json.loads; the message is the reason shown after the file name."""


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH: a cheap linear scan that
    stops at the first excess, so json.loads never recurses through a hostile file."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = 0
    for ch in brackets:
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        else:
            depth = max(0, depth - 1)
    return False


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if _SURROGATE.search(key):
            raise _Refused("键名含有无效的 Unicode 字符（孤立代理项）")
        if key in out:
            raise _Refused(f"键 {shown(key, 60)} 出现了两次，不知道该用哪一个")
        out[key] = value
    return out


def _small_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"数字 {digits[:12]}… 太长（超过 {MAX_INT_DIGITS} 位）")
    return int(digits)


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} 不是有效的 JSON 值")


def _case_id(value: object, source: str) -> str:
    if not isinstance(value, str):
        raise CaseFileError(f"{source}：缺少案卷编号 id")
    if is_canonical_id(value):
        return value
    fixed = canonical_id(value) if not _SURROGATE.search(value) else None
    if fixed is not None:
        raise CaseFileError(f"{source}：案卷编号 id 应写作 {fixed}（小写、带连字符的标准写法）")
    raise CaseFileError(f"{source}：案卷编号 id 不是有效的 UUID：{_shown_value(value)}")


def _updated(value: object, source: str) -> str:
    if not isinstance(value, str):
        raise CaseFileError(f"{source}：缺少修改时间 updated")
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        raise CaseFileError(f"{source}：修改时间 updated 不是 ISO 时间：{_shown_value(value)}") from None
    if stamp.tzinfo is None:
        raise CaseFileError(f"{source}：修改时间 updated 缺少时区：{_shown_value(value)}")
    return value


def _case_number(value: object, source: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise CaseFileError(f"{source}：案卷号 number 应为文字，如 XH01-20261130-017")
    problem = check_case_number(value)
    if problem:
        raise CaseFileError(f"{source}：案卷号 number {_shown_value(value)} 有误：{problem}")
    return value


def _base(value: object, version: int, source: str) -> Base | None:
    """A version-2 file's `base`, checked strictly: it is what an import trusts to merge."""
    if version < 2:
        if value is not None:
            raise CaseFileError(f"{source}：version 1 的文件不能有 base；带 base 的文件应写 version 2")
        return None
    if value is None:
        raise CaseFileError(f"{source}：version 2 的文件缺少 base（共同版本），请重新导出")
    if not isinstance(value, dict):
        raise CaseFileError(f'{source}：base 应为 JSON 对象，如 {{"revision": 3, "digest": "…"}}')
    unknown = sorted(set(value) - set(BASE_KEYS))
    if unknown:
        raise CaseFileError(f"{source}：base 中不认识的键 {_names(unknown)}")
    revision = value.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or not 0 <= revision <= MAX_REVISION:
        raise CaseFileError(
            f"{source}：base.revision 应为 0 到 {MAX_REVISION} 之间的整数，实际为 {_shown_value(revision)}"
        )
    digest = value.get("digest")
    if not isinstance(digest, str) or _DIGEST.fullmatch(digest) is None:
        raise CaseFileError(
            f"{source}：base.digest 应为 64 位小写十六进制的 sha256 值，实际为 {_shown_value(digest)}"
        )
    return Base(revision, digest)


def _value_problem(value: object, shape: str | None, *, for_storage: bool) -> str | None:
    """Why a field's value cannot be taken (the text after 「字段 KEY 」), or None."""
    if value is None or value == "":
        return None  # an empty field, however the writer spelled it
    if isinstance(value, bool) or not isinstance(value, (str, int, list)):
        return f"的值类型不支持（应为{_expected(shape)}）"
    if shape is None:
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            return "的值类型不支持（应为文字、整数或文字列表）"
    elif shape == LIST:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return '的值类型不支持（应为文字列表，如 ["..."]）'
    elif shape == WHOLE:
        if isinstance(value, list) or (isinstance(value, str) and not _DIGITS.fullmatch(value.strip())):
            return "的值类型不支持（应为整数，或只含数字的文字）"
    elif not isinstance(value, str):
        return "的值类型不支持（应为文字，数字也要写在引号里）"
    texts = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    for text in texts:
        if not _SUSPECT.search(text):
            continue  # one search for the common case: neither check below can find anything
        bad = _SURROGATE.search(text)
        if bad:
            return f"第 {bad.start() + 1} 个字符无效（孤立的 Unicode 代理项），请改正后再试"
        if for_storage:
            control = (_C0_BUT_BREAKS if shape in (MULTILINE, None) else _C0).search(text)
            if control:
                return f"第 {control.start() + 1} 个字符是控制字符（U+{ord(control[0]):04X}），不能导入；请删除后再导入"
    return None


def _expected(shape: str | None) -> str:
    return {LIST: "文字列表", WHOLE: "整数", None: "文字、整数或文字列表"}.get(shape, "文字")


def _names(keys: list[str]) -> str:
    shown_keys = [shown(k, 60) for k in keys[:5]]
    return ", ".join(shown_keys) + (f" 等 {len(keys)} 个" if len(keys) > 5 else "")


def _shown_value(value: object) -> str:
    return shown(repr(value) if not isinstance(value, str) else f"'{value}'", 60)
