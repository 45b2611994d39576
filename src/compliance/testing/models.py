"""Hypothesis strategies read off the pydantic models: one field strategy per annotation.

``from_model(Model)`` walks ``Model.model_fields`` (types, ``Literal`` choices, ``Optional``,
``ge``/``le``/``min_length``/``pattern`` constraints, nested models) so the strategies follow the
models as they change. Cross-record knowledge (ids that refer to other records, dates consistent
with ``as_of``) is not here: ``strategies.py`` adds it through ``overrides``.
"""

from __future__ import annotations

import datetime as dt
import functools
import string
import types
import typing
from dataclasses import dataclass
from typing import Any, Iterable, Literal

from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..model.base import PartialDate
from ..model.dates import financial_year_start

OMIT: Any = object()
"""A value an override may draw to leave an optional field out of the record."""

# YAML- and CSV-safe text: real registers hold far stranger text, but the loaders' text handling
# has its own tests; generated data is about rules, so text only needs to be valid and readable.
TEXT_ALPHABET = string.ascii_letters + string.digits + " -,'&()"
# what a constrained string (an id, a rule id) is drawn from; the pattern then narrows it
PATTERN_ALPHABET = string.ascii_letters + string.digits + string.punctuation


@dataclass(frozen=True)
class Knobs:
    """How generated data is spread.

    ``as_of`` anchors every date: dates fall within ``days`` either side of it, or within
    ``(before, after)`` days when ``days`` is a pair (e.g. ``(400, 30)`` for mostly past meetings). ``edge_share``
    (0..1) is the share of edge cases drawn: boundary dates (``as_of`` itself, a day either side,
    the first and last day of the financial year), missing optional fields, and (in
    ``strategies``) exactly-the-quorum attendance.
    """

    as_of: dt.date = dt.date(2024, 10, 17)
    days: int | tuple[int, int] = 400
    edge_share: float = 0.2
    text_size: int = 8
    list_size: int = 2

    def __post_init__(self) -> None:
        if not 0 <= self.edge_share <= 1:
            raise ValueError(f"edge_share must be between 0 and 1, got {self.edge_share!r}")
        before, after = self.window
        if before < 0 or after < 0 or before + after < 1:
            raise ValueError(f"days must be a positive number or a (before, after) pair of them, got {self.days!r}")

    @property
    def window(self) -> tuple[int, int]:
        """Days before and after ``as_of`` that dates are drawn from."""
        return (self.days, self.days) if isinstance(self.days, int) else tuple(self.days)


def edge_or(edge: st.SearchStrategy, normal: st.SearchStrategy, share: float) -> st.SearchStrategy:
    """``edge`` in about ``share`` of draws, else ``normal``; shrinks towards the edge case."""
    if share <= 0:
        return normal
    if share >= 1:
        return edge
    return _edge_or(edge, normal, round(share * 100))


@st.composite
def _edge_or(draw, edge: st.SearchStrategy, normal: st.SearchStrategy, cut: int):
    # a composite, not flatmap: flatmap builds a strategy per draw, which dominated generation time
    return draw(edge) if draw(st.integers(0, 99)) < cut else draw(normal)


def maybe(strategy: st.SearchStrategy, knobs: Knobs) -> st.SearchStrategy:
    """``strategy``, or ``OMIT`` (the optional field left out) in about ``knobs.edge_share`` of draws."""
    return edge_or(st.just(OMIT), strategy, knobs.edge_share)


def boundary_dates(as_of: dt.date, fy_month: int = 4, fy_day: int = 1) -> list[dt.date]:
    """The days rules most often turn on: as_of, a day either side, and the financial-year edges."""
    fy = financial_year_start(as_of, fy_month, fy_day)
    return [as_of, as_of - dt.timedelta(days=1), as_of + dt.timedelta(days=1), fy, fy - dt.timedelta(days=1)]


def dates(knobs: Knobs, fy: tuple[int, int] = (4, 1)) -> st.SearchStrategy[dt.date]:
    """Days within ``knobs.days`` of ``as_of``; boundary days in about ``edge_share`` of draws."""
    before, after = knobs.window
    normal = st.integers(-before, after).map(lambda n: knobs.as_of + dt.timedelta(days=n))
    return edge_or(st.sampled_from(boundary_dates(knobs.as_of, *fy)), normal, knobs.edge_share)


def partial_dates(knobs: Knobs) -> st.SearchStrategy[str]:
    """Partial dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) holding a day drawn by ``dates``."""
    return st.tuples(dates(knobs), st.integers(0, 2)).map(lambda t: partial(*t))


def partial(day: dt.date, precision: int) -> str:
    """``day`` known to the year (0), the month (1) or the day (2)."""
    return day.isoformat()[: (4, 7, 10)[precision]]


def text(knobs: Knobs, min_size: int = 0) -> st.SearchStrategy[str]:
    """Short, already stripped text (the models strip whitespace, so round trips stay equal)."""
    return st.text(TEXT_ALPHABET, min_size=min_size, max_size=max(min_size, knobs.text_size)).map(str.strip).filter(
        lambda s: len(s) >= min_size)


