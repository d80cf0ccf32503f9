"""复制为新案卷: a copy keeps the customer and starts like a new case (today's dates, the current
settings), as the bundle data declares (fields.toml `on_duplicate`)."""

from __future__ import annotations

from datetime import date

from test_store_helpers import BUNDLE, EDITION, EXAMPLE, Clock

from desktop.domain.case import initial_values
from desktop.store import Store

TODAY = date(2026, 11, 30)


def open_real(tmp_path, bundle, clock=None) -> Store:
    return Store.open_for(
        tmp_path / "drafts.sqlite", bundle.drafts, bundle=BUNDLE, edition=EDITION, clock=clock or Clock(),
        backups=False,
    )  # fmt: skip


def test_dates_that_default_to_today_and_settings_reset_on_duplicate(bundle):
    for key, fdef in bundle.fields.items():
        starts_fresh = fdef.default == "today" or (fdef.default or "").startswith("@")
        assert (fdef.on_duplicate == "default") == starts_fresh, key
    assert "application.date" in bundle.drafts.duplicate_reset_keys
    assert "agency.handler" in bundle.drafts.duplicate_reset_keys
    assert "customer.name" not in bundle.drafts.duplicate_reset_keys + bundle.drafts.duplicate_clear_keys


def test_a_copy_starts_like_a_new_case(tmp_path, bundle):
    settings = {"agency.name": "西湖营业厅", "agency.handler": "赵晓峰"}
    with open_real(tmp_path, bundle) as store:
        source = store.create({**EXAMPLE, "agency.name": "旧营业厅", "agency.handler": "钱某"})
        copy = store.duplicate(source.id, initial_values(bundle, settings, today=TODAY))
    for key in ("application.date", "authorization.date", "agreement.date_a", "commitment.date"):
        assert copy.fields[key] == "2026-11-30", key
    assert copy.fields["agency.name"] == "西湖营业厅" and copy.fields["agency.handler"] == "赵晓峰"
    for key in ("customer.name", "customer.license_no", "handler.name", "handler.id_number", "contact.phone"):
        assert copy.fields[key] == EXAMPLE[key], key
    for key in ("number.n400", "business.categories", "application.serial", "agreement.scope", "notes"):
        assert key not in copy.fields, key
    assert "agreement.date_b" not in copy.fields  # no default: cleared, as before
    assert copy.number != source.number


def test_without_a_start_the_reset_fields_are_empty_never_the_old_dates(tmp_path, bundle):
    with open_real(tmp_path, bundle) as store:
        source = store.create({**EXAMPLE, "agency.name": "旧营业厅"})
        copy = store.duplicate(source.id)
    assert "application.date" not in copy.fields and "agency.name" not in copy.fields


def test_an_empty_setting_leaves_its_field_empty_in_the_copy(tmp_path, bundle):
    with open_real(tmp_path, bundle) as store:
        source = store.create({**EXAMPLE, "agency.handler": "钱某"})
        copy = store.duplicate(source.id, initial_values(bundle, {"agency.handler": ""}, today=TODAY))
    assert "agency.handler" not in copy.fields and copy.fields["commitment.date"] == "2026-11-30"
