"""Export and import of case files: round trips, all-or-nothing batches, conflicts, bad input."""

from __future__ import annotations

import json
import stat
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_store_helpers import BUNDLE, EXAMPLE, open_at

from desktop.files import casefile
from desktop.files.casefile import CaseFile
from desktop.files.transfer import BadInput, ImportConflict, export_all, export_case, import_files

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_FILE = ROOT / "examples" / "example-case.json"
KNOWN = frozenset(json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))["fields"]) | frozenset(EXAMPLE)
CASE_ID = "5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11"


def case_file(folder: Path, name: str, *, updated: str, case_id: str = CASE_ID, **fields) -> Path:
    path = folder / name
    casefile.write(CaseFile(id=case_id, bundle=BUNDLE, updated=updated, fields=dict(fields)), path)
    return path


def test_example_case_round_trip_keeps_every_value(store, tmp_path):
    report = import_files(store, [EXAMPLE_FILE], known_keys=KNOWN)
    original = casefile.read(EXAMPLE_FILE)
    assert report.created == (original.id,)
    out = export_case(store, original.id, tmp_path / "out.json")
    # The example file carries no number: the import gave it this desk's first of the day. The
    # export carries what this machine last shared: the imported values (version 2).
    base = casefile.Base(1, casefile.values_digest(original.fields))
    # The export says where the case stands ("status", information only for the reader).
    assert casefile.read(out) == replace(original, number="DESK-20261128-001", base=base, status="draft")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [e.event for e in store.audit(original.id)] == ["imported", "exported"]


def test_export_into_a_folder_names_the_file_by_id(store, tmp_path):
    case = store.create(EXAMPLE)
    out = export_case(store, case.id, tmp_path)
    assert out == tmp_path / f"{case.id}.json"
    exported = casefile.read(out)
    assert exported.updated == store.get(case.id).updated
    assert exported.fields == EXAMPLE


def test_export_all_writes_one_file_per_case(store, tmp_path, clock):
    ids = {store.create(dict(EXAMPLE, notes=str(i))).id for i in range(3)}
    binned = store.create({"customer.name": "回收站里的"}).id
    store.delete(binned)
    written = export_all(store, tmp_path / "out")
    assert {p.name for p in written} == {f"{i}.json" for i in ids}
    assert {casefile.read(p).id for p in written} == ids


def test_export_of_an_unknown_case_or_to_a_bad_place_is_bad_input(store, tmp_path):
    with pytest.raises(BadInput, match="找不到草稿"):
        export_case(store, "00000000-0000-4000-8000-000000000000", tmp_path / "x.json")
    case = store.create(EXAMPLE)
    with pytest.raises(BadInput, match="无法写入"):
        export_case(store, case.id, tmp_path / "missing" / "x.json")
    (tmp_path / "file").write_text("")
    with pytest.raises(BadInput):
        export_all(store, tmp_path / "file")


def test_a_newer_file_replaces_the_stored_case(store, tmp_path, clock):
    import_files(store, [EXAMPLE_FILE])
    store.set_status(CASE_ID, "complete", 1)
    newer = case_file(
        tmp_path, "newer.json", updated="2026-11-29T09:00:00+08:00", **{"customer.name": "改名"}
    )
    report = import_files(store, [newer])
    assert report.replaced == (CASE_ID,)
    case = store.get(CASE_ID)
    assert case.fields == {"customer.name": "改名"}
    assert case.revision == 3 and case.status == "draft"
    assert case.updated == "2026-11-29T09:00:00+08:00"


def test_an_older_different_file_is_a_conflict_and_nothing_changes(store, tmp_path, clock):
    case = store.create(EXAMPLE)
    clock.advance(hours=1)
    store.save_field(case.id, "notes", "大厅刚改的", 1)
    before = store.get(case.id)
    fresh = case_file(tmp_path, "fresh.json", updated="2026-11-28T08:00:00+08:00", case_id=casefile.new_id())
    older = case_file(
        tmp_path, "older.json", updated="2026-11-28T10:30:00+08:00", case_id=case.id, notes="笔记本上的"
    )
    with pytest.raises(ImportConflict) as caught:
        import_files(store, [fresh, older])
    assert "older.json" in str(caught.value) and "没有导入任何文件" in str(caught.value)
    assert caught.value.clashes[0].case_id == case.id
    assert store.get(case.id) == before
    assert [c.id for c in store.list_cases().items] == [case.id]