def _constraints(metadata: Iterable[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, FieldInfo):
            out.update(_constraints(m.metadata))
        for name in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern"):
            value = getattr(m, name, None)
            if value is not None:
                out[name] = value
    return out


def _split(annotation: Any) -> tuple[Any, list[Any]]:
    """The bare type and the constraint metadata of a possibly ``Annotated`` annotation."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        inner, more = _split(base)
        return inner, meta + more
    return annotation, []


def for_annotation(annotation: Any, metadata: Iterable[Any], knobs: Knobs) -> st.SearchStrategy:
    """A strategy for one field's values, read off its annotation and constraint metadata."""
    base, extra = _split(annotation)
    return _strategy(base, _constraints([*metadata, *extra]), knobs)


def _strategy(base: Any, c: dict[str, Any], knobs: Knobs) -> st.SearchStrategy:
    origin, args = typing.get_origin(base), typing.get_args(base)
    if origin in (typing.Union, types.UnionType):
        # None is reached by leaving the optional field out; an explicit value is drawn here
        options = [_split(a) for a in args if a is not type(None)]
        return st.one_of([_strategy(a, {**c, **_constraints(meta)}, knobs) for a, meta in options])
    if origin is Literal:
        return st.sampled_from(args)
    if origin is list:
        low = c.get("min_length", 0)
        return st.lists(for_annotation(args[0], (), knobs), min_size=low, max_size=max(low, knobs.list_size))
    if origin is dict:
        return st.dictionaries(for_annotation(args[0], (), knobs), for_annotation(args[1], (), knobs), max_size=2)
    if isinstance(base, type) and issubclass(base, BaseModel):
        return from_model(base, knobs=knobs)
    if base is bool:
        return st.booleans()
    if base is int:
        lo = c.get("ge", c["gt"] + 1 if "gt" in c else 0)
        hi = c.get("le", c["lt"] - 1 if "lt" in c else lo + 30)
        return st.integers(lo, hi)
    if base is float:
        # hundredths only: the engine refuses floats in exponent form, and they shrink readably
        lo, hi = c.get("ge", c.get("gt", 0)), c.get("le", c.get("lt", c.get("ge", c.get("gt", 0)) + 10))
        return st.integers(round(lo * 100), round(hi * 100)).map(lambda n: n / 100).filter(
            lambda x: ("gt" not in c or x > c["gt"]) and ("lt" not in c or x < c["lt"]))
    if base is dt.date:
        return dates(knobs)
    if base is str:
        low, high = c.get("min_length", 0), c.get("max_length", 10**6)
        if c.get("pattern") == _PARTIAL_DATE_PATTERN:
            return partial_dates(knobs)  # the pattern alone allows month 13
        if "pattern" in c:
            return st.from_regex(c["pattern"], fullmatch=True, alphabet=PATTERN_ALPHABET).filter(
                lambda s: low <= len(s) <= min(high, 24))
        return text(knobs, low).filter(lambda s: len(s) <= high)
    if base is Any:
        return st.one_of(st.integers(0, 9), text(knobs))
    raise TypeError(f"no strategy for annotation {base!r}; pass one in overrides")


_PARTIAL_DATE_PATTERN = _constraints(typing.get_args(PartialDate)[1:])["pattern"]


def _validated(model: type[BaseModel]):
    def build(values: dict[str, Any]) -> BaseModel | None:
        try:
            return model.model_validate({k: v for k, v in values.items() if v is not OMIT})
        except ValidationError:
            return None  # a cross-field validator refused the draw; filtered out below
    return build


def from_model(model: type[BaseModel], overrides: dict[str, st.SearchStrategy] | None = None, *,
               knobs: Knobs | None = None, keep: Iterable[str] = ()) -> st.SearchStrategy:
    """Valid instances of ``model``, field by field from its ``model_fields``.

    ``overrides`` maps a field name to the strategy for its value, used as it is (draw ``OMIT``
    to leave an optional field out; ``maybe`` does that in a share of draws). Other optional
    fields not in ``keep`` are left out in about ``knobs.edge_share`` of draws, so data with
    missing fields is always part of the mix. Draws
    that a model validator refuses (e.g. a quorum with no threshold) are filtered out; when
    that happens often, give the field an override that is valid by construction.
    """
    knobs = knobs or Knobs()
    overrides = overrides or {}
    unknown = set(overrides) - set(model.model_fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {', '.join(sorted(unknown))}")
    keep = set(keep)
    fields: dict[str, st.SearchStrategy] = {}
    for name, info in model.model_fields.items():
        may_omit = not info.is_required() and name not in keep
        if name in overrides:
            fields[name] = overrides[name]
        else:
            fields[name] = field_strategy(model, name, knobs, may_omit)
    return st.fixed_dictionaries(fields).map(_validated(model)).filter(lambda m: m is not None)


@functools.lru_cache(maxsize=None)
def field_strategy(model: type[BaseModel], name: str, knobs: Knobs, may_omit: bool = False) -> st.SearchStrategy:
    """The strategy ``from_model`` uses for one field (``OMIT`` in a share of draws when ``may_omit``)."""
    # cached: composite strategies rebuild models per draw, and building (and validating) a
    # fresh strategy tree every time costs more than drawing from it
    info = model.model_fields[name]
    strategy = for_annotation(info.annotation, info.metadata, knobs)
    return edge_or(st.just(OMIT), strategy, knobs.edge_share) if may_omit else strategy
