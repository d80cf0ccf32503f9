"""What the drafts store hands out and raises: cases, list pages, audit lines, reports, errors.

Every error is a StoreError whose message is Chinese, one line a window or the command line can
show as it is, and never quotes a customer's values; the errors themselves live in
desktop.store.errors (light enough for the window's start) and are named here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from desktop.domain.invisible import marked
from desktop.domain.status import STATUSES
from desktop.domain.statuses import RETAINED
from desktop.files.casefile import Value
from desktop.store.errors import (  # noqa: F401 (the store's errors are named from here too)
    CaseDeleted,
    CaseNotFound,
    Conflict,
    DamagedCase,
    DamagedFile,
    DiskFull,
    NewerStoreError,
    NoDraftsFile,
    NotDraftsFile,
    StoreBusy,
    StoreError,
)

# Statuses whose case is done with at the counter: purged once retention has passed, counted from
# the last change. A signed or handed-over case is not among them (desktop.domain.statuses.RETAINED):
# its legal retention counts from the handover and only the hall's retention ends it, whatever a
# desk's clock says (paper-trail.md).
FINISHED = tuple(s for s in STATUSES if s != "draft" and s not in RETAINED)
SEARCH_STALE = "search_stale"  # meta key: the search text predates the spec's keys (migration 0012)
EVENTS = ("created", "edited", "printed", "exported", "imported", "deleted", "restored", "purged", "scanned")
BIN_DAYS = 30
BUSY_TIMEOUT_MS = 5000
DEFAULT_SETTINGS: Mapping[str, Any] = MappingProxyType({"retention_days": 90})
PAGE_SIZE = 50
DAMAGED_TITLE = "（损坏的案卷）"


@dataclass(frozen=True)
class ImportClash:
    """One file of an import batch that would overwrite an edit made on this machine.

    `reason`: "older" (the file is not newer than the stored edit), "stale" (the file holds the
    very values this machine last handed over, and this machine edited since), or "both" (this
    machine and the file's have both changed the case since this machine last exported or
    imported it).
    """

    source: str
    case_id: str
    file_updated: str
    stored_updated: str
    reason: str = "older"
    # "fields" (a version-2 file whose base is known here): each field changed on both sides
    # since, as (key, mine, theirs), and the case's number for the listing.
    conflicts: tuple[tuple[str, Any, Any], ...] = ()
    number: str | None = None

    def message(self) -> str:
        head = f"{self.source}：案卷 {self.case_id} "
        if self.reason == "fields":
            label = self.number or self.case_id[:8]
            lines = [
                f"{self.source}：案卷 {label} 在两台电脑上都改了 {len(self.conflicts)} 处（本机 / 文件）：",
                *(
                    f"{label} {key}: {shown_value(mine)} / {shown_value(theirs)}"
                    for key, mine, theirs in self.conflicts
                ),
            ]
            return "\n".join(lines)
        if self.reason == "stale":
            return (
                head + f"的文件就是本机上次导出或导入的版本，本机之后（{self.stored_updated}）又修改过；"
                "文件里没有新的修改，导入只会退回本机的修改"
            )
        if self.reason == "both":
            return (
                head + f"在本机上次导出或导入之后，本机（{self.stored_updated}）和文件（{self.file_updated}）"
                "都修改过，导入会丢掉本机的修改。请核对两边的内容；如确定以文件为准，先把本机版本导出到"
                "另一个文件夹留底（不要覆盖这个文件），再重新导入"
            )
        return (
            head
            + f"的文件修改时间 {self.file_updated} 早于（或等于）本机保存的 {self.stored_updated}，且内容不同"
        )


def shown_value(value: Any) -> str:
    """A conflicted value as `import` and `sync` list it, invisible characters shown as code
    points (desktop.domain.invisible.marked): the agent chooses between the two by reading them."""
    if value is None or value == "" or value == []:
        return "（空）"
    return marked("、".join(map(str, value)) if isinstance(value, list) else str(value))


class ImportConflict(StoreError):
    """At least one imported file would overwrite a newer edit; nothing was imported."""

    def __init__(self, clashes: Sequence[ImportClash]) -> None:
        lines = [c.message() for c in clashes]
        lines.append("没有导入任何文件。请先在本机核对这些草稿。")
        super().__init__("\n".join(lines))
        self.clashes = tuple(clashes)


class DraftsSpec(Protocol):
    """What the store needs to know about a bundle's fields, built by the forms loader from data
    (`desktop.domain.forms.DraftsSpec` fits). `duplicate_clear_keys` may hold shell patterns (`number.*`).
    An optional `duplicate_reset_keys` (read with getattr) names the fields a copy starts as a new
    case does (see `Store.duplicate`).
    """

    @property
    def title_key(self) -> str: ...
    @property
    def search_keys(self) -> tuple[str, ...]: ...
    @property
    def mask_keys(self) -> tuple[str, ...]: ...
    @property
    def duplicate_clear_keys(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class CaseHead:
    """What a case and its line in a list both carry."""

    id: str
    bundle: str
    edition: str
    status: str
    created: str
    updated: str
    revision: int


@dataclass(frozen=True)
class Case(CaseHead):
    """One case with its unmasked values: what a window opens."""

    fields: dict[str, Value]
    deleted: str | None = None
    number: str | None = None  # DESK-YYYYMMDD-NNN, what people read aloud and paper carries
    materials: tuple[str, ...] = ()  # the checklist items ticked (desktop.domain.materials)
    last_print: str | None = None  # the digest of the latest print-log row (desktop.store.prints)


@dataclass(frozen=True)
class CaseSummary(CaseHead):
    """One line of a list: the title and the searchable values, ID numbers masked.

    A `damaged` case's row could not be read: its title is DAMAGED_TITLE and its summary empty."""

    title: str
    summary: dict[str, Value]
    deleted: str | None = None
    damaged: bool = False
    number: str | None = None


@dataclass(frozen=True)
class Page:
    items: tuple[CaseSummary, ...]
    offset: int
    limit: int
    has_more: bool


@dataclass(frozen=True)
class AuditEvent:
    at: str
    case_id: str | None
    event: str
    key: str | None
    detail: str | None


@dataclass(frozen=True)
class ImportReport:
    created: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    merged: tuple[str, ...] = ()  # version-2 files merged field by field with this machine's edits
    # Papers that came inside sealed case files (desktop.exchange.papers): card images, scanned pages.
    images: int = 0
    scans: int = 0


@dataclass(frozen=True)
class PurgeReport:
    finished: tuple[str, ...] = field(default_factory=tuple)
    expired_from_bin: tuple[str, ...] = field(default_factory=tuple)

    @property
    def removed(self) -> int:
        return len(set(self.finished) | set(self.expired_from_bin))
