"""Benchmark: the frozen app's start-up against `python -m desktop`, measured in one run.

    .venv/bin/pyinstaller build.spec --noconfirm   # once, makes dist/desk400/
    .venv/bin/python tests/bench/bench_frozen.py [--app dist/desk400/desk400]

Both are launched as the user launches them, on an empty drafts file, with DESK400_QUIT_AFTER_PAINT
set so each quits right after the window's first paint; the figure is launch to exit, alternating
runs, medians compared. Target (ship issue): the frozen app at most 2× `python -m desktop`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_RATIO = 2.0


def launch(cmd: list[str], db: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([*cmd, "--db", str(db)], check=True, env=env, capture_output=True, timeout=120)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=ROOT / "dist" / "desk400" / "desk400")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not args.app.exists():
        print(f"frozen start-up: skipped, no frozen app at {args.app} (pyinstaller build.spec first)")
        return 0
    env = dict(os.environ, DESK400_QUIT_AFTER_PAINT="1")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        env["DESK400_DATA_DIR"] = tmp
        python_cmd = [sys.executable, "-m", "desktop"]
        frozen_cmd = [str(args.app)]
        for cmd in (python_cmd, frozen_cmd):  # warm the disk cache and the drafts file
            launch(cmd, Path(tmp) / "warm.sqlite", env)
        ours, frozen = [], []
        for n in range(args.runs):
            ours.append(launch(python_cmd, Path(tmp) / f"p{n}.sqlite", env))
            frozen.append(launch(frozen_cmd, Path(tmp) / f"f{n}.sqlite", env))
    py_med, fr_med = statistics.median(ours), statistics.median(frozen)
    ratio = fr_med / py_med
    print(f"frozen start-up to first paint: python -m desktop {py_med * 1000:.0f} ms, frozen app "
          f"{fr_med * 1000:.0f} ms, ratio {ratio:.2f} (limit {MAX_RATIO})")  # fmt: skip
    return 0 if ratio <= MAX_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
