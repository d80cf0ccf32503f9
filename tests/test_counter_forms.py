"""The bundle data behind issue 11: a setting's pattern, on_duplicate = "default", materials.toml."""

from __future__ import annotations

import re

import pytest
from test_forms import TOY_BUNDLE, TOY_FIELDS, make_toy

from desktop.domain.forms import load_bundle
from desktop.domain.schema import FormError

PATTERNED = TOY_BUNDLE.replace(
    '[drafts]', '[[setting]]\nkey = "desk.code"\nlabel = "柜台代码"\ndefault = "DESK"\npattern = "[A-Z]{2,4}"\n'
    'hint = "应为大写字母"\n[drafts]'
)  # fmt: skip


def test_a_setting_pattern_refuses_what_it_does_not_match(tmp_path):
    toy = load_bundle(make_toy(tmp_path, bundle_toml=PATTERNED))
    code = next(s for s in toy.settings if s.key == "desk.code")
    assert code.problem("AB") is None and code.problem("") is None
    assert code.problem("ab1") == "柜台代码：应为大写字母"


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({"bundle_toml": PATTERNED.replace('pattern = "[A-Z]{2,4}"', 'pattern = "[A-Z"')}, "not a regular expression"),
        ({"bundle_toml": PATTERNED.replace('hint = "应为大写字母"\n', "")}, "needs a hint"),
        ({"bundle_toml": PATTERNED.replace('default = "DESK"', 'default = "desk"')}, "does not match its pattern"),
        ({"bundle_toml": PATTERNED.replace('hint = "应为大写字母"', 'hint = "x"\nshape = 1')}, "unknown key"),
        (
            {"bundle_toml": TOY_BUNDLE.replace('mask = ["ident"]', 'mask = ["ident"]\nsame_customer = ["ident"]')},
            "same_customer: 'ident' must be a searched, unmasked field",
        ),
        (
            {"bundle_toml": TOY_BUNDLE.replace('mask = ["ident"]', 'mask = ["ident"]\nsame_customer = ["ghost"]')},
            "'ghost' is not a field",
        ),
        (
            {"fields_toml": TOY_FIELDS.replace('type = "person_name"', 'type = "person_name"\non_duplicate = "default"')},
            "on_duplicate = 'default' needs a default",
        ),
        (
            {"fields_toml": TOY_FIELDS.replace('type = "person_name"', 'type = "person_name"\non_duplicate = "reset"')},
            "on_duplicate must be 'keep', 'clear' or 'default'",
        ),
    ],
)  # fmt: skip
def test_mistakes_are_refused_naming_file_and_entry(tmp_path, override, needle):
    make_toy(tmp_path, **override)
    with pytest.raises(FormError, match=re.escape(needle)) as info:
        load_bundle(tmp_path)
    assert str(tmp_path) in str(info.value)
