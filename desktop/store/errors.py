"""What the drafts store raises: every error a StoreError whose message is Chinese, one line a
window or the command line can show as it is, never quoting a customer's values.

In a module of their own, importing nothing: the window's parts name them at their top, and the
store's models (eight dataclasses, the statuses) load with the store, after the first paint.
desktop.store.models names them too.
"""

from __future__ import annotations


class StoreError(Exception):
    """A drafts-store failure the agent can read: the message is Chinese and says what to do."""


class NewerStoreError(StoreError):
    """The drafts file was written by a newer desk400; it is left untouched."""


class NotDraftsFile(StoreError):
    """The path holds a file that is not a desk400 drafts file; it is left untouched."""


class NoDraftsFile(StoreError):
    """There is no drafts file at the path, and the caller must not create one (export)."""


class StoreBusy(StoreError):
    """Another program held the drafts file's write lock for longer than the busy timeout."""


class DamagedFile(StoreError):
    """The full damage check found the drafts file damaged while this process still has it open
    elsewhere: it is recovered at the next start (the file is marked), not under a live connection."""


class DiskFull(StoreError):
    """The disk holding the drafts file is full; nothing of the failed change was saved."""


class CaseNotFound(StoreError, LookupError):
    """No case with that id (never created, or purged)."""


class CaseDeleted(StoreError):
    """The case is in the bin; it must be restored before it is edited."""


class DamagedCase(StoreError):
    """The case's stored row cannot be read; `Store.repair_case` restores it from a backup."""

    def __init__(self, case_id: str) -> None:
        super().__init__(
            f"案卷 {case_id} 的数据已损坏，无法打开（其他案卷不受影响）；可从自动备份恢复这个案卷，或联系技术支持"
        )
        self.case_id = case_id


class Conflict(StoreError):
    """The case changed since the caller read it: `actual` is the stored revision."""

    def __init__(self, case_id: str, expected: int, actual: int) -> None:
        super().__init__(f"该草稿已在其他窗口修改（版本 {actual}），请重新打开后再改")
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