def test_edits_on_both_machines_since_they_last_met_are_a_conflict(store, tmp_path, clock):
    """The laptop's later file would silently drop the hall's edit: refused, nothing changes."""
    import_files(store, [EXAMPLE_FILE], known_keys=KNOWN)  # the case arrives from the laptop
    clock.advance(hours=1)
    store.save_field(CASE_ID, "notes", "大厅改的", 1)  # edited here after it arrived
    before = store.get(CASE_ID)
    laptop = case_file(
        tmp_path, "laptop.json", updated="2027-01-01T09:00:00+08:00", notes="笔记本上改的"
    )  # later than the hall's edit, but made without it
    with pytest.raises(ImportConflict) as caught:
        import_files(store, [laptop])
    (clash,) = caught.value.clashes
    assert clash.reason == "both" and clash.case_id == CASE_ID
    assert "都修改过" in str(caught.value) and "另一个文件夹" in str(caught.value)
    assert store.get(CASE_ID) == before


def test_edits_only_on_the_other_machine_replace(store, tmp_path, clock):
    case = store.create(EXAMPLE)
    clock.advance(hours=1)
    store.save_field(case.id, "notes", "出门前改的", 1)
    export_case(store, case.id, tmp_path / "out.json")  # the laptop takes this version
    store.set_status(case.id, "printed", 2)  # printing here changes no value
    back = case_file(
        tmp_path, "back.json", updated="2027-01-01T09:00:00+08:00", case_id=case.id, notes="笔记本上改的"
    )
    assert import_files(store, [back]).replaced == (case.id,)
    assert store.get(case.id).fields == {"notes": "笔记本上改的"}


def test_exporting_the_hall_version_first_lets_the_file_win(store, tmp_path, clock):
    """The way out the conflict message gives: keep the hall's version in a file, then import."""
    import_files(store, [EXAMPLE_FILE], known_keys=KNOWN)
    store.save_field(CASE_ID, "notes", "大厅改的", 1)
    laptop = case_file(tmp_path, "laptop.json", updated="2027-01-01T09:00:00+08:00", notes="笔记本")
    with pytest.raises(ImportConflict):
        import_files(store, [laptop])
    kept = export_case(store, CASE_ID, tmp_path / "hall.json")
    assert casefile.read(kept).fields["notes"] == "大厅改的"
    assert import_files(store, [laptop]).replaced == (CASE_ID,)
    assert store.get(CASE_ID).fields == {"notes": "笔记本"}


def test_a_file_holding_only_what_was_handed_over_is_stale_not_a_two_sided_edit(store, tmp_path, clock):
    case = store.create(EXAMPLE)
    handed = export_case(store, case.id, tmp_path / "handed.json")
    store.save_field(case.id, "notes", "大厅后来改的", 1)
    before = store.get(case.id)
    # The laptop only printed it: same values, a later time.
    back = casefile.read(handed)
    stale = case_file(
        tmp_path, "back.json", updated="2027-01-01T09:00:00+08:00", case_id=case.id, **back.fields
    )
    with pytest.raises(ImportConflict) as caught:
        import_files(store, [stale])
    (clash,) = caught.value.clashes
    assert clash.reason == "stale" and "没有新的修改" in str(caught.value)
    assert store.get(case.id) == before


