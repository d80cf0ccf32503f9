"""The case file of case-format.md: one case as UTF-8 JSON, read and written exactly.

The file moves between laptops and the hall's PC, so it is read strictly: unknown keys, a wrong
format name or a file from a newer version are refused with a message that names the problem,
never guessed at.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

FORMAT = "400-bundle-case"
VERSION = 1
TOP_KEYS = ("format", "version", "id", "bundle", "updated", "fields")

Value = str | int | list[str] | None


def is_empty(value: Value) -> bool:
    """An empty field: the same as a missing key, in a case file and in the drafts file."""
    return value is None or value == "" or value == []


class CaseFileError(ValueError):
    """A case file that cannot be read; the message is Chinese and names the file and the problem."""


@dataclass(frozen=True)
class CaseFile:
    id: str
    bundle: str
    updated: str
    fields: dict[str, Value] = field(default_factory=dict)

    def to_json(self) -> str:
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "id": self.id,
            "bundle": self.bundle,
            "updated": self.updated,
            "fields": self.fields,
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def new_id() -> str:
    return str(uuid.uuid4())


def parse(text: str, *, source: str = "案例文件", known_keys: frozenset[str] | None = None) -> CaseFile:
    """Parse a case file's text; `known_keys` (the bundle's field keys) refuses unknown fields."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(f"{source}：不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）") from None
    if not isinstance(doc, dict):
        raise CaseFileError(f"{source}：内容应为 JSON 对象")
    unknown = sorted(set(doc) - set(TOP_KEYS))
    if unknown:
        raise CaseFileError(f"{source}：不认识的键 {', '.join(unknown)}")
    if doc.get("format") != FORMAT:
        raise CaseFileError(f"{source}：格式应为 {FORMAT}，实际为 {doc.get('format')!r}")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CaseFileError(f"{source}：version 应为整数")
    if version > VERSION:
        raise CaseFileError(
            f"{source}：文件版本 {version} 比本程序支持的版本 {VERSION} 新，请升级 desk400 后再打开"
        )
    if version < 1:
        raise CaseFileError(f"{source}：文件版本 {version} 无效")
    case_id = doc.get("id")
    if not isinstance(case_id, str):
        raise CaseFileError(f"{source}：缺少案例编号 id")
    try:
        uuid.UUID(case_id)
    except ValueError:
        raise CaseFileError(f"{source}：案例编号 id 不是有效的 UUID：{case_id!r}") from None
    bundle = doc.get("bundle")
    if not isinstance(bundle, str) or not bundle:
        raise CaseFileError(f"{source}：缺少资料包 bundle")
    updated = doc.get("updated")
    if not isinstance(updated, str):
        raise CaseFileError(f"{source}：缺少修改时间 updated")
    try:
        stamp = datetime.fromisoformat(updated)
    except ValueError:
        raise CaseFileError(f"{source}：修改时间 updated 不是 ISO 时间：{updated!r}") from None
    if stamp.tzinfo is None:
        raise CaseFileError(f"{source}：修改时间 updated 缺少时区：{updated!r}")
    fields = doc.get("fields", {})
    if not isinstance(fields, dict):
        raise CaseFileError(f"{source}：fields 应为 JSON 对象")
    if known_keys is not None:
        strange = sorted(set(fields) - known_keys)
        if strange:
            raise CaseFileError(f"{source}：不认识的字段 {', '.join(strange)}")
    for key, value in fields.items():
        if not _is_value(value):
            raise CaseFileError(f"{source}：字段 {key} 的值类型不支持（应为文字、整数或文字列表）")
    return CaseFile(id=case_id, bundle=bundle, updated=updated, fields=dict(fields))


def read(path: Path, *, known_keys: frozenset[str] | None = None) -> CaseFile:
    """Read a case file from disk; every failure is a CaseFileError naming the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CaseFileError(f"{path}：文件不存在") from None
    except OSError as exc:
        raise CaseFileError(f"{path}：无法读取（{exc.strerror}）") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaseFileError(f"{path}：不是 UTF-8 编码的文本") from None
    return parse(text, source=str(path), known_keys=known_keys)


def write(case: CaseFile, path: Path) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a case file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(case.to_json(), encoding="utf-8")
    tmp.replace(path)


def _is_value(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
