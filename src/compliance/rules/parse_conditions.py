"""A rule's ``when``/``require`` YAML parsed into the condition tree of ``rules.conditions``.

Every problem is a ``ConditionError`` naming the path in the rule (``require.all[1].related``), the
bad value and the expected form. Text patterns are compiled here, once, so a bad regex is a load
error; relations, text predicates, ``meets`` and ``count_of`` are registered as computed fields
(``conditions.computed_name``), which the engine gives durable-rules as plain values.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..model.dates import parse_date
from .conditions import (
    AS_OF_KEYS, COMPARE_OPS, MEETS_OPS, PER_LIMIT, PRESENCE_OPS, QUANTIFIERS, RANGE_OPS, TEXT_OPS, All, AnyOf, AsOf, Condition,
    ConditionError, CountOf, DateValue, FieldRef, Leaf, Meets, Not, Param, PartialDateTest, Relation, SubjectRef, TextTest, Value,
    computed_name, reads,
)
from .messages import key_names


def _on_key(raw: dict) -> dict:
    """``raw`` with a relation's ``on:`` key as text: YAML 1.1 reads a bare ``on`` as the boolean true."""
    return {("on" if k is True else k): v for k, v in raw.items()} if True in raw else raw


def parse_condition(raw: Any, path: str = "", scope: str = "", inside_relation: bool = False) -> Condition:
    """Parse a YAML condition; errors name the path inside the condition.

    ``scope`` (the rule id) keeps computed fields of different rules apart; ``inside_relation``
    allows ``{subject: F}`` values (a relation's ``where`` and ``every``).
    """
    if not isinstance(raw, dict):
        raise ConditionError(f"{path or 'condition'}: expected a mapping (all/any/not, field + operator, or related), got {raw!r}")
    raw = _on_key(raw)
    keys = set(raw)
    for group, cls in (("all", All), ("any", AnyOf)):
        if group in keys:
            if keys != {group}:
                raise ConditionError(f"{path}{group}: '{group}' stands alone; found also {key_names(keys - {group})}")
            items = raw[group]
            if not isinstance(items, list) or not items:
                raise ConditionError(f"{path}{group}: expected a non-empty list of conditions")
            return cls(tuple(parse_condition(c, f"{path}{group}[{i}].", scope, inside_relation) for i, c in enumerate(items)))
    if "not" in keys:
        if keys != {"not"}:
            raise ConditionError(f"{path}not: 'not' stands alone; found also {key_names(keys - {'not'})}")
        return Not(parse_condition(raw["not"], f"{path}not.", scope, inside_relation))
    if "related" in keys or "each" in keys:
        return _parse_relation(raw, path, scope)
    if "meets" in keys:
        args = raw["meets"]
        if keys != {"meets"} or not isinstance(args, list) or len(args) != 3:
            raise ConditionError(f"{path}meets: expected [VALUE, COMPARISON, THRESHOLD] standing alone, "
                                 f"e.g. {{meets: [{{subject: metric.value}}, {{field: standard.comparison}}, {{field: standard.threshold}}]}}; got {raw!r}")
        values = [_parse_value(a, f"{path}meets[{i}]", inside_relation) for i, a in enumerate(args)]
        if not isinstance(values[1], (FieldRef, SubjectRef, Param)) and values[1] not in MEETS_OPS:
            raise ConditionError(f"{path}meets[1]: the comparison is one of {', '.join(MEETS_OPS)} or a field holding one; got {args[1]!r}")
        return Leaf(computed_name(Meets(*values), scope), "eq", True)
    if "field" not in keys:
        raise ConditionError(f"{path or 'condition'}: expected one of all/any/not, a 'field' with an operator, "
                             f"or 'related'; got keys {key_names(keys)}")
    field = raw["field"]
    if not isinstance(field, str) or not field:
        raise ConditionError(f"{path}field: expected a field name, got {field!r}")
    options = {"case_sensitive", "partial_date"} & keys
    ops = keys - {"field"} - options
    every_op = COMPARE_OPS + TEXT_OPS + PRESENCE_OPS
    if len(ops) != 1:
        raise ConditionError(f"{path}{field}: expected exactly one operator of {', '.join(every_op)}; got {key_names(ops) or 'none'}")
    op = ops.pop()
    if "case_sensitive" in options and op not in TEXT_OPS:
        raise ConditionError(f"{path}{field}: 'case_sensitive' goes with a text operator ({', '.join(TEXT_OPS)})")
    if "partial_date" in options:
        if raw["partial_date"] is not True or op not in RANGE_OPS:
            raise ConditionError(f"{path}{field}: write 'partial_date: true' beside one of {', '.join(RANGE_OPS)} "
                                 f"(a range of days answers only an ordering); got {op}")
        value = _parse_value(raw[op], f"{path}{field}.{op}", inside_relation, scope)
        if not isinstance(value, (DateValue, AsOf, Param, FieldRef)):
            raise ConditionError(f"{path}{field}.{op}: a partial date is compared with a date ({{date: ...}}, "
                                 f"{{as_of: ...}}, a date param or a date field); got {raw[op]!r}")
        return Leaf(computed_name(PartialDateTest(field, op, value), scope), "eq", True)
    if op in PRESENCE_OPS:
        if raw[op] is not True:
            raise ConditionError(f"{path}{field}: write '{op}: true'")
        return Leaf(field, op)
    if op in TEXT_OPS:
        return _parse_text(field, op, raw[op], raw.get("case_sensitive", False), f"{path}{field}.{op}", scope, inside_relation)
    if op not in COMPARE_OPS:
        raise ConditionError(f"{path}{field}: unknown operator '{op}'; expected one of {', '.join(every_op)}")
    value = _parse_value(raw[op], f"{path}{field}.{op}", inside_relation, scope)
    if op in ("in", "not_in") and not (isinstance(value, (list, Param))):
        raise ConditionError(f"{path}{field}.{op}: expected a list of values")
    return Leaf(field, op, value)


