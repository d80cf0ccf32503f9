"""Windows first (issue 22): each way desk400 failed on a Windows desk, proven fixed.

Tests marked `windows_layer` prove faults only Windows has: they run in `.ci/run`'s Windows
semantics step (tests/winsim: text-mode descriptors, fsync needing write access, no fcntl, GBK
streams) and are skipped without it. The others hold on every system.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path, PureWindowsPath

import pypdf
import pytest

from desktop.cli import main
from desktop.files import platform
from desktop.files.safefile import FileProblem
from desktop.store import backup

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "example-case.json"
LAYER = os.environ.get("DESK400_WINSIM") == "1"
windows_layer = pytest.mark.skipif(not LAYER, reason="needs the Windows-semantics layer (tests/winsim)")


def unshimmed_env(**extra: str) -> dict[str, str]:
    """The environment of a child process outside the Windows-semantics layer."""
    env = {k: v for k, v in os.environ.items() if k not in ("DESK400_WINSIM", "PYTHONIOENCODING")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def cli(*args: object, env: dict[str, str], encoding: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *map(str, args)],
        capture_output=True,
        cwd=ROOT,
        env=env,
        encoding=encoding,
        errors="strict",
        timeout=120,
    )


def without_dates(pdf: bytes) -> bytes:
    """The PDF with its creation dates and the /ID ReportLab derives from them blanked."""
    pdf = re.sub(rb"\(D:\d{14}[^)]*\)", b"(D:)", pdf)
    return re.sub(rb"/ID\s*\[<[0-9a-fA-F]+>\s*<[0-9a-fA-F]+>\]", b"/ID[]", pdf)


# 1. Every saved PDF was corrupt: os.open without O_BINARY is text mode on Windows.


def test_render_writes_the_pdf_byte_for_byte_as_outside_the_layer(tmp_path, caplog):
    shimmed = tmp_path / "here.pdf"
    assert main(["render", str(EXAMPLE), "-o", str(shimmed)]) == 0
    plain = tmp_path / "plain.pdf"
    result = cli("render", EXAMPLE, "-o", plain, env=unshimmed_env(), encoding="utf-8")
    assert result.returncode == 0, result.stderr
    assert without_dates(shimmed.read_bytes()) == without_dates(plain.read_bytes())
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="pypdf"):
        warnings.simplefilter("error")
        reader = pypdf.PdfReader(shimmed, strict=True)
        assert len(reader.pages) > 4 and "授权委托书" in reader.pages[0].extract_text()
    assert [r.getMessage() for r in caplog.records] == []


@windows_layer
def test_the_layer_makes_a_descriptor_without_o_binary_text_mode(tmp_path):
    """The layer itself: without this translation the tests above could not fail."""
    path = tmp_path / "t"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    os.write(fd, b"a\nb")
    os.close(fd)
    fd = platform.open_fd(tmp_path / "b", os.O_WRONLY | os.O_CREAT)
    platform.write_all(fd, b"a\nb")
    os.close(fd)
    assert (path.read_bytes(), (tmp_path / "b").read_bytes()) == (b"a\r\nb", b"a\nb")


# 2. Upgrades were refused at every start: fsync of a read-only descriptor is EBADF on Windows.


def test_sync_file_makes_a_closed_file_durable_through_a_writable_handle(tmp_path):
    path = tmp_path / "done.sqlite"
    path.write_bytes(b"x" * 100)
    platform.sync_file(path)  # under the layer, a read-only handle raises EBADF here
    path.chmod(0o400)
    try:
        platform.sync_file(path)  # a file this user may not write: synced as far as it can be
    finally:
        path.chmod(0o600)
    assert path.read_bytes() == b"x" * 100


@windows_layer
def test_the_layer_refuses_fsync_on_a_read_only_descriptor(tmp_path):
    path = tmp_path / "r"
    path.write_bytes(b"r")
    fd = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(OSError) as caught:
            os.fsync(fd)
    finally:
        os.close(fd)
    assert caught.value.errno == 9  # EBADF


# 3. A console window opened beside the GUI: build.spec built one console executable.


def spec_executables() -> dict[str, dict[str, object]]:
    """Each EXE(...) of build.spec: its name and its literal keyword arguments."""
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "EXE":
            kwargs = {k.arg: k.value for k in node.keywords}
            literal = {k: ast.literal_eval(v) for k, v in kwargs.items() if isinstance(v, ast.Constant)}
            found[literal["name"]] = {**literal, "version": kwargs.get("version")}
    return found


def test_build_spec_makes_a_windowed_gui_and_a_console_cli_with_a_version_resource():
    exes = spec_executables()
    assert set(exes) == {"desk400", "desk400-cli"}
    assert exes["desk400"]["console"] is False and exes["desk400-cli"]["console"] is True
    for exe in exes.values():
        assert exe["version"] is not None and not (
            isinstance(exe["version"], ast.Constant) and exe["version"].value is None
        )


# 4. A drafts file on a network share was taken for damage: file://nas/… has an authority.


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        (r"\\nas\share\desk400\drafts.sqlite", "file:////nas/share/desk400/drafts.sqlite?mode=ro"),
        (r"\\?\UNC\nas\share\drafts.sqlite", "file:////nas/share/drafts.sqlite?mode=ro"),
        (r"C:\Users\张三\AppData\Local\desk400\drafts.sqlite",
         "file:///C:/Users/%E5%BC%A0%E4%B8%89/AppData/Local/desk400/drafts.sqlite?mode=ro"),
        (r"\\?\C:\x\a#b?c%d.sqlite", "file:///C:/x/a%23b%3Fc%25d.sqlite?mode=ro"),
    ],
)  # fmt: skip
def test_windows_paths_become_uris_with_an_empty_authority(path, uri):
    assert backup.read_only_uri(PureWindowsPath(path)) == uri


@pytest.mark.skipif(os.name == "nt", reason="relies on POSIX reading //tmp/… as /tmp/…")
def test_sqlite_opens_the_uri_of_a_unc_path(tmp_path):
    """`\\\\tmp\\…` read as a UNC path is the URI `file:////tmp/…`, which Linux's SQLite opens as
    `//tmp/…`: the very file. The URI PureWindowsPath.as_uri() gives is refused."""
    db = tmp_path / "共享 drafts.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE cases (id)")
        conn.execute("INSERT INTO cases VALUES ('kept')")
    conn.close()
    unc = PureWindowsPath("\\\\" + "\\".join(db.parts[1:]))
    uri = backup.read_only_uri(unc)
    assert uri.startswith("file:////")
    conn = sqlite3.connect(uri, uri=True)
    try:
        assert conn.execute("SELECT id FROM cases").fetchall() == [("kept",)]
    finally:
        conn.close()
    with pytest.raises(sqlite3.OperationalError, match="authority"):
        sqlite3.connect(unc.as_uri() + "?mode=ro", uri=True)


def test_a_long_windows_path_gets_the_extended_form():
    short = PureWindowsPath(r"C:\desk400\drafts.sqlite")
    deep = PureWindowsPath("C:\\" + "\\".join(["文件夹" * 10] * 10) + "\\drafts.sqlite")
    share = PureWindowsPath("\\\\nas\\share\\" + "x" * 300)
    assert platform.extended(short) == str(short)
    assert platform.extended(deep) == "\\\\?\\" + str(deep)
    assert platform.extended(share) == "\\\\?\\UNC\\nas\\share\\" + "x" * 300


# 5. The CLI failed on a GBK pipe or file after doing its work.


def gbk_and_utf8(*args: object) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    gbk = cli(*args, env=unshimmed_env(PYTHONIOENCODING="gbk:strict"), encoding="gbk")
    utf8 = cli(*args, env=unshimmed_env(PYTHONIOENCODING="utf-8:strict"), encoding="utf-8")
    return gbk, utf8


def test_check_on_a_name_gbk_cannot_show_exits_as_under_utf8(tmp_path):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["fields"]["customer.postcode"] = "1000"
    bad = tmp_path / "𠮷野家.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    gbk, utf8 = gbk_and_utf8("check", bad, EXAMPLE)
    assert (gbk.returncode, utf8.returncode) == (1, 1), gbk.stderr
    assert "𠮷野家.json: customer.postcode: error" in utf8.stdout
    assert "\\U00020bb7野家.json: customer.postcode: error" in gbk.stdout
    assert "内部错误" not in gbk.stderr


def test_render_to_a_name_gbk_cannot_show_exits_0_with_the_pdf_written(tmp_path):
    gbk, utf8 = gbk_and_utf8("render", EXAMPLE, "-o", tmp_path / "报价€.pdf")
    assert (gbk.returncode, utf8.returncode) == (0, 0), gbk.stderr
    assert "报价\\u20ac.pdf" in gbk.stdout and gbk.stderr == ""
    assert (tmp_path / "报价€.pdf").read_bytes().startswith(b"%PDF-")


# 6. msvcrt.locking(LK_LOCK) gave up after 10 tries, in English.


@windows_layer
def test_a_start_waits_for_the_recovery_lock_past_msvcrts_ten_tries(tmp_path):
    import msvcrt

    lock = tmp_path / "drafts.sqlite.lock"
    holder = os.open(lock, os.O_CREAT | os.O_RDWR)
    msvcrt.locking(holder, msvcrt.LK_NBLCK, 1)
    got: list[float] = []

    def start() -> None:
        with backup.exclusive(lock):
            got.append(time.monotonic())

    waiter = threading.Thread(target=start)
    waiter.start()
    held_until = time.monotonic() + 10 * float(os.environ.get("WINSIM_LOCK_TRY_S", "0.1")) + 1.0
    time.sleep(held_until - time.monotonic())
    assert got == []  # still waiting, not refused
    released = time.monotonic()
    msvcrt.locking(holder, msvcrt.LK_UNLCK, 1)
    os.close(holder)
    waiter.join(30)
    assert len(got) == 1 and got[0] >= released


def test_a_lock_that_cannot_be_made_is_said_in_chinese(tmp_path):
    with pytest.raises(FileProblem) as caught:
        with backup.exclusive(tmp_path / "missing" / "drafts.sqlite.lock"):
            pass
    assert "无法建立锁文件" in str(caught.value) and "不存在" in str(caught.value)
