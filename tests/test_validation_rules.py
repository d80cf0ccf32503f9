"""Cross-field rules (desktop/domain/rules.py) where they meet the single-field rules: one finding per field."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.domain.case import check_case, effective_values, normalise_values

TODAY = date(2026, 11, 29)
PILOT = "91350211M0000XUF46"  # Fujian 2015 pilot: MOD 31 fails, embedded M0000XUF-4 is valid


@pytest.fixture
def values(bundle, example_values):
    return normalise_values(bundle, example_values, today=TODAY)


def _findings(bundle, values, key):
    return [(f.severity, f.code) for f in check_case(bundle, values, today=TODAY) if f.key == key]


def test_fujian_pilot_licence_fills_the_org_code_and_gets_only_its_warning(bundle, values):
    values = normalise_values(
        bundle, {**values, "customer.license_no": PILOT, "customer.org_code": ""}, today=TODAY
    )
    assert effective_values(bundle, values)["customer.org_code"] == "M0000XUF4"
    assert _findings(bundle, values, "customer.license_no") == [("warning", "pilot_check")]
    assert _findings(bundle, values, "customer.org_code") == []


def test_fujian_pilot_licence_with_its_own_org_code_typed_agrees(bundle, values):
    raw = {**values, "customer.license_no": PILOT, "customer.org_code": "M0000XUF-4"}
    values = normalise_values(bundle, raw, today=TODAY)
    assert _findings(bundle, values, "customer.org_code") == []


def test_fujian_pilot_licence_still_catches_a_different_org_code(bundle, values):
    raw = {**values, "customer.license_no": PILOT, "customer.org_code": "00251805-7"}
    values = normalise_values(bundle, raw, today=TODAY)
    assert _findings(bundle, values, "customer.org_code") == [("error", "org_mismatch")]


def test_org_code_with_a_wrong_check_gets_one_fix_not_a_contradicting_second(bundle, values):
    # Its own check says 「按前 8 位应为 7」; 「与营业执照编号不符，应为 MA2H3KX7-4」 beside it would be
    # a second, different fix. The mismatch shows once the code is valid on its own.
    values = normalise_values(bundle, {**values, "customer.org_code": "00251805-4"}, today=TODAY)
    assert _findings(bundle, values, "customer.org_code") == [("error", "check_char")]
    values = normalise_values(bundle, {**values, "customer.org_code": "00251805-7"}, today=TODAY)
    assert _findings(bundle, values, "customer.org_code") == [("error", "org_mismatch")]


def test_org_code_whose_own_fix_is_the_licences_gets_the_mismatch_too(bundle, values):
    # The licence's code is MA2H3KX7-4: both findings name the same fix, so nothing contradicts.
    values = normalise_values(bundle, {**values, "customer.org_code": "MA2H3KX75"}, today=TODAY)
    assert _findings(bundle, values, "customer.org_code") == [
        ("error", "check_char"),
        ("error", "org_mismatch"),
    ]
