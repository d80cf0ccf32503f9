"""The store boundary (issue 20 item 6): desktop/exchange/ works through the Store's methods and
never reaches into its connection (`store.db`) or runs SQL of its own."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from test_store_helpers import EXAMPLE, open_at

from desktop.exchange.transfer import export_case, import_files
from desktop.files import casefile
from desktop.hall import local as hall_local
from desktop.store import Store

EXCHANGE = Path(__file__).resolve().parent.parent / "desktop" / "exchange"


class NoConnection:
    """A Store seen from outside: every method, but no `db` (the connection)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name in ("db", "conn", "execute"):
            raise AssertionError(f"desktop.exchange reached into the store: .{name}")
        return getattr(self._store, name)


def test_no_module_of_exchange_names_the_stores_connection_or_runs_sql():
    reached = []
    for path in sorted(EXCHANGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("db", "conn", "execute", "executemany"):
                reached.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert reached == []


def test_a_case_synced_with_the_hall_exports_its_base_and_imports_through_the_methods_alone(tmp_path, clock):
    with open_at(tmp_path / "desk.sqlite", clock) as store:
        case = store.create(EXAMPLE)
        hall_local.ensure_schema(store.db)  # the hall's bookkeeping, as a sync round leaves it
        store.db["hall_cases"].insert(
            {"case_id": case.id, "revision": 7, "base": json.dumps(EXAMPLE), "digest": "",
             "number": None, "local_revision": case.revision, "local_deleted": 0}
        )  # fmt: skip
        revision, values, local_revision = store.hall_base(case.id)
        assert (revision, values, local_revision) == (7, store_fields(EXAMPLE), case.revision)
        out = export_case(NoConnection(store), case.id, tmp_path / "case.json")
    doc = json.loads(out.read_text(encoding="utf-8"))
    # The file carries what this desk last agreed with the hall: version 2, that base.
    assert doc["version"] == 2
    assert doc["base"] == {"revision": 7, "digest": casefile.values_digest(EXAMPLE)}
    with open_at(tmp_path / "laptop.sqlite", clock) as laptop:
        report = import_files(NoConnection(laptop), [out])
        assert store_fields(laptop.get(case.id).fields) == store_fields(EXAMPLE)
    assert report is not None


def store_fields(values: dict) -> dict:
    return {k: v for k, v in values.items() if v not in (None, "", [])}
