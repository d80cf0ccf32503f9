"""Frozen value classes for the form definitions, without dataclasses' start-up cost.

`@dataclass(frozen=True)` writes each class's `__init__`, `__eq__`, `__hash__`, `__repr__`,
`__setattr__` and `__delattr__` as source text and compiles it: ~0.5 ms a class, ~12 ms for the
two dozen classes the window loads before its first paint (forms.py, layout.py). `@record` gives
the same behaviour from shared, already compiled functions: keyword or positional arguments in
annotation order, defaults and `field(default_factory=...)`, equality only between instances of the
same class, a hash of the values, a repr, and no assignment after construction (`FrozenError`).
Pickling keeps the default object protocol (the instance's `__dict__`), as for a dataclass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")
_MISSING = object()


class FrozenError(AttributeError):
    """An attempt to change a record after it was made."""


class _Factory:
    """A default made fresh for each instance (a dict, a list)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A default made by calling `default_factory` for each instance, as in dataclasses."""
    return _Factory(default_factory)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """Make `cls` a frozen record of its annotated attributes (in order; defaults as written)."""
    names = tuple(cls.__dict__.get("__annotations__", {}))
    defaults: dict[str, Any] = {}
    for name in names:
        default = cls.__dict__.get(name, _MISSING)
        if default is _MISSING:
            if defaults:
                raise TypeError(f"{cls.__name__}: {name} has no default but follows one that has")
            continue
        defaults[name] = default
        if isinstance(default, _Factory):
            delattr(cls, name)  # as dataclasses do: no shared instance on the class
    known = frozenset(names)
    label = cls.__name__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{label}() takes {len(names)} positional arguments but {len(args)} were given")
        values = dict(zip(names, args, strict=False))
        for name, value in kwargs.items():
            if name not in known:
                raise TypeError(f"{label}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{label}() got multiple values for argument {name!r}")
            values[name] = value
        own = self.__dict__
        for name in names:
            if name in values:
                own[name] = values[name]
                continue
            default = defaults.get(name, _MISSING)
            if default is _MISSING:
                raise TypeError(f"{label}() missing required argument: {name!r}")
            own[name] = default.make() if isinstance(default, _Factory) else default

    cls.__init__ = __init__  # type: ignore[misc]
    cls.__eq__ = _eq  # type: ignore[assignment,method-assign]
    cls.__hash__ = _hash  # type: ignore[assignment,method-assign]
    cls.__repr__ = _repr  # type: ignore[assignment,method-assign]
    cls.__setattr__ = _frozen  # type: ignore[assignment,method-assign]
    cls.__delattr__ = _frozen  # type: ignore[assignment,method-assign]
    cls.__match_args__ = names  # type: ignore[attr-defined]
    cls._record_fields = names  # type: ignore[attr-defined]
    return cls


def replace(obj: T, **changes: Any) -> T:
    """A copy of the record `obj` with `changes` (like dataclasses.replace)."""
    return type(obj)(**{**obj.__dict__, **changes})


def _values(obj: Any) -> tuple[Any, ...]:
    own = obj.__dict__
    return tuple(own[name] for name in type(obj)._record_fields)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self is other or _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash(_values(self))


def _repr(self: Any) -> str:
    own = self.__dict__
    inside = ", ".join(f"{name}={own[name]!r}" for name in type(self)._record_fields)
    return f"{type(self).__qualname__}({inside})"


def _frozen(self: Any, name: str, *_value: Any) -> None:
    raise FrozenError(f"cannot assign to field {name!r} of {type(self).__name__}")
