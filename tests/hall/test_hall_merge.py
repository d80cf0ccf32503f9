"""The hall server's merge rule (docs/architecture.md) as a pure function: examples and properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.merge import BIN, STATUS, digest, merge3, normal, split_state, state_of


def test_a_field_changed_on_one_side_takes_that_side():
    base = {"a": "1", "b": "1"}
    assert merge3(base, {"a": "2", "b": "1"}, {"a": "1", "b": "3"}).values == {"a": "2", "b": "3"}


def test_both_sides_to_the_same_value_is_no_conflict():
    merged = merge3({"a": "1"}, {"a": "2"}, {"a": "2"})
    assert merged.values == {"a": "2"} and merged.conflicts == ()


def test_both_sides_to_different_values_is_a_conflict_and_the_server_keeps_its_value():
    merged = merge3({"a": "1", "b": "x"}, {"a": "2", "b": "x"}, {"a": "3", "b": "x"})
    assert merged.conflicts == ("a",)
    assert merged.values == {"a": "3", "b": "x"}


def test_clearing_a_field_is_a_change_and_empty_equals_missing():
    assert merge3({"a": "1"}, {"a": ""}, {"a": "1"}).values == {}
    assert merge3({}, {"a": ""}, {"a": None, "b": []}).values == {}
    assert merge3({"a": "1"}, {}, {"a": "2"}).conflicts == ("a",)


def test_bin_and_status_merge_like_fields():
    base = state_of({"x": "1"}, "draft", None)
    mine = state_of({"x": "1"}, "complete", None)
    theirs = state_of({"x": "2"}, "draft", "2026-01-01T00:00:00+08:00")
    merged = merge3(base, mine, theirs)
    assert merged.values == {"x": "2", STATUS: "complete", BIN: True}
    assert split_state(merged.values) == ({"x": "2"}, "complete", True)


def test_digest_ignores_empty_values_and_order():
    assert digest({"a": "1", "b": ""}) == digest({"a": "1"})
    assert digest({"a": "1", "c": ["x"]}) == digest({"c": ["x"], "a": "1"})
    assert digest({"a": "1"}) != digest({"a": "2"})


values = st.one_of(
    st.none(), st.sampled_from(["", "甲", "乙", "丙"]), st.lists(st.sampled_from(["x", "y"]), max_size=2)
)
states = st.dictionaries(st.sampled_from(["k1", "k2", "k3", "k4", STATUS]), values, max_size=5)


@given(states, states, states)
def test_merge_properties(base, mine, theirs):
    merged = merge3(base, mine, theirs)
    b, m, t, r = normal(base), normal(mine), normal(theirs), merged.values
    for key in set(b) | set(m) | set(t):
        if key in merged.conflicts:
            # A conflict: all three differ, and the server's value is kept.
            assert len({repr(b.get(key)), repr(m.get(key)), repr(t.get(key))}) == 3
            assert r.get(key) == t.get(key)
        else:
            # Nothing silently dropped: a change on either side is in the result.
            if m.get(key) != b.get(key):
                assert r.get(key) == m.get(key)
            if t.get(key) != b.get(key):
                assert r.get(key) == t.get(key)
            if m.get(key) == b.get(key) == t.get(key):
                assert r.get(key) == b.get(key)
    assert r == normal(r)
    # Symmetry: swapping the sides finds the same conflicts and agrees elsewhere.
    swapped = merge3(base, theirs, mine)
    assert swapped.conflicts == merged.conflicts
    assert {k: v for k, v in swapped.values.items() if k not in merged.conflicts} == {
        k: v for k, v in r.items() if k not in merged.conflicts
    }


@given(states, states)
def test_merge_fast_forwards_and_is_idempotent(base, mine):
    assert merge3(base, mine, base).values == normal(mine)
    assert merge3(base, base, mine).values == normal(mine)
    assert merge3(base, mine, mine) == merge3(mine, mine, mine)
