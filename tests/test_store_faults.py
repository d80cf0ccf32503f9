"""Fault injection: a writer killed at random moments, and a disk that fills up."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_store_helpers import EXAMPLE, open_at

from desktop.store import DiskFull
from desktop.store.connection import ERRORS

KILLS = 100


def _saver(path: Path, case_id: str, key: str, ack: int) -> None:
    """The child: save `key` again and again, writing the revision to `ack` after each commit."""
    try:
        store = open_at(path)
        revision = store.get(case_id).revision
        for i in range(100_000):
            revision = store.save_field(case_id, key, str(i), revision)
            os.write(ack, f"{i} {revision}\n".encode())
    finally:
        os._exit(0)


def test_a_writer_killed_a_hundred_times_loses_no_acknowledged_save(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        case_id = store.create(EXAMPLE).id
    rng = random.Random(12)
    acknowledged: dict[str, int] = {}
    last_revision = 1
    for round_ in range(KILLS):
        key = f"kill.{round_}"
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _saver(path, case_id, key, write_end)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as acks:
            for _ in range(rng.randint(1, 8)):
                line = acks.readline()
                if not line:
                    break
                value, revision = map(int, line.split())
                acknowledged[key], last_revision = value, revision
            time.sleep(rng.random() / 500)  # land the kill anywhere in the next save
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    with open_at(path) as store:
        assert store.integrity_ok()
        case = store.get(case_id)
    assert case.revision >= last_revision
    for key, value in acknowledged.items():
        assert int(case.fields[key]) >= value, key


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_is_a_chinese_store_error_and_saving_works_again_once_space_is_freed(small_disk):
    path = small_disk / "drafts.sqlite"
    with open_at(path) as store:
        case = store.create(EXAMPLE)
        filler = fill(small_disk)
        big = "备注" * 100_000
        with pytest.raises(DiskFull, match="磁盘已满") as caught:
            store.save_field(case.id, "notes", big, case.revision)
        assert isinstance(caught.value.__cause__, (*ERRORS, OSError))
        assert store.get(case.id).fields["notes"] == EXAMPLE["notes"]
        filler.unlink()
        assert store.save_field(case.id, "notes", "空间释放后保存", case.revision) == case.revision + 1
    with open_at(path) as store:
        assert store.integrity_ok()
        assert store.get(case.id).fields["notes"] == "空间释放后保存"
