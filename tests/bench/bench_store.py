"""Benchmark: the drafts store at 100 000 cases.

Run on demand:  PYTHONPATH=. .venv/bin/python tests/bench/bench_store.py [--cases 100000]
Targets (drafts issue): one field change saved in under 5 ms; a search and the first page of the
list each under 30 ms with 100 000 cases; the same-customer question (issue 11) under 30 ms; the
status filter's counts and a status's first page under 50 ms (issue 23). Also measured: opening the file (quick check), and purging
10 000 finished cases (delete, vacuum, fresh backup).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from desktop.store import Store

SPEC = SimpleNamespace(
    title_key="customer.name",
    search_keys=("customer.name", "number.n400", "handler.name", "customer.license_no"),
    mask_keys=("handler.id_number",),
    duplicate_clear_keys=("number.*", "notes"),
    find_keys=("handler.mobile", "contact.name", "contact.phone", "handler.id_number"),
)
CST = timezone(timedelta(hours=8))
CITIES = "杭州 宁波 温州 绍兴 嘉兴 湖州 金华 衢州 舟山 台州 丽水 义乌 余姚 慈溪 海宁 桐乡".split()
WORDS = (
    "云栖 数智 西湖 钱塘 之江 天目 富春 新安 瓯江 雁荡 天台 普陀 东海 凤凰 华星 鼎盛 恒信 博远 "
    "宏达 嘉禾 锦程 明辉 瑞丰 盛世 拓新 万象 鑫源 永安 卓越 智联 汇通 启航 远景 睿博"
).split()
TRADES = "科技 贸易 物流 餐饮 建材 电子 服装 茶业 医药 教育 文化 传媒 网络 机械 化工 旅游".split()
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈".split()
)
GIVEN = "霄敏伟芳娜秀英丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红婷雪琳晨宇浩然欣怡子轩梓涵"
LICENCE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class SteppingClock:
    """Each call is `step` later than the last, so bulk-created cases have distinct times."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


def case_values(rng: random.Random) -> dict:
    name = rng.choice(CITIES) + rng.choice(WORDS) + rng.choice(WORDS) + rng.choice(TRADES) + "有限公司"
    handler = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
    licence = "9133" + "".join(rng.choices(LICENCE_CHARS, k=14))
    return {
        "customer.name": name,
        "customer.license_no": licence,
        "customer.org_code": licence[8:17],
        "customer.address": f"浙江省{name[:2]}市某某区某某路 {rng.randint(1, 999)} 号",
        "customer.postcode": f"31{rng.randint(0, 9999):04d}",
        "contact.name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "contact.phone": f"0571-{rng.randint(10000000, 99999999)}",
        "handler.name": handler,
        "handler.id_number": f"{rng.randint(100000, 999999)}19{rng.randint(10**9, 10**10 - 1)}",
        "handler.phone": f"0571{rng.randint(10000000, 99999999)}",
        "handler.mobile": f"13{rng.randint(100000000, 999999999)}",
        "handler.email": "someone@example.com",
        "application.date": "2026-11-28",
        "application.serial": f"HZ-2026-{rng.randint(1, 9999):04d}",
        "business.categories": ["open"],
        "number.n400": f"400{rng.randint(0, 9999999):07d}",
        "number.open_date": "2026-12-01",
        "number.small": f"0571{rng.randint(10000000, 99999999)}",
        "number.destinations": [f"0571{rng.randint(10000000, 99999999)}"],
        "notes": "工作日 9:00-18:00 接听，节假日转手机。",
        "agency.name": "中国电信杭州西湖营业厅",
        "agency.handler": "赵晓峰",
        "authorization.date": "2026-11-28",
        "agreement.scope": "national",
        "agreement.usage": ["hotline", "marketing"],
        "agreement.term_years": 2,
        "agreement.date_a": "2026-11-28",
        "agreement.date_b": "2026-11-28",
        "commitment.signer": handler,
        "commitment.other": "",
        "commitment.date": "2026-11-28",
    }


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def report(label: str, samples: list[float], target_ms: float) -> None:
    med = statistics.median(samples) * 1e3
    p95 = sorted(samples)[int(len(samples) * 0.95)] * 1e3
    print(
        f"{label:<48} median {med:7.2f} ms  p95 {p95:7.2f} ms  "
        f"(target < {target_ms:g} ms: {med / target_ms:.2f}× / p95 {p95 / target_ms:.2f}×)"
    )