def test_export_never_overwrites_a_later_version_of_the_case(store, tmp_path, clock):
    """The way out of a conflict must not destroy the file it is about: the laptop's ID.json."""
    import_files(store, [EXAMPLE_FILE], known_keys=KNOWN)
    store.save_field(CASE_ID, "notes", "大厅改的", 1)
    usb = tmp_path / "usb"
    usb.mkdir()
    laptop = case_file(usb, f"{CASE_ID}.json", updated="2027-01-01T09:00:00+08:00", notes="笔记本")
    with pytest.raises(BadInput, match="另一个文件夹"):
        export_case(store, CASE_ID, usb)
    assert casefile.read(laptop).fields == {"notes": "笔记本"}
    export_case(store, CASE_ID, tmp_path)  # elsewhere is fine, and so is an older file there
    export_case(store, CASE_ID, tmp_path)


def test_same_content_with_an_older_time_is_not_a_conflict(store, tmp_path, clock):
    case = store.create(dict(EXAMPLE, **{"commitment.other": None}))
    same = case_file(tmp_path, "same.json", updated="2026-11-01T00:00:00+08:00", case_id=case.id, **EXAMPLE)
    report = import_files(store, [same])
    assert report.unchanged == (case.id,)
    assert store.get(case.id).revision == 1


