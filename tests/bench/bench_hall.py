"""Benchmark: the hall server's sync against plain psycopg doing the same inserts and selects.

Run on demand:  PYTHONPATH=. .venv/bin/python tests/bench/bench_hall.py [--cases 10000] [--desks 50]
Starts a throwaway PostgreSQL on loopback (as tests/hall does) and measures, each as a ratio to
plain psycopg in the same run:
- one machine's first sync of N cases (pushing them), and a second machine's first sync (pulling);
- one edit's round trip: edited on machine A, synced, synced on machine B, there;
- D desks syncing one edit each at the same moment against one server.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import psycopg
from psycopg.types.json import Jsonb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hall"))
from hall_pgserver import PgServer, find_bindir  # noqa: E402

from desktop.hall import schema  # noqa: E402
from desktop.hall.connection import connector  # noqa: E402
from desktop.hall.engine import SyncEngine  # noqa: E402
from desktop.store import Store  # noqa: E402

SPEC = SimpleNamespace(
    title_key="customer.name",
    search_keys=("customer.name", "number.n400", "handler.name"),
    mask_keys=("handler.id_number",),
    duplicate_clear_keys=("number.*",),
)


def case_values(i: int) -> dict:
    return {
        "customer.name": f"杭州云栖数智科技有限公司{i}",
        "customer.license_no": "91330106MA2H4XYZ3K",
        "customer.address": "浙江省杭州市西湖区文三路 90 号",
        "customer.postcode": "310012",
        "contact.name": "王霄",
        "contact.phone": "13857140000",
        "handler.name": "李敏",
        "handler.id_number": "610113198402242115",
        "handler.mobile": "13857140001",
        "business.categories": ["open"],
        "number.n400": f"400{i % 10_000_000:07d}",
        "number.small": "057181726504",
        "number.destinations": ["057181726504"],
        "agreement.scope": "national",
        "agreement.usage": ["office"],
        "agreement.term_years": 2,
    }


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def open_store(folder: Path, name: str) -> Store:
    return Store.open(folder / f"{name}.db", SPEC, bundle="400", edition="bench", backups=False)


PLAIN = """
    CREATE TABLE plain_cases (id uuid PRIMARY KEY, state jsonb, revision int, change_seq bigserial);
    CREATE TABLE plain_history (case_id uuid, revision int, state jsonb, PRIMARY KEY (case_id, revision));
    CREATE TABLE plain_audit (id bigserial PRIMARY KEY, case_id uuid, event text);
"""


def plain_push(url: str, rows: list[tuple[str, dict]]) -> None:
    """What a sync's push amounts to, written by hand: the cases, their history and audit rows."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO plain_cases (id, state, revision) VALUES (%s, %s, 1)",
            [(i, Jsonb(s)) for i, s in rows],
        )
        cur.executemany("INSERT INTO plain_history VALUES (%s, 1, %s)", [(i, Jsonb(s)) for i, s in rows])
        cur.executemany(
            "INSERT INTO plain_audit (case_id, event) VALUES (%s, 'created')", [(i,) for i, _ in rows]
        )


def plain_pull(url: str, after: int = 0) -> int:
    with psycopg.connect(url) as conn:
        return len(
            conn.execute(
                "SELECT id, state, revision FROM plain_cases WHERE change_seq > %s", [after]
            ).fetchall()
        )


def plain_edit(url: str, case_id: str, value: str) -> None:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "UPDATE plain_cases SET state = state || jsonb_build_object('notes', %s::text), revision = revision + 1,"
            " change_seq = nextval('plain_cases_change_seq_seq') WHERE id = %s RETURNING revision, state",
            [value, case_id],
        ).fetchone()
        conn.execute("INSERT INTO plain_history VALUES (%s, %s, %s)", [case_id, row[0], Jsonb(row[1])])


def main() -> None:
    # The drafts files are encrypted: without an OS keyring they need a passphrase (as run_all.py).
    os.environ.setdefault("DESK400_PASSPHRASE", "desk400 benchmark")
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--desks", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    bindir = find_bindir()
    if bindir is None:
        sys.exit("PostgreSQL >= 15 is not installed")
    server = PgServer(bindir)
    server.start()
    try:
        run(server, args)
    finally:
        server.destroy()