def _parse_text(field: str, op: str, raw: Any, case_sensitive: Any, path: str, scope: str, inside_relation: bool = False) -> Leaf:
    if not isinstance(case_sensitive, bool):
        raise ConditionError(f"{path}: case_sensitive is true or false, got {case_sensitive!r}")
    positive = {"not_matches": "matches"}.get(op, op)
    if isinstance(raw, dict) and set(raw) == {"param"}:
        pattern: Any = Param(str(raw["param"]))
    elif isinstance(raw, dict) and set(raw) == {"field"} and isinstance(raw["field"], str) and raw["field"]:
        # the operand is another text field of the same fact, taken as literal text (never a regex)
        pattern = FieldRef(raw["field"])
    elif isinstance(raw, dict) and set(raw) == {"subject"} and isinstance(raw["subject"], str) and raw["subject"]:
        # inside a relation: a text field of the subject the relation starts from, taken literally
        if not inside_relation:
            raise ConditionError(f"{path}: {{subject: ...}} is used inside a relation's where/every; elsewhere write {{field: ...}}")
        pattern = SubjectRef(raw["subject"])
    elif positive == "matches":
        if not isinstance(raw, str):
            raise ConditionError(f"{path}: expected a regular expression (text), {{param: NAME}}, {{field: NAME}} or, in a relation, {{subject: NAME}}; got {raw!r}")
        check_pattern(raw, case_sensitive, path)
        pattern = raw
    else:
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
            raise ConditionError(f"{path}: expected a text or a non-empty list of texts, {{param: NAME}} or {{field: NAME}}; got {raw!r}")
        pattern = tuple(items)
    name = computed_name(TextTest(field, positive, pattern, case_sensitive), scope)
    return Leaf(name, "eq", op != "not_matches")


