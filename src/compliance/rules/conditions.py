"""The condition tree of a rule: its node types, parameter/as_of resolution, negation normal form,
and what a condition reads (parsed from YAML by ``rules.parse_conditions``).

A condition is ``all`` / ``any`` / ``not`` over leaves. A leaf names one fact field and one
operator: ``eq ne lt le gt ge in not_in`` with a value, or ``exists`` / ``missing``.
A value is a literal, ``{param: NAME}``, ``{field: NAME}`` (same fact), ``{date: YYYY-MM-DD}``,
``{as_of: {plus_days|minus_days|plus_months|minus_months: N}}``, or inside a relation's ``where``
``{subject: NAME}`` (a field of the subject the relation starts from).

Two kinds of leaf are *computed*: a text predicate (``matches``, ``not_matches``,
``contains_any``, ``starts_with``) and a relation over records of another kind
(``{related: KIND, on: ..., exists|none|count|every|min|max: ...}``). Each parses to an ordinary
leaf on a synthetic field named ``~...`` whose spec sits in ``COMPUTED``: the engine is given the
computed value (a boolean, a count, a minimum) as a plain field, so durable-rules still decides the
outcome; the reference evaluator computes the spec again on its own path to cross-check it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Union

from ..model.dates import add_months

COMPARE_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")
TEXT_OPS = ("matches", "not_matches", "contains_any", "starts_with")
QUANTIFIERS = ("exists", "none", "count", "every", "min", "max")
PRESENCE_OPS = ("exists", "missing")
NEGATE = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le", "in": "not_in", "not_in": "in",
          "exists": "missing", "missing": "exists"}
AS_OF_KEYS = ("plus_days", "minus_days", "plus_months", "minus_months")


class ConditionError(ValueError):
    """A condition that cannot be understood; the message says where and what is expected."""


@dataclass(frozen=True)
class Param:
    name: str


@dataclass(frozen=True)
class FieldRef:
    name: str


@dataclass(frozen=True)
class SubjectRef:
    """Inside a relation: a field of the subject the relation starts from."""

    name: str


@dataclass(frozen=True)
class DateValue:
    value: dt.date


@dataclass(frozen=True)
class AsOf:
    key: str | None  # one of AS_OF_KEYS, or None for as_of itself
    amount: Any  # int or Param


Value = Union[Any, Param, FieldRef, DateValue, AsOf]


@dataclass(frozen=True)
class Leaf:
    field: str
    op: str
    value: Value = None

    def describe(self, params: dict[str, Any] | None = None) -> str:
        return describe_leaf(self, params)


@dataclass(frozen=True)
class All:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    item: "Condition"


Condition = Union[Leaf, All, AnyOf, Not]


@dataclass(frozen=True)
class TextTest:
    """A text predicate on one field: the computed value is true, false, or missing with the text."""

    field: str
    op: str  # matches | contains_any | starts_with (the negative forms are `eq false` on it)
    pattern: Any  # a regex / a tuple of strings / Param / FieldRef (another text field of the same fact) /
    # SubjectRef (inside a relation: a text field of the subject)
    case_sensitive: bool = False

    def describe(self, params: dict[str, Any] | None = None, positive: bool = True) -> str:
        """In plain words, e.g. "declaration.mitigation does not match the pattern '\\bCCG\\b'"."""
        pattern = self.pattern
        if isinstance(pattern, Param) and params is not None and pattern.name in params:
            pattern = params[pattern.name]
        if isinstance(pattern, (Param, FieldRef, SubjectRef)):
            what = describe_value(pattern)
        elif isinstance(pattern, str):
            what = f"'{pattern}'" if self.op == "matches" else repr(pattern)
        else:
            what = ", ".join(map(repr, pattern))
        verb = {("matches", True): "matches the pattern", ("matches", False): "does not match the pattern",
                ("contains_any", True): "contains one of", ("contains_any", False): "contains none of",
                ("starts_with", True): "starts with one of", ("starts_with", False): "starts with none of"}[self.op, positive]
        case = " (case-sensitive)" if self.case_sensitive else ""
        return f"{self.field} {verb} {what}{case}"


@dataclass(frozen=True)
class Relation:
    """Records of ``kind`` joined to the subject on ``on`` (their field, subject field), filtered by ``where``;
    an empty ``on`` (``on: all`` in a rule) takes every record of the kind.

    ``quantity`` is what the relation yields: ``exists`` or ``every`` (true/false), ``count``
    (a number), ``min``/``max`` of the related field ``of``. Unknowns follow Kleene logic: a related
    record whose ``where`` cannot be decided makes the relation's value unknown unless some
    decided record settles it (one match settles ``exists``).
    """

    kind: str
    on: tuple[tuple[str, str], ...]
    where: "Condition | None"
    quantity: str
    every: "Condition | None" = None
    of: str | None = None
    each: bool = False  # ``kind`` is a list field of the subject's own record; its entries are the related records

    def describe(self, params: dict[str, Any] | None = None, positive: bool = True) -> str:
        """In plain words, e.g. "there is at least one declaration with declaration.person equal to
        this subject's person where ...". ``positive`` false states the negation (exists/every)."""
        keys = " and ".join(f"{theirs} equal to this subject's {mine}" + (" (any entry)" if mine.endswith("[]") else "")
                            for theirs, mine in self.on)
        where = f" where {describe(self.where, params)}" if self.where is not None else ""
        base = (f"entry of {self.kind}{where}" if self.each else f"{self.kind}{where}" if not self.on
                else f"{self.kind} with {keys}{where}")
        if self.quantity == "exists":
            return f"there is at least one {base}" if positive else f"there is no {base}"
        if self.quantity == "every":
            text = f"every {base} has {describe(self.every, params)}"
            return text if positive else f"not: {text}"
        if self.quantity == "count":
            return f"the number of {base}"
        return f"the {'least' if self.quantity == 'min' else 'greatest'} {self.of} of any {base}"


