"""Scan-in (paper-trail.md, "Scans back in"): a batch of scan files matched to cases, checked,
kept with their cases and, where every page of the latest print came back with every required box
inked, the case made `signed` (已签回).

The batch is all or nothing at the edges: any unreadable file refuses the whole batch before the
drafts file is touched (exit 2); otherwise every matched page is kept, in one transaction, and
every page that could not be matched is reported by file and page, never silently dropped.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.domain.status import PAPER_STATUSES
from desktop.paper.check import check_page, scan_corners
from desktop.paper.locate import locate
from desktop.paper.progress import progress, summary
from desktop.paper.reprint import Reprint, kept_copies, print_day, print_settings, reprint
from desktop.paper.scans import ScanPage, read_scan
from desktop.render.identity import PAGE_WIDTH_MM, PageId
from desktop.store.scans import ScanRow

# Kept pages: JPEG at this quality is what a scanner writes anyway (a 200 dpi A4 page ~ 300 KB).
KEEP_QUALITY = 75


@dataclass
class Report:
    """What a scan-in found: one line per problem page, one line per case touched."""

    problems: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    signed: list[str] = field(default_factory=list)  # case numbers now 已签回
    kept: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def lines(self) -> list[str]:
        return [*self.problems, *self.cases]


def read_all(files: Iterable[Path]) -> list[ScanPage]:
    """Every page of every file; ScanUnreadable (nothing taken in) at the first bad one."""
    pages: list[ScanPage] = []
    for path in files:
        pages.extend(read_scan(path))
    return pages


class _Case:
    """What one case's pages are checked against, read once per batch."""

    def __init__(self, store: Any, bundle: Any, case_id: str) -> None:
        self.case = store.get(case_id)
        self.number = self.case.number or case_id
        self.prints = store.prints(case_id)
        self._bundle, self._store = bundle, store
        self._reprint: Reprint | None = None

    def latest(self) -> Any | None:
        return self.prints[0] if self.prints else None

    def find(self, digest: str) -> Any | None:
        return next((p for p in self.prints if p.short_digest == digest), None)

    def layout(self) -> Reprint:
        if self._reprint is None:
            rec = self.latest()
            settings = print_settings(self._bundle, self._store)
            ticks = self.case.materials if self._bundle.materials is not None else None
            copies = kept_copies(self._store, self.case.id) if "copies" in rec.documents else []
            self._reprint = reprint(
                self._bundle, self.case.fields, settings, number=self.number,
                documents=rec.documents, materials=ticks, day=print_day(rec.at), copies=copies,
            )  # fmt: skip
        return self._reprint


def scan_in(store: Any, bundle: Any, pages: Sequence[ScanPage]) -> Report:
    """Match, check and keep the pages (read by read_all); statuses set in the same transaction."""
    report = Report()
    titles = {d.id: d.tab for d in bundle.documents}
    cases: dict[str, _Case] = {}
    rows: list[ScanRow] = []
    for scan in pages:
        row = _one(store, bundle, scan, cases, titles, report)
        if row is not None:
            rows.append(row)
    signed = []
    for case_id, case in cases.items():
        mine = [r for r in rows if r.case_id == case_id]
        state = progress(case.prints, [*store.scans(case_id, images=False), *mine])
        report.cases.append(summary(case.number, state))
        if state.complete and case.case.status not in PAPER_STATUSES:
            signed.append(case_id)
            report.signed.append(case.number)
    if rows:
        store.add_scans(rows, signed)
    report.kept = len(rows)
    return report


def _one(
    store: Any, bundle: Any, scan: ScanPage, cases: dict[str, _Case], titles: dict[str, str], report: Report
) -> ScanRow | None:
    where = scan.where()
    seen = locate(scan.image, PAGE_WIDTH_MM)
    if seen.located is None:
        what = "二维码不是本系统打印的页面" if seen.foreign else "未找到页码二维码（空白页或其他文件的页）"
        report.problems.append(f"{where}：{what}，未收入；请找出原页后重新扫描")
        return None
    page: PageId = seen.located.page
    case_id = store.case_for_number(page.number)
    if case_id is None:
        report.problems.append(f"{where}：二维码上的案卷 {page.number} 不在本草稿文件中，未收入")
        return None
    case = cases.get(case_id) or cases.setdefault(case_id, _Case(store, bundle, case_id))
    rec = case.find(page.digest)
    latest = case.latest()
    if rec is None or latest is None:
        report.problems.append(
            f"{where}：案卷 {case.number} 没有与此页校验码 {page.digest} 相符的打印记录，未收入；请用本系统打印的页面"
        )
        return None
    if rec.seq != latest.seq:
        report.problems.append(
            f"{where}：案卷 {case.number} 第 {page.page} 页「签署的是旧版本」（{rec.at[:16].replace('T', ' ')} 的打印），"
            "请用最新打印的页面重新签字"
        )
        return _row(case_id, scan, page, old=True)
    if page.pages != rec.pages:
        report.problems.append(
            f"{where}：页码 {page.page}/{page.pages} 与打印记录的 {rec.pages} 页不符，未收入"
        )
        return None
    layout = case.layout()
    if layout.digest != page.digest:
        report.problems.append(f"{where}：案卷 {case.number} 打印后有修改，纸面与草稿不符；请重新打印后签字")
        return _row(case_id, scan, page, old=True)
    if layout.layout.page_docs[page.page - 1 : page.page] != [page.doc]:
        report.problems.append(f"{where}：二维码上的文档与打印记录不符，未收入")
        return None
    verdict = check_page(scan.image, seen.located, layout.layout, titles)
    missing = tuple(m.message() for m in verdict.missing)
    report.problems.extend(f"{where}：案卷 {case.number} {m}" for m in missing)
    boxes = tuple(
        {
            "label": i.box.label, "kind": i.box.kind, "inked": i.inked, "share": round(i.share, 4),
            "corners": [[round(x, 1), round(y, 1)] for x, y in scan_corners(seen.located.to_scan, i.box)],
        }
        for i in verdict.inks
    )  # fmt: skip
    return _row(case_id, scan, page, missing=missing, boxes=boxes)


def _row(case_id: str, scan: ScanPage, page: PageId, *, old: bool = False, missing=(), boxes=()) -> ScanRow:
    buffer = io.BytesIO()
    scan.image.save(buffer, "JPEG", quality=KEEP_QUALITY)
    return ScanRow(
        case_id=case_id, source=scan.where(), doc=page.doc, page=page.page, pages=page.pages,
        digest=page.digest, image=buffer.getvalue(), missing=tuple(missing), old=old, boxes=tuple(boxes),
    )  # fmt: skip