def baseline_commit(folder: Path, rounds: int = 300) -> list[float]:
    """The floor under a field save: one durable single-row UPDATE in a bare SQLite file with the
    store's journal settings (WAL, synchronous=FULL), measured on the same disk in the same run."""
    import sqlite3

    conn = sqlite3.connect(folder / "floor.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("INSERT INTO t VALUES (1, '')")
    out = []
    for i in range(rounds):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE t SET v = ? WHERE id = 1", (str(i),))
        conn.execute("COMMIT")
        out.append(time.perf_counter() - start)
    conn.close()
    return out


def baseline(label: str, samples: list[float], floor: list[float]) -> None:
    med, base = statistics.median(samples), statistics.median(floor)
    print(f"{label:<48} {med / base:6.2f}× its baseline ({med * 1e3:.2f} ms vs {base * 1e3:.2f} ms)")


def build(path: Path, total: int, finished: int, rng: random.Random) -> None:
    now = datetime(2026, 11, 28, 18, 0, tzinfo=CST)
    start = time.perf_counter()
    old = SteppingClock(now - timedelta(days=400), timedelta(minutes=1))
    with Store.open_for(path, SPEC, bundle="400", edition="bench", clock=old, backups=False) as store:
        store.create_many((case_values(rng) for _ in range(finished)), status="complete")
        recent = SteppingClock(now - timedelta(minutes=total - finished + 1), timedelta(minutes=1))
        store.clock = recent
        for _ in range(0, total - finished, 10_000):
            store.create_many(case_values(rng) for _ in range(min(10_000, total - finished)))
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size / 2**20
    print(
        f"built {total} cases ({finished} finished long ago) in {time.perf_counter() - start:.1f} s, "
        f"{size:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--purge", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(400)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "drafts.sqlite"
        build(path, args.cases, args.purge, rng)
        clock = SteppingClock(datetime(2026, 11, 28, 18, 0, tzinfo=CST), timedelta(seconds=1))

        start = time.perf_counter()
        store = Store.open_for(path, SPEC, bundle="400", edition="bench", clock=clock, backups=False)
        print(f"open with quick check at {args.cases} cases: {(time.perf_counter() - start) * 1e3:.0f} ms")

        case = store.create(case_values(rng))
        revision = case.revision
        typed_notes, typed_name = [], []
        for i in range(1, 301):
            begin = time.perf_counter()
            revision = store.save_field(
                case.id, "notes", "客户要求工作日接听，节假日转手机"[: i % 16 + 1] + str(i), revision
            )
            typed_notes.append(time.perf_counter() - begin)
            begin = time.perf_counter()
            revision = store.save_field(
                case.id, "customer.name", "杭州新开张贸易有限公司"[: i % 11 + 1] + str(i), revision
            )
            typed_name.append(time.perf_counter() - begin)
        report("save one field (notes, not searched)", typed_notes, 5)
        report("save one field (customer.name, re-indexed)", typed_name, 5)
        floor = baseline_commit(Path(tmp))
        baseline("save one field (notes) vs bare durable UPDATE", typed_notes, floor)
        baseline("save one field (name) vs bare durable UPDATE", typed_name, floor)

        first_page = timed(lambda: store.list_cases(), 50)
        report("first page (50 newest)", first_page, 30)
        raw_page = timed(
            lambda: store.db.execute(
                "SELECT id, fields FROM cases WHERE deleted_ts IS NULL ORDER BY updated_ts DESC LIMIT 50"
            ).fetchall(),
            50,
        )
        baseline("first page vs bare SELECT of 50 newest rows", first_page, raw_page)
        report("page 20 (offset 950)", timed(lambda: store.list_cases(offset=950), 50), 30)
        queries = [
            ("1 char, common (杭)", "杭"),
            ("1 char, rare (曾)", "曾"),
            ("1 char, no match (鬱)", "鬱"),
            ("2 chars (西湖)", "西湖"),
            ("2 chars, no match (上海)", "上海"),
            ("3 chars (云栖数)", "云栖数"),
            ("4+ chars, common (有限公司)", "有限公司"),
            ("5 chars (杭州云栖数)", "杭州云栖数"),
            ("3+ chars, no match (上海浦东)", "上海浦东"),
            ("handler name (王霄)", "王霄"),
            ("400 fragment (4009030)", "4009030"),
            ("400 fragment printed form (400-903-0)", "400-903-0"),
            ("licence fragment (MA2H)", "ma2h"),
            ("licence fragment (9133 0A)", "91330A"),
        ]
        all_searches = []
        for label, query in queries:
            hits = len(store.search(query).items)
            samples = timed(lambda q=query: store.search(q), 30)
            all_searches += samples
            report(f"search {label} [{hits} on page]", samples, 30)
        baseline("search (all queries) vs bare SELECT of 50 newest", all_searches, raw_page)

        # The same customer twice (issue 11): asked on every change of a 400 number or licence.
        some = store.get(store.ids()[len(store.ids()) // 2])
        for key in ("number.n400", "customer.license_no"):
            value = str(some.fields.get(key) or "")
            samples = timed(lambda k=key, v=value: store.others_with(k, v, some.id), 30)
            report(f"others_with {key} (same customer)", samples, 30)
        report(
            "others_with number.n400, no match",
            timed(lambda: store.others_with("number.n400", "4001234567"), 30),
            30,
        )
        report("search by case number", timed(lambda: store.search(some.number or ""), 30), 30)
        # Issue 23: the full ID number and the handler's mobile (what a customer brings).
        id_number = str(some.fields.get("handler.id_number") or "")
        report("search by full ID number", timed(lambda: store.search(id_number), 30), 30)
        mobile = str(some.fields.get("handler.mobile") or "")
        report("search by handler mobile", timed(lambda: store.search(mobile), 30), 30)

        # The status filter beside the search box (issue 23): its counts when it opens, then the
        # first page of one status. Every 7th case printed, every 50th changed after its print.
        with store.db.conn:
            store.db.execute("UPDATE cases SET status = 'printed' WHERE seq % 7 = 0")
            store.db.execute("UPDATE cases SET status = 'changed' WHERE seq % 50 = 0")
        report("open the status filter (counts per status)", timed(store.status_counts, 30), 50)
        for status in ("printed", "changed", "complete"):
            samples = timed(lambda s=status: store.list_cases(status=s), 30)
            report(f"first page of status {status}", samples, 50)
        report(
            "search 有限公司 within 已打印", timed(lambda: store.search("有限公司", status="printed"), 30), 50
        )

        store.clock = lambda: datetime(2026, 11, 28, 18, 0, tzinfo=CST)
        start = time.perf_counter()
        result = store.purge()
        purge_s = time.perf_counter() - start
        print(
            f"purge {result.removed} finished cases (delete, vacuum, checkpoint, fresh backup): "
            f"{purge_s:.2f} s, "
            f"file now {path.stat().st_size / 2**20:.0f} MiB"
        )
        store.close()


if __name__ == "__main__":
    main()
