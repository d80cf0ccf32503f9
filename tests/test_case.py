"""Whole-case checking: required and conditional fields, cross-field rules, glyphs, defaults."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.domain.case import (
    check_case,
    check_field,
    effective_values,
    has_errors,
    initial_values,
    normalise_values,
)
from desktop.files import paths
from desktop.render.glyphs import load_coverage

TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def coverage():
    return load_coverage(paths.print_font())


@pytest.fixture
def values(bundle, example_values):
    return normalise_values(bundle, example_values, today=TODAY)


def keys(findings, severity=None):
    return {f.key for f in findings if severity is None or f.severity == severity}


def test_example_case_is_clean(bundle, values, coverage):
    findings = check_case(bundle, values, today=TODAY, coverage=coverage)
    assert not has_errors(findings), [f.message for f in findings]


def test_values_are_stored_normalised(bundle, values):
    assert values["contact.phone"] == "057188223344"
    assert values["business.categories"] == ["open"]
    assert values["agreement.usage"] == ["marketing", "hotline"]  # form order, whatever the input order
    assert values["agreement.term_years"] == 2


def test_empty_case_lists_every_required_field(bundle):
    findings = check_case(bundle, {}, today=TODAY)
    required = {k for k, f in bundle.fields.items() if f.required and f.when is None}
    assert keys(findings, "error") == required
    assert all(f.message.startswith(bundle.field(f.key).label + "：") for f in findings)


def test_conditional_fields_only_when_relevant(bundle, values):
    assert "agreement.province" not in keys(check_case(bundle, values, today=TODAY))
    values["agreement.scope"] = "province"
    assert "agreement.province" in keys(check_case(bundle, values, today=TODAY), "error")
    values["agreement.province"] = "浙江"
    assert "agreement.province" not in keys(check_case(bundle, values, today=TODAY))
    values["agreement.usage"] = ["other"]
    assert "agreement.usage_other" in keys(check_case(bundle, values, today=TODAY), "error")


def test_org_code_is_derived_from_the_licence_when_empty(bundle, values):
    values["customer.org_code"] = ""
    assert effective_values(bundle, values)["customer.org_code"] == "MA2H3KX74"
    assert "customer.org_code" not in keys(check_case(bundle, values, today=TODAY))


def test_org_code_mismatch_names_the_expected_code(bundle, values):
    values["customer.org_code"] = "00251805-7"
    values = normalise_values(bundle, values, today=TODAY)
    (finding,) = [f for f in check_case(bundle, values, today=TODAY) if f.key == "customer.org_code"]
    assert finding.severity == "error" and "MA2H3KX7-4" in finding.text


def test_open_date_before_application_date_is_a_warning(bundle, values):
    values["number.open_date"] = "2026-11-01"
    found = [f for f in check_case(bundle, values, today=TODAY) if f.key == "number.open_date"]
    assert [f.severity for f in found] == ["warning"]


def test_minor_handler_is_a_warning(bundle, values):
    values["handler.id_number"] = "330106201001010018"
    found = [f for f in check_case(bundle, values, today=TODAY) if f.key == "handler.id_number"]
    assert "warning" in {f.severity for f in found}
    assert not any(f.code == "minor" and f.severity == "error" for f in found)


def test_destinations_distinct_and_not_the_400_number(bundle, values):
    values["number.destinations"] = ["057181726504", "0571-81726504"]
    values = normalise_values(bundle, values, today=TODAY)
    assert any(f.code == "duplicate" for f in check_case(bundle, values, today=TODAY))
    values["number.destinations"] = ["4009030005"]
    found = [f for f in check_case(bundle, values, today=TODAY) if f.key == "number.destinations"]
    assert found and all(f.severity == "error" for f in found)


def test_destinations_limits(bundle, values):
    values["number.destinations"] = ["13825265634", "13825265635", "13825265636", "13825265637"]
    assert any(f.code == "too_many" for f in check_case(bundle, values, today=TODAY))
    values["number.destinations"] = ["13825265634", "81726504"]
    found = [f for f in check_case(bundle, values, today=TODAY) if f.key == "number.destinations"]
    assert found and found[0].text.startswith("第 2 个号码：")


def test_term_years_range(bundle, values):
    for bad in (0, 11, "两"):
        values["agreement.term_years"] = bad
        assert "agreement.term_years" in keys(check_case(bundle, values, today=TODAY), "error")


def test_unknown_choice_is_an_error(bundle, values):
    values["agreement.scope"] = "galactic"
    assert "agreement.scope" in keys(check_case(bundle, values, today=TODAY), "error")


def test_undrawable_character_is_named(bundle, values, coverage):
    values["contact.name"] = "李\U00030000"  # CJK extension G: in no shipped font
    (finding,) = [
        f for f in check_case(bundle, values, today=TODAY, coverage=coverage) if f.key == "contact.name"
    ]
    assert finding.code == "no_glyph" and "U+30000" in finding.text


def test_signer_follows_the_handler_when_empty(bundle, values):
    values["commitment.signer"] = ""
    assert effective_values(bundle, values)["commitment.signer"] == "王霄"
    assert "commitment.signer" not in keys(check_case(bundle, values, today=TODAY))


def test_initial_values_take_today_and_settings(bundle):
    values = initial_values(bundle, {"agency.name": "西湖营业厅", "agency.handler": "赵晓峰"}, today=TODAY)
    assert values["application.date"] == "2026-11-29"
    assert values["agency.name"] == "西湖营业厅" and values["agency.handler"] == "赵晓峰"
    assert "customer.name" not in values


def test_check_field_sees_cross_rules_for_that_field(bundle, values):
    values["customer.org_code"] = "002518057"
    verdict = check_field(bundle, "customer.org_code", values, today=TODAY)
    assert [f.code for f in verdict.findings] == ["org_mismatch"]
    assert verdict.info is None


values_strategy = st.dictionaries(
    st.sampled_from(
        [
            "customer.name",
            "customer.license_no",
            "customer.org_code",
            "handler.id_number",
            "number.n400",
            "number.destinations",
            "business.categories",
            "agreement.term_years",
            "application.date",
            "number.open_date",
            "agreement.scope",
            "agreement.usage",
            "contact.phone",
            "customer.postcode",
        ]
    ),
    st.one_of(st.text(max_size=60), st.integers(), st.lists(st.text(max_size=20), max_size=5), st.none()),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=values_strategy)
def test_no_values_make_checking_raise(bundle, raw):
    values = normalise_values(bundle, raw, today=TODAY)
    check_case(bundle, values, today=TODAY)
    for key in raw:
        check_field(bundle, key, values, today=TODAY)


def test_a_wrong_value_stays_wrong_once_stored(bundle, values):
    """Normalising never silently repairs an error away (a trunk 0 before a mobile stays visible)."""
    values = normalise_values(bundle, {**values, "handler.mobile": "013825265634"}, today=TODAY)
    assert values["handler.mobile"] == "013825265634"
    assert "handler.mobile" in keys(check_case(bundle, values, today=TODAY), "error")


def test_free_text_keeps_chinese_punctuation_and_notes_keep_line_breaks(bundle):
    raw = {"customer.address": "杭州市，文三路（４７８号）", "notes": "第一行\n第二行"}
    values = normalise_values(bundle, raw, today=TODAY)
    assert values["customer.address"] == "杭州市，文三路（478号）"
    assert values["notes"] == "第一行\n第二行"
