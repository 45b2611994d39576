"""The condition tree of a rule: parsing from YAML, parameter/as_of resolution, negation normal form.

A condition is ``all`` / ``any`` / ``not`` over leaves. A leaf names one fact field and one
operator: ``eq ne lt le gt ge in not_in matches`` with a value, or ``exists`` / ``missing``.
A value is a literal, ``{param: NAME}``, ``{field: NAME}`` (same fact), ``{date: YYYY-MM-DD}`` or
``{as_of: {plus_days|minus_days|plus_months|minus_months: N}}``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Union

from ..model.dates import add_months, parse_date

COMPARE_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "matches")
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

    def describe(self) -> str:
        if self.op in PRESENCE_OPS:
            return f"{self.field} {self.op}"
        return f"{self.field} {self.op} {describe_value(self.value)}"


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


def describe_value(value: Value) -> str:
    if isinstance(value, Param):
        return f"param {value.name}"
    if isinstance(value, FieldRef):
        return f"field {value.name}"
    if isinstance(value, DateValue):
        return value.value.isoformat()
    if isinstance(value, AsOf):
        if value.key is None:
            return "as_of"
        amount = f"param {value.amount.name}" if isinstance(value.amount, Param) else value.amount
        return f"as_of {value.key.replace('_', ' ')} {amount}"
    return repr(value)


def parse_condition(raw: Any, path: str = "") -> Condition:
    """Parse a YAML condition; errors name the path inside the condition."""
    if not isinstance(raw, dict):
        raise ConditionError(f"{path or 'condition'}: expected a mapping (all/any/not or field + operator), got {raw!r}")
    keys = set(raw)
    for group, cls in (("all", All), ("any", AnyOf)):
        if group in keys:
            if keys != {group}:
                raise ConditionError(f"{path}{group}: '{group}' stands alone; found also {sorted(keys - {group})}")
            items = raw[group]
            if not isinstance(items, list) or not items:
                raise ConditionError(f"{path}{group}: expected a non-empty list of conditions")
            return cls(tuple(parse_condition(c, f"{path}{group}[{i}].") for i, c in enumerate(items)))
    if "not" in keys:
        if keys != {"not"}:
            raise ConditionError(f"{path}not: 'not' stands alone; found also {sorted(keys - {'not'})}")
        return Not(parse_condition(raw["not"], f"{path}not."))
    if "field" not in keys:
        raise ConditionError(f"{path or 'condition'}: expected one of all/any/not or a 'field' with an operator; got keys {sorted(keys)}")
    ops = keys - {"field"}
    if len(ops) != 1:
        raise ConditionError(f"{path}{raw['field']}: expected exactly one operator of {', '.join(COMPARE_OPS + PRESENCE_OPS)}; got {sorted(ops) or 'none'}")
    op = ops.pop()
    field = raw["field"]
    if not isinstance(field, str):
        raise ConditionError(f"{path}field: expected a field name, got {field!r}")
    if op in PRESENCE_OPS:
        if raw[op] is not True:
            raise ConditionError(f"{path}{field}: write '{op}: true'")
        return Leaf(field, op)
    if op not in COMPARE_OPS:
        raise ConditionError(f"{path}{field}: unknown operator '{op}'; expected one of {', '.join(COMPARE_OPS + PRESENCE_OPS)}")
    value = _parse_value(raw[op], f"{path}{field}.{op}")
    if op in ("in", "not_in") and not (isinstance(value, (list, Param))):
        raise ConditionError(f"{path}{field}.{op}: expected a list of values")
    if op == "matches":
        if not isinstance(value, str):
            raise ConditionError(f"{path}{field}.matches: expected a regular expression string")
        try:
            re.compile(value)
        except re.error as exc:
            raise ConditionError(f"{path}{field}.matches: invalid regular expression: {exc}") from None
    return Leaf(field, op, value)


def _parse_value(raw: Any, path: str) -> Value:
    if isinstance(raw, dict):
        if set(raw) == {"param"}:
            return Param(str(raw["param"]))
        if set(raw) == {"field"}:
            return FieldRef(str(raw["field"]))
        if set(raw) == {"date"}:
            try:
                return DateValue(parse_date(raw["date"]))
            except ValueError as exc:
                raise ConditionError(f"{path}: {exc}") from None
        if set(raw) == {"as_of"}:
            spec = raw["as_of"] or {}
            if not isinstance(spec, dict) or len(spec) > 1 or (spec and next(iter(spec)) not in AS_OF_KEYS):
                raise ConditionError(f"{path}: as_of takes {{}} or one of {', '.join(AS_OF_KEYS)}: N")
            if not spec:
                return AsOf(None, 0)
            key, amount = next(iter(spec.items()))
            if isinstance(amount, dict) and set(amount) == {"param"}:
                amount = Param(str(amount["param"]))
            elif not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
                raise ConditionError(f"{path}: as_of {key} takes a whole number >= 0 or {{param: NAME}}")
            return AsOf(key, amount)
        raise ConditionError(f"{path}: a value is a literal, {{param}}, {{field}}, {{date}} or {{as_of}}; got {raw!r}")
    if isinstance(raw, float) and not raw.is_integer():
        raise ConditionError(f"{path}: fractional numbers are not supported in conditions; scale to a whole number")
    if isinstance(raw, float):
        raw = int(raw)
    if isinstance(raw, (dt.date,)):
        return DateValue(raw)
    if isinstance(raw, list):
        return [_parse_value(v, f"{path}[{i}]") for i, v in enumerate(raw)]
    return raw


def walk(cond: Condition):
    """Every leaf of a condition."""
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, Not):
        yield from walk(cond.item)
    else:
        for item in cond.items:
            yield from walk(item)


def to_nnf(cond: Condition, negate: bool = False) -> Condition:
    """Negation normal form: ``not`` pushed to the leaves, where it becomes the opposite operator.

    durable-rules has no per-condition ``not``; this is the form compiled to it. ``matches``
    has no opposite there, so a negated ``matches`` is refused when the rule is validated.
    """
    if isinstance(cond, Not):
        return to_nnf(cond.item, not negate)
    if isinstance(cond, Leaf):
        if not negate:
            return cond
        if cond.op == "matches":
            raise ConditionError(
                f"{cond.field}: 'matches' is not supported yet: every rule is also compiled negated (fail and "
                "not-applicable polarities) and durable-rules has no negated match; derive a boolean fact field instead"
            )
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
    return out
