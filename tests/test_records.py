"""desktop.domain.records: frozen value classes that behave as frozen dataclasses, compiled ahead."""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.domain.records import FrozenError, field, record, replace

ROOT = Path(__file__).resolve().parent.parent


@record
class Point:
    x: int
    y: int = 0
    tags: dict[str, str] = field(default_factory=dict)

    def moved(self, by: int) -> Point:
        return replace(self, x=self.x + by)


@record
class Other:
    x: int
    y: int = 0
    tags: dict[str, str] = field(default_factory=dict)


def test_arguments_defaults_and_fresh_factories():
    assert Point(1).__dict__ == {"x": 1, "y": 0, "tags": {}}
    assert Point(1, 2).y == 2 and Point(y=3, x=1).y == 3
    assert Point(1).tags is not Point(1).tags
    assert "tags" not in Point.__dict__  # no instance shared through the class
    for bad in (lambda: Point(), lambda: Point(1, 2, {}, 4), lambda: Point(1, z=2), lambda: Point(1, x=2)):
        with pytest.raises(TypeError):
            bad()


def test_equality_hash_and_repr_like_a_frozen_dataclass():
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(2, 1)
    assert Point(1) != Other(1)  # the same values in another class are another thing
    assert hash(Point(1, 2, None)) == hash(Point(1, 2, None))  # type: ignore[arg-type]
    assert len({Point(1, 2, None), Point(1, 2, None)}) == 1  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hash(Point(1))  # a dict value is unhashable, as in a dataclass
    assert repr(Point(1, tags={"a": "b"})) == "Point(x=1, y=0, tags={'a': 'b'})"
    assert Point(1).moved(2) == Point(3)


def test_frozen_and_copied_through_pickle():
    point = Point(1, 2, {"k": "v"})
    with pytest.raises(FrozenError):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.y
    assert pickle.loads(pickle.dumps(point)) == point
    assert copy.deepcopy(point) == point and copy.copy(point) == point


def test_a_field_without_default_after_one_with_is_refused():
    with pytest.raises(TypeError, match="follows"):

        @record
        class Bad:
            a: int = 0
            b: int


_COMPILED_AT_IMPORT = """
import sys
compiled = []
sys.addaudithook(lambda event, args: compiled.append(args[1]) if event == "compile" and args[1] == "<string>" else None)
import desktop.domain.forms, desktop.domain.layout, desktop.domain.feedback
print(len(compiled))
"""


def test_loading_the_form_classes_compiles_no_code():
    """dataclasses compile each class's methods from text at import: ~12 ms of the window's start."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", _COMPILED_AT_IMPORT], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    assert done.stdout.strip() == "0"
