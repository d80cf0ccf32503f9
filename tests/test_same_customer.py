"""The same customer twice: the same 400 number or licence in another live case is a warning on
the field naming that case's number, never an error."""

from __future__ import annotations

from test_store_helpers import EXAMPLE, Clock, open_at

from desktop.domain.same_customer import check_same_customer, same_customer_findings

N400 = EXAMPLE["number.n400"]
LICENCE = EXAMPLE["customer.license_no"]


def test_other_live_cases_with_the_value_are_named_newest_first(store):
    first = store.create(EXAMPLE)
    second = store.create(EXAMPLE)
    third = store.create({**EXAMPLE, "number.n400": "4008123456"})
    assert store.others_with("number.n400", N400, third.id) == [second.number, first.number]
    assert store.others_with("number.n400", N400, first.id) == [second.number]
    assert store.others_with("customer.license_no", LICENCE, first.id) == [third.number, second.number]
    assert store.others_with("number.n400", "4008123456", third.id) == []
    assert store.others_with("number.n400", "", None) == []


def test_the_binned_and_mere_substrings_do_not_count(store):
    binned = store.create(EXAMPLE)
    store.delete(binned.id)
    store.create({"customer.name": f"公司{N400}号"})  # found by the index, but not its 400 number
    store.create({"number.n400": N400[:-1]})
    assert store.others_with("number.n400", N400, None) == []


def test_a_key_outside_the_search_index_is_still_answered(store):
    first = store.create(EXAMPLE)
    assert store.others_with("handler.mobile", EXAMPLE["handler.mobile"], None) == [first.number]
    assert store.others_with("handler.id_number", EXAMPLE["handler.id_number"], first.id) == []


def test_a_searchable_key_is_answered_by_the_index(store):
    plan = []
    real = store.db.execute

    def spy(sql, *args):
        if "cases_fts" in sql and "id IS NOT" in sql:
            plan.extend(r[-1] for r in real("EXPLAIN QUERY PLAN " + sql, *args).fetchall())
        return real(sql, *args)

    store.db.execute = spy
    store.others_with("number.n400", N400, None)
    assert any("cases_fts" in step and "VIRTUAL TABLE" in step for step in plan), plan
    assert "SEARCH cases USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan  # no scan of every case


def test_the_warning_names_the_other_case(bundle):
    (one,) = same_customer_findings(bundle, "number.n400", ["XH01-20261128-003"])
    assert (one.key, one.severity, one.code) == ("number.n400", "warning", "same_customer")
    assert one.text == "另一个案卷 XH01-20261128-003 也是这个400业务号码，请确认是否为同一客户的变更申请"
    (many,) = same_customer_findings(
        bundle, "customer.license_no", [f"XH01-20261128-00{n}" for n in range(1, 6)]
    )
    assert many.text.startswith(
        "另有 5 个案卷（XH01-20261128-001、XH01-20261128-002、XH01-20261128-003 等）也是这个营业执照编号"
    )
    assert same_customer_findings(bundle, "number.n400", []) == []


def test_a_case_is_checked_on_every_key_the_bundle_declares(bundle, tmp_path):
    assert bundle.drafts.same_customer_keys == ("number.n400", "customer.license_no")
    with open_at(tmp_path / "real.sqlite", Clock()) as store:
        store.spec = bundle.drafts
        other = store.create(EXAMPLE)
        mine = store.create({**EXAMPLE, "customer.license_no": "91330106MA27XYZ12Q"})
        found = check_same_customer(bundle, store.get(mine.id).fields, mine.id, store.others_with)
    assert [(f.key, f.severity) for f in found] == [("number.n400", "warning")]
    assert other.number in found[0].text


def test_a_fresh_case_is_checked_against_every_case(bundle):
    asked = []

    def others_with(key, value, exclude):
        asked.append((key, value, exclude))
        return ["XH01-20261128-003"] if key == "customer.license_no" else []

    found = check_same_customer(
        bundle, {"customer.license_no": LICENCE, "number.n400": ""}, None, others_with
    )
    assert asked == [("customer.license_no", LICENCE, None)]
    assert [f.key for f in found] == ["customer.license_no"]