def test_a_malformed_file_in_a_batch_imports_nothing(store, tmp_path):
    good = case_file(tmp_path, "good.json", updated="2026-11-28T08:00:00+08:00", **{"customer.name": "好"})
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "400-bundle-case", "version": 1,', encoding="utf-8")
    with pytest.raises(BadInput, match="bad.json") as caught:
        import_files(store, [good, bad])
    assert caught.value.exit_code == 2
    assert store.list_cases().items == ()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"fields": {"customer.nmae": "x"}}, "不认识的字段 customer.nmae"),
        ({"updated": "2026-11-28T10:00:00"}, "缺少时区"),
        ({"id": "not-a-uuid"}, "UUID"),
        ({"bundle": "800"}, "资料包"),
        ({"fields": {"notes": 1.5}}, "值类型"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(store, tmp_path, content, problem):
    doc = {
        "format": "400-bundle-case",
        "version": 1,
        "id": CASE_ID,
        "bundle": BUNDLE,
        "updated": "2026-11-28T10:00:00+08:00",
        "fields": {},
    }
    doc.update(content)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        import_files(store, [path], known_keys=KNOWN)
    assert str(path) in str(caught.value) and problem in str(caught.value)


def test_the_same_case_twice_in_a_batch_is_bad_input(store, tmp_path):
    a = case_file(tmp_path, "a.json", updated="2026-11-28T08:00:00+08:00")
    b = case_file(tmp_path, "b.json", updated="2026-11-28T09:00:00+08:00")
    with pytest.raises(BadInput, match="同一个案卷"):
        import_files(store, [a, b])


def test_a_newer_file_brings_a_binned_case_back(store, tmp_path):
    case = store.create(EXAMPLE)
    store.delete(case.id)
    newer = case_file(tmp_path, "n.json", updated="2027-01-01T00:00:00+08:00", case_id=case.id, notes="新")
    import_files(store, [newer])
    assert store.get(case.id).deleted is None


# -- any valid case survives --------------------------------------------------------------------

keys = st.sampled_from(sorted(KNOWN))
# Import refuses C0 controls and lone surrogates (they would break the drafts' text and search).
text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters=[chr(c) for c in range(32)]), max_size=40
)
values = st.one_of(
    st.none(),
    text,
    st.integers(min_value=-(2**62), max_value=2**62),
    st.lists(text, max_size=4),
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)
cases = st.builds(
    CaseFile,
    id=st.uuids().map(str),
    bundle=st.just(BUNDLE),
    updated=moments.map(lambda m: m.isoformat(timespec="seconds")),
    fields=st.dictionaries(keys, values, max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases)
def test_any_valid_case_survives_import_and_export(case):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "in.json"
        casefile.write(case, source)
        with open_at(folder / "drafts.sqlite") as store:
            import_files(store, [source], known_keys=KNOWN)
            out = export_case(store, case.id, folder / "out.json")
            back = casefile.read(out, known_keys=KNOWN)
            # A number is kept; a file without one comes back with the one the import assigned. The
            # export's base is what came in: the imported values. An import decides the status
            # itself: whatever the file said, the case comes in as a draft.
            assert back.number and back == replace(
                case,
                number=case.number or back.number,
                base=casefile.Base(1, casefile.values_digest(case.fields)),
                status="draft",
            )
            assert import_files(store, [out]).unchanged == (case.id,)


# -- version 2: files that carry their base merge field by field -------------------------------


def filled(fields: dict) -> dict:
    """The values a case holds, empty ones aside (a merge keeps no empty field)."""
    return {k: v for k, v in fields.items() if v not in (None, "", [])}


@pytest.fixture
def laptop(tmp_path, clock):
    with open_at(tmp_path / "laptop.sqlite", clock) as opened:
        yield opened


def hand_over(source, target, case_id: str, folder: Path, name: str):
    """Export the case from `source` and import the file into `target`; the file's path."""
    path = export_case(source, case_id, folder / name)
    return path, import_files(target, [path])


def test_a_first_export_is_version_1_and_the_next_one_carries_what_was_handed_over(store, laptop, tmp_path):
    case = store.create(EXAMPLE)
    first, _ = hand_over(store, laptop, case.id, tmp_path, "first.json")
    assert json.loads(first.read_text(encoding="utf-8"))["version"] == 1
    laptop.save_field(case.id, "notes", "笔记本上改的", laptop.get(case.id).revision)
    back = export_case(laptop, case.id, tmp_path / "back.json")
    doc = json.loads(back.read_text(encoding="utf-8"))
    assert doc["version"] == 2
    assert doc["base"] == {"revision": 1, "digest": casefile.values_digest(EXAMPLE)}


def test_one_sided_edits_on_both_machines_merge_through_files(store, laptop, tmp_path, clock):
    case = store.create(EXAMPLE)
    hand_over(store, laptop, case.id, tmp_path, "out.json")
    clock.advance(hours=1)
    laptop.save_field(case.id, "notes", "笔记本上改的", laptop.get(case.id).revision)
    store.save_field(case.id, "handler.mobile", "13900000000", store.get(case.id).revision)
    _, report = hand_over(laptop, store, case.id, tmp_path, "back.json")
    assert report.merged == (case.id,) and not report.replaced
    merged = filled(dict(EXAMPLE, notes="笔记本上改的", **{"handler.mobile": "13900000000"}))
    assert store.get(case.id).fields == merged
    assert [e.event for e in store.audit(case.id)][-1] == "imported"
    # The hall's merged version goes back out: the laptop is still at the base it sent, so it
    # simply takes it, and both machines hold the same case.
    _, report = hand_over(store, laptop, case.id, tmp_path, "again.json")
    assert report.replaced == (case.id,)
    assert filled(laptop.get(case.id).fields) == merged


def test_a_field_changed_on_both_sides_is_a_conflict_listed_like_sync_and_nothing_changes(
    store, laptop, tmp_path, clock
):
    case = store.create(EXAMPLE)
    hand_over(store, laptop, case.id, tmp_path, "out.json")
    laptop.save_fields(
        case.id,
        dict(EXAMPLE, notes="笔记本", **{"handler.mobile": "13900000000"}),
        laptop.get(case.id).revision,
    )
    store.save_field(case.id, "notes", "大厅", store.get(case.id).revision)
    before = store.get(case.id)
    back = export_case(laptop, case.id, tmp_path / "back.json")
    fresh = case_file(tmp_path, "fresh.json", updated="2026-11-28T08:00:00+08:00", case_id=casefile.new_id())
    with pytest.raises(ImportConflict) as caught:
        import_files(store, [fresh, back])
    (clash,) = caught.value.clashes
    assert clash.reason == "fields" and clash.case_id == case.id
    assert f"{case.number} notes: 大厅 / 笔记本" in str(caught.value).splitlines()
    assert "handler.mobile" not in str(caught.value)  # a one-sided edit is no conflict
    assert "没有导入任何文件" in str(caught.value)
    assert store.get(case.id) == before
    assert store.ids() == [case.id]  # the other file of the batch was not imported either


def test_a_file_that_brings_nothing_new_since_its_base_changes_nothing(store, laptop, tmp_path, clock):
    case = store.create(EXAMPLE)
    hand_over(store, laptop, case.id, tmp_path, "out.json")
    laptop.set_status(case.id, "printed", laptop.get(case.id).revision)  # printed there, no value changed
    store.save_field(case.id, "notes", "大厅后来改的", store.get(case.id).revision)
    before = store.get(case.id)
    _, report = hand_over(laptop, store, case.id, tmp_path, "back.json")
    assert report.unchanged == (case.id,)
    assert store.get(case.id) == before


def test_a_base_this_machine_never_shared_falls_back_to_the_version_1_rule(store, laptop, tmp_path, clock):
    case = store.create(EXAMPLE)
    hand_over(store, laptop, case.id, tmp_path, "out.json")
    laptop.save_field(case.id, "notes", "笔记本上改的", laptop.get(case.id).revision)
    back = casefile.read(export_case(laptop, case.id, tmp_path / "back.json"))
    unknown = tmp_path / "unknown.json"
    casefile.write(
        replace(back, base=casefile.Base(9, "0" * 64), updated="2027-01-01T09:00:00+08:00"), unknown
    )
    store.save_field(case.id, "handler.mobile", "13900000000", store.get(case.id).revision)
    with pytest.raises(ImportConflict) as caught:  # as version 1: edited on both sides since the export
        import_files(store, [unknown])
    assert caught.value.clashes[0].reason == "both"
    store.save_field(case.id, "handler.mobile", EXAMPLE["handler.mobile"], store.get(case.id).revision)
    assert import_files(store, [unknown]).replaced == (case.id,)  # only the laptop changed it: replaced


def test_an_older_export_is_still_known_after_a_newer_one(store, laptop, tmp_path, clock):
    """A case that went out twice: a laptop holding the first copy still merges (the issue's why)."""
    case = store.create(EXAMPLE)
    hand_over(store, laptop, case.id, tmp_path, "first.json")
    store.save_field(case.id, "handler.mobile", "13900000000", store.get(case.id).revision)
    export_case(store, case.id, tmp_path / "second.json")  # to another laptop
    laptop.save_field(case.id, "notes", "笔记本", laptop.get(case.id).revision)
    _, report = hand_over(laptop, store, case.id, tmp_path, "back.json")
    assert report.merged == (case.id,)
    assert store.get(case.id).fields == filled(
        dict(EXAMPLE, notes="笔记本", **{"handler.mobile": "13900000000"})
    )


def test_the_command_line_lists_conflicts_and_refuses_a_hostile_base(tmp_path):
    import subprocess
    import sys

    def run(*args):
        return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], capture_output=True,
                              text=True, timeout=120)  # fmt: skip

    hall, field_laptop = tmp_path / "hall.sqlite", tmp_path / "laptop.sqlite"
    assert run("import", "--db", hall, EXAMPLE_FILE).returncode == 0
    assert run("export", "--db", hall, "--id", CASE_ID, "-o", tmp_path / "out.json").returncode == 0
    assert run("import", "--db", field_laptop, tmp_path / "out.json").returncode == 0
    for db, value in ((hall, "大厅"), (field_laptop, "笔记本")):
        with open_at(db) as opened:
            opened.save_field(CASE_ID, "notes", value, opened.get(CASE_ID).revision)
    assert run("export", "--db", field_laptop, "--id", CASE_ID, "-o", tmp_path / "back.json").returncode == 0
    done = run("import", "--db", hall, tmp_path / "back.json")
    assert done.returncode == 1, done.stderr
    number = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["number"]
    assert f"{number} notes: 大厅 / 笔记本" in done.stderr.splitlines()
    doc = json.loads((tmp_path / "back.json").read_text(encoding="utf-8"))
    for hostile in ({"revision": -1, "digest": "0" * 64}, {"revision": 1, "digest": "ZZ"}, [1],
                    {"revision": 1, "digest": "0" * 64, "values": {}}):  # fmt: skip
        doc["base"] = hostile
        (tmp_path / "hostile.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        done = run("import", "--db", hall, tmp_path / "hostile.json")
        assert done.returncode == 2 and "base" in done.stderr and "Traceback" not in done.stderr


def test_the_values_handed_over_go_with_their_case_when_it_is_purged(store, tmp_path, clock):
    """They are the customer's values: a purge by retention leaves none of them behind."""
    case = store.create(EXAMPLE)
    keep = store.create(dict(EXAMPLE, notes="留下"))
    export_case(store, case.id, tmp_path / "a.json")
    export_case(store, keep.id, tmp_path / "b.json")
    digest = casefile.values_digest(EXAMPLE)
    assert store.handover_values(case.id, digest) == filled(EXAMPLE)
    assert store.last_handover(case.id) is not None
    store.delete(case.id)
    clock.advance(days=31)
    store.purge()
    assert store.last_handover(case.id) is None and store.handover_values(case.id, digest) is None
    assert (
        store.db.execute("SELECT count(*) FROM handover_bases WHERE case_id = ?", [case.id]).fetchone()[0]
        == 0
    )
    assert store.last_handover(keep.id) is not None


def test_the_same_file_imported_again_never_undoes_an_edit_made_since(store, laptop, tmp_path, clock):
    """Found by a second reader: the hall took the laptop's file, then its agent changed the field
    back; importing the same file again (the stick still in the port) replaced that edit."""
    case = store.create(EXAMPLE)
    hand_over(store, laptop, case.id, tmp_path, "out.json")
    clock.advance(hours=1)
    laptop.save_field(case.id, "notes", "笔记本上改的", laptop.get(case.id).revision)
    back, report = hand_over(laptop, store, case.id, tmp_path, "back.json")
    assert report.replaced == (case.id,)
    clock.advance(hours=1)
    for value in (EXAMPLE["notes"], "大厅又改"):  # back to the original, then something new
        store.save_field(case.id, "notes", value, store.get(case.id).revision)
        mine = store.get(case.id)
        assert import_files(store, [back]).unchanged == (case.id,)
        assert store.get(case.id).fields == mine.fields


def test_a_laptops_older_file_arriving_after_its_newer_one_brings_nothing_back(
    store, laptop, tmp_path, clock
):
    case = store.create(EXAMPLE)
    hand_over(store, laptop, case.id, tmp_path, "out.json")
    clock.advance(hours=1)
    laptop.save_field(case.id, "notes", "第一次改", laptop.get(case.id).revision)
    first = export_case(laptop, case.id, tmp_path / "first.json")
    clock.advance(hours=1)
    laptop.save_field(case.id, "notes", EXAMPLE["notes"], laptop.get(case.id).revision)  # changed back
    laptop.save_field(case.id, "handler.mobile", "13900000000", laptop.get(case.id).revision)
    second = export_case(laptop, case.id, tmp_path / "second.json")
    assert import_files(store, [second]).replaced == (case.id,)  # the newer stick first
    assert import_files(store, [first]).unchanged == (case.id,)  # then the older one
    assert filled(store.get(case.id).fields) == filled(laptop.get(case.id).fields)


def test_a_laptops_revert_made_from_this_machines_last_handover_replaces_the_case(
    store, laptop, tmp_path, clock
):
    """Issue 21 item 8: the laptop changes a name and changes it back; the file of the change back
    names this machine's last handover as its base, so it is the newer state whatever its values."""
    case = store.create(EXAMPLE)
    hand_over(store, laptop, case.id, tmp_path, "out.json")
    clock.advance(hours=1)
    laptop.save_field(case.id, "contact.name", "张三", laptop.get(case.id).revision)
    _, report = hand_over(laptop, store, case.id, tmp_path, "first.json")
    assert report.replaced == (case.id,) and store.get(case.id).fields["contact.name"] == "张三"
    clock.advance(hours=1)
    laptop.save_field(case.id, "contact.name", "李敏", laptop.get(case.id).revision)
    _, report = hand_over(laptop, store, case.id, tmp_path, "second.json")
    assert report.replaced == (case.id,) and not report.unchanged
    assert store.get(case.id).fields["contact.name"] == "李敏"
    assert filled(store.get(case.id).fields) == filled(laptop.get(case.id).fields)


def test_a_base_far_beyond_any_real_revision_is_refused_and_never_poisons_the_case(
    store, laptop, tmp_path, clock
):
    """Issue 21 item 10: base.revision 2**53 - 1 was taken, and every later export of the case
    carried 2**53, which every import refused."""
    case = store.create(EXAMPLE)
    back = casefile.read(export_case(store, case.id, tmp_path / "out.json"))
    for revision, taken in ((9007199254740991, False), (2**31 + 1, False), (2**31, True)):
        hostile = tmp_path / f"r{revision}.json"
        casefile.write(replace(back, base=casefile.Base(revision, casefile.values_digest(EXAMPLE))), hostile)
        if not taken:
            with pytest.raises(BadInput, match="base.revision"):
                import_files(laptop, [hostile])
            continue
        import_files(laptop, [hostile])
    # The laptop took a base at the limit: what it hands over next is still a file every import reads.
    clock.advance(hours=1)
    laptop.save_field(case.id, "notes", "笔记本", laptop.get(case.id).revision)
    again = export_case(laptop, case.id, tmp_path / "again.json")
    assert import_files(store, [again]).replaced == (case.id,)
    # So is a case whose recorded handover an older desk400 already pushed beyond the limit.
    store.record_export(case.id, store.get(case.id).fields, revision=2**53)
    onward = export_case(store, case.id, tmp_path / "onward.json")
    assert casefile.read(onward).base is None  # goes out as version 1, decided by time
    assert import_files(laptop, [onward]).unchanged == (case.id,)


def test_the_command_line_counts_merges_and_shows_invisible_characters_in_conflicts(tmp_path):
    """Issue 21: a field merge printed 「新增 0，更新 0，未变 0」, and a conflict between 大厅 and
    大\\u200b厅 printed as 「大厅 / 大厅」."""
    import contextlib
    import io

    from desktop.cli import main

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
        return code, out.getvalue(), err.getvalue()

    hall, field_laptop = tmp_path / "hall.sqlite", tmp_path / "laptop.sqlite"
    assert run("import", "--db", hall, EXAMPLE_FILE)[0] == 0
    assert run("export", "--db", hall, "--id", CASE_ID, "-o", tmp_path / "out.json")[0] == 0
    assert run("import", "--db", field_laptop, tmp_path / "out.json")[0] == 0
    for db, key, value in ((hall, "handler.mobile", "13900000000"), (field_laptop, "notes", "笔记本")):
        with open_at(db) as opened:
            opened.save_field(CASE_ID, key, value, opened.get(CASE_ID).revision)
    assert run("export", "--db", field_laptop, "--id", CASE_ID, "-o", tmp_path / "back.json")[0] == 0
    code, out, err = run("import", "--db", hall, tmp_path / "back.json")
    assert code == 0, err
    assert out.strip() == "已导入 1 个文件：新增 0，更新 0，合并 1，未变 0"
    assert run("export", "--db", hall, "--id", CASE_ID, "-o", tmp_path / "merged.json")[0] == 0
    assert run("import", "--db", field_laptop, tmp_path / "merged.json")[0] == 0
    for db, value in ((hall, "大厅"), (field_laptop, "大\u200b厅")):
        with open_at(db) as opened:
            opened.save_field(CASE_ID, "notes", value, opened.get(CASE_ID).revision)
    assert run("export", "--db", field_laptop, "--id", CASE_ID, "-o", tmp_path / "again.json")[0] == 0
    code, _, err = run("import", "--db", hall, tmp_path / "again.json")
    assert code == 1
    assert [line for line in err.splitlines() if " notes: " in line][0].endswith("notes: 大厅 / 大[U+200B]厅")