def check_pattern(pattern: str, case_sensitive: bool, path: str) -> "re.Pattern[str]":
    """Compile a rule's regular expression once; a bad one is a load error naming where it is."""
    try:
        return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ConditionError(f"{path}: invalid regular expression {pattern!r}: {exc}") from None


def _parse_relation(raw: dict[str, Any], path: str, scope: str) -> Leaf:
    """``{related: KIND, on: {...}, ...}`` over another register, or ``{each: LIST_FIELD, ...}`` over
    the entries of a list field of the subject's own record (same quantifiers, no ``on``)."""
    each = "each" in raw
    if each and "related" in raw:
        raise ConditionError(f"{path}each: 'each' and 'related' do not go together")
    kind = raw["each" if each else "related"]
    where_path = f"{path}{'each' if each else 'related'}({kind})"
    if not isinstance(kind, str) or not kind:
        raise ConditionError(f"{path}{'each: expected a list field of the subject' if each else 'related: expected a subject kind'}, got {kind!r}")
    raw = _on_key(raw)
    if each:
        if "on" in raw:
            raise ConditionError(f"{where_path}: 'each' reads the subject's own list; it takes no 'on'")
        on: Any = {}
    else:
        on = raw.get("on")
        if on == "all":  # every record of the kind, each judged by the where (an empty mapping is a slip, refused)
            on = {}
        elif not isinstance(on, dict) or not on or not all(isinstance(k, str) and isinstance(v, str) for k, v in on.items()):
            raise ConditionError(f"{where_path}.on: expected a mapping of their field to the subject's field, "
                                 f"e.g. {{declaration.person: person}}, or 'all' (every {kind} record); got {on!r}")
    where = raw.get("where")
    where_cond = parse_condition(where, f"{where_path}.where.", scope, True) if where is not None else None
    quantity = [q for q in QUANTIFIERS if q in raw]
    rest = set(raw) - {"related", "each", "on", "where", *QUANTIFIERS}
    spec_args: dict[str, Any] = {"each": True} if each else {}
    if len(quantity) != 1:
        raise ConditionError(f"{where_path}: expected exactly one of {', '.join(QUANTIFIERS)}; got {quantity or 'none'}")
    (q,) = quantity
    if q in ("exists", "none"):
        if raw[q] is not True:
            raise ConditionError(f"{where_path}.{q}: write '{q}: true'")
        if rest:
            raise ConditionError(f"{where_path}: unexpected key(s) {key_names(rest)}")
        name = computed_name(Relation(kind, tuple(sorted(on.items())), where_cond, "exists", **spec_args), scope)
        return Leaf(name, "eq", q == "exists")
    if q == "every":
        if rest:
            raise ConditionError(f"{where_path}: unexpected key(s) {key_names(rest)}")
        spec_args["every"] = parse_condition(raw["every"], f"{where_path}.every.", scope, True)
        name = computed_name(Relation(kind, tuple(sorted(on.items())), where_cond, "every", **spec_args), scope)
        return Leaf(name, "eq", True)
    if q == "count":
        test = raw["count"]
        if not isinstance(test, dict) or len(test) != 1 or next(iter(test)) not in COMPARE_OPS[:6]:
            raise ConditionError(f"{where_path}.count: expected one comparison, e.g. {{ge: 1}}; got {test!r}")
        if rest:
            raise ConditionError(f"{where_path}: unexpected key(s) {key_names(rest)}")
        (op, value), = test.items()
    else:  # min / max of a field, compared with the operator beside it
        of = raw[q]
        if not isinstance(of, str) or not of:
            raise ConditionError(f"{where_path}.{q}: expected the related field to take the {q} of")
        ops = [k for k in rest if k in COMPARE_OPS[:6]]
        if len(ops) != 1 or rest - set(ops):
            raise ConditionError(f"{where_path}.{q}: expected one comparison beside it (eq, ne, lt, le, gt, ge); "
                                 f"got {key_names(rest) or 'none'}")
        op, value = ops[0], raw[ops[0]]
        spec_args["of"] = of
    name = computed_name(Relation(kind, tuple(sorted(on.items())), where_cond, q, **spec_args), scope)
    return Leaf(name, op, _parse_value(value, f"{where_path}.{q}.{op}", False, scope))