@dataclass(frozen=True)
class Meets:
    """``value`` compared with ``threshold`` by the operator named in ``comparison`` (itself data,
    e.g. a standard's ``comparison: ge``): ``{meets: [VALUE, COMPARISON, THRESHOLD]}``. Each is a
    value (literal, ``{field}``, ``{subject}``, ``{param}``); unknown when any is missing or the
    comparison is not one of eq, ne, lt, le, gt, ge."""

    value: Any
    comparison: Any
    threshold: Any

    def describe(self, params: dict[str, Any] | None = None, positive: bool = True) -> str:
        parts = [describe_value(v, params) for v in (self.value, self.comparison, self.threshold)]
        verb = "meets" if positive else "does not meet"
        return f"{parts[0]} {verb} {parts[2]} by the comparison in {parts[1]}"


MEETS_OPS = COMPARE_OPS[:6]
RANGE_OPS = ("lt", "le", "gt", "ge")  # monotone: both ends of a range agreeing means every day in it does


@dataclass(frozen=True)
class PartialDateTest:
    """A date comparison on a field that holds a date as written, possibly partial (``2016``,
    ``2016-05``, ``2016-05-01``; or a day field): the text means a range of days, and the leaf is true
    or false only when every day in the range gives the same answer, else unknown (an ``error``
    that names the range). ``value`` is a date, ``as_of`` offset, date param or a day field."""

    field: str
    op: str  # one of RANGE_OPS
    value: Any

    def describe(self, params: dict[str, Any] | None = None, positive: bool = True) -> str:
        op = self.op if positive else NEGATE[self.op]
        return f"{self.field} (every day the date as written can mean) {_WORDS[op]} {describe_value(self.value, params)}"


PER_LIMIT = 10_000  # a count_of's `per` stays below this, so a 4-place threshold orders counts exactly


