"""Fuzz: hostile case files at check, render and import (issue 12, 2,000 examples in all).

Whatever the file, the command exits 0, 1 or 2 with no traceback and no internal error; when it
refuses (exit 1 or 2) an import changes not one byte of the drafts file and a render leaves no
PDF. The commands run in-process (desktop.cli.main), so the examples are cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from desktop.cli import INTERNAL_ERROR, main
from desktop.domain.forms import default_bundle

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = json.loads((ROOT / "examples" / "example-case.json").read_text(encoding="utf-8"))
KEYS = sorted(default_bundle().fields)
ID = EXAMPLE["id"]

nasty_chars = st.sampled_from(
    ["\x00", "\x1b", "\t", "\n", "\r", "\x7f", "\x85", "\u202e", "\u2066", "\u200b", "\ufeff",
     "\ud800", "\udfff", "😀", "𠀀", "<b>", "&amp;", "%s", "{customer.name}", "\\", '"']
)  # fmt: skip
nasty_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(nasty_chars, st.text(max_size=3)), max_size=8).map("".join),
    st.integers(1, 4).map(lambda n: "名" * (10**n)),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**18, max_value=10**40),
    st.floats(allow_nan=False),
    nasty_text,
)
# Mostly values of the right shape holding hostile text, so the fuzz reaches the checks and the
# renderer, not only the parser; now and then a value of the wrong shape.
values = st.one_of(
    nasty_text,
    nasty_text,
    nasty_text,
    st.lists(nasty_text, max_size=4),
    scalars,
    st.lists(scalars, max_size=5),
    st.lists(st.lists(nasty_text, max_size=2), max_size=2),
    st.dictionaries(nasty_text, scalars, max_size=2),
)
ids = st.one_of(
    st.just(ID),
    st.sampled_from([ID.upper(), f"urn:uuid:{ID}", "{" + ID + "}", ID.replace("-", ""), f" {ID}",
                     ID.replace("5", "５"), "", "x\ny", "../../etc/passwd"]),
    st.uuids().map(str),
    nasty_text,
    scalars,
)  # fmt: skip
top_changes = st.fixed_dictionaries(
    {},
    optional={
        "id": ids,
        "version": st.one_of(st.just(1), scalars),
        "format": st.one_of(st.just("400-bundle-case"), scalars),
        "bundle": st.one_of(st.just("400"), scalars),
        "updated": st.one_of(st.sampled_from(["2027-01-01T00:00:00+08:00", "2026-11-28T10:15:00"]), scalars),
        "number": st.one_of(st.sampled_from(["XH01-20261130-017", "xh01-20261130-017", "XH01-20261331-001"]), scalars),
        "fields": st.one_of(scalars, st.lists(scalars, max_size=2)),
        "extra": scalars,
    },
)  # fmt: skip


@st.composite
def case_files(draw) -> bytes:
    doc = json.loads(json.dumps(EXAMPLE))
    doc["id"] = draw(st.one_of(st.just(ID), st.uuids().map(str)))
    for key, value in draw(
        st.dictionaries(st.one_of(*[st.sampled_from(KEYS)] * 5, nasty_text), values, max_size=3)
    ).items():
        doc["fields"][key] = value
    if draw(st.integers(0, 3)) == 0:
        doc.update(draw(top_changes))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    shape = draw(st.sampled_from(["as is"] * 15 + ["deep", "truncated", "big number", "wrapped", "not json"]))
    if shape == "deep":
        depth = draw(st.sampled_from([4, 50, 1_000, 100_000]))
        text = text.replace('"notes": ', '"notes": ' + "[" * depth, 1).replace("}", "]" * depth + "}", 1)
    elif shape == "truncated":
        text = text[: draw(st.integers(0, len(text)))]
    elif shape == "big number":
        text = text.replace(": 2,", ": " + "9" * draw(st.sampled_from([20, 4301, 5000])) + ",", 1)
    elif shape == "wrapped":
        text = f"[{text}]"
    elif shape == "not json":
        text = draw(nasty_text)
    return text.encode("utf-8", "surrogatepass")


def run(*args: object) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, err.getvalue()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def place():
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "drafts.sqlite"
        assert run("import", "--db", db, ROOT / "examples" / "example-case.json")[0] == 0
        yield folder, db


def sane(code: int, err: str) -> None:
    event(f"exit {code}")
    assert code in (0, 1, 2), code
    assert "Traceback" not in err and INTERNAL_ERROR not in err, err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )


@fuzz(900)
@given(data=case_files())
def test_check_survives_any_file(place, data):
    folder, _ = place
    path = folder / "case.json"
    path.write_bytes(data)
    sane(*run("check", path))


@fuzz(700)
@given(data=case_files())
def test_import_survives_any_file_and_a_refusal_changes_nothing(place, data):
    folder, db = place
    path = folder / "case.json"
    path.write_bytes(data)
    before = digest(db)
    code, err = run("import", "--db", db, path)
    sane(code, err)
    if code != 0:
        assert digest(db) == before


@fuzz(400)
@given(data=case_files())
def test_render_survives_any_file_and_a_refusal_writes_nothing(place, data):
    folder, _ = place
    path, out = folder / "case.json", folder / "out.pdf"
    path.write_bytes(data)
    out.unlink(missing_ok=True)
    code, err = run("render", path, "-o", out)
    sane(code, err)
    assert out.exists() == (code == 0)
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
