"""The handover package (paper-trail.md, "Handover package"): one PDF with the signed scans in
bundle order, then the annotated copies, then a manifest page; sealed to the hall's age recipient
too when one is set. Writing it makes the case `handed_over` (已交付).

The copies are the case's 复印件 pages as `render --documents copies` prints them (each card image
the drafts file keeps, crossed by the Order 25 Art. 9 annotation, dated the day of the handover);
the manifest names each one, or says that the case keeps none.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from desktop.domain.resolve import resolve
from desktop.domain.status import HANDED_OVER, SIGNED, label
from desktop.files import paths, safefile, sealing
from desktop.paper.progress import progress
from desktop.paper.reprint import print_settings
from desktop.render import render_pdf
from desktop.render.copies import KIND_TITLES
from desktop.render.fonts import register_font
from desktop.store import images
from desktop.store.escrow import ESCROW_SETTING
from desktop.store.images import CaseImage
from desktop.store.scans import ScanRow


class NotReady(Exception):
    """A case that cannot be handed over yet; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class Package:
    pdf: Path
    sealed: Path | None
    pages: int


def handover(store: Any, bundle: Any, case_id: str, out: Path) -> Package:
    """Write the package of a `signed` case to `out` (and `out.age` with the hall's recipient set),
    then make the case 已交付: its scans, its 复印件 pages when the drafts file keeps card images
    for it, the manifest. NotReady for a case that is not signed; safefile.FileProblem (an OSError)
    when `out` cannot be written."""
    case = store.get(case_id)
    number = case.number or case_id
    if case.status != SIGNED:
        raise NotReady(
            f"案卷 {number} 状态为「{label(case.status)}」，只有「已签回」的案卷才能生成交付包；请先导入签字扫描件"
        )
    state = progress(store.prints(case_id), store.scans(case_id))
    if not state.complete:
        raise NotReady(f"案卷 {number} 的签字扫描件不全，请重新导入签字扫描件")
    rec = state.print
    recipient = store.setting(ESCROW_SETTING)
    seal_to = sealing.recipient(str(recipient)) if recipient else None  # SealError before any write
    scans = [p.scan for p in state.pages if p.scan is not None]
    kept = images.of_case(store.db, case.id)
    copies_pdf = copies_pages(store, bundle, case, kept) if kept else None
    data = _assemble(scans, copies_pdf, _manifest(bundle, case, number, rec, scans, kept))
    safefile.check_output(out)
    safefile.write_atomic(out, data)
    sealed = None
    if seal_to is not None:
        sealed = out.with_name(out.name + ".age")
        safefile.write_atomic(sealed, sealing.seal(data, [seal_to]))
    store.set_status(case_id, HANDED_OVER, case.revision)
    return Package(out, sealed, _page_count(data))


def _page_count(data: bytes) -> int:
    document = pypdfium2.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def copies_pages(store: Any, bundle: Any, case: Any, kept: Sequence[CaseImage]) -> bytes:
    """The case's 复印件 pages, as `render --db FILE --id ID --documents copies` prints them."""
    settings = print_settings(bundle, store)
    values = resolve(bundle, dict(case.fields), settings=settings, today=date.today(), number=case.number)
    buffer = io.BytesIO()
    render_pdf(
        bundle, values.values(), settings, case_id=case.number or case.id, draft=False, out=buffer,
        documents=["copies"], copies=[(i.kind, i.data) for i in kept],
    )  # fmt: skip
    return buffer.getvalue()


def _manifest(
    bundle: Any, case: Any, number: str, rec: Any, scans: Sequence[ScanRow], kept: Sequence[CaseImage]
) -> bytes:
    """The last page: case, print, every scanned page with its source, time and digest, and each
    copy with its image's time and digest (or that the case keeps none)."""
    font = register_font(paths.print_font())
    titles = {d.id: d.tab for d in bundle.documents}
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    width, height = A4
    y = height - 25 * mm
    canvas.setFont(font, 16)
    canvas.drawCentredString(width / 2, y, "交付清单")
    y -= 14 * mm
    canvas.setFont(font, 10)
    lines = [
        f"案卷编号：{number}",
        f"客户：{case.fields.get(bundle.drafts.title_key, '') or ''}",
        f"打印：{rec.at[:19].replace('T', ' ')}，柜台 {rec.desk}，共 {rec.pages} 页，校验码 {rec.digest}",
        f"签字扫描件：{len(scans)} 页（按打印顺序）"
        + (f"，其后为证件复印件 {len(kept)} 份" if kept else "；本案卷未保存证件图片，无证件复印件"),
        "",
        "页  文档            扫描时间              来源                              图像 SHA-256（前 16 位）",
    ]
    for row in scans:
        lines.append(
            f"{row.page:<3} {titles.get(row.doc, row.doc):<14} {row.at[:19].replace('T', ' ')}  "
            f"{row.source[:30]:<32} {hashlib.sha256(row.image).hexdigest()[:16]}"
        )
    if kept:
        lines += [
            "",
            "证件复印件（加注「仅供……办理400业务使用」及日期）   保存时间              图像 SHA-256（前 16 位）",
        ]
    for image in kept:
        lines.append(
            f"复印件：{KIND_TITLES.get(image.kind, image.kind):<16} {image.added[:19].replace('T', ' ')}  "
            f"{hashlib.sha256(image.data).hexdigest()[:16]}"
        )
    lines += [
        "",
        "说明：本系统核对的是最新一次打印的每一页都已扫描回来、每个必需的签字和盖章框内都有墨迹；",
        "不证明签字人的身份。具有法律效力的电子签名（《电子签名法》第十三条）需另行以数字证书签名并加时间戳。",
    ]
    for line in lines:
        canvas.drawString(20 * mm, y, line)
        y -= 6.5 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _assemble(scans: Sequence[ScanRow], copies_pdf: bytes | None, manifest: bytes) -> bytes:
    """Scans, copies, manifest: one PDF. Each scan goes on an A4 page as the JPEG it is stored as,
    through pdfium: ReportLab would ASCII85-encode every byte of it in pure Python (0.8 s a page)."""
    out = pypdfium2.PdfDocument.new()
    try:
        width, height = A4
        for row in scans:
            page = out.new_page(width, height)
            image = pypdfium2.PdfImage.new(out)
            image.load_jpeg(io.BytesIO(row.image), pages=[page])
            iw, ih = image.get_px_size()
            scale = min(width / iw, height / ih)
            w, h = iw * scale, ih * scale
            image.set_matrix(pypdfium2.PdfMatrix().scale(w, h).translate((width - w) / 2, (height - h) / 2))
            page.insert_obj(image)
            page.gen_content()
            page.close()
        for part in ([copies_pdf] if copies_pdf else []) + [manifest]:
            source = pypdfium2.PdfDocument(part)
            out.import_pages(source)
            source.close()
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        out.close()