@dataclass(frozen=True)
class CountOf:
    """A value: ``times``/``per`` of the number of related records of another relation, e.g. half the
    board's other members: ``{count_of: {related: membership, on: {body: id}, where: ...}, times: 1, per: 2}``.

    ``relation`` is the synthetic field of the counted relation (a ``count`` ``Relation``); ``times``
    and ``per`` are whole numbers or params. It is compared with a count or a whole-number field, so
    the threshold is exact: the reference evaluator keeps it as a fraction, and durable-rules is given
    it with four decimal places, which orders whole numbers the same way while ``per`` < ``PER_LIMIT``.
    Unknown when the counted relation is (a related record whose ``where`` cannot be decided).
    """

    relation: str
    times: Any
    per: Any

    def describe(self, params: dict[str, Any] | None = None, positive: bool = True) -> str:
        ratio = (f"{describe_value(self.times, params)}/{describe_value(self.per, params)} of "
                 if (self.times, self.per) != (1, 1) else "")
        return f"{ratio}{COMPUTED[self.relation].describe(params)}"


COMPUTED: dict[str, "TextTest | Relation | Meets | CountOf | PartialDateTest"] = {}
"""Synthetic field name -> the text predicate or relation it stands for (names are content digests)."""


def computed_name(spec: "TextTest | Relation | Meets | CountOf | PartialDateTest", scope: str) -> str:
    """A synthetic field's name: a digest of the spec and the rule it belongs to, so parameters
    resolved for one rule never leak into another's value."""
    digest = hashlib.sha1(repr((scope, spec)).encode()).hexdigest()[:12]
    letter = {TextTest: "t", Meets: "m", CountOf: "c", PartialDateTest: "p"}.get(type(spec), "r")
    name = f"~{letter}{digest}"
    COMPUTED[name] = spec
    return name


def is_computed(name: str) -> bool:
    return name.startswith("~")


def describe(cond: "Condition | None", params: dict[str, Any] | None = None) -> str:
    """A condition in plain words, for ``rules explain`` and evidence; ``params`` fills in values."""
    if cond is None:
        return "always"
    if isinstance(cond, Not):
        return f"not ({describe(cond.item, params)})"
    if isinstance(cond, All):
        return " and ".join(_bracket(describe(c, params), c) for c in cond.items)
    if isinstance(cond, AnyOf):
        return " or ".join(_bracket(describe(c, params), c) for c in cond.items)
    return describe_leaf(cond, params)


def _bracket(text: str, cond: "Condition") -> str:
    return f"({text})" if isinstance(cond, (All, AnyOf)) else text


_WORDS = {"eq": "is", "ne": "is not", "lt": "is less than", "le": "is at most", "gt": "is more than",
          "ge": "is at least", "in": "is one of", "not_in": "is none of"}


def describe_leaf(leaf: "Leaf", params: dict[str, Any] | None = None) -> str:
    """One leaf in plain words; a computed leaf (text predicate, relation) states its spec."""
    spec = COMPUTED.get(leaf.field) if is_computed(leaf.field) else None
    if isinstance(spec, (TextTest, Relation, Meets, PartialDateTest)) and (not isinstance(spec, Relation) or spec.quantity in ("exists", "every")):
        positive = (leaf.op == "eq") == (leaf.value is True)
        return spec.describe(params, positive)
    if isinstance(spec, Relation):
        return f"{spec.describe(params)} {_WORDS.get(leaf.op, leaf.op)} {describe_value(leaf.value, params)}"
    if leaf.op in PRESENCE_OPS:
        return f"{leaf.field} is {'recorded' if leaf.op == 'exists' else 'not recorded'}"
    return f"{leaf.field} {_WORDS.get(leaf.op, leaf.op)} {describe_value(leaf.value, params)}"


