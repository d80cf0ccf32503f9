"""Case numbers (DESK-YYYYMMDD-NNN): assigned by the store when a case is made, kept by import,
written by export, found by search, set per desk in the settings."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
from sqlite_utils import Database
from test_store_helpers import BUNDLE, EDITION, EXAMPLE, Clock, open_at

from desktop.exchange.transfer import export_case, import_files
from desktop.files import casefile
from desktop.files.casefile import CaseFile, check_case_number
from desktop.store import StoreError, migrations, numbers

CASE_ID = "5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11"


def test_new_cases_are_numbered_per_desk_and_day(store, clock):
    first = store.create(EXAMPLE)
    second = store.create({"customer.name": "宁波某某贸易有限公司"})
    assert (first.number, second.number) == ("DESK-20261128-001", "DESK-20261128-002")
    assert store.get(first.id).number == first.number
    assert [c.number for c in store.list_cases().items] == [second.number, first.number]
    store.set_setting("desk.code", "XH01")
    assert store.create().number == "XH01-20261128-001"
    clock.advance(days=1)
    assert store.create().number == "XH01-20261129-001"
    assert all(check_case_number(c.number) is None for c in store.list_cases().items)


def test_duplicate_and_bulk_creation_take_the_next_numbers(store):
    source = store.create(EXAMPLE)
    assert store.duplicate(source.id).number == "DESK-20261128-002"
    ids = store.create_many([{"customer.name": "甲"}, {"customer.name": "乙"}])
    assert [store.get(i).number for i in ids] == ["DESK-20261128-003", "DESK-20261128-004"]
    assert store.create().number == "DESK-20261128-005"


def test_the_binned_keep_their_numbers_and_no_number_is_handed_out_twice(store):
    first = store.create()
    store.delete(first.id)
    assert store.create().number == "DESK-20261128-002"
    assert store.binned().items[0].number == first.number


def test_two_windows_on_one_file_never_get_the_same_number(tmp_path):
    path = tmp_path / "drafts.sqlite"
    open_at(path).close()
    got: list[str] = []
    failures: list[BaseException] = []

    def window() -> None:
        try:
            with open_at(path) as store:
                for _ in range(15):
                    got.append(store.create().number or "")
        except BaseException as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)

    threads = [threading.Thread(target=window) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert sorted(got) == [f"DESK-20261128-{n:03d}" for n in range(1, 46)]


def test_a_thousandth_case_of_a_day_gets_four_digits_and_stays_readable(store):
    store.create_many({} for _ in range(999))
    case = store.create()
    assert case.number == "DESK-20261128-1000"
    assert check_case_number(case.number) is None


@pytest.mark.parametrize("bad", ["xh01", "X", "XH01XH0", "XH-01", "ＸＨ01", " ", 17])
def test_a_bad_desk_code_is_refused_in_chinese(store, bad):
    with pytest.raises(StoreError, match="柜台代码应为 2–6 个大写英文字母或数字"):
        store.set_setting("desk.code", bad)
    assert store.create().number == "DESK-20261128-001"


def test_an_empty_desk_code_means_the_default(store):
    store.set_setting("desk.code", "XH01")
    store.set_setting("desk.code", "")
    assert store.create().number.startswith(numbers.DEFAULT_DESK_CODE + "-")


def test_the_bundle_declares_the_desk_code_setting_with_the_stores_default(bundle):
    setting = next(s for s in bundle.settings if s.key == numbers.DESK_CODE_KEY)
    assert setting.default == numbers.DEFAULT_DESK_CODE
    assert setting.problem("XH01") is None and setting.problem("") is None
    assert (
        setting.problem("xh01")
        == "柜台代码：应为 2–6 个大写英文字母或数字，如 XH01（西湖营业厅 1 号柜台），请改正后再保存"
    )


# -- import, export, search -----------------------------------------------------------------


def _file(
    tmp_path,
    name,
    *,
    number=None,
    case_id=CASE_ID,
    updated="2026-11-28T09:00:00+08:00",
    customer="杭州甲公司",
):
    path = tmp_path / name
    casefile.write(CaseFile(case_id, BUNDLE, updated, {"customer.name": customer}, number), path)
    return path


def test_import_keeps_a_files_number_and_numbers_one_without(store, tmp_path):
    import_files(store, [_file(tmp_path, "a.json", number="XH02-20261127-042")])
    assert store.get(CASE_ID).number == "XH02-20261127-042"
    other = "0f4e5a52-2f0c-4d7e-9a51-3c4a8e0d9b12"
    import_files(store, [_file(tmp_path, "b.json", case_id=other)])
    assert store.get(other).number == "DESK-20261128-001"


def test_a_newer_file_without_a_number_keeps_the_stored_one(store, tmp_path):
    import_files(store, [_file(tmp_path, "a.json", number="XH02-20261127-042")])
    newer = _file(tmp_path, "b.json", updated="2026-11-29T09:00:00+08:00", customer="杭州乙公司")
    assert import_files(store, [newer]).replaced == (CASE_ID,)
    assert store.get(CASE_ID).number == "XH02-20261127-042"


def test_an_imported_number_of_this_desk_and_day_is_never_handed_out_again(store, tmp_path):
    import_files(store, [_file(tmp_path, "a.json", number="DESK-20261128-007")])
    assert store.create().number == "DESK-20261128-008"


def test_export_writes_the_number(store, tmp_path):
    case = store.create(EXAMPLE)
    out = export_case(store, case.id, tmp_path / "out.json")
    assert json.loads(out.read_text(encoding="utf-8"))["number"] == "DESK-20261128-001"


@pytest.mark.parametrize(
    "query", ["DESK-20261128-002", "desk-20261128-002", "20261128-002", "002", "DESK 002"]
)
def test_search_finds_a_case_by_its_number_and_its_parts(store, clock, query):
    store.create({"customer.name": "杭州甲公司"})
    second = store.create({"customer.name": "杭州乙公司"})
    clock.advance(minutes=1)
    store.create({"customer.name": "杭州丙公司"})
    assert [c.id for c in store.search(query).items] == [second.id]


def test_search_by_number_reaches_past_the_newest_cases(store, clock, monkeypatch):
    from desktop.store import lists

    monkeypatch.setattr(lists, "SCAN_WINDOW", 2)  # the index must answer, not the scan
    old = store.create({"customer.name": "杭州甲公司"})
    store.create_many({"customer.name": f"公司{n}"} for n in range(5))
    assert [c.id for c in store.search(old.number).items] == [old.id]
    assert [c.id for c in store.search("001").items] == [old.id]


def test_edits_keep_the_number_searchable(store):
    case = store.create({"customer.name": "杭州甲公司"})
    store.save_field(case.id, "customer.name", "杭州乙公司", 1)
    store.save_fields(case.id, {"customer.name": "杭州丙公司"}, 2)
    assert [c.id for c in store.search(case.number).items] == [case.id]


def test_cases_from_before_numbers_are_numbered_by_the_upgrade(tmp_path):
    path = tmp_path / "old.sqlite"
    steps = migrations()
    db = Database(path)
    steps.apply(db, stop_before="0007_case_number")
    for n, created in enumerate(["2026-11-02T09:00:00+08:00", "2026-11-01T09:00:00+08:00",
                                 "2026-11-01T10:00:00+08:00"]):  # fmt: skip
        db["cases"].insert(
            {
                "id": f"5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b1{n}",
                "bundle": BUNDLE,
                "edition": EDITION,
                "status": "draft",
                "created": created,
                "updated": created,
                "updated_ts": 1_793_500_000.0 + n,
                "revision": 1,
                "fields": json.dumps({"customer.name": f"老客户{n}"}, ensure_ascii=False),
                "title": f"老客户{n}",
                "search": f"老客户{n}",
            }
        )
    db.close()
    with open_at(path, Clock()) as store:
        numbers_by_id = {c.id[-1]: c.number for c in store.list_cases().items}
        assert numbers_by_id == {"1": "DESK-20261101-001", "2": "DESK-20261101-002", "0": "DESK-20261102-001"}
        assert [c.title for c in store.search("DESK-20261101-002").items] == ["老客户2"]
        assert [c.title for c in store.search("老客户0").items] == ["老客户0"]
        assert store.create().number == "DESK-20261128-001"


def test_numbers_helpers():
    assert numbers.format_number("XH01", date(2026, 11, 30), 17) == "XH01-20261130-017"
    assert numbers.desk_code(" XH01 ") == "XH01" and numbers.desk_code("bad") == "DESK"
    assert numbers.desk_code(None) == "DESK"


# -- the settings dialog ----------------------------------------------------------------------


def test_the_settings_dialog_refuses_a_bad_desk_code_and_says_why(qtbot, bundle):
    from PySide6.QtWidgets import QDialog

    from desktop.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(bundle.settings, {})
    qtbot.addWidget(dialog)
    dialog.show()
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.edits["desk.code"].setText("xh-1")
    dialog.accept()
    assert not accepted and dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    error = dialog.findChild(type(dialog.error), "settings_error")
    assert error.isVisibleTo(dialog) and error.text().startswith("柜台代码：应为 2–6 个大写英文字母或数字")
    dialog.edits["desk.code"].setText("XH01")
    dialog.accept()
    assert accepted and dialog.values()["desk.code"] == "XH01"
