"""The resolved case and the edit session, without Qt (the way Mu tests its Editor)."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import date

import pytest

from desktop.domain.resolve import Origin, resolve
from desktop.domain.session import EditSession, write_save
from desktop.store.describe import KEPT_ON_SCREEN, describe

TODAY = date(2026, 11, 30)
LICENCE = "91330100MA2H3KX74D"


def test_an_empty_org_code_beside_a_valid_licence_resolves_to_the_licence_code(bundle):
    resolved = resolve(bundle, {"customer.license_no": LICENCE}, today=TODAY)
    org = resolved["customer.org_code"]
    assert (org.value, org.origin, org.note) == ("MA2H3KX74", Origin.DERIVED, "按营业执照编号自动填写")
    assert "customer.org_code" not in resolved.typed()


def test_an_empty_signer_prints_the_handler_and_says_so(bundle):
    resolved = resolve(bundle, {"handler.name": "王霄"}, today=TODAY)
    signer = resolved["commitment.signer"]
    assert (signer.value, signer.origin, signer.note) == ("王霄", Origin.FALLBACK, "同经办人")
    assert resolved.values()["commitment.signer"] == "王霄"


def test_an_empty_serial_prints_the_case_number(bundle):
    resolved = resolve(bundle, {}, today=TODAY, number="XH01-20261130-017")
    assert resolved["application.serial"].value == "XH01-20261130-017"
    assert resolved["application.serial"].origin is Origin.FALLBACK
    assert "application.serial" not in resolve(bundle, {}, today=TODAY).values()  # no number, no serial


def test_defaults_belong_to_a_fresh_case_only(bundle):
    settings = {"agency.name": "西湖营业厅"}
    fresh = resolve(bundle, {}, settings=settings, today=TODAY, fresh=True)
    assert fresh["agency.name"].value == "西湖营业厅" and fresh["agency.name"].origin is Origin.DEFAULT
    assert fresh["application.date"].value == "2026-11-30"
    stored = resolve(bundle, {}, settings=settings, today=TODAY)
    assert stored["application.date"].origin is Origin.EMPTY  # a cleared date prints the blank for the pen
    cleared = resolve(bundle, {"application.date": ""}, settings=settings, today=TODAY, fresh=True)
    assert cleared["application.date"].origin is Origin.EMPTY  # emptied on purpose: no default


def test_typed_values_win_over_every_other_origin(bundle):
    typed = {"customer.license_no": LICENCE, "customer.org_code": "MA2H3KX74", "commitment.signer": "李四"}
    resolved = resolve(bundle, {**typed, "handler.name": "王霄"}, today=TODAY, fresh=True)
    assert all(resolved[k].origin is Origin.TYPED for k in typed)


@pytest.fixture
def session(bundle):
    return EditSession(bundle, lambda: TODAY, settings={"agency.handler": "张三"})


def test_an_edit_returns_the_fields_whose_verdict_it_may_change(session):
    keys = session.edit("handler.name", " 王霄 ")
    assert keys[0] == "handler.name" and "commitment.signer" in keys
    assert session.values["handler.name"] == "王霄"
    assert session.dirty == {"handler.name"} and session.touched == {"handler.name"}
    assert session.resolved().value("commitment.signer") == "王霄"


def test_the_verdict_judges_the_resolved_case(session):
    assert any(f.code == "required" for f in session.verdict("commitment.signer").findings)
    session.edit("handler.name", "王霄")
    assert not session.verdict("commitment.signer").findings


def test_settings_changed_while_a_blank_case_is_open_reach_it(session):
    assert session.resolved().value("agency.handler") == "张三"
    session.set_settings({"agency.handler": "李娜", "agency.name": "西湖营业厅"})
    assert session.resolved().value("agency.handler") == "李娜"
    assert session.resolved().value("agency.name") == "西湖营业厅"


class FakeStore:
    """Records what a save did; `fail` makes the next call raise."""

    def __init__(self):
        self.created: list[dict] = []
        self.fields: dict[str, dict] = {}
        self.revision = 0
        self.fail: Exception | None = None

    def _maybe_fail(self):
        if self.fail is not None:
            raise self.fail

    @contextmanager
    def transaction(self):
        """As the drafts store's: a failure inside rolls every write of it back."""
        kept = ([dict(c) for c in self.created], {k: dict(v) for k, v in self.fields.items()}, self.revision)
        try:
            yield
        except BaseException:
            self.created, self.fields, self.revision = kept
            raise

    def create(self, values):
        self._maybe_fail()
        self.created.append(dict(values))
        self.revision = 1
        return type("Case", (), {"id": "c1", "revision": 1, "number": "XH01-20261130-001"})()

    def save_field(self, case_id, key, value, revision):
        self._maybe_fail()
        self.fields.setdefault(case_id, {})[key] = value
        self.revision = revision + 1
        return self.revision

    def save_fields(self, case_id, values, revision):
        self._maybe_fail()
        self.fields[case_id] = dict(values)
        self.revision = revision + 1
        return self.revision

    def set_status(self, case_id, status, revision):
        self._maybe_fail()
        self.revision = revision + 1
        return self.revision


