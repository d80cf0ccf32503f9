"""Moving cases between machines as case files: `export` and `import` of docs/case-file.md.

The command line maps the exceptions to its exit status: BadInput 2, ImportConflict 1.
Import reads and checks every file before touching the drafts file, then applies the whole batch in
one transaction, so a batch with one bad or conflicting file changes nothing.

Case files are version 2 when this machine has shared the case before (docs/case-file.md): they
carry the base, the values this machine last handed over or synced. An import that knows those
values (its own handovers, or its last sync with the hall) merges field by field against them;
one that does not decides as for version 1.

With the hall's age recipient set (setting `hall.age_recipient`), export writes `ID.json.age`:
the case file sealed to the hall (desktop.files.sealing), so a lost USB stick shows nothing; import opens
a sealed file with the identity file given. Without a recipient, case files stay plain JSON.

A case with card images or signed scans travels with them only sealed: its `ID.json.age` then holds
the archive of desktop.files.case_papers (the case file byte for byte, a manifest, the images), and
import takes them in with the case (desktop.exchange.papers). A plain export leaves them behind and
says so; a sealed file holding just the case file (older exports, cases without papers) still imports.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from desktop.exchange import papers
from desktop.files import case_papers, casefile, safefile, sealed_info, sealing
from desktop.files.casefile import Base, CaseFile, CaseFileError, Value, canonical_id, values_digest
from desktop.files.safefile import shown
from desktop.store import (
    Case,
    CaseNotFound,
    DamagedCase,
    ImportConflict,
    ImportReport,
    Store,
    images,
    same_content,
)
from desktop.store.escrow import ESCROW_SETTING

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


def export_case(
    store: Store, case_id: str, out: Path, *, on_note: Callable[[str], None] | None = None
) -> Path:
    """Write one case to `out` (or to `out/ID.json` when `out` is a folder); returns the path.
    A plain export of a case with papers leaves them behind, in one Chinese line for `on_note`."""
    out = Path(out)
    if _is_real_dir(out):
        name = canonical_id(case_id)
        if name is None:
            raise BadInput(f"案卷编号 {shown(case_id, 60)} 不是标准 UUID，不能用作文件名；请用 -o 指定文件名")
        target = out / f"{name}.json{_suffix(store)}"
    else:
        target = out
        if _suffix(store) and not out.name.endswith(sealing.SUFFIX):
            target = out.with_name(out.name + sealing.SUFFIX)
    try:
        behind = _write(store, case_id, target)
    except DamagedCase:
        raise DamagedCases([], [case_id]) from None
    if behind and on_note is not None:
        on_note(f"{target.name} {behind}")
    return target


def export_all(
    store: Store,
    folder: Path,
    *,
    on_skip: Callable[[str], None] | None = None,
    on_note: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write every case not in the bin as `ID.json` into `folder` (created if missing).

    File names come from canonical ids only: a case stored under another spelling of its id is
    written under the canonical one, and one whose id is no UUID at all (or whose canonical name
    another case already took) is skipped, with a Chinese line for `on_skip`. A damaged case does
    not stop the rest: DamagedCases names them after the others are written. Papers a plain
    export leaves behind are counted in one Chinese line for `on_note`.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise BadInput(f"{shown(folder)}：无法创建导出文件夹（{safefile.why(exc)}）") from None
    if not _is_real_dir(folder):
        raise BadInput(f"{shown(folder)}：不是文件夹（或是一个链接），--all 需要一个文件夹")
    written = []
    damaged = []
    taken: set[str] = set()
    behind: list[str] = []
    suffix = _suffix(store)
    for case_id in store.ids():
        name = canonical_id(case_id)
        if name is None or name in taken:
            if on_skip is not None:
                on_skip(f"跳过一个案卷：它的编号 {shown(case_id, 60)} 不是标准 UUID 或与另一个案卷重复")
            continue
        taken.add(name)
        target = folder / f"{name}.json{suffix}"
        try:
            note = _write(store, case_id, target)
            if note:
                behind.append(f"{target.name} {note}")
        except DamagedCase:
            damaged.append(case_id)
            continue
        written.append(target)
    if behind and on_note is not None:
        more = f"（另有 {len(behind) - 1} 个案卷同样）" if len(behind) > 1 else ""
        on_note(f"{len(behind)} 个案卷的证件图片或签字扫描件未随案卷导出：{behind[0]}{more}")
    if damaged:
        raise DamagedCases(written, damaged)
    return written


def import_files(
    store: Store,
    files: Sequence[Path],
    *,
    known_keys: frozenset[str] | None = None,
    shapes: Mapping[str, str] | None = None,
    identity: Path | None = None,
) -> ImportReport:
    """Import case files all or nothing.

    Raises BadInput (naming the file) before anything changes if any file is unreadable,
    malformed, of another bundle, holds a value the drafts cannot keep (control characters, wrong
    types when `shapes` is given), or repeats a case of the batch; ImportConflict if any file is
    older than the stored edit of its case and differs from it, or (version 2, base known here)
    changes a field this machine changed too. A sealed file (`.age`) is opened with the age
    identity file `identity`; without it, or with the wrong one, BadInput. The papers a sealed file
    carries (desktop.files.case_papers: every one checked before anything changes) are taken in
    with their case in the same transaction, counted in the report's `images` and `scans`.
    """
    batch: list[tuple[str, CaseFile]] = []
    carried: list[tuple[str, case_papers.CasePapers]] = []
    seen: dict[str, str] = {}
    for path in case_files(files):
        try:
            case, attached = _read(Path(path), identity, known_keys=known_keys, shapes=shapes)
        except CaseFileError as exc:
            raise BadInput(str(exc)) from None
        name = shown(path)
        if case.bundle != store.bundle:
            raise BadInput(f"{name}：资料包 {shown(case.bundle, 20)} 不是本程序的 {store.bundle}，不能导入")
        if case.id in seen:
            raise BadInput(f"{name}：与 {seen[case.id]} 是同一个案卷（{case.id}），请只导入其中一个")
        seen[case.id] = name
        batch.append((name, case))
        if attached is not None:
            carried.append((case.id, attached))
    bases = {}
    for _, case in batch:
        if case.base is not None:
            values = known_base(store, case.id, case.base.digest)
            if values is not None:
                bases[case.id] = values
    with store.transaction():
        report = store.import_cases(batch, bases_known=bases)
        taken = [papers.take_in(store, case_id, attached) for case_id, attached in carried]
    return dataclasses.replace(report, images=sum(t.images for t in taken), scans=sum(t.scans for t in taken))


def case_files(files: Sequence[Path]) -> list[Path]:
    """The case files among `files`: the note beside a sealed file given too (`import usb/*`) is
    left out; a note given alone is bad input, since it holds no case."""
    given = {os.fspath(Path(f)) for f in files}
    kept = []
    for path in map(Path, files):
        if not sealed_info.is_info(path):
            kept.append(path)
            continue
        sealed = path.with_name(path.name[: -len(sealed_info.SUFFIX)])
        if os.fspath(sealed) not in given:
            raise BadInput(
                f"{shown(path)}：是加密案卷旁的说明文件，里面没有案卷；请导入 {shown(sealed.name)}"
            )
    return kept


def known_base(store: Store, case_id: str, digest: str) -> dict[str, Value] | None:
    """The values a version-2 file's base digest stands for, if this machine shared them: one of
    its recent handovers of the case, or its last agreement with the hall server."""
    values = store.handover_values(case_id, digest)
    if values is not None:
        return values
    synced = store.hall_base(case_id)
    if synced is not None and values_digest(synced[1]) == digest:
        return synced[1]
    return None


def base_for(store: Store, case: Case) -> Base | None:
    """What this machine last shared of the case, the base its file carries: the later of its last
    handover and its last sync (by the drafts revision each was at); None when it never shared it.

    A revision beyond casefile.MAX_REVISION (recorded from a file at the limit, or by a desk400
    that took any revision below 2**53) is never carried: every import would refuse the file, so
    the case goes out as version 1 instead, decided by time as a file without a base."""
    found: list[tuple[int, int, Base]] = []
    handed = store.last_handover(case.id)
    if handed is not None and 0 <= handed.revision <= casefile.MAX_REVISION:
        found.append((handed.local_revision, 1, Base(handed.revision, handed.digest)))
    synced = store.hall_base(case.id)
    if synced is not None and 0 <= synced[0] <= casefile.MAX_REVISION:
        found.append((synced[2], 0, Base(synced[0], values_digest(synced[1]))))
    return max(found, key=lambda f: f[:2])[2] if found else None


PLAIN_WHY = "只有加密给营业厅的案卷文件才带图片（请在设置中填写营业厅的 age 公钥）"


def _suffix(store: Store) -> str:
    """ ".age" when case files leave this machine sealed to the hall, else ""."""
    return sealing.SUFFIX if str(store.setting(ESCROW_SETTING) or "").strip() else ""


def _read(
    path: Path, identity: Path | None, *, known_keys: frozenset[str] | None, shapes: Mapping[str, str] | None
) -> tuple[CaseFile, case_papers.CasePapers | None]:
    """A case file, plain or sealed (by its name or its first bytes), and the papers a sealed one
    carries (None for a case file alone)."""
    try:
        raw = safefile.read_regular(path, _read_limit(path))
    except safefile.FileProblem as exc:
        raise CaseFileError(str(exc)) from None
    name = shown(path)
    if not (path.name.endswith(sealing.SUFFIX) or sealing.is_sealed(raw)):
        return casefile.read(path, known_keys=known_keys, shapes=shapes, for_storage=True), None
    if identity is None:
        raise BadInput(f"{name}：是加密的案卷文件，请用 --identity 指定营业厅的 age 身份文件")
    try:
        data = sealing.unseal(raw, sealing.identities(identity), name)
    except sealing.SealError as exc:
        raise BadInput(str(exc)) from None
    attached = None
    if case_papers.is_papers(data):
        try:
            attached = case_papers.unpack(data, name, sides=images.KINDS)
        except case_papers.PapersError as exc:
            raise BadInput(str(exc)) from None
        data = attached.case_json
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaseFileError(f"{name}：解密后不是 UTF-8 编码的文本") from None
    case = casefile.parse(text, source=name, known_keys=known_keys, shapes=shapes, for_storage=True)
    return case, attached


def _read_limit(path: Path) -> int:
    """How much of a file import reads: a sealed file may carry the case's papers (age adds 16
    bytes to every 64 KiB it seals); any other is a case file of at most casefile.MAX_BYTES."""
    if path.name.endswith(sealing.SUFFIX):
        return case_papers.MAX_BYTES + case_papers.MAX_BYTES // 4096 + 4096
    return casefile.MAX_BYTES * 2


def _is_real_dir(path: Path) -> bool:
    """A folder itself, not a link to one (an output is never reached through a link)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _write(store: Store, case_id: str, target: Path) -> str:
    """Write the case's file; what it says of the papers it leaves behind ("" when none): all of
    them in a plain file, an image of a format the archive does not take in a sealed one."""
    try:
        case = store.get(case_id)
    except CaseNotFound:
        hint = canonical_id(case_id)
        if hint is not None and hint != case_id:
            raise BadInput(f"找不到草稿 {shown(case_id, 60)}；编号请写作 {hint}") from None
        raise BadInput(f"找不到草稿 {shown(case_id, 60)}，请用草稿列表中的编号") from None
    base = base_for(store, case)
    doc = CaseFile(
        id=canonical_id(case.id) or case.id,
        bundle=case.bundle,
        updated=case.updated,
        fields=case.fields,
        number=case.number,
        base=base,
        status=case.status,
    )
    _refuse_to_bury_newer(target, doc)
    behind = ""
    try:
        # The file holds ID numbers: a new one is readable by its owner only.
        if target.name.endswith(sealing.SUFFIX):
            recipient = sealing.recipient(str(store.setting(ESCROW_SETTING)))
            plain = doc.to_json().encode("utf-8")
            kept_images, kept_scans, unfit = papers.gathered(store, case.id)
            if kept_images or kept_scans:
                plain = case_papers.pack(plain, kept_images, kept_scans)
            if unfit:
                behind = f"未带上 {unfit} 张格式无法识别的证件图片，请在窗口里重新读取证件"
            sealed = sealing.seal(plain, [recipient])
            safefile.write_atomic(target, sealed, mode=0o600)
            sealed_info.write(target, sealed, doc.id, doc.updated, doc.fields)
        else:
            casefile.write(doc, target, mode=0o600)
            words = papers.left_behind(store, case.id)
            behind = f"未带上案卷的{words}：{PLAIN_WHY}" if words else ""
    except (sealing.SealError, case_papers.PapersError) as exc:
        raise BadInput(str(exc)) from None
    except safefile.FileProblem as exc:
        raise BadInput(str(exc)) from None
    store.record_export(case_id, case.fields, revision=1 if base is None else base.revision + 1)
    return behind


