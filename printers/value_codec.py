"""Frozen layout values that check their own field types and round-trip through JSON.

A print job stores the document it was rendered from (so a COPY can be re-rendered
later, possibly by another version of this code), which means the values must survive
`to_dict()` -> JSON -> `from_dict()` unchanged. Doing the checks in one place, from
the type hints, keeps every value honest without hand-written validators:

- `int` fields refuse `float` and `bool` (money is int minor units, never float);
- sequences are stored as tuples, so a value built from a list equals one from JSON;
- datetimes are stored timezone-aware in UTC; a naive datetime is taken as UTC.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Union, get_args, get_origin, get_type_hints


class DocumentError(ValueError):
    """A value or stored document that does not have the shape its type demands."""


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        all_hints = get_type_hints(cls)
        hints = {f.name: all_hints[f.name] for f in dataclasses.fields(cls)}
        _HINTS[cls] = hints
    return hints


def _is_union(hint: Any) -> bool:
    origin = get_origin(hint)
    return origin is Union or origin is types.UnionType


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _describe(value: Any) -> str:
    return type(value).__name__


def _coerce(value: Any, hint: Any, path: str) -> Any:
    """Check `value` against `hint`; return it in canonical form (tuples, UTC)."""
    if hint is Any:
        return value
    if _is_union(hint):
        args = get_args(hint)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, path)
            except DocumentError as exc:
                errors.append(str(exc))
        raise DocumentError(errors[0] if len(errors) == 1 else f"{path}: unexpected {_describe(value)}")
    origin = get_origin(hint)
    if origin is Literal:
        if value not in get_args(hint):
            allowed = ", ".join(repr(a) for a in get_args(hint))
            raise DocumentError(f"{path}: {value!r} is not one of {allowed}")
        return value
    if origin is tuple:
        (item_hint, _ellipsis) = get_args(hint)
        if not isinstance(value, (list, tuple)):
            raise DocumentError(f"{path}: expected a list, got {_describe(value)}")
        return tuple(_coerce(item, item_hint, f"{path}[{i}]") for i, item in enumerate(value))
    if origin is dict:
        key_hint, item_hint = get_args(hint)
        if not isinstance(value, dict):
            raise DocumentError(f"{path}: expected an object, got {_describe(value)}")
        return {
            _coerce(k, key_hint, f"{path} key"): _coerce(v, item_hint, f"{path}[{k!r}]")
            for k, v in value.items()
        }
    if hint is bool:
        if not isinstance(value, bool):
            raise DocumentError(f"{path}: expected true/false, got {_describe(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DocumentError(f"{path}: expected an int (money is int minor units), got {_describe(value)}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise DocumentError(f"{path}: expected a string, got {_describe(value)}")
        return value
    if hint is datetime:
        if not isinstance(value, datetime):
            raise DocumentError(f"{path}: expected a datetime, got {_describe(value)}")
        return _utc(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            raise DocumentError(f"{path}: expected {hint.__name__}, got {_describe(value)}")
        return value
    raise TypeError(f"{path}: unsupported field type {hint!r}")


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).isoformat().replace("+00:00", "Z")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_dump(item) for item in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def _load(value: Any, hint: Any, path: str) -> Any:
    """JSON shapes -> Python shapes (objects to dataclasses, ISO strings to datetimes)."""
    if value is None:
        return None
    if _is_union(hint):
        for arg in get_args(hint):
            if arg is not type(None):
                return _load(value, arg, path)
    origin = get_origin(hint)
    if origin is tuple and isinstance(value, list):
        (item_hint, _ellipsis) = get_args(hint)
        return [_load(item, item_hint, f"{path}[{i}]") for i, item in enumerate(value)]
    if hint is datetime and isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise DocumentError(f"{path}: {value!r} is not an ISO 8601 time") from None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return _build(hint, value, path)
    return value


def _build(cls: type, data: dict, path: str) -> Any:
    hints = _hints(cls)
    tag = getattr(cls, "TYPE", None)
    data = dict(data)
    if tag is not None:
        found = data.pop("type", tag)
        if found != tag:
            raise DocumentError(f"{path}: expected a {tag!r} document, got {found!r}")
    unknown = sorted(set(data) - set(hints))
    if unknown:
        raise DocumentError(f"{path}: unknown field(s) {', '.join(unknown)}")
    kwargs = {name: _load(data[name], hints[name], f"{path}.{name}") for name in data}
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        raise DocumentError(f"{path}: {exc}") from None


class Value:
    """Base for the frozen dataclasses that describe what to print."""

    TYPE: ClassVar[str | None] = None  # set on top-level documents: the "type" tag in to_dict()

    def __post_init__(self) -> None:
        name = type(self).__name__
        for field, hint in _hints(type(self)).items():
            value = _coerce(getattr(self, field), hint, f"{name}.{field}")
            object.__setattr__(self, field, value)
        self.validate()

    def validate(self) -> None:
        """Cross-field checks a subclass needs; raise DocumentError."""

    def to_dict(self) -> dict:
        data = _dump(self)
        if self.TYPE is not None:
            data = {"type": self.TYPE, **data}
        return data

    @classmethod
    def from_dict(cls, data: dict) -> typing.Self:
        if not isinstance(data, dict):
            raise DocumentError(f"{cls.__name__}: expected an object, got {_describe(data)}")
        return _build(cls, data, cls.__name__)