def describe_value(value: Value, params: dict[str, Any] | None = None) -> str:
    """A value in words; with ``params`` a parameter shows its value (``14 (keep_days)``)."""
    if isinstance(value, Param):
        if params is not None and value.name in params:
            return f"{describe_value(params[value.name])} ({value.name})"
        return f"param {value.name}"
    if isinstance(value, FieldRef):
        spec = COMPUTED.get(value.name) if is_computed(value.name) else None
        return spec.describe(params) if spec is not None else f"field {value.name}"
    if isinstance(value, SubjectRef):
        return f"this subject's {value.name}"
    if isinstance(value, DateValue):
        return value.value.isoformat()
    if isinstance(value, AsOf):
        if value.key is None:
            return "as_of"
        amount = describe_value(value.amount, params) if isinstance(value.amount, Param) else value.amount
        sign, unit = value.key.split("_")
        return f"as_of {sign} {amount} {unit}"
    if isinstance(value, list):
        return "[" + ", ".join(describe_value(v, params) for v in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def count_of_values(leaf: Leaf) -> list[tuple[str, CountOf]]:
    """The ``count_of`` values a leaf compares with: (synthetic field name, spec)."""
    values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
    return [(v.name, COMPUTED[v.name]) for v in values if isinstance(v, FieldRef) and isinstance(COMPUTED.get(v.name), CountOf)]


def walk(cond: Condition):
    """Every leaf of a condition."""
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, Not):
        yield from walk(cond.item)
    else:
        for item in cond.items:
            yield from walk(item)


def walk_deep(*conds: Condition | None):
    """Every leaf of the conditions, and of the ``where``/``every`` conditions of the relations
    (and ``each:`` quantifiers) their leaves compute, however deeply nested."""
    pending = [c for c in conds if c is not None]
    while pending:
        for leaf in walk(pending.pop()):
            yield leaf
            spec = COMPUTED.get(leaf.field) if is_computed(leaf.field) else None
            if isinstance(spec, Relation):
                pending.extend(c for c in (spec.where, spec.every) if c is not None)
            pending.extend(counted_leaves(leaf))
            if isinstance(spec, PartialDateTest):  # its comparison, so offset params are checked like any
                pending.append(Leaf(spec.field, spec.op, spec.value))


def counted_leaves(leaf: Leaf) -> list[Leaf]:
    """For each ``count_of`` value the leaf compares with, a leaf on the relation it counts (so what
    walks relations, checks and resolves them reaches it too)."""
    return [Leaf(spec.relation, "ge", 0) for _, spec in count_of_values(leaf)]


def to_nnf(cond: Condition, negate: bool = False) -> Condition:
    """Negation normal form: ``not`` pushed to the leaves, where it becomes the opposite operator.

    durable-rules has no per-condition ``not``; this is the form compiled to it. Text predicates
    and relations are leaves on computed boolean or number fields, so they negate like any leaf.
    """
    if isinstance(cond, Not):
        return to_nnf(cond.item, not negate)
    if isinstance(cond, Leaf):
        if not negate:
            return cond
        return Leaf(cond.field, NEGATE[cond.op], cond.value)
    items = tuple(to_nnf(i, negate) for i in cond.items)
    if isinstance(cond, All):
        return AnyOf(items) if negate else All(items)
    return All(items) if negate else AnyOf(items)


def resolve(cond: Condition, params: dict[str, Any], as_of: dt.date) -> Condition:
    """Replace params, dates and as_of offsets with constants (day ordinals for dates)."""
    if isinstance(cond, Not):
        return Not(resolve(cond.item, params, as_of))
    if isinstance(cond, (All, AnyOf)):
        return type(cond)(tuple(resolve(i, params, as_of) for i in cond.items))
    return Leaf(cond.field, cond.op, resolve_value(cond.value, params, as_of))


def resolve_value(value: Value, params: dict[str, Any], as_of: dt.date) -> Any:
    if isinstance(value, list):
        return [resolve_value(v, params, as_of) for v in value]
    if isinstance(value, Param):
        resolved = params[value.name]
        if isinstance(resolved, (dt.date,)):
            return resolved.toordinal()
        return resolved
    if isinstance(value, DateValue):
        return value.value.toordinal()
    if isinstance(value, AsOf):
        amount = params[value.amount.name] if isinstance(value.amount, Param) else value.amount
        if value.key is None:
            return as_of.toordinal()
        sign = 1 if value.key.startswith("plus") else -1
        if value.key.endswith("months"):
            return add_months(as_of, sign * int(amount)).toordinal()
        return as_of.toordinal() + sign * int(amount)
    return value


