"""Benchmark: checking a whole case, and one keystroke's re-check of one field.

Run on demand:  .venv/bin/python tests/bench/bench_check.py
Targets (issue 2): a whole case well under 1 ms per field; one field's re-check under 0.2 ms median.
The baseline from the same run is a bare dict copy of the case's values, so ratios are comparable
between machines.
"""

from __future__ import annotations

import json
import statistics
from datetime import date
from pathlib import Path

from bench_store import timed

from desktop.domain.case import check_case, check_field, normalise_values
from desktop.domain.forms import default_bundle
from desktop.files import paths
from desktop.render.glyphs import load_coverage

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    bundle = default_bundle()
    today = date(2026, 11, 29)
    raw = json.loads((ROOT / "examples" / "example-case.json").read_text(encoding="utf-8"))["fields"]
    values = normalise_values(bundle, raw, today=today)
    coverage = load_coverage(paths.print_font())
    n_fields = len(bundle.fields)

    baseline = statistics.median(timed(lambda: dict(values), 2000))
    whole = statistics.median(timed(lambda: check_case(bundle, values, today=today, coverage=coverage), 300))
    print(
        f"whole case ({n_fields} fields): median {whole * 1e3:.3f} ms = {whole / n_fields * 1e6:.1f} µs/field "
        f"(target < 1000 µs/field; {whole / baseline:.0f}× a dict copy)"
    )

    for key, typed in (
        ("handler.id_number", "61011319840224211"),
        ("customer.name", "杭州云栖数智科技有限公"),
        ("handler.name", "王"),
        ("customer.license_no", "91330100MA2H3KX74"),
        ("contact.phone", "0571-8822334"),
    ):
        state = dict(values)
        samples = []
        for i in range(1, len(typed) + 1):
            state[key] = typed[:i]
            samples += timed(
                lambda k=key, s=state: check_field(bundle, k, s, today=today, coverage=coverage), 200
            )
        med = statistics.median(samples)
        p99 = sorted(samples)[int(len(samples) * 0.99)]
        print(
            f"keystroke re-check {key}: median {med * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms "
            f"(target median < 0.2 ms: {med / 0.0002:.2f}× target)"
        )


if __name__ == "__main__":
    main()
