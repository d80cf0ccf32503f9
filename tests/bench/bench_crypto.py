"""Benchmark: the encrypted drafts store as a ratio to the unencrypted one, measured in the same run.

Run on demand:  PYTHONPATH=. .venv/bin/python tests/bench/bench_crypto.py [--cases 100000]
Target (issue 14): per-edit save, opening a case, search at 100 000 cases and start-up (open the
file and list the first page) each within 1.3x the plain store. The plain store is the same code
with connections made by Python's sqlite3 without a key (what desk400 used before encryption); the
encrypted one keys SQLCipher from an in-memory keyring, as on a machine with an OS keyring.

Start-up is the window's first connection (backups=False): the cheap check only; the full
`quick_check` runs in housekeeping on the reading thread and is not part of it.

Opening a case is what the window does: it opens cases on its saving thread's connection, which
read the id index and the table's inner pages once after the first paint (`Store.warm_cache`, done
on both stores) and commits every autosave itself; so each round here is an autosave on that
connection (not timed), then the open of a case picked at random among all of them: nearly every
open reads one table page the cache does not hold (decrypted and HMAC-checked: the worst case).
For reference, not against the target: the same opens on a fresh connection without the warm-up,
the warm-up's own cost, and opens right after a save made on another connection (SQLite then
empties the opening connection's cache: what the window meets when the hall's sync or another
program has just written, or when it falls back to its own connection during a save).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import keyring
from bench_store import SPEC, SteppingClock, case_values

from desktop.store import Store, keys, sqlite
from desktop.store import connection as connection_module

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared helpers
from test_store_helpers import MemoryKeyring  # noqa: E402

CST = timezone(timedelta(hours=8))
TARGET = 1.3
QUERIES = ("云栖", "杭州", "王霄", "宁波 科技", "有限公司", "9133")
COLD = "(opening, no warm-up)"
WARM = "(the warm-up, once)"
AFTER_OTHER = "(opening, another conn saved)"
REFERENCE = (COLD, WARM, AFTER_OTHER)


ENCRYPTED_CONNECT = connection_module.connect


PLAIN_PAGE_BYTES = 8192  # what desk400 used before encryption


def plain_connect(
    path: Path, *, key: bytes | None, read_only: bool = False, timeout_s: float = 5.0, **_: object
):
    """The unencrypted store's connection: stdlib sqlite3, no key, 8 KB pages as before."""
    if read_only:
        return sqlite3.connect(sqlite.read_only_uri(path), uri=True, timeout=timeout_s)
    conn = sqlite3.connect(str(path), timeout=timeout_s)
    conn.execute(f"PRAGMA page_size = {PLAIN_PAGE_BYTES}")
    return conn


def use(plain: bool) -> None:
    connection_module.connect = plain_connect if plain else ENCRYPTED_CONNECT  # type: ignore[assignment]


def build(path: Path, total: int, plain: bool) -> list[str]:
    use(plain)
    rng = random.Random(14)
    clock = SteppingClock(datetime(2026, 1, 1, tzinfo=CST), timedelta(minutes=1))
    with Store.open_for(path, SPEC, bundle="400", edition="bench", clock=clock, backups=False) as store:
        for start in range(0, total, 10_000):
            store.create_many(case_values(rng) for _ in range(min(10_000, total - start)))
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return store.ids()


def timed(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def paired(fn: Callable[[], float], rounds: int) -> float:
    """The median of what `fn` says it took (it times only its own part), in ms."""
    return statistics.median(fn() * 1000 for _ in range(rounds))


def measure(path: Path, ids: list[str], plain: bool, rounds: int) -> dict[str, float]:
    use(plain)
    rng = random.Random(7)
    clock = SteppingClock(datetime(2026, 11, 28, 18, 0, tzinfo=CST), timedelta(seconds=1))

    def start_up() -> None:
        with Store.open_for(path, SPEC, bundle="400", edition="bench", clock=clock, backups=False) as s:
            s.list_cases()

    out = {"start-up (open + first page)": timed(start_up, max(rounds // 10, 10))}
    with Store.open_for(path, SPEC, bundle="400", edition="bench", clock=clock, backups=False) as cold:
        out[COLD] = timed(lambda: cold.get(rng.choice(ids)), rounds)
    store = Store.open_for(path, SPEC, bundle="400", edition="bench", clock=clock, backups=False)
    try:
        started = time.perf_counter()
        store.warm_cache()
        out[WARM] = (time.perf_counter() - started) * 1000
        case = store.get(ids[len(ids) // 2])
        revision = [case.revision]

        def save() -> None:
            revision[0] = store.save_field(case.id, "notes", f"备注 {rng.random()}", revision[0])

        out["per-edit save"] = timed(save, rounds)

        def open_after(saving: Store) -> Callable[[], object]:
            """An autosave on `saving` (not timed), then the timed open of a random case."""

            def opened() -> object:
                revision[0] = saving.save_field(case.id, "notes", f"备注 {rng.random()}", revision[0])
                start = time.perf_counter()
                store.get(rng.choice(ids))
                return time.perf_counter() - start

            return opened

        out["opening a case"] = paired(open_after(store), rounds)
        with Store.open_for(path, SPEC, bundle="400", edition="bench", clock=clock, backups=False) as other:
            out[AFTER_OTHER] = paired(open_after(other), rounds)
        queries = iter(QUERIES * rounds)
        out["search"] = timed(lambda: store.search(next(queries)), max(rounds // 5, 30))
    finally:
        store.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="alternate plain/encrypted this many times")
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    keys.forget()
    with tempfile.TemporaryDirectory(prefix="desk400-bench-crypto-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        plain_ids = build(folder / "plain.sqlite", args.cases, plain=True)
        enc_ids = build(folder / "encrypted.sqlite", args.cases, plain=False)
        print(f"built 2 x {args.cases} cases in {time.perf_counter() - started:.0f} s")
        results: dict[str, dict[str, list[float]]] = {"plain": {}, "encrypted": {}}
        for _ in range(args.repeat):  # alternate, so a noisy moment hits both
            for name, path, ids, plain in (
                ("plain", folder / "plain.sqlite", plain_ids, True),
                ("encrypted", folder / "encrypted.sqlite", enc_ids, False),
            ):
                for label, ms in measure(path, ids, plain, args.rounds).items():
                    results[name].setdefault(label, []).append(ms)
        failed = 0
        for label in results["plain"]:
            base = min(results["plain"][label])
            enc = min(results["encrypted"][label])
            ratio = enc / base
            ok = ratio <= TARGET or label in REFERENCE
            failed += not ok
            verdict = (
                "for reference" if label in REFERENCE else f"(target <= {TARGET}x) {'ok' if ok else 'OVER'}"
            )
            print(
                f"{label:30s} plain {base:8.3f} ms  encrypted {enc:8.3f} ms  ratio {ratio:4.2f}x  {verdict}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
