"""A sealed case with its papers: what `ID.json.age` holds when the case keeps card images or
signed scans (docs/case-file.md, "Sealed case files with papers").

The case file itself stays exactly what case-format.md says (unknown keys refused, at most 1 MB);
the images travel beside it, never inside it. The plaintext the hall's age recipient seals is then
a ZIP archive:

- `case.json`: the case file, byte for byte what a plain export writes;
- `manifest.json`: one entry per image or scan (its name in the archive, kind, SHA-256, size, and
  what the drafts file keeps with it: the image's side, the scan's document, page and verdict);
- `images/SIDE.png|jpg` and `scans/NNN.jpg`: the bytes as the drafts file keeps them.

A case without images or scans is still sealed as the plain case file (every desk400 reads that).
Nothing is ever extracted to disk: `unpack` reads the archive in memory and refuses, before
anything is taken in, an archive a desk400 did not write: names outside that pattern (a path
leaving the archive, `../`, a drive or a backslash), entries the manifest does not list, too many
entries, an entry or a total beyond the limits, a compression ratio no image reaches (a zip bomb),
an encrypted or oddly compressed entry, a digest that does not match, or bytes Pillow does not
decode as the image they claim to be.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import warnings
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from desktop.files import casefile
from desktop.files.safefile import shown

FORMAT = "desk400-case-papers"
VERSION = 1
CASE_NAME = "case.json"
MANIFEST_NAME = "manifest.json"
MAGIC = b"PK\x03\x04"

# Four card images and a few hundred scanned pages at most (a bundle prints about ten pages, and
# pages add up across scan-ins); every limit is far above a real case and far below harm.
MAX_ENTRIES = 512
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # a card scan beyond this is no card (desktop.store.images)
MAX_BYTES = 256 * 1024 * 1024  # the whole archive, and the sum of what its entries unpack to
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_PIXELS = 40_000_000  # as desktop.paper.scans: a 600 dpi A4 page is 35 MP
# JPEG and PNG barely compress again; a ratio past this is an archive built to explode.
MAX_RATIO = 50
_NAME = re.compile(r"(images/[a-z_]{1,20}\.(png|jpg|bmp|tif|webp)|scans/[0-9]{1,4}\.jpg)")
# What a card image may be: a scan or photo (PNG, JPEG, TIFF, WebP) or a chip reader's photo (BMP).
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "BMP": "bmp", "TIFF": "tif", "WEBP": "webp"}
SCAN_FORMATS = {"JPEG": "jpg"}  # the handover package embeds scans as the JPEG they are kept as


class PapersError(ValueError):
    """An archive that is not a sealed case with papers as desk400 writes it; the message is
    Chinese, names the file and the entry, and says that nothing was taken in."""


@dataclass(frozen=True)
class CardImage:
    """A card image as the drafts file keeps it (desktop.store.images)."""

    side: str  # licence, id_front, id_back, id_photo
    added: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class ScanPage:
    """A signed page as the drafts file keeps it (desktop.store.scans), with its verdict."""

    doc: str
    page: int
    pages: int
    digest: str  # the print's digest its QR carries
    source: str
    at: str
    data: bytes
    missing: tuple[str, ...] = ()
    old: bool = False
    boxes: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class CasePapers:
    case_json: bytes
    images: tuple[CardImage, ...] = ()
    scans: tuple[ScanPage, ...] = ()


def is_papers(data: bytes) -> bool:
    """True for a ZIP archive (a sealed case with papers), False for a plain case file's JSON."""
    return data.startswith(MAGIC)


def pack(case_json: bytes, images: Sequence[CardImage], scans: Sequence[ScanPage]) -> bytes:
    """The archive for one case, in memory (never a temporary file: it holds ID card images)."""
    if len(images) + len(scans) + 2 > MAX_ENTRIES:
        raise PapersError(
            f"案卷有 {len(scans)} 页签字扫描件，超过一个加密案卷能带的 {MAX_ENTRIES - 6} 页；未导出，请把签字的纸件交营业厅另行扫描"
        )
    entries: list[dict[str, Any]] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(CASE_NAME, case_json, compress_type=zipfile.ZIP_DEFLATED)
        for image in images:
            extension = image_extension(image.data)
            if extension is None:  # desktop.exchange.papers.gathered leaves these out
                raise PapersError(
                    f"证件图片（{image.side}）不是可以随案卷加密带走的图片格式，请在窗口里重新读取证件"
                )
            name = f"images/{image.side}.{extension}"
            entries.append({"name": name, "kind": "image", "side": image.side, "added": image.added})
            entries[-1].update(sha256=image.sha256, size=len(image.data))
            archive.writestr(name, image.data, compress_type=zipfile.ZIP_STORED)
        for n, scan in enumerate(scans, 1):
            name = f"scans/{n:03d}.jpg"
            entries.append(
                {
                    "name": name, "kind": "scan", "doc": scan.doc, "page": scan.page, "pages": scan.pages,
                    "digest": scan.digest, "source": scan.source, "at": scan.at, "missing": list(scan.missing),
                    "old": scan.old, "boxes": [dict(b) for b in scan.boxes],
                    "sha256": scan.sha256, "size": len(scan.data),
                }
            )  # fmt: skip
            archive.writestr(name, scan.data, compress_type=zipfile.ZIP_STORED)
        manifest = {"format": FORMAT, "version": VERSION, "entries": entries}
        text = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        archive.writestr(MANIFEST_NAME, text, compress_type=zipfile.ZIP_DEFLATED)
    if buffer.tell() > MAX_BYTES:  # an archive every import would refuse is never written
        raise PapersError(
            f"案卷的证件图片和签字扫描件共超过 {MAX_BYTES // 2**20} MB，放不进一个加密案卷；未导出，请把签字的纸件交营业厅另行扫描"
        )
    return buffer.getvalue()


