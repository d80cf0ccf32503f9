"""Crashes and races: a killed writer loses nothing it committed; racing writers lose no update."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from test_store_helpers import EXAMPLE, open_at

from desktop.store import Conflict

ROOT = Path(__file__).resolve().parent.parent

OPEN = """
import sys
from pathlib import Path
from types import SimpleNamespace
from desktop.store import Conflict, Store
spec = SimpleNamespace(
    title_key="customer.name", search_keys=("customer.name",), mask_keys=(), duplicate_clear_keys=()
)
store = Store.open_for(Path(sys.argv[1]), spec, bundle="400", edition="test", backups=False)
case_id = sys.argv[2]
"""

BURST = (
    OPEN
    + """
revision = store.get(case_id).revision
i = int(sys.argv[3])
while True:
    revision = store.save_field(case_id, f"burst.{i}", str(i), revision)
    print(i, revision, flush=True)
    i += 1
"""
)

INCREMENT = (
    OPEN
    + """
import time
print("ready", flush=True)
while not Path(sys.argv[4]).exists():
    time.sleep(0.001)
done = conflicts = 0
while done < int(sys.argv[3]):
    case = store.get(case_id)
    try:
        store.save_field(case_id, "counter", (case.fields.get("counter") or 0) + 1, case.revision)
        done += 1
    except Conflict:
        conflicts += 1
print(conflicts, flush=True)
"""
)


def child(script: str, *args: object) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def test_sigkill_in_a_burst_of_saves_keeps_every_committed_change(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        case_id = store.create(EXAMPLE).id
    committed: list[tuple[int, int]] = []
    for kill_after in (40, 250, 120):
        proc = child(BURST, path, case_id, len(committed))
        assert proc.stdout is not None
        printed: list[str] = []
        while len(printed) < kill_after:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "child died"
            printed.append(line)
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        # A line cut by the kill is not a report of a commit; every whole line is.
        whole = [line for line in printed + rest.splitlines(keepends=True) if line.endswith("\n")]
        committed += [(int(i), int(r)) for i, r in (line.split() for line in whole)]

        with open_at(path) as reopened:
            assert reopened.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            case = reopened.get(case_id)
            for i, revision in committed:
                assert case.fields[f"burst.{i}"] == str(i)
                assert case.revision >= revision
            assert case.fields["customer.name"] == EXAMPLE["customer.name"]
    assert [i for i, _ in committed] == list(range(len(committed)))


def test_two_processes_racing_lose_no_update(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        case = store.create({"customer.name": "竞争测试", "counter": 0})
    rounds = 150
    go = tmp_path / "go"
    procs = [child(INCREMENT, path, case.id, rounds, go) for _ in range(2)]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    go.touch()
    outputs = [p.communicate(timeout=60) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    with open_at(path) as store:
        final = store.get(case.id)
    assert final.fields["counter"] == 2 * rounds
    assert final.revision == 1 + 2 * rounds


def test_two_threads_with_their_own_connections_lose_no_update(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        case_id = store.create({"counter": 0}).id
    rounds = 200
    conflicts: list[int] = []
    start = threading.Barrier(2)

    def work() -> None:
        with open_at(path) as mine:
            start.wait()
            done = clashes = 0
            while done < rounds:
                case = mine.get(case_id)
                try:
                    mine.save_field(case_id, "counter", case.fields["counter"] + 1, case.revision)
                    done += 1
                except Conflict:
                    clashes += 1
                    time.sleep(0)
            conflicts.append(clashes)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with open_at(path) as store:
        final = store.get(case_id)
    assert len(conflicts) == 2
    assert final.fields["counter"] == 2 * rounds
    assert final.revision == 1 + 2 * rounds
