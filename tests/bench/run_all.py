"""Every benchmark the issues ask for, in one command, each figure as a ratio to its target and to
a baseline measured in the same run:

    .venv/bin/python tests/bench/run_all.py [--quick]

`--quick` uses 20 000 cases instead of 100 000 for the store (a minute instead of several).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description="run every desk400 benchmark")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    store_args = ["--cases", "20000", "--purge", "2000"] if args.quick else []
    runs = [
        ("whole-case check and keystroke re-check", ["bench_check.py"]),
        ("single validators", ["bench_validation.py"]),
        ("drafts store (per-change save, search, first page, purge)", ["bench_store.py", *store_args]),
        ("encrypted store as a ratio to the plain one", ["bench_crypto.py", *store_args[:2]]),
        ("render in process and the whole render command", ["bench_render.py"]),
        ("window: start-up, keystroke feedback, opening a case", ["bench_ui.py"]),
        ("papers back: scan-in, handover, the page QR", ["bench_paper.py"]),
        ("frozen app start-up", ["bench_frozen.py"]),
    ]
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen")
    )
    # The drafts files the benchmarks make are encrypted: without an OS keyring they need a passphrase.
    env.setdefault("DESK400_PASSPHRASE", "desk400 benchmark")
    failed = 0
    for title, cmd in runs:
        print(f"\n== {title}", flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(HERE / cmd[0]), *cmd[1:]], cwd=ROOT, env=env)
        failed += result.returncode != 0
        print(
            f"   ({time.perf_counter() - start:.0f} s{', OVER TARGET' if result.returncode else ''})",
            flush=True,
        )
    print(f"\nbenchmarks: {len(runs) - failed} within target, {failed} over")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