def _parse_value(raw: Any, path: str, inside_relation: bool = False, scope: str = "") -> Value:
    if isinstance(raw, dict) and "count_of" in raw:
        return _parse_count_of(raw, path, inside_relation, scope)
    if isinstance(raw, dict):
        if set(raw) == {"subject"}:
            if not inside_relation:
                raise ConditionError(f"{path}: {{subject: ...}} is used inside a relation's where/every; "
                                     "elsewhere write {field: ...}")
            return SubjectRef(str(raw["subject"]))
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
        raise ConditionError(f"{path}: a value is a literal, {{param}}, {{field}}, {{date}}, {{as_of}} or, "
                             f"in a relation, {{subject}}; got {raw!r}")
    if isinstance(raw, float) and (raw != raw or abs(raw) >= 1e15):
        raise ConditionError(f"{path}: {raw!r} is not a number the engine can compare (finite, below 1e15)")
    if isinstance(raw, float) and not raw.is_integer():
        # decimals keep four places, as facts do (no exponent form ever reaches durable-rules)
        rounded = round(raw, 4)
        return 0.0 if abs(rounded) < 1e-4 else rounded
    if isinstance(raw, float):
        raw = int(raw)
    if isinstance(raw, (dt.date,)):
        return DateValue(raw)
    if isinstance(raw, list):
        return [_parse_value(v, f"{path}[{i}]", inside_relation, scope) for i, v in enumerate(raw)]
    return raw


def _parse_count_of(raw: dict[str, Any], path: str, inside_relation: bool, scope: str) -> FieldRef:
    """``{count_of: RELATION, times: A, per: B}``: A/B of the number of records ``RELATION`` (written
    as a relation without its quantifier) selects, as a value on a computed field (``CountOf``)."""
    if inside_relation:
        raise ConditionError(f"{path}: count_of compares the subject's own counts; it is not used inside a relation's where/every")
    if set(raw) - {"count_of", "times", "per"}:
        raise ConditionError(f"{path}: count_of takes times and per beside it; got {key_names(set(raw) - {'count_of', 'times', 'per'})}")
    inner = raw["count_of"]
    if not isinstance(inner, dict) or not ({"related", "each"} & set(inner)):
        raise ConditionError(f"{path}.count_of: expected a relation ({{related: KIND, on: ..., where: ...}} or "
                             f"{{each: LIST, where: ...}}) without a quantifier; got {inner!r}")
    if set(inner) & set(QUANTIFIERS):
        raise ConditionError(f"{path}.count_of: the relation is counted; drop {sorted(set(inner) & set(QUANTIFIERS))}")
    # the counted relation parses as a `count` relation; the comparison written here is discarded
    counted = _parse_relation({**inner, "count": {"ge": 0}}, f"{path}.count_of.", scope)
    ratio = []
    for key in ("times", "per"):
        value = raw.get(key, 1)
        if isinstance(value, dict) and set(value) == {"param"}:
            value = Param(str(value["param"]))
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < PER_LIMIT or (key == "per" and value == 0):
            raise ConditionError(f"{path}.{key}: expected a whole number from {1 if key == 'per' else 0} to "
                                 f"{PER_LIMIT - 1} or {{param: NAME}}; got {value!r}")
        ratio.append(value)
    return FieldRef(computed_name(CountOf(counted.field, *ratio), scope))


def ratio_problems(times: Any, per: Any, where: str) -> list[str]:
    """A count_of's ratio from parameters must be whole numbers in range, as literal ones are."""
    out = []
    for key, value, low in (("times", times, 0), ("per", per, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value < PER_LIMIT:
            out.append(f"{where}: count_of {key} is {value!r}; expected a whole number from {low} to {PER_LIMIT - 1}")
    return out