def unpack(data: bytes, source: str, *, sides: Collection[str]) -> CasePapers:
    """The case file and papers of an archive `pack` wrote; PapersError for anything else.
    `sides`: the image kinds the drafts file keeps (desktop.store.images.KINDS)."""
    if len(data) > MAX_BYTES:
        raise _refused(source, f"超过 {MAX_BYTES // 2**20} MB")
    _check_entry_count(data, source)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _refused(source, "不完整，无法读取（文件已损坏？）") from None
    with archive:
        infos = _checked_infos(archive, source)
        manifest = _manifest(_entry(archive, infos, MANIFEST_NAME, MAX_MANIFEST_BYTES, source), source)
        case_json = _entry(archive, infos, CASE_NAME, casefile.MAX_BYTES, source)
        listed = {CASE_NAME, MANIFEST_NAME}
        images: list[CardImage] = []
        scans: list[ScanPage] = []
        for entry in manifest:
            name = _text(entry, "name", source)
            if name in listed or not _NAME.fullmatch(name):
                raise _refused(source, f"的附件清单里的 {shown(name, 60)} 不是允许的文件名或重复出现")
            listed.add(name)
            body = _entry(archive, infos, name, MAX_ENTRY_BYTES, source)
            if hashlib.sha256(body).hexdigest() != entry.get("sha256") or len(body) != entry.get("size"):
                raise _refused(source, f"里的 {name} 与附件清单的校验码或大小不符（文件已损坏或被改动）")
            if entry.get("kind") == "image" and name.startswith("images/"):
                images.append(_card_image(entry, body, name, source, sides))
            elif entry.get("kind") == "scan" and name.startswith("scans/"):
                scans.append(_scan_page(entry, body, name, source))
            else:
                raise _refused(source, f"里的 {name} 的类型不对")
        extra = sorted(set(infos) - listed)
        if extra:
            raise _refused(source, f"里有清单之外的文件 {shown(extra[0], 60)}")
    if len({i.side for i in images}) != len(images):
        raise _refused(source, "里同一种证件图片出现了两次")
    return CasePapers(case_json, tuple(images), tuple(scans))


def _refused(source: str, why: str) -> PapersError:
    return PapersError(f"{source}：加密案卷的附件包{why}；本批文件均未导入，请让对方重新导出")


def image_extension(data: bytes) -> str | None:
    """The archive's name ending for a card image, None for bytes the archive does not take (an
    import would refuse the whole file for them)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return IMAGE_FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _check_entry_count(data: bytes, source: str) -> None:
    """Count the entries from the end-of-archive record before zipfile reads the directory: a
    hostile archive may declare millions, each costing zipfile memory while it lists them."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        raise _refused(source, "不完整，无法读取（文件已损坏？）")
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    if count > MAX_ENTRIES:  # 0xFFFF, a ZIP64 archive, too: desk400 never writes one
        raise _refused(source, f"有 {count} 个文件，超过上限 {MAX_ENTRIES}")


def _checked_infos(archive: zipfile.ZipFile, source: str) -> dict[str, zipfile.ZipInfo]:
    infos: dict[str, zipfile.ZipInfo] = {}
    total = 0
    members = archive.infolist()
    if len(members) > MAX_ENTRIES:
        raise _refused(source, f"有 {len(members)} 个文件，超过上限 {MAX_ENTRIES}")
    for info in members:
        name = info.filename
        if name not in (CASE_NAME, MANIFEST_NAME) and not _NAME.fullmatch(name):
            raise _refused(source, f"里有不允许的文件名 {shown(name, 60)}（只收 images/、scans/ 下的图片）")
        if name in infos:
            raise _refused(source, f"里的 {shown(name, 60)} 出现了两次")
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refused(source, f"里的 {name} 被加密或用了不支持的压缩方式")
        total += info.file_size
        if info.file_size > MAX_ENTRY_BYTES or total > MAX_BYTES:
            raise _refused(source, f"里的文件解压后超过上限（{MAX_ENTRY_BYTES // 2**20} MB 一个）")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise _refused(source, f"里的 {name} 压缩比异常（疑似压缩炸弹）")
        infos[name] = info
    return infos