def test_the_first_save_writes_the_defaults_shown_and_they_become_the_cases_own(session):
    store = FakeStore()
    session.edit("customer.name", "杭州某某科技有限公司")
    save = write_save(session.snapshot(), store)
    assert save.error is None and not session.dirty
    session.take(save)
    assert session.case_id == "c1" and session.number == "XH01-20261130-001"
    assert store.created[0]["application.date"] == "2026-11-30"
    assert store.created[0]["agency.handler"] == "张三"
    assert "commitment.signer" not in store.created[0]  # a fallback is never stored
    session.set_settings({"agency.handler": "李娜"})
    assert session.resolved().value("agency.handler") == "张三"  # stored now: settings no longer reach it


def test_a_failed_save_always_finishes_and_its_edits_stay_pending(session):
    store = FakeStore()
    session.edit("customer.name", "甲")
    session.take(write_save(session.snapshot(), store))
    store.fail = sqlite3.OperationalError("database or disk is full")
    session.edit("notes", "六千字的备注")
    save = write_save(session.snapshot(), store)
    assert save.done.is_set() and save.error is not None
    assert not session.dirty  # the save took them ...
    session.give_back(save)
    assert session.dirty == {"notes"}  # ... and gave them back: the next save writes them
    store.fail = None
    session.take(write_save(session.snapshot(), store))
    assert store.fields["c1"]["notes"] == "六千字的备注"


def test_a_first_save_that_created_the_case_then_failed_does_not_create_a_second(session, example_values):
    store = FakeStore()
    for key, value in example_values.items():  # complete: the save records a status after creating
        session.edit(key, value)
    session.set_materials(item.id for item in session.missing_materials())
    save = session.snapshot()
    assert save.wanted == "complete"
    real_status = store.set_status
    store.set_status = lambda *a: (_ for _ in ()).throw(sqlite3.OperationalError("database is locked"))
    write_save(save, store)
    session.give_back(save)
    # One transaction: the case created before the status failed was rolled back with it.
    assert store.created == [] and session.case_id is None and session.dirty
    store.set_status = real_status
    session.take(write_save(session.snapshot(), store))
    assert len(store.created) == 1


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (sqlite3.OperationalError("database or disk is full"), "磁盘已满"),
        (OSError(28, "No space left on device"), "磁盘已满"),
        (sqlite3.OperationalError("database is locked"), "占用"),
        (RuntimeError("杭州某某科技 secret"), "保存失败"),
    ],
)
def test_a_failed_save_is_told_in_chinese_without_the_raw_error(error, says):
    text = describe(error, failed="保存失败", then=KEPT_ON_SCREEN)
    assert says in text and "修改仍在窗口中" in text
    assert "secret" not in text and "database" not in text
