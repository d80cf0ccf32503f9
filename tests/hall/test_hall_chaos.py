"""Four drafts files edit and sync while the server is killed and connections are dropped.

At the end every machine holds the same cases, and every edit is either on the server, or an open
conflict on the machine that made it, or was knowingly replaced: replaced by an edit (or a
conflict choice) made while its value was on screen. Values are unique, so the model is exact.
"""

from __future__ import annotations

import itertools
import random
import threading
import time

import psycopg

from desktop.domain.merge import normal, state_of
from desktop.hall.connection import HallError, connector
from desktop.hall.engine import SyncEngine

MACHINES = 4
ROUNDS = 400
MAX_SECONDS = 60
KEYS = ("customer.name", "contact.name", "notes", "handler.name")


def test_chaos(hall, bundle, tmp_path):
    from desktop.store import Store

    urls = [hall.desk(f"ch{i:02d}") for i in range(MACHINES)]
    counter = itertools.count()
    lock = threading.Lock()
    edits: list[tuple[int, str, str, str]] = []  # machine, case, key, value
    replaced: set[str] = set()  # values someone replaced while seeing them
    rounds = {"total": 0, "offline": 0, "conflicted": 0}
    done = threading.Event()
    final: dict[int, dict] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(MACHINES)
    ready = threading.Barrier(MACHINES + 1)  # the chaos is over: the main thread brings the server up
    go = threading.Barrier(MACHINES + 1)
    start = time.monotonic()

    def machine(n: int) -> None:
        rng = random.Random(n)
        store = Store.open(
            tmp_path / f"m{n}.db", bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False
        )
        engine = SyncEngine(store, connector(urls[n]))
        try:
            while True:
                with lock:
                    if rounds["total"] >= ROUNDS or time.monotonic() - start > MAX_SECONDS:
                        break
                    rounds["total"] += 1
                for _ in range(rng.randint(0, 3)):
                    ids = store.ids()
                    value = f"v{next(counter)}"
                    if not ids or rng.random() < 0.15:
                        case = store.create({"customer.name": value})
                        with lock:
                            edits.append((n, case.id, "customer.name", value))
                        continue
                    case = store.get(rng.choice(ids))
                    key = rng.choice(KEYS)
                    before = case.fields.get(key)
                    store.save_field(case.id, key, value, case.revision)
                    with lock:
                        edits.append((n, case.id, key, value))
                        if before:
                            replaced.add(before)
                open_conflicts = engine.conflicts()
                with lock:
                    rounds["conflicted"] += bool(open_conflicts)
                if open_conflicts and rng.random() < 0.3:
                    c = rng.choice(open_conflicts)
                    pick = rng.choice(("mine", "theirs"))
                    engine.resolve(c.case_id, c.key, pick)
                    with lock:
                        replaced.add(c.theirs if pick == "mine" else c.mine)
                try:
                    engine.sync_once()
                except HallError:
                    with lock:
                        rounds["offline"] += 1
            ready.wait()
            go.wait()
            for _ in range(4):
                barrier.wait()
                engine.sync_once()
            barrier.wait()
            final[n] = {
                "states": {
                    i: state_of(c.fields, c.status, c.deleted) for i in store.ids() for c in [store.get(i)]
                },
                "conflicts": {(c.case_id, c.key): (c.mine, c.theirs) for c in engine.conflicts()},
                "pending": engine.pending_count(),
            }
        except BaseException as exc:
            errors.append(exc)
            for b in (barrier, ready, go):
                b.abort()
            raise
        finally:
            engine.close()
            store.close()

    def chaos() -> None:
        rng = random.Random(99)
        restarts = 0
        while not done.is_set():
            time.sleep(rng.uniform(0.02, 0.25))
            if done.is_set():
                break
            if restarts < 4 and rng.random() < 0.08:
                hall.server.stop("immediate")
                time.sleep(rng.uniform(0.1, 0.4))
                hall.server.start()
                restarts += 1
                continue
            try:
                with hall.server.admin(hall.dbname) as conn:
                    conn.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename LIKE 'desk\\_ch%'"
                    )
            except psycopg.Error:
                pass

    threads = [threading.Thread(target=machine, args=(n,)) for n in range(MACHINES)]
    killer = threading.Thread(target=chaos)
    for t in [*threads, killer]:
        t.start()
    try:
        ready.wait(timeout=MAX_SECONDS + 60)
    finally:
        done.set()
        killer.join()
    go.wait(timeout=30)
    for t in threads:
        t.join()
    assert not errors, errors
    assert rounds["total"] >= 200
    assert rounds["offline"] > 0 and rounds["conflicted"] > 0  # the chaos did bite

    with psycopg.connect(hall.admin_url) as conn:
        rows = conn.execute("SELECT id::text, state FROM desk400.cases WHERE NOT purged").fetchall()
    server = {r[0]: normal(r[1]) for r in rows}
    for n in range(MACHINES):
        got = final[n]
        assert got["pending"] == 0
        assert set(got["states"]) == set(server), f"machine {n} holds other cases"
        for case_id, state in got["states"].items():
            for key in set(state) | set(server[case_id]):
                if (case_id, key) in got["conflicts"]:
                    mine, theirs = got["conflicts"][case_id, key]
                    assert state.get(key) == mine and server[case_id].get(key) == theirs
                else:
                    assert state.get(key) == server[case_id].get(key), (n, case_id, key)
    kept = {(c, k): v for c, s in server.items() for k, v in s.items()}
    open_mine = {(c, k, m[0]) for n in range(MACHINES) for (c, k), m in final[n]["conflicts"].items()}
    lost = [
        e
        for e in edits
        if e[3] not in replaced and kept.get((e[1], e[2])) != e[3] and (e[1], e[2], e[3]) not in open_mine
    ]
    assert not lost, lost[:5]
