"""Moving cases between machines as case files: `export` and `import` of case-format.md.

The command line maps the exceptions to its exit status: BadInput 2, ImportConflict 1.
Import reads and checks every file before touching the drafts file, then applies the whole batch in
one transaction, so a batch with one bad or conflicting file changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from desktop import casefile
from desktop.casefile import CaseFile, CaseFileError
from desktop.store import CaseNotFound, DamagedCase, ImportConflict, ImportReport, Store, same_content

__all__ = [
    "BadInput",
    "DamagedCases",
    "ImportConflict",
    "ImportReport",
    "export_all",
    "export_case",
    "import_files",
]


class BadInput(Exception):
    """An unreadable or malformed case file, an unknown case or an unwritable output (exit 2).

    The message is Chinese and names the file and the problem."""

    exit_code = 2


class DamagedCases(Exception):
    """export --all wrote every readable case; these could not be read (exit 1)."""

    def __init__(self, written: list[Path], damaged: list[str]) -> None:
        super().__init__(
            f"有 {len(damaged)} 个案卷已损坏，未能导出：{'、'.join(damaged)}；其余 {len(written)} 个已导出。"
            "请在窗口中从备份恢复这些案卷后再导出"
        )
        self.written = written
        self.damaged = damaged


def export_case(store: Store, case_id: str, out: Path) -> Path:
    """Write one case to `out` (or to `out/ID.json` when `out` is a folder); returns the path."""
    out = Path(out)
    target = out / f"{case_id}.json" if out.is_dir() else out
    try:
        _write(store, case_id, target)
    except DamagedCase:
        raise DamagedCases([], [case_id]) from None
    return target


def export_all(store: Store, folder: Path) -> list[Path]:
    """Write every case not in the bin as `ID.json` into `folder` (created if missing).

    A damaged case does not stop the rest: DamagedCases names them after the others are written."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BadInput(f"{folder}：无法创建导出文件夹（{exc.strerror}），请换一个位置") from None
    if not folder.is_dir():
        raise BadInput(f"{folder}：不是文件夹，--all 需要一个文件夹")
    written = []
    damaged = []
    for case_id in store.ids():
        target = folder / f"{case_id}.json"
        try:
            _write(store, case_id, target)
        except DamagedCase:
            damaged.append(case_id)
            continue
        written.append(target)
    if damaged:
        raise DamagedCases(written, damaged)
    return written


def import_files(
    store: Store, files: Sequence[Path], *, known_keys: frozenset[str] | None = None
) -> ImportReport:
    """Import case files all or nothing.

    Raises BadInput (naming the file) before anything changes if any file is unreadable,
    malformed, of another bundle, or repeats a case of the batch; ImportConflict if any file is
    older than the stored edit of its case and differs from it.
    """
    batch: list[tuple[str, CaseFile]] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            case = casefile.read(Path(path), known_keys=known_keys)
        except CaseFileError as exc:
            raise BadInput(str(exc)) from None
        if case.bundle != store.bundle:
            raise BadInput(f"{path}：资料包 {case.bundle!r} 不是本程序的 {store.bundle!r}，不能导入")
        if case.id in seen:
            raise BadInput(f"{path}：与 {seen[case.id]} 是同一个案例（{case.id}），请只导入其中一个")
        seen[case.id] = str(path)
        batch.append((str(path), case))
    return store.import_cases(batch)


def _write(store: Store, case_id: str, target: Path) -> None:
    try:
        case = store.get(case_id)
    except CaseNotFound as exc:
        raise BadInput(str(exc)) from None
    doc = CaseFile(id=case.id, bundle=case.bundle, updated=case.updated, fields=case.fields)
    _refuse_to_bury_newer(target, doc)
    try:
        _write_private(doc, target)
    except OSError as exc:
        raise BadInput(f"{target}：无法写入（{exc.strerror}），请检查路径和权限") from None
    store.record_export(case_id, case.fields)


def _refuse_to_bury_newer(target: Path, doc: CaseFile) -> None:
    """Never overwrite a file holding a later, different version of the same case.

    Exports are named ID.json, like the file another machine sends back: exporting into the folder
    it arrived in would otherwise replace the other machine's edits with this one's.
    """
    try:
        there = casefile.read(target)
    except (CaseFileError, OSError):
        return  # nothing there, or not a case file this export could lose
    if there.id != doc.id or same_content(there.fields, doc.fields):
        return
    try:
        newer = datetime.fromisoformat(there.updated) > datetime.fromisoformat(doc.updated)
    except ValueError:
        return
    if newer:
        raise BadInput(
            f"{target}：里面是这个案例更晚的版本（{there.updated}），导出会覆盖它；请导出到另一个文件夹"
        )


def _write_private(doc: CaseFile, target: Path) -> None:
    """Like casefile.write, but the file holds ID numbers: created 0600 and synced before the
    rename, so a crash leaves either the old file or the whole new one."""
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(doc.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
