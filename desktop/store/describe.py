"""Any error as the one Chinese line the agent reads: what happened and what to do.

One function for the window's autosave, its background jobs and the command line (before this,
four did it, each knowing a different part). The raw text of an exception is never shown: it
may be English, or quote customer data. Errors whose text is already the agent's words (the
store's StoreError, the hall's HallError, a case file's CaseFileError) say so by a class
attribute `said = True` or by being a StoreError; this module imports no room above the store.
"""

from __future__ import annotations

import errno

from desktop.files.safefile import FileProblem, why
from desktop.store.models import DiskFull, StoreBusy, StoreError
from desktop.store.sqlite import BUSY_CODES, ERRORS, FULL_CODE, error_code

READONLY_CODE = 8  # SQLITE_READONLY
BUSY = "草稿文件正被其他程序占用（可能是 desk400 的另一个窗口），请关闭它或稍后重试"
FULL = "磁盘已满，请腾出空间后重试"
READONLY = "草稿文件不可写入（权限或只读），请检查文件权限"
KEPT_ON_SCREEN = "修改仍在窗口中，稍后会自动保存"  # what the autosave adds: nothing typed is lost
UNCHANGED = "什么都没有改"  # what the command line adds: the command changed nothing


def describe(exc: BaseException, *, failed: str = "", then: str = "") -> str:
    """`exc` in the agent's words; `failed` names what did not happen (保存失败), `then` what
    happens next (修改仍在窗口中…): both joined to the reason."""
    reason = _reason(exc)
    if reason is None:
        head = failed or "操作失败"
        reason = f"{head}（程序内部错误 {type(exc).__name__}）"
        tail = "如一再出现，请联系管理员"
        return "；".join(part for part in (reason, then, tail) if part)
    return "；".join(part for part in (reason, then) if part)


def _reason(exc: BaseException) -> str | None:
    text = str(exc).lower()
    sqlite = isinstance(exc, ERRORS)
    code = error_code(exc) if sqlite else 0
    if isinstance(exc, StoreBusy) or (sqlite and (code in BUSY_CODES or "locked" in text or "busy" in text)):
        return BUSY
    if isinstance(exc, DiskFull) or (sqlite and (code == FULL_CODE or "full" in text)):
        return FULL
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return FULL
    if sqlite and (code == READONLY_CODE or "readonly" in text):
        return READONLY
    if isinstance(exc, FileProblem):
        return exc.message
    if isinstance(exc, OSError):
        return why(exc)
    if isinstance(exc, StoreError) or getattr(type(exc), "said", False):
        return str(exc)
    if sqlite:
        return f"无法读写草稿文件（SQLite 错误 {code}），请检查文件位置和权限后重试"
    return None
