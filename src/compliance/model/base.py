"""Shared pieces of the governance data model."""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from .dates import parse_date, partial_bounds


class Record(BaseModel):
    """Base for user-facing input: unknown fields are errors, not silently ignored.

    A whole-number field refuses ``true``/``false``: pydantic would read ``likelihood: true`` as
    1 and ``min_present: true`` as a quorum of one, silently.
    """

    # defer_build: a model's validator is built when first used, so a run pays only for the registers
    # its data set has (building every model at import was most of the start-up)
    # allow_inf_nan=False: no NaN or infinity, which facts cannot carry (NUMBER_LIMIT)
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True, defer_build=True,
                              allow_inf_nan=False)

    def __setattr__(self, name: str, value: Any) -> None:
        # a loaded record shares its set of given fields with records like it: take its own first
        if type(self.__pydantic_fields_set__) is SharedFieldsSet:
            object.__setattr__(self, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        super().__setattr__(name, value)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name in _number_fields(cls):
            raise ValueError(f"expected a whole number, got {str(value).lower()} (a yes/no value)")
        return value


NUMBER_LIMIT = 10 ** 15
"""A number with a fraction in a record is finite (``Record``: ``allow_inf_nan=False``) and smaller
than this in size (``Number``): facts carry numbers with at most four decimal places
(``facts.records.number``), exactly, as both engines compare them. Before, NaN, an infinity or a
huge value loaded and was an internal error once the facts were made."""

Number = Annotated[float, Field(gt=-NUMBER_LIMIT, lt=NUMBER_LIMIT)]
"""A number with a fraction, as facts can carry it (``NUMBER_LIMIT``)."""


class SharedFieldsSet(set):
    """The names of the fields a record was given, one object for every record of a model given
    the same names (``share_fields_sets``).

    It refuses changes, so nothing changes every record that shares it: a record given a field
    by assignment takes its own copy first (``Record.__setattr__``), and a copy is a record's own
    ``set`` again, so ``model_copy(update=...)`` works as on any record. A ``set`` still, as
    pydantic's serializer requires (``model_dump(exclude_unset=True)``).
    """

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the set of fields given to a loaded record is shared with records like it; "
                        "assign the field on the record, or use model_copy(update=...)")

    add = clear = discard = pop = remove = update = _refuse
    difference_update = intersection_update = symmetric_difference_update = _refuse
    __ior__ = __iand__ = __isub__ = __ixor__ = _refuse

    def __copy__(self) -> set[str]:
        return set(self)

    def __reduce__(self) -> Any:  # pickled (the load cache) as what it is, without calling update
        return (SharedFieldsSet, (list(self),))


def share_fields_sets(record: BaseModel, shared: dict[tuple[type, frozenset[str]], SharedFieldsSet]) -> BaseModel:
    """``record`` and the records nested in it, each holding a shared set of the fields it was given.

    Pydantic keeps a set of the names given for every record; a set is 216-728 bytes, often more
    than the record's values. Measured on a data set of 212,000 records (36 units, 5 years: a
    million findings) the sets were 70 of the 145 MB the loaded records held.
    """
    given = record.__pydantic_fields_set__
    key = (type(record), frozenset(given))
    one = shared.get(key)
    if one is None:
        one = shared[key] = SharedFieldsSet(given)
    object.__setattr__(record, "__pydantic_fields_set__", one)
    for value in record.__dict__.values():
        if isinstance(value, BaseModel):
            share_fields_sets(value, shared)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for item in value:
                if isinstance(item, BaseModel):
                    share_fields_sets(item, shared)
    return record


_NUMBER_FIELDS: dict[type, frozenset[str]] = {}


def _number_fields(model: type[BaseModel]) -> frozenset[str]:
    """Names of a model's int fields (``int`` or ``int | None``), computed once per model."""
    if model not in _NUMBER_FIELDS:
        _NUMBER_FIELDS[model] = frozenset(name for name, f in model.model_fields.items()
                                          if f.annotation is int or set(typing.get_args(f.annotation)) == {int, type(None)})
    return _NUMBER_FIELDS[model]


def content_json(record: BaseModel) -> str:
    """``record.model_dump_json()`` (a record's content, to order records that share a key), made
    without pydantic's serializer when every value is text, a whole number, yes/no, a date, a
    nested record or a list of these: the first ``model_dump_json`` of a model builds its
    serializer (18 ms for an action, most of a cached check's derive). Any other value (a number
    with a fraction, a mapping) is left to pydantic. ``tests/test_startup.py`` holds the two equal
    on every record of the real pack, generated data sets and the test strategies."""
    import json  # noqa: PLC0415 - only data with shared keys asks

    try:
        return json.dumps(_plain(record), ensure_ascii=False, separators=(",", ":"))
    except _NotPlain:
        return record.model_dump_json()


class _NotPlain(Exception):
    """A value ``content_json`` leaves to pydantic's serializer."""


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, BaseModel):
        return {name: _plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if type(value) is dt.date:
        return value.isoformat()
    raise _NotPlain(type(value).__name__)


UKDate = Annotated[dt.date, BeforeValidator(parse_date)]
"""A date accepted in ISO or the UK forms real registers use."""

Id = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")]
"""A stable identifier: letters, digits and ``_ . : / -``; no spaces."""

def _partial_date_text(value: Any) -> Any:
    # YAML reads an unquoted 2024-05-01 as a date and 2012 as an int; both are valid partial dates.
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _real_partial_date(value: str) -> str:
    partial_bounds(value)  # raises ValueError naming the impossible month or day
    return value


PartialDate = Annotated[str, BeforeValidator(_partial_date_text), Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$"),
                        AfterValidator(_real_partial_date)]
"""A date known to the year, month or day: ``2012``, ``2014-01``, ``2024-03-31``."""


def refers_to(register: str, description: str = "", **kwargs: Any) -> Any:
    """A field holding the id of a record of another register (``meetings``, ``people``, ...).

    Rules follow such a field by name: on a paper, ``paper.meeting.date`` is the date of the
    meeting whose id ``paper.meeting`` holds. The model says which register, so the rule language
    needs no join written in Python.
    """
    extra = {"refers_to": register}
    return Field(description=description or f"id of a record in the {register} register", json_schema_extra=extra, **kwargs)


def referenced_register(field: Any) -> str | None:
    """The register a model field refers to, or None (see ``refers_to``)."""
    extra = getattr(field, "json_schema_extra", None)
    return extra.get("refers_to") if isinstance(extra, dict) else None


class Source(Record):
    """Where a record came from, so every finding can point back to the page it rests on."""

    file: str | None = None
    line: int | None = Field(default=None, ge=1)
    lines: str | None = Field(default=None, description="a range such as '128-152'")
    note: str | None = None


PLACEHOLDER_PATTERNS = (
    re.compile(r"click or tap here to enter text", re.I),
    re.compile(r"click or tap to enter a date", re.I),
    re.compile(r"choose an item", re.I),
)


def is_placeholder(text: str | None) -> bool:
    """True when a form field still holds the word-processor's placeholder prompt."""
    return bool(text) and any(p.search(text) for p in PLACEHOLDER_PATTERNS)


def unwrap_annotation(annotation: Any) -> Any:
    """A field's type without its wrappers: ``X | None`` and ``Annotated[X, ...]`` as ``X`` (a union
    of two or more types is left as it is). Read by the CSV layer and the record-to-fact layer alike."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (typing.Union, types.UnionType) and len(args) == 1:
            annotation = args[0]
            continue
        return annotation
