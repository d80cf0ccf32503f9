"""`python -m desktop` and the `desk400` console script."""

from __future__ import annotations

import gc
import sys


def main() -> int:
    from desktop.cli import main as cli_main

    code = cli_main(sys.argv[1:])
    # The command is done and the process ends: everything it made (ReportLab's modules, the
    # parsed font's tables, the forms) is moved out of the collector's sight, so the collections
    # the interpreter runs while it shuts down do not walk it all again (~40 ms of a 350 ms
    # `desk400 render`, measured by tests/bench/bench_render.py). Nothing is lost: what is left
    # is freed with the process; only a cycle already garbage now is not collected first.
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(main())
