"""Fuzz: hostile scan files at `desk400 scan-in` (truncated PDFs and images, a 20,000 × 20,000 px
image, QR codes naming another case or a wrong digest, random damage): exit 0, 1 or 2 only, never
a traceback or an internal error, never a hang, memory bounded; exit 2 leaves the drafts file as
it was."""

from __future__ import annotations

import io
import os
import random
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from desktop.cli import INTERNAL_ERROR, main
from desktop.render import render_pdf
from desktop.store import Store
from tests.paper_scans import degrade, rasterise, save_pdf

ROOT = Path(__file__).resolve().parent.parent
MEMORY_CAP = 3 * 2**30
TIMEOUT = 90


@pytest.fixture(scope="module")
def desk(tmp_path_factory, bundle):
    """A drafts file with one printed case, and seeds to damage: its first page as PDF and PNG."""
    import json

    tmp = tmp_path_factory.mktemp("fuzz")
    values = json.loads((ROOT / "examples" / "example-case.json").read_text("utf-8"))["fields"]
    db = tmp / "drafts.sqlite"
    with Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False) as store:
        case = store.create(values)
    assert main(["render", "--db", str(db), "--id", case.id, "-o", str(tmp / "print.pdf"), "--final"]) == 0
    page = degrade(rasterise(tmp / "print.pdf", 150)[0], angle=1, sigma=6, quality=60)
    png = io.BytesIO()
    page.save(png, "PNG")
    wrong, stranger = tmp / "wrong.pdf", tmp / "stranger.pdf"
    render_pdf(bundle, values, {}, case_id=case.number, draft=False, out=wrong, digest="abcdef0123")
    render_pdf(bundle, values, {}, case_id="QQ01-20300101-001", draft=False, out=stranger)
    seeds = {
        "pdf": save_pdf([page], tmp / "seed.pdf", 150).read_bytes(),
        "png": png.getvalue(),
        "wrong": save_pdf(rasterise(wrong, 150)[:1], tmp / "w.pdf", 150).read_bytes(),
        "stranger": save_pdf(rasterise(stranger, 150)[:1], tmp / "s.pdf", 150).read_bytes(),
    }
    return db, tmp, seeds


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _scan_in_process(db: Path, scan: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "desktop", "scan-in", "--db", str(db), str(scan)],
        capture_output=True, text=True, timeout=TIMEOUT, env=env, preexec_fn=_limited, cwd=ROOT,
    )  # fmt: skip


def _huge_png(path: Path) -> Path:
    Image.new("1", (20_000, 20_000), 1).save(path)
    return path


@pytest.mark.parametrize(
    ("name", "expected"),
    [("huge.png", 2), ("truncated.pdf", 2), ("truncated.png", 2), ("wrong.pdf", 1), ("stranger.pdf", 1)],
)
def test_hostile_scans_in_a_memory_capped_process(desk, name, expected):
    db, tmp, seeds = desk
    scan = tmp / name
    if name == "huge.png":
        _huge_png(scan)
    elif name.startswith("truncated"):
        data = seeds[name.split(".")[1]]
        scan.write_bytes(data[: len(data) // 2])
    else:
        scan.write_bytes(seeds[name.split(".")[0]])
    before = db.read_bytes()
    result = _scan_in_process(db, scan)
    assert result.returncode == expected, result.stderr
    assert "Traceback" not in result.stderr and INTERNAL_ERROR not in result.stderr
    assert name in result.stderr
    assert db.read_bytes() == before  # nothing matched, nothing kept


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.sampled_from(["pdf", "png"]),
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=6),
)
def test_damaged_scans_exit_0_1_or_2_without_a_traceback(desk, capsys, seed, cut, flips):
    db, tmp, seeds = desk
    data = bytearray(seeds[seed])
    for where, byte in flips:
        data[int(where * (len(data) - 1))] = byte
    data = data[: max(1, int(len(data) * cut))] if cut < 0.999 else data
    scan = tmp / f"damaged-{random.randrange(10**9)}.{seed}"
    scan.write_bytes(bytes(data))
    before = db.read_bytes()
    code = main(["scan-in", "--db", str(db), str(scan)])
    err = capsys.readouterr().err
    assert code in (0, 1, 2)
    assert INTERNAL_ERROR not in err
    if code == 2:
        assert db.read_bytes() == before