def _refuse_to_bury_newer(target: Path, doc: CaseFile) -> None:
    """Never overwrite a file holding a later, different version of the same case.

    Exports are named ID.json, like the file another machine sends back: exporting into the folder
    it arrived in would otherwise replace the other machine's edits with this one's. A sealed file
    is compared through the note beside it (desktop.files.sealed_info), never opened: no desk holds
    the hall's identity. One whose note is missing or describes other bytes cannot be compared and
    is not replaced either.
    """
    if target.name.endswith(sealing.SUFFIX):
        _refuse_to_bury_sealed(target, doc)
        return
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
            f"{shown(target)}：里面是这个案卷更晚的版本（{there.updated}），导出会覆盖它；请导出到另一个文件夹"
        )


def _refuse_to_bury_sealed(target: Path, doc: CaseFile) -> None:
    try:
        data = safefile.read_regular(target, _read_limit(target))
    except safefile.FileProblem:
        if not os.path.lexists(target):
            return  # nothing there
        raise BadInput(f"{shown(target)}：无法读取已有的文件，导出不会覆盖它；请导出到另一个文件夹") from None
    info = sealed_info.read(target, data)
    if info is None:
        raise BadInput(
            f"{shown(target)}：是加密的案卷文件，旁边没有与它相符的说明文件 {shown(sealed_info.info_path(target).name)}，"
            "本机无法确认里面是不是更晚的版本，导出不会覆盖它；请导出到另一个文件夹"
        )
    if info.id != doc.id or info.same_values(doc.fields):
        return
    if info.newer_than(doc.updated):
        raise BadInput(
            f"{shown(target)}：里面是这个案卷更晚的版本（{info.shown_time()}），导出会覆盖它；请导出到另一个文件夹"
        )