def _entry(
    archive: zipfile.ZipFile, infos: Mapping[str, zipfile.ZipInfo], name: str, limit: int, source: str
) -> bytes:
    info = infos.get(name)
    if info is None:
        raise _refused(source, f"缺少 {name}")
    if info.file_size > limit:
        raise _refused(source, f"里的 {name} 超过 {limit // 1024} KB")
    try:
        with archive.open(info) as handle:
            body = handle.read(limit + 1)  # never more than the limit, whatever the header says
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        raise _refused(source, f"里的 {name} 已损坏，无法解压") from None
    if len(body) > limit:
        raise _refused(source, f"里的 {name} 超过 {limit // 1024} KB")
    return body


def _manifest(raw: bytes, source: str) -> list[Mapping[str, Any]]:
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refused(source, "的附件清单不是有效的 JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _refused(source, "的附件清单格式不对")
    if doc.get("version") != VERSION:
        raise _refused(source, f"的附件清单版本 {shown(doc.get('version'), 20)} 本程序不认识，请升级 desk400")
    entries = doc.get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _refused(source, "的附件清单格式不对")
    return entries


def _text(entry: Mapping[str, Any], key: str, source: str, limit: int = 200) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or len(value) > limit or any(ord(c) < 32 for c in value):
        raise _refused(source, f"的附件清单里 {key} 不是有效的文本")
    return value


def _whole(entry: Mapping[str, Any], key: str, source: str) -> int:
    value = entry.get(key)
    if type(value) is not int or not 1 <= value <= 999:
        raise _refused(source, f"的附件清单里 {key} 不是有效的页码")
    return value


def _card_image(
    entry: Mapping[str, Any], body: bytes, name: str, source: str, sides: Collection[str]
) -> CardImage:
    side = _text(entry, "side", source)
    if side not in sides or not name.startswith(f"images/{side}."):
        raise _refused(source, f"里的图片 {name} 不是本程序认识的证件面")
    found = _check_image(body, IMAGE_FORMATS, name, source)
    if not name.endswith("." + IMAGE_FORMATS[found]):
        raise _refused(source, f"里的 {name} 其实是 {found} 图片，与文件名不符")
    return CardImage(side, _text(entry, "added", source, 40), body)


def _scan_page(entry: Mapping[str, Any], body: bytes, name: str, source: str) -> ScanPage:
    page, pages = _whole(entry, "page", source), _whole(entry, "pages", source)
    missing = entry.get("missing")
    boxes = entry.get("boxes")
    old = entry.get("old")
    if page > pages or not isinstance(old, bool):
        raise _refused(source, f"的附件清单里 {name} 的页码或结论不对")
    if not isinstance(missing, list) or len(missing) > 100 or not all(isinstance(m, str) for m in missing):
        raise _refused(source, f"的附件清单里 {name} 的缺项不对")
    if not isinstance(boxes, list) or len(boxes) > 100 or not all(_box(b) for b in boxes):
        raise _refused(source, f"的附件清单里 {name} 的签字盖章框不对")
    _check_image(body, SCAN_FORMATS, name, source)
    return ScanPage(
        doc=_text(entry, "doc", source, 40), page=page, pages=pages, digest=_text(entry, "digest", source, 64),
        source=_text(entry, "source", source, 1000), at=_text(entry, "at", source, 40), data=body,
        missing=tuple(m[:500] for m in missing), old=old, boxes=tuple(boxes),
    )  # fmt: skip


def _box(box: object) -> bool:
    """A box's verdict as desktop.paper.intake records it: label, kind, inked, share, corners."""
    if not isinstance(box, dict) or set(box) - {"label", "kind", "inked", "share", "corners"}:
        return False
    corners = box.get("corners", [])
    return (
        all(isinstance(box.get(k, ""), str) and len(box.get(k, "")) <= 200 for k in ("label", "kind"))
        and isinstance(box.get("inked", False), bool)
        and type(box.get("share", 0.0)) in (int, float)
        and isinstance(corners, list)
        and len(corners) <= 8
        and all(
            isinstance(c, list) and len(c) == 2 and all(type(x) in (int, float) for x in c) for c in corners
        )
    )


def _check_image(data: bytes, formats: Mapping[str, str], name: str, source: str) -> str:
    """Pillow decodes it whole as one of `formats`, within MAX_PIXELS (a decompression bomb, a
    truncated file or another format is refused); the format found."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in formats:
                    raise _refused(source, f"里的 {name} 不是 {'/'.join(formats)} 图片")
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise _refused(source, f"里的图片 {name} 有 {width}×{height} 像素，超过上限")
                image.load()
                return str(image.format)
    except PapersError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refused(source, f"里的图片 {name} 像素过多（疑似解压炸弹）") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise _refused(source, f"里的 {name} 不是可以读取的图片（已损坏或不是图片）") from None