def fields_of(cond: Condition | None) -> set[str]:
    """Fact fields a condition reads (both sides of field-to-field comparisons)."""
    out: set[str] = set()
    if cond is None:
        return out
    for leaf in walk(cond):
        out.add(leaf.field)
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        out.update(v.name for v in values if isinstance(v, FieldRef))
    return out


def params_of(cond: Condition | None) -> set[str]:
    """Parameters a condition uses, including those inside text predicates and relations."""
    out: set[str] = set()
    if cond is None:
        return out
    for leaf in walk(cond):
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        for v in values:
            if isinstance(v, Param):
                out.add(v.name)
            if isinstance(v, AsOf) and isinstance(v.amount, Param):
                out.add(v.amount.name)
        spec = COMPUTED.get(leaf.field) if is_computed(leaf.field) else None
        if isinstance(spec, TextTest) and isinstance(spec.pattern, Param):
            out.add(spec.pattern.name)
        if isinstance(spec, Relation):
            out |= params_of(spec.where) | params_of(spec.every)
        if isinstance(spec, Meets):
            out.update(v.name for v in (spec.value, spec.comparison, spec.threshold) if isinstance(v, Param))
        if isinstance(spec, PartialDateTest):
            out |= params_of(Leaf(spec.field, spec.op, spec.value))
        for _, ratio in count_of_values(leaf):
            out.update(p.name for p in (ratio.times, ratio.per) if isinstance(p, Param))
            out |= params_of(Leaf(ratio.relation, "ge", 0))
    return out


def reads(cond: Condition | None, kind: str, subject: str | None = None) -> dict[str, set[str]]:
    """The fields a condition reads, by kind: the subject's own, and those of related kinds; with
    ``subject`` (a relation's ``where``/``every`` on records of ``kind``), also the fields its
    ``{subject: F}`` operands read of that subject, under ``subject``."""
    out: dict[str, set[str]] = {}
    _reads(cond, kind, subject, out)
    return out


def _reads(cond: Condition | None, kind: str, subject: str | None, out: dict[str, set[str]]) -> None:
    if cond is None:
        return
    mine = out.setdefault(kind, set())
    for leaf in walk(cond):
        spec = COMPUTED.get(leaf.field) if is_computed(leaf.field) else None
        if isinstance(spec, TextTest):
            mine.add(spec.field)
            if isinstance(spec.pattern, FieldRef):
                mine.add(spec.pattern.name)
            elif isinstance(spec.pattern, SubjectRef) and subject is not None:
                out.setdefault(subject, set()).add(spec.pattern.name)
        elif isinstance(spec, PartialDateTest):
            mine.add(spec.field)
            if isinstance(spec.value, FieldRef):
                mine.add(spec.value.name)
        elif isinstance(spec, Meets):
            operands = (spec.value, spec.comparison, spec.threshold)
            mine.update(v.name for v in operands if isinstance(v, FieldRef))
            if subject is not None:
                out.setdefault(subject, set()).update(v.name for v in operands if isinstance(v, SubjectRef))
        elif isinstance(spec, Relation) and spec.each:
            # the entries are flattened into the subject's own fact, under the list's name
            mine.add(spec.kind + "[]")
            if spec.of:
                mine.add(spec.of)
            for inner in (spec.where, spec.every):
                _reads(inner, kind, kind, out)
        elif isinstance(spec, Relation):
            mine.update(subject_field for _, subject_field in spec.on)
            theirs = out.setdefault(spec.kind, set())
            theirs.update(their for their, _ in spec.on)
            if spec.of:
                theirs.add(spec.of)
            for inner in (spec.where, spec.every):
                _reads(inner, spec.kind, kind, out)
        else:
            mine.add(leaf.field)
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        mine.update(v.name for v in values if isinstance(v, FieldRef) and not is_computed(v.name))
        for counted in counted_leaves(leaf):
            _reads(counted, kind, subject, out)
        if subject is not None:
            out.setdefault(subject, set()).update(v.name for v in values if isinstance(v, SubjectRef))
