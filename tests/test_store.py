"""The drafts store: file safety, schema migrations, revisions, lists, bin, purge, audit, settings."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest
from sqlite_utils import Database
from test_store_helpers import BUNDLE, EDITION, EXAMPLE, SPEC, Clock, keyed, keyed_db, open_at

from desktop.files import paths
from desktop.files.casefile import CaseFile
from desktop.store import (
    MIGRATION_SET,
    CaseDeleted,
    CaseNotFound,
    Conflict,
    NewerStoreError,
    Store,
    StoreError,
    mask,
    migrations,
)

ID_NUMBER = EXAMPLE["handler.id_number"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    with open_at(tmp_path / "drafts" / "drafts.sqlite", clock) as opened:
        yield opened


# -- the file ------------------------------------------------------------------------------


def test_new_file_is_private_in_a_private_folder_with_wal_and_busy_timeout(tmp_path):
    path = tmp_path / "new" / "drafts.sqlite"
    with open_at(path, backups=True) as store:
        store.create(EXAMPLE)
        assert store.db.journal_mode == "wal"
        assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700
        assert mode(path.with_name(path.name + "-wal")) == 0o600
        backup_folder = path.with_name(path.name + ".backups")
        assert mode(backup_folder) == 0o700
        assert all(mode(f) == 0o600 for f in backup_folder.iterdir())


def test_existing_file_with_loose_permissions_is_tightened(tmp_path):
    path = tmp_path / "drafts.sqlite"
    open_at(path).close()
    path.chmod(0o644)
    open_at(path).close()
    assert mode(path) == 0o600


def test_default_file_lives_in_the_data_folder(clock):
    with Store.open_for(None, SPEC, bundle=BUNDLE, edition=EDITION, clock=clock) as store:
        assert store.path == paths.default_db()
        assert store.path.exists()


# -- schema --------------------------------------------------------------------------------


def applied(path: Path) -> list[str]:
    db = keyed_db(path)
    try:
        return [m.name for m in migrations().applied(db)]
    finally:
        db.close()


def test_every_migration_is_recorded(tmp_path):
    path = tmp_path / "drafts.sqlite"
    open_at(path).close()
    assert applied(path) == [m.name for m in migrations().pending(Database(memory=True))]
    assert len(applied(path)) >= 2


def test_a_file_of_the_first_schema_is_migrated_and_keeps_its_cases(tmp_path):
    path = tmp_path / "old.sqlite"
    steps = migrations()
    first, second = (m.name for m in steps.pending(Database(memory=True))[:2])
    db = Database(path)
    steps.apply(db, stop_before=second)
    assert [m.name for m in steps.applied(db)] == [first]
    db["cases"].insert(
        {
            "id": "5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11",
            "bundle": BUNDLE,
            "edition": EDITION,
            "status": "draft",
            "created": "2026-11-01T09:00:00+08:00",
            "updated": "2026-11-01T09:00:00+08:00",
            "updated_ts": 1_793_500_000.0,
            "revision": 4,
            "fields": json.dumps({"customer.name": "宁波老客户贸易有限公司"}, ensure_ascii=False),
            "title": "宁波老客户贸易有限公司",
            "search": "宁波老客户贸易有限公司",
        }
    )
    db.close()

    with open_at(path) as store:
        assert applied(path) == [m.name for m in steps.pending(Database(memory=True))]
        assert [c.title for c in store.search("老客户").items] == ["宁波老客户贸易有限公司"]
        assert [c.title for c in store.search("宁").items] == ["宁波老客户贸易有限公司"]
        case = store.get("5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11")
        assert case.revision == 4
        assert store.save_field(case.id, "handler.name", "王霄", 4) == 5
        # Never handed over since the upgrade: a newer file replaces it, as before.
        newer = CaseFile(
            id=case.id, bundle=BUNDLE, updated="2027-01-01T00:00:00+08:00", fields={"notes": "新"}
        )
        assert store.import_cases([("newer.json", newer)]).replaced == (case.id,)


def test_a_file_from_a_newer_app_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        store.create(EXAMPLE)
    db = keyed_db(path)
    db[migrations().migrations_table].insert(
        {"migration_set": MIGRATION_SET, "name": "0099_from_the_future", "applied_at": "2030-01-01"}
    )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(NewerStoreError, match="升级 desk400"):
        open_at(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# -- cases and revisions ---------------------------------------------------------------------


def test_create_and_get_keep_every_value(store):
    case = store.create(EXAMPLE)
    again = store.get(case.id)
    assert again.fields == EXAMPLE
    assert (again.bundle, again.edition, again.status, again.revision) == (BUNDLE, EDITION, "draft", 1)
    assert again.created == again.updated == "2026-11-28T10:00:00+08:00"


def test_a_field_change_bumps_the_revision_and_the_time(store, clock):
    case = store.create(EXAMPLE)
    clock.advance(minutes=5)
    revision = store.save_field(case.id, "customer.name", "杭州新名字有限公司", case.revision)
    assert revision == 2
    saved = store.get(case.id)
    assert saved.fields["customer.name"] == "杭州新名字有限公司"
    assert saved.updated == "2026-11-28T10:05:00+08:00"
    assert store.save_field(case.id, "customer.name", "杭州新名字有限公司", 2) == 2


def test_second_window_is_told_the_case_changed_under_it(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as first, open_at(path) as second:
        case = first.create(EXAMPLE)
        seen_by_second = second.get(case.id).revision
        first.save_field(case.id, "notes", "第一个窗口", case.revision)
        with pytest.raises(Conflict) as caught:
            second.save_field(case.id, "notes", "第二个窗口", seen_by_second)
        assert "该草稿已在其他窗口修改（版本 2）" in str(caught.value)
        assert caught.value.actual == 2
        assert first.get(case.id).fields["notes"] == "第一个窗口"
        with pytest.raises(Conflict):
            second.save_fields(case.id, {"notes": "整体保存"}, seen_by_second)
        with pytest.raises(Conflict):
            second.set_status(case.id, "complete", seen_by_second)
        assert first.get(case.id).revision == 2


def test_whole_values_save_replaces_and_logs_changed_keys(store):
    case = store.create({"customer.name": "甲公司", "notes": "旧"})
    values = {"customer.name": "甲公司", "handler.name": "王霄"}
    revision = store.save_fields(case.id, values, 1)
    assert revision == 2
    assert store.get(case.id).fields == values
    edited = [e.key for e in store.audit(case.id) if e.event == "edited"]
    assert sorted(edited) == ["handler.name", "notes"]
    assert store.save_fields(case.id, values, 2) == 2


def test_values_must_be_text_whole_numbers_or_text_lists(store):
    case = store.create()
    for bad in (1.5, True, {"a": 1}, [1, 2]):
        with pytest.raises(TypeError):
            store.save_field(case.id, "notes", bad, 1)


def test_unknown_case_is_reported(store):
    with pytest.raises(CaseNotFound, match="找不到草稿"):
        store.save_field("00000000-0000-4000-8000-000000000000", "notes", "x", 1)


def test_status_moves_and_printing_is_audited(store):
    case = store.create(EXAMPLE)
    revision = store.set_status(case.id, "complete", 1)
    digest = "a" * 64
    revision = store.record_print(case.id, revision, documents=["agreement"], pages=2, digest=digest)
    assert store.get(case.id).status == "printed" and store.get(case.id).last_print == digest
    revision = store.record_print(case.id, revision, documents=["agreement"], pages=2, digest=digest)
    revision = store.set_status(case.id, "changed", revision)
    events = [(e.event, e.key, e.detail) for e in store.audit(case.id)]
    assert events == [
        ("created", None, None),
        ("edited", "status", "complete"),
        ("printed", None, "agreement"),
        ("printed", None, "agreement"),
        ("edited", "status", "changed"),
    ]
    with pytest.raises(ValueError):
        store.set_status(case.id, "archived", revision)


# -- lists and search ------------------------------------------------------------------------


def many(store, clock, names):
    ids = []
    for i, name in enumerate(names):
        clock.advance(minutes=1)
        values = dict(EXAMPLE, **{"customer.name": name, "number.n400": f"40090{i:05d}"})
        ids.append(store.create(values).id)
    return ids


def test_list_is_newest_first_and_paged(store, clock):
    ids = many(store, clock, [f"公司{i}" for i in range(7)])
    first = store.list_cases(limit=3)
    assert [c.id for c in first.items] == ids[::-1][:3]
    assert first.has_more
    last = store.list_cases(offset=6, limit=3)
    assert [c.id for c in last.items] == [ids[0]]
    assert not last.has_more
    clock.advance(minutes=1)
    store.save_field(ids[0], "notes", "刚改过", 1)
    assert store.list_cases(limit=1).items[0].id == ids[0]


def test_lists_mask_id_numbers(store, clock):
    many(store, clock, ["杭州云栖数智科技有限公司"])
    for page in (store.list_cases(), store.search("云栖"), store.search("王霄")):
        (item,) = page.items
        assert item.summary["handler.id_number"] == "610113********2115"
        assert ID_NUMBER not in repr(page)
    assert mask("610113198402242115") == "610113********2115"
    assert mask("12345") == "1***5"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("杭", {"杭州云栖数智科技有限公司", "杭州西湖茶业有限公司"}),
        ("西湖", {"杭州西湖茶业有限公司"}),
        ("云栖数智", {"杭州云栖数智科技有限公司"}),
        ("宁波 港", {"宁波北仑港口物流有限公司"}),
        ("有限公司", {"杭州云栖数智科技有限公司", "杭州西湖茶业有限公司", "宁波北仑港口物流有限公司"}),
        ("温州", set()),
    ],
)
def test_search_by_company_name_any_length(store, clock, query, expected):
    many(store, clock, ["杭州云栖数智科技有限公司", "杭州西湖茶业有限公司", "宁波北仑港口物流有限公司"])
    assert {c.title for c in store.search(query).items} == expected


def test_search_by_400_number_handler_and_licence(store, clock):
    many(store, clock, ["甲公司", "乙公司"])
    assert [c.title for c in store.search("4009000001").items] == ["乙公司"]
    assert [c.title for c in store.search("400-900-0001").items] == ["乙公司"]
    assert {c.title for c in store.search("0000").items} == {"甲公司", "乙公司"}
    assert len(store.search("王霄").items) == 2
    assert len(store.search("ma2h3kx").items) == 2
    assert store.search("6101131984").items == ()


def test_search_pages_and_skips_the_bin(store, clock):
    ids = many(store, clock, [f"杭州第{i}分公司" for i in range(5)])
    store.delete(ids[4])
    page = store.search("杭州", limit=2)
    assert [c.id for c in page.items] == [ids[3], ids[2]] and page.has_more
    assert [c.id for c in store.search("分公司", offset=2, limit=5).items] == [ids[1], ids[0]]
    assert store.search("  ").items == store.list_cases().items


def test_search_follows_edits(store):
    case = store.create({"customer.name": "旧名称有限公司"})
    store.save_field(case.id, "customer.name", "新名称有限公司", 1)
    assert store.search("旧名称").items == ()
    assert [c.title for c in store.search("新名称").items] == ["新名称有限公司"]


# -- duplicate, bin --------------------------------------------------------------------------


def test_duplicate_keeps_the_customer_and_clears_the_request(store, clock):
    source = store.create(EXAMPLE)
    clock.advance(minutes=1)
    copy = store.duplicate(source.id)
    assert copy.id != source.id and copy.revision == 1 and copy.status == "draft"
    for key in ("customer.name", "customer.license_no", "handler.name", "handler.id_number", "contact.phone"):
        assert copy.fields[key] == EXAMPLE[key]
    cleared = ("number.n400", "number.destinations", "business.categories", "notes", "agreement.scope")
    for key in (*cleared, "application.date", "application.serial", "commitment.date"):
        assert key not in copy.fields
    assert store.list_cases().items[0].id == copy.id
    assert store.audit(copy.id)[0].detail == f"duplicate of {source.id}"


def test_deleted_case_goes_to_the_bin_and_can_come_back(store, clock):
    case = store.create(EXAMPLE)
    store.delete(case.id)
    assert store.list_cases().items == ()
    assert [c.id for c in store.binned().items] == [case.id]
    assert store.binned().items[0].summary["handler.id_number"] == "610113********2115"
    with pytest.raises(CaseDeleted, match="回收站"):
        store.save_field(case.id, "notes", "x", 1)
    store.restore(case.id)
    assert [c.id for c in store.list_cases().items] == [case.id]
    assert store.binned().items == ()
    assert [e.event for e in store.audit(case.id)] == ["created", "deleted", "restored"]


# -- purge -----------------------------------------------------------------------------------


def test_purge_removes_old_finished_cases_and_expired_bin_entries(tmp_path, clock):
    path = tmp_path / "drafts.sqlite"
    with open_at(path, clock, backups=True) as store:
        old_printed = store.create(dict(EXAMPLE, **{"customer.name": "早已打印的公司"}))
        store.set_status(old_printed.id, "printed", 1)
        old_complete = store.create({"customer.name": "早已完成的公司"})
        store.set_status(old_complete.id, "complete", 1)
        old_draft = store.create({"customer.name": "很久没动的草稿"})
        long_binned = store.create({"customer.name": "早已删除的草稿"})
        store.delete(long_binned.id)
        clock.advance(days=75)
        recently_binned = store.create({"customer.name": "刚删除的草稿"})
        store.delete(recently_binned.id)
        recent_printed = store.create({"customer.name": "刚打印的公司"})
        store.set_status(recent_printed.id, "printed", 1)
        clock.advance(days=16)

        report = store.purge()

        assert set(report.finished) == {old_printed.id, old_complete.id}
        assert report.expired_from_bin == (long_binned.id,)
        assert report.removed == 3
        for gone in (old_printed, old_complete, long_binned):
            with pytest.raises(CaseNotFound):
                store.get(gone.id)
            assert store.audit(gone.id)[-1].event == "purged"
        assert {c.id for c in store.list_cases().items} == {old_draft.id, recent_printed.id}
        assert [c.id for c in store.binned().items] == [recently_binned.id]
        assert store.integrity_ok()
        assert store.search("早已").items == ()
    leftovers = [path, *path.parent.glob("drafts.sqlite-*"), *path.parent.glob("drafts.sqlite.backups/*")]
    for file in leftovers:
        assert "早已打印".encode() not in file.read_bytes(), file
        assert ID_NUMBER.encode() not in file.read_bytes(), file


def test_retention_days_is_a_setting(store, clock):
    case = store.create({"customer.name": "甲"})
    store.set_status(case.id, "printed", 1)
    clock.advance(days=10)
    assert store.purge().removed == 0
    store.set_setting("retention_days", 7)
    assert store.purge().finished == (case.id,)


# -- settings and audit ----------------------------------------------------------------------


def test_settings_live_in_the_drafts_file(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        assert store.setting("retention_days") == 90
        assert store.setting("agency.name") is None
        store.set_setting("agency.name", "中国电信杭州西湖营业厅")
        store.set_setting("operator.hotlines", ["4008899899", "057110000"])
        with pytest.raises(StoreError, match="保留天数"):
            store.set_setting("retention_days", 0)
    with open_at(path) as store:
        assert store.settings() == {
            "retention_days": 90,
            "agency.name": "中国电信杭州西湖营业厅",
            "operator.hotlines": ["4008899899", "057110000"],
        }


def test_audit_names_keys_never_values(store, clock):
    case = store.create(EXAMPLE)
    revision = case.revision
    for text in ("6", "61", "610113"):
        revision = store.save_field(case.id, "handler.id_number", text, revision)
    revision = store.save_field(case.id, "handler.name", "李四", revision)
    store.record_print(case.id, revision, documents=["authorization"], pages=1, digest="0" * 64)
    store.log_event(case.id, "exported")
    store.delete(case.id)
    events = [(e.event, e.key) for e in store.audit(case.id)]
    assert events == [
        ("created", None),
        ("edited", "handler.id_number"),
        ("edited", "handler.name"),
        ("printed", None),
        ("exported", None),
        ("deleted", None),
    ]
    dump = json.dumps(store.db.execute("SELECT * FROM audit").fetchall(), ensure_ascii=False)
    personal = ("customer.name", "customer.license_no", "handler.name", "handler.mobile", "customer.address")
    for value in (*(EXAMPLE[k] for k in personal), "610113", "李四"):
        assert value not in dump
    with pytest.raises(ValueError):
        store.log_event(case.id, "looked at")


def test_every_committed_change_is_in_the_file_for_a_fresh_connection(tmp_path):
    path = tmp_path / "drafts.sqlite"
    store = open_at(path)
    case = store.create(EXAMPLE)
    store.save_field(case.id, "notes", "刚刚输入的字", 1)
    conn = keyed(path)
    (fields,) = conn.execute("SELECT fields FROM cases WHERE id = ?", [case.id]).fetchone()
    conn.close()
    store.close()
    assert json.loads(fields)["notes"] == "刚刚输入的字"


@pytest.mark.parametrize("window", [3, 2000])
@pytest.mark.parametrize(
    "query", ["杭", "州", "西湖", "有限公司", "杭州西", "王", "400900000", "x", "（", "数 州"]
)
def test_search_agrees_with_a_plain_scan(store, clock, monkeypatch, window, query):
    monkeypatch.setattr("desktop.store.lists.SCAN_WINDOW", window)
    names = ["杭州西湖科技有限公司", "温州（瓯江）贸易有限公司", "湖州数智物流有限公司", "杭州x工作室"]
    ids = many(store, clock, [names[i % len(names)] + str(i) for i in range(30)])
    store.delete(ids[5])
    everything = store.list_cases(limit=100).items
    words = query.lower().split()

    def text(c) -> str:
        return "\n".join(str(c.summary[k] or "") for k in SPEC.search_keys).lower()

    expected = [c.id for c in everything if all(w in text(c) for w in words)]
    got = store.search(query, limit=4).items + store.search(query, offset=4, limit=100).items
    assert [c.id for c in got] == expected