def run(server: PgServer, args: argparse.Namespace) -> None:
    server.create_database("bench")
    admin = server.url("bench")
    conn = connector(admin)()
    schema.init(conn)
    conn.execute(PLAIN)
    conn.commit()
    urls = []
    for n in range(max(2, args.desks)):
        role, password, _ = schema.add_desk(conn, f"b{n:03d}")
        urls.append(server.url("bench", role, password))
    conn.close()
    folder = Path(tempfile.mkdtemp(prefix="desk400-bench-"))
    results: list[tuple[str, float, float]] = []

    # 1. First sync of N cases: push from A, then pull onto B.
    a, b = open_store(folder, "a"), open_store(folder, "b")
    a.create_many(case_values(i) for i in range(args.cases))
    eng_a, eng_b = SyncEngine(a, connector(urls[0])), SyncEngine(b, connector(urls[1]))
    hall_push = timed(eng_a.sync_once)
    rows = [(str(uuid.uuid4()), case_values(i)) for i in range(args.cases)]
    plain = timed(lambda: plain_push(admin, rows))
    results.append((f"first sync, push {args.cases} cases", hall_push, plain))
    hall_pull = timed(eng_b.sync_once)
    plain = timed(lambda: plain_pull(admin))
    results.append((f"first sync, pull {args.cases} cases", hall_pull, plain))

    # 2. One edit's round trip: A edits and syncs, B syncs and has it.
    case_id = a.ids()[0]
    hall_times, plain_times = [], []
    for n in range(args.repeat):
        value = f"加急 {n}"

        def trip(value: str = value) -> None:
            a.save_field(case_id, "notes", value, a.get(case_id).revision)
            eng_a.sync_once()
            eng_b.sync_once()

        hall_times.append(timed(trip))
        assert b.get(case_id).fields["notes"] == value
        plain_times.append(
            timed(lambda value=value: (plain_edit(admin, rows[0][0], value), plain_pull(admin, 10**9)))
        )
    results.append(
        ("one edit's round trip (median)", statistics.median(hall_times), statistics.median(plain_times))
    )
    eng_a.close()
    eng_b.close()
    a.close()
    b.close()

    # 3. D desks, each with the same 20 cases, syncing one edit each at the same moment (a database
    # of their own, so they do not first pull the cases above).
    server.create_database("desks")
    conn = connector(server.url("desks"))()
    schema.init(conn)
    conn.execute(PLAIN)
    conn.commit()
    conn.close()
    admin = server.url("desks")
    urls = [url.replace("/bench", "/desks") for url in urls]
    rows = [(str(uuid.uuid4()), case_values(i)) for i in range(20)]
    plain_push(admin, rows)
    seed = open_store(folder, "seed")
    seed.create_many(case_values(i) for i in range(20))
    with SyncEngine(seed, connector(urls[0])) as engine:
        engine.sync_once()
    seed.close()
    desks = list(range(args.desks))
    barrier = threading.Barrier(args.desks + 1)
    done = threading.Barrier(args.desks + 1)
    plain_ids = [r[0] for r in rows[:20]]

    def desk(n: int, mode: str) -> None:
        # Each thread opens its own drafts file: a SQLite connection stays in the thread that made it.
        store = open_store(folder, f"{mode}{n}")
        engine = SyncEngine(store, connector(urls[n]))
        if mode == "hall":
            engine.sync_once()
        for _ in range(3):
            barrier.wait()
            if mode == "hall":
                ids = store.ids()
                target = ids[n % len(ids)]
                store.save_field(
                    target, "notes", f"desk {n} {time.perf_counter()}", store.get(target).revision
                )
                engine.sync_once()
            else:
                plain_edit(admin, plain_ids[n % 20], f"desk {n}")
                plain_pull(admin, 10**9)
            done.wait()
        engine.close()
        store.close()

    for mode in ("hall", "plain"):
        threads = [threading.Thread(target=desk, args=(n, mode)) for n in desks]
        for t in threads:
            t.start()
        walls = []
        for _ in range(3):
            barrier.wait()
            start = time.perf_counter()
            done.wait()
            walls.append(time.perf_counter() - start)
        for t in threads:
            t.join()
        if mode == "hall":
            hall_wall = statistics.median(walls)
        else:
            results.append(
                (
                    f"{args.desks} desks sync one edit each at once (median wall)",
                    hall_wall,
                    statistics.median(walls),
                )
            )

    print(f"{'measure':58} {'hall':>10} {'plain':>10} {'ratio':>7}")
    for name, hall, plain in results:
        print(f"{name:58} {hall * 1000:8.1f}ms {plain * 1000:8.1f}ms {hall / plain:7.1f}")


if __name__ == "__main__":
    main()
