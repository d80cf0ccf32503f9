"""desktop.files.safefile: input only from regular files, output only through an exclusive temporary
file beside the target, messages Chinese and one line."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from desktop.files import safefile
from desktop.files.safefile import FileProblem


def test_write_creates_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    safefile.write_atomic(target, b"one", mode=0o600)
    assert target.read_bytes() == b"one" and stat.S_IMODE(target.stat().st_mode) == 0o600
    safefile.write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


@pytest.mark.parametrize("path", ["/dev/null", "/dev/full"])
def test_a_device_is_never_an_output(path):
    with pytest.raises(FileProblem, match="设备"):
        safefile.check_output(__import__("pathlib").Path(path))


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safefile.os, "write", full)
    with pytest.raises(FileProblem) as caught:
        safefile.write_atomic(target, b"new")
    assert "磁盘空间不足" in str(caught.value) and "No space" not in str(caught.value)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_read_regular_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    with pytest.raises(FileProblem, match="管道"):
        safefile.read_regular(fifo, 100)


def test_read_regular_reads_at_most_the_limit(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert safefile.read_regular(path, 10) == b"x" * 10
    with pytest.raises(FileProblem, match="太大"):
        safefile.read_regular(path, 9)


def test_shown_keeps_a_message_on_one_printable_line():
    assert safefile.shown("a\nb\u202ec\udcff") == "a\\x0ab\\u202ec\\udcff"
    assert len(safefile.shown("x" * 1000)) == 160
    assert safefile.shown(b"caf\xe9") == "caf\\udce9"
