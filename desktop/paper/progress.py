"""Where a case's papers stand: each page of its latest print, with its newest scan and verdict.
What the scan-in report, the handover and the window's 签回情况 view all read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.store.scans import ScanRow

SIGNED_PAGE, EMPTY_BOX, ABSENT = "signed", "empty", "absent"


@dataclass(frozen=True)
class PageState:
    page: int
    state: str  # SIGNED_PAGE, EMPTY_BOX or ABSENT
    scan: ScanRow | None


@dataclass(frozen=True)
class Progress:
    """The latest print (None: never printed here) and each of its pages."""

    print: Any | None
    pages: tuple[PageState, ...]

    @property
    def complete(self) -> bool:
        return bool(self.pages) and all(p.state == SIGNED_PAGE for p in self.pages)

    def numbers(self, state: str) -> list[int]:
        return [p.page for p in self.pages if p.state == state]


def latest_pages(rows: Iterable[ScanRow], digest: str) -> dict[int, ScanRow]:
    """The newest kept scan of each page of the print `digest` (a later scan supersedes)."""
    out: dict[int, ScanRow] = {}
    for row in rows:
        if row.digest == digest and not row.old:
            out[row.page] = row
    return out


def progress(prints: Sequence[Any], rows: Iterable[ScanRow]) -> Progress:
    """The case's papers: `prints` newest first (Store.prints), `rows` its scans oldest first."""
    if not prints:
        return Progress(None, ())
    rec = prints[0]
    scans = latest_pages(rows, rec.short_digest)
    pages = []
    for n in range(1, rec.pages + 1):
        row = scans.get(n)
        state = ABSENT if row is None else SIGNED_PAGE if row.complete else EMPTY_BOX
        pages.append(PageState(n, state, row))
    return Progress(rec, tuple(pages))


def summary(number: str, state: Progress) -> str:
    """The case's line in a scan-in report."""
    if state.print is None:
        return f"案卷 {number}：没有打印记录"
    if state.complete:
        return f"案卷 {number}：已签回（最新打印的 {state.print.pages} 页齐全，签字盖章齐全）"
    parts = []
    if absent := state.numbers(ABSENT):
        parts.append(f"还缺第 {'、'.join(map(str, absent))} 页的扫描件")
    if empty := state.numbers(EMPTY_BOX):
        parts.append(f"第 {'、'.join(map(str, empty))} 页有空的签字或盖章处")
    return f"案卷 {number}：尚未签回，{'；'.join(parts)}"
