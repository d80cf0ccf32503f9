"""Files the commands read and write, as docs/case-file.md's "Files the commands touch" fixes them.

Input must be a regular file and is read with a size limit, so a FIFO or a device never blocks and
a huge file is never loaded. Output goes to a new file or replaces a regular file, through a
temporary file created exclusively (random name, never following a link) beside it, synced and
renamed: a planted link is never written through and a device node is never replaced.

Every failure is a FileProblem whose message is Chinese, names the file and says what to do; it
never carries the operating system's English text.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop.files import platform

# What an errno means for the user, and what to do about it.
_WHY = {
    errno.ENOSPC: "磁盘空间不足，请腾出空间或换一个位置",
    errno.EDQUOT: "磁盘配额已用完，请腾出空间或换一个位置",
    errno.ENAMETOOLONG: "文件名太长，请换一个短一些的名字",
    errno.EACCES: "没有权限，请换一个位置或检查权限",
    errno.EPERM: "没有权限，请换一个位置或检查权限",
    errno.EROFS: "所在位置只读，请换一个位置",
    errno.ENOENT: "文件或所在文件夹不存在，请检查路径",
    errno.ENOTDIR: "路径中有一段不是文件夹，请检查路径",
    errno.EISDIR: "是一个文件夹，请指定文件",
    errno.ELOOP: "路径中的链接太多或是链接，请指定普通文件",
    errno.EIO: "读写出错（设备故障？），请换一个位置",
}
_SHOWN_PATH_MAX = 160


class FileProblem(OSError):
    """A file the command cannot use; str() is the one Chinese line the user sees."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(code, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def shown(path: object, limit: int = _SHOWN_PATH_MAX) -> str:
    """A path (or any user-given text) fit for a one-line message: printable, bounded.

    A name may hold undecodable bytes, line breaks or thousands of characters; the message must
    stay one printable line whatever the terminal's encoding.
    """
    text = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000 or 0x2028 <= code <= 0x202E:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        elif 0x2066 <= code <= 0x2069 or code in (0x200E, 0x200F, 0xFEFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def why(exc: OSError) -> str:
    """The Chinese reason for an OS error (never its English text)."""
    if isinstance(exc, FileProblem):
        return exc.message
    return _WHY.get(exc.errno or 0, f"系统错误 {exc.errno}，请换一个位置或稍后重试")


def read_regular(path: Path, max_bytes: int, *, what: str = "案卷文件") -> bytes:
    """The bytes of a regular file of at most `max_bytes`; FileProblem otherwise (`what`: the
    kind of file expected, named in the message).

    stat() before opening refuses a FIFO, device or folder at once; the open is non-blocking and
    fstat() checks again what was opened (the path may have been swapped meanwhile).
    """
    name = shown(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileProblem(f"{name}：文件不存在", errno.ENOENT) from None
    except OSError as exc:
        raise FileProblem(f"{name}：无法读取（{why(exc)}）", exc.errno or 0) from None
    _require_regular(info, name, what)
    if info.st_size > max_bytes:
        raise FileProblem(f"{name}：文件太大（超过 {max_bytes // 1024} KB），{_not_a(what)}", errno.EFBIG)
    try:
        fd = platform.open_fd(path, os.O_RDONLY, nonblock=True)
    except OSError as exc:
        raise FileProblem(f"{name}：无法读取（{why(exc)}）", exc.errno or 0) from None
    try:
        _require_regular(os.fstat(fd), name, what)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except FileProblem:
        raise
    except OSError as exc:
        raise FileProblem(f"{name}：无法读取（{why(exc)}）", exc.errno or 0) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise FileProblem(f"{name}：文件太大（超过 {max_bytes // 1024} KB），{_not_a(what)}", errno.EFBIG)
    return data


def check_output(target: Path) -> None:
    """Refuse an output that is not a new file or a regular file (a link, folder, device, FIFO),
    and one whose folder does not exist; nothing is written."""
    name = shown(target)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise FileProblem(f"{name}：无法写入（{why(exc)}）", exc.errno or 0) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise FileProblem(f"{name}：{_kind(info.st_mode)}，不能作为输出；请指定一个新文件或普通文件")
    parent = target.parent
    try:
        if not stat.S_ISDIR(os.stat(parent).st_mode):
            raise FileProblem(f"{name}：无法写入（所在位置不是文件夹），请检查路径", errno.ENOTDIR)
    except FileProblem:
        raise
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise FileProblem(
                f"{name}：无法写入（所在文件夹不存在），请先建好文件夹或换一个位置", exc.errno
            ) from None
        raise FileProblem(f"{name}：无法写入（{why(exc)}）", exc.errno or 0) from None


def write_atomic(target: Path, data: bytes, *, mode: int = 0o666) -> None:
    """Write `data` as `target` all at once: a new exclusive temporary file beside it (random name,
    O_EXCL|O_NOFOLLOW), synced, then renamed over it. FileProblem on any failure, target untouched.

    `mode` is for a new file (less the umask); a replaced file keeps neither its mode nor links.
    """
    target = Path(target)
    check_output(target)
    name = shown(target)
    tmp = None
    try:
        fd, tmp = _create_temp(target.parent, mode)
        try:
            platform.write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        check_output(target)  # something may have been planted there while we wrote
        os.replace(tmp, target)
        tmp = None
        platform.sync_dir(target.parent)
    except FileProblem:
        raise
    except OSError as exc:
        raise FileProblem(f"{name}：无法写入（{why(exc)}）", exc.errno or 0) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _create_temp(folder: Path, mode: int) -> tuple[int, Path]:
    # A short random name: the target's own name may already be as long as a name can be.
    for _ in range(8):
        # os.urandom is what secrets.token_hex reads; `secrets` itself imports hmac, hashlib and
        # random (~4 ms of the window's start, which names this module before its first paint).
        tmp = folder / f".desk400-{os.urandom(8).hex()}.part"
        try:
            return platform.open_fd(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode, nofollow=True), tmp
        except FileExistsError:
            continue
    raise FileProblem(f"{shown(folder)}：无法创建临时文件，请换一个位置", errno.EEXIST)


def _require_regular(info: os.stat_result, name: str, what: str = "案卷文件") -> None:
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(f"{name}：{_kind(info.st_mode)}，{_not_a(what)}", errno.EINVAL)


def _not_a(what: str) -> str:
    """「不是案卷文件」, 「不是 age 身份文件」: a space before a Latin word, as Chinese text sets it."""
    return f"不是 {what}" if what[:1].isascii() else f"不是{what}"


def _kind(st_mode: int) -> str:
    if stat.S_ISLNK(st_mode):
        return "是一个链接"
    if stat.S_ISDIR(st_mode):
        return "是一个文件夹"
    if stat.S_ISFIFO(st_mode):
        return "是一个管道（FIFO）"
    if stat.S_ISCHR(st_mode) or stat.S_ISBLK(st_mode):
        return "是一个设备"
    if stat.S_ISSOCK(st_mode):
        return "是一个套接字"
    return "不是普通文件"


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path` (created 0600 if missing) for the block, waiting as
    long as another process holds it: a start waiting on a long recovery must not be refused.
    A lock file that cannot be made or locked is a FileProblem (desktop.files.platform locks)."""
    try:
        fd = platform.open_fd(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as exc:
        raise FileProblem(f"{shown(lock_path)}：无法建立锁文件（{why(exc)}）", exc.errno or 0) from None
    try:
        try:
            platform.lock(fd)
        except OSError as exc:
            raise FileProblem(
                f"{shown(lock_path)}：无法加锁（{why(exc)}），请确认没有别的程序占用草稿文件夹后重试",
                exc.errno or 0,
            ) from None
        try:
            yield
        finally:
            platform.unlock(fd)
    finally:
        os.close(fd)
