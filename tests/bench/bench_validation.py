"""Median cost of one keystroke's re-check for each validator (run by hand, not by pytest).

    .venv/bin/python tests/bench/bench_validation.py

Each validator is timed on every prefix of a realistic value, as the agent types it; the figure
is the median over all prefixes and repetitions. Target: < 0.2 ms median for IDs and names.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from desktop.domain import validation as v  # noqa: E402

TODAY = date(2026, 11, 28)
REPEAT = 300
TARGET_MS = 0.2

CASES: list[tuple[str, Callable[[str], v.Result], str]] = [
    ("resident_id", lambda raw: v.check_resident_id(raw, today=TODAY), "610113198402242115"),
    (
        "resident_id (full-width)",
        lambda raw: v.check_resident_id(raw, today=TODAY),
        "６１０１１３１９８４０２２４２１１５",
    ),
    ("person_name", v.check_person_name, "买买提·艾力"),
    ("person_name (Latin)", v.check_person_name, "Jean-Luc O'Neil"),
    ("uscc", v.check_uscc, "91330106MA2H00014X"),
    ("org_code", v.check_org_code, "MA2H0001-4"),
    ("mobile", v.check_mobile, "138 2526 5634"),
    ("phone (fixed line)", v.check_phone, "0571-81726504"),
    ("fixed_line + ext", v.check_fixed_line, "0571-81726504转123"),
    ("n400", v.check_n400, "400-903-0005"),
    ("postcode", v.check_postcode, "310012"),
    ("email", v.check_email, "wangxiao@example.com.cn"),
    (
        "text (address)",
        lambda raw: v.check_text(raw, max_length=200),
        "浙江省杭州市西湖区文三路 100 号某某大厦 12 楼",
    ),
    ("date", lambda raw: v.check_date(raw, today=TODAY), "2026年11月28日"),
]


def keystroke_times(check: Callable[[str], v.Result], value: str) -> list[float]:
    """Seconds per call for each prefix of value, REPEAT times each."""
    samples = []
    for length in range(1, len(value) + 1):
        typed = value[:length]
        check(typed)  # first call may fill a cache (area codes); typing hits it thereafter
        for _ in range(REPEAT):
            start = time.perf_counter()
            check(typed)
            samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    start = time.perf_counter()
    v.preload()
    print(f"preload (division table + phone geocoder): {(time.perf_counter() - start) * 1e3:.0f} ms")
    print(f"{'validator':<26} {'median':>9} {'p90':>9} {'max':>9}")
    for name, check, value in CASES:
        samples = sorted(keystroke_times(check, value))
        median = statistics.median(samples)
        p90 = samples[int(len(samples) * 0.9)]
        flag = "" if median < TARGET_MS / 1e3 else "  (over the 0.2 ms target)"
        print(f"{name:<26} {median * 1e3:7.4f}ms {p90 * 1e3:7.4f}ms {samples[-1] * 1e3:7.3f}ms{flag}")


if __name__ == "__main__":
    main()
