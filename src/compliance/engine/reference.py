"""Pure-Python evaluator of the condition tree, in three-valued (Kleene) logic.

It explains each outcome (which leaf held, actual vs expected) and cross-checks durable-rules.
``None`` means "cannot be decided": a field the condition needs is missing.

A text predicate (``~t`` field) is evaluated here again on the raw text, independently of the
value given to the engine. A relation (``~r`` field) is read from the fact, where
``engine.computed`` put it, except inside a relation's own ``where`` (evaluated here, with
``{subject: F}`` read from the subject the relation starts from).
"""

from __future__ import annotations

import operator
import weakref
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable

from ..rules.conditions import (
    COMPUTED, All, Condition, CountOf, FieldRef, Leaf, Meets, Not, PartialDateTest, SubjectRef, TextTest, is_computed, reads,
)


def compare(op: str, actual: Any, expected: Any) -> bool:
    """``actual <op> expected`` as both engines compare (no bool/number or text/number mixing)."""
    return _compare(op, actual, expected)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    return COMPARE[op](actual, expected)


def _eq(actual: Any, expected: Any) -> bool:
    return actual == expected and _same_type(actual, expected)


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """An ordering comparison that is false across bool/number and text/number, as durable-rules'."""
    def compare_ordered(actual: Any, expected: Any) -> bool:
        if isinstance(actual, bool) or isinstance(expected, bool) or isinstance(actual, str) != isinstance(expected, str):
            return False
        return test(actual, expected)
    return compare_ordered


# one function per operator, chosen once per leaf when a condition is compiled
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _eq,
    "ne": lambda actual, expected: not _eq(actual, expected),
    "in": lambda actual, expected: any(_eq(actual, e) for e in expected),
    "not_in": lambda actual, expected: not any(_eq(actual, e) for e in expected),
    "lt": _ordered(operator.lt), "le": _ordered(operator.le), "gt": _ordered(operator.gt), "ge": _ordered(operator.ge),
}


def _same_type(a: Any, b: Any) -> bool:
    numbers = (int, float, Fraction)  # a count_of threshold is an exact fraction
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b)
    return type(a) is type(b) or (isinstance(a, numbers) and isinstance(b, numbers))


def _value_of(leaf: Leaf, fact: dict[str, Any], ctx: Any, subject: dict[str, Any] | None = None) -> tuple[bool, Any]:
    """(present, value) of the leaf's field; text predicates and ``meets`` are computed from the
    fields themselves (inside a relation, ``subject`` is the fact it starts from)."""
    if is_computed(leaf.field):
        resolved = ctx.specs.get(leaf.field) if ctx is not None else None
        spec = COMPUTED[leaf.field]
        if isinstance(spec, Meets) and resolved is not None:
            value = computed.meets_value(resolved, fact, subject)
            return (False, None) if value is computed.MISSING else (True, value)
        if isinstance(spec, TextTest) and resolved is not None:
            value = resolved.test(fact, subject)
            return (False, None) if value is None else (True, value)
        if isinstance(spec, PartialDateTest) and resolved is not None:  # from the date as written, again
            value = resolved.decide(fact)[0]
            return (False, None) if value is None else (True, value)
    if leaf.field in fact:
        return True, fact[leaf.field]
    return False, None


def _count_of(resolved: Any, fact: dict[str, Any], ctx: Any) -> tuple[Any, dict[str, Any]]:
    """A ``count_of`` threshold for the subject (None when the count is unknown) and the evidence
    that shows what it counts: the other count and the ratio applied to it."""
    count, value = computed.count_of_value(resolved, fact, ctx)
    missing = computed.MISSING
    extra = {"compared_with": COMPUTED[resolved.spec.relation].describe(), "compared_count": None if count is missing else count,
             "ratio": f"{resolved.times}/{resolved.per}"}
    return (None if value is missing else value), extra


def _why_missing(name: str, fact: dict[str, Any], ctx: Any) -> str:
    """What a leaf lacks, in words: the field, or for a partial date the range that does not decide
    it, or for a relation the related records that cannot be decided."""
    resolved = ctx.specs.get(name) if ctx is not None and is_computed(name) else None
    if isinstance(COMPUTED.get(name), PartialDateTest) and resolved is not None:
        return resolved.decide(fact)[1]
    return _shown(name) + _undecided(name, fact, ctx)


def _undecided(name: str, fact: dict[str, Any], ctx: Any, limit: int = 3) -> str:
    """Why a relation is unknown for the subject, in words: the related records whose ``where``
    cannot be decided and the fields they lack (" (cannot be decided for board/n3: no
    person.independent)"); empty when the relation is not one or its join key is what is missing."""
    resolved = ctx.specs.get(name) if ctx is not None and is_computed(name) else None
    if not isinstance(resolved, computed.ResolvedRelation) or resolved.where is None:
        return ""
    records = ctx.related(resolved.spec, fact) or []
    kind = fact.get("kind", "") if resolved.spec.each else resolved.spec.kind
    wanted = reads(resolved.where, kind).get(kind, set())  # the record fields the where reads
    lacking = []
    for record in records:
        if truth(resolved.where, record, ctx, fact) is None:
            absent = sorted(n for n in wanted if n not in record and not n.endswith("[]"))
            lacking.append(f"{record.get('id', '?')}: no {', '.join(absent) or 'decidable value'}")
    if not lacking:
        return ""
    more = f"; {len(lacking) - limit} more" if len(lacking) > limit else ""
    return " (cannot be decided for " + "; ".join(lacking[:limit]) + more + ")"


@lru_cache(maxsize=None)
def _shown(name: str) -> str:
    """A leaf's field as evidence names it: the field, or a computed field's spec in words (a
    computed name is a digest of its spec, so its words never change; worded once per name)."""
    spec = COMPUTED.get(name) if is_computed(name) else None
    return spec.describe() if spec is not None else name


def _leaf(leaf: Leaf, fact: dict[str, Any], evidence: list[dict[str, Any]] | None, ctx: Any,
          subject: dict[str, Any] | None) -> bool | None:
    present, actual = _value_of(leaf, fact, ctx, subject)
    if leaf.op in ("exists", "missing"):
        result = present if leaf.op == "exists" else not present
        if evidence is not None:
            evidence.append({"field": _shown(leaf.field), "op": leaf.op, "actual": actual, "result": result})
        return result
    expected = leaf.value
    extra: dict[str, Any] = {}
    if isinstance(expected, FieldRef) and isinstance(COMPUTED.get(expected.name), CountOf) and ctx is not None:
        # computed again here from the related records, not read from the value given to the engine
        expected, extra = _count_of(ctx.specs[expected.name], fact, ctx)
        if expected is None:
            if evidence is not None:
                counted = COMPUTED[leaf.value.name].relation
                why = [_why_missing(leaf.field, fact, ctx)] if not present else []  # both sides unknown: say both
                evidence.append({"field": _shown(leaf.field), "op": leaf.op, "actual": actual, "result": None,
                                 "missing": "; ".join(why + [_why_missing(counted, fact, ctx)]), **extra})
            return None
    elif isinstance(expected, (FieldRef, SubjectRef)):
        source = fact if isinstance(expected, FieldRef) else (subject or {})
        if expected.name not in source:
            if evidence is not None:
                evidence.append({"field": _shown(leaf.field), "op": leaf.op, "expected": f"field {expected.name}",
                                 "actual": actual, "result": None, "missing": expected.name})
            return None
        expected = source[expected.name]
    shown = round(float(expected), 4) if isinstance(expected, Fraction) else expected  # evidence is JSON
    if not present:
        if evidence is not None:
            evidence.append({"field": _shown(leaf.field), "op": leaf.op, "expected": shown, "actual": None,
                             "result": None, "missing": _why_missing(leaf.field, fact, ctx), **extra})
        return None
    result = _compare(leaf.op, actual, expected)
    if evidence is not None:
        evidence.append({"field": _shown(leaf.field), "op": leaf.op, "expected": shown, "actual": actual, "result": result, **extra})
        if is_computed(leaf.field):  # the synthetic name, so the findings can show a day as a date (popped there)
            evidence[-1]["computed"] = leaf.field
    return result


def _add_related(leaf: Leaf, fact: dict[str, Any], shown: dict[str, Any], ctx: Any) -> None:
    """A relation leaf's evidence names the records it chose (``related``: their ids)."""
    resolved = ctx.specs.get(leaf.field)
    if isinstance(resolved, computed.ResolvedRelation):
        ids = computed.related_ids(resolved, fact, ctx)
        if ids is not None:
            shown["related"] = ids


def _walk(cond: Condition, fact: dict[str, Any], evidence: list[dict[str, Any]] | None, ctx: Any = None,
          subject: dict[str, Any] | None = None) -> bool | None:
    """Kleene value of ``cond``; with an ``evidence`` list, each leaf's evaluation is appended in order."""
    if isinstance(cond, Leaf):
        result = _leaf(cond, fact, evidence, ctx, subject)
        if evidence is not None and subject is None and ctx is not None and is_computed(cond.field):
            _add_related(cond, fact, evidence[-1], ctx)
        return result
    if isinstance(cond, Not):
        value = _walk(cond.item, fact, evidence, ctx, subject)
        return None if value is None else not value
    values = [_walk(item, fact, evidence, ctx, subject) for item in cond.items]
    if isinstance(cond, All):
        return False if False in values else (None if None in values else True)
    return True if True in values else (None if None in values else False)


def evaluate(cond: Condition, fact: dict[str, Any], ctx: Any = None) -> tuple[bool | None, list[dict[str, Any]]]:
    """Kleene truth value of ``cond`` on ``fact`` and the leaf evaluations that explain it (with a
    run's context, through ``explaining``'s closures: the same evidence, made faster)."""
    evidence: list[dict[str, Any]] = []
    if ctx is None:
        return _walk(cond, fact, evidence, ctx), evidence
    found = ctx.explaining.get(id(cond))
    if found is None:  # the entry holds ``cond``, so its id is not reused while the run lasts
        found = ctx.explaining[id(cond)] = (cond, explaining(cond, ctx))
    return found[1](fact, evidence), evidence


def truth(cond: Condition, fact: dict[str, Any], ctx: Any = None, subject: dict[str, Any] | None = None) -> bool | None:
    """The same Kleene value as ``evaluate`` without building the evidence (decisions only).

    ``subject``: inside a relation, the fact the relation starts from (for ``{subject: F}``).
    With a run's context the condition is compiled once (``compiled``) and the closure decides.
    """
    if ctx is None:
        return _walk(cond, fact, None, ctx, subject)
    found = ctx.compiled.get(id(cond))
    if found is None:  # the entry holds ``cond``, so its id is not reused while the run lasts
        found = ctx.compiled[id(cond)] = (cond, compiled(cond, ctx))
    return found[1](fact, subject)


# ---------------------------------------------------------------- the same walk, compiled
#
# Deciding, not explaining, is the hot path: every (rule, subject) is decided here to cross-check
# durable-rules, and every related record's ``where`` is decided here for the relations. Walking the
# tree repeats for each fact the dispatch on node class, operator and operand form; a closure per
# node makes that dispatch once. The closures give exactly ``_walk``'s Kleene value (a property test
# holds them to it on random conditions and facts), and ``evaluate``, which explains, still walks.

Decide = Callable[[dict, "dict | None"], "bool | None"]
_ABSENT = object()


def _weak(ctx: Any) -> Any:
    """The run's context as a closure compiled for it holds it: weakly, since the context holds
    the closure (``ctx.compiled``, ``ctx.explaining``). Held strongly, each was a reference cycle
    the collector had to find, about 10,000 objects a run of the real pack (``engine.gc_policy``);
    now the context and its closures go when the run's last finding does."""
    return ctx if ctx is None or isinstance(ctx, weakref.ProxyType) else weakref.proxy(ctx)


def compiled(cond: Condition, ctx: Any) -> Decide:
    """``cond`` as a function ``(fact, subject) -> True | False | None`` with ``_walk``'s value."""
    if isinstance(cond, Leaf):
        return _compiled_leaf(cond, ctx)
    if isinstance(cond, Not):
        inner = compiled(cond.item, ctx)

        def negated(fact: dict, subject: dict | None) -> bool | None:
            value = inner(fact, subject)
            return None if value is None else not value
        return negated
    items = tuple(compiled(c, ctx) for c in cond.items)
    settles = not isinstance(cond, All)  # one False settles an all, one True an any

    def combined(fact: dict, subject: dict | None) -> bool | None:
        unknown = False
        for item in items:
            value = item(fact, subject)
            if value is settles:
                return settles
            if value is None:
                unknown = True
        return None if unknown else not settles
    return combined


def _compiled_leaf(leaf: Leaf, ctx: Any) -> Decide:
    spec = COMPUTED.get(leaf.field) if is_computed(leaf.field) else None
    expected = leaf.value
    if isinstance(spec, (Meets, TextTest, PartialDateTest)) or (
            isinstance(expected, FieldRef) and isinstance(COMPUTED.get(expected.name), CountOf)):
        # computed from the fact's own fields each time, as the walk does (and read from the run's
        # specs at call time, as the walk reads them)
        weak = _weak(ctx)
        return lambda fact, subject: _leaf(leaf, fact, None, weak, subject)
    name, op = leaf.field, leaf.op
    if op not in ("exists", "missing"):
        test = COMPARE[op]
    if op == "exists":
        return lambda fact, subject: name in fact
    if op == "missing":
        return lambda fact, subject: name not in fact
    if isinstance(expected, FieldRef):
        other = expected.name

        def against_field(fact: dict, subject: dict | None) -> bool | None:
            actual, value = fact.get(name, _ABSENT), fact.get(other, _ABSENT)
            if actual is _ABSENT or value is _ABSENT:
                return None
            return test(actual, value)
        return against_field
    if isinstance(expected, SubjectRef):
        other = expected.name

        def against_subject(fact: dict, subject: dict | None) -> bool | None:
            value = (subject or {}).get(other, _ABSENT)
            actual = fact.get(name, _ABSENT)
            if actual is _ABSENT or value is _ABSENT:
                return None
            return test(actual, value)
        return against_subject

    def against_value(fact: dict, subject: dict | None) -> bool | None:
        actual = fact.get(name, _ABSENT)
        return None if actual is _ABSENT else test(actual, expected)
    return against_value


Explain = Callable[[dict, list], "bool | None"]


def explaining(cond: Condition, ctx: Any) -> Explain:
    """``cond`` as a function ``(fact, evidence) -> value`` that appends to ``evidence`` exactly
    what ``_walk`` appends for a subject (every leaf of an ``all``/``any`` is evaluated, so the
    evidence shows each one). Leaves on computed fields are handed to ``_leaf`` itself."""
    if isinstance(cond, Leaf):
        return _explaining_leaf(cond, ctx)
    if isinstance(cond, Not):
        inner = explaining(cond.item, ctx)

        def negated(fact: dict, evidence: list) -> bool | None:
            value = inner(fact, evidence)
            return None if value is None else not value
        return negated
    items = tuple(explaining(c, ctx) for c in cond.items)
    settles, otherwise = (False, True) if isinstance(cond, All) else (True, False)

    def combined(fact: dict, evidence: list) -> bool | None:
        values = [item(fact, evidence) for item in items]
        return settles if settles in values else (None if None in values else otherwise)
    return combined


def _explaining_leaf(leaf: Leaf, ctx: Any) -> Explain:
    name, op, expected = leaf.field, leaf.op, leaf.value
    if is_computed(name) or isinstance(expected, SubjectRef) or (
            isinstance(expected, FieldRef) and isinstance(COMPUTED.get(expected.name), CountOf)):
        weak = _weak(ctx)

        def generic(fact: dict, evidence: list) -> bool | None:
            result = _leaf(leaf, fact, evidence, weak, None)
            if is_computed(name):
                _add_related(leaf, fact, evidence[-1], weak)
            return result
        return generic
    if op in ("exists", "missing"):
        wanted = op == "exists"

        def presence(fact: dict, evidence: list) -> bool:
            result = (name in fact) is wanted
            evidence.append({"field": name, "op": op, "actual": fact.get(name), "result": result})
            return result
        return presence
    test = COMPARE[op]
    if isinstance(expected, FieldRef):
        other = expected.name

        def against_field(fact: dict, evidence: list) -> bool | None:
            present, actual = name in fact, fact.get(name)
            if other not in fact:
                evidence.append({"field": name, "op": op, "expected": f"field {other}", "actual": actual, "result": None,
                                 "missing": other})
                return None
            value = fact[other]
            shown = round(float(value), 4) if isinstance(value, Fraction) else value
            if not present:
                evidence.append({"field": name, "op": op, "expected": shown, "actual": None, "result": None, "missing": name})
                return None
            result = test(actual, value)
            evidence.append({"field": name, "op": op, "expected": shown, "actual": actual, "result": result})
            return result
        return against_field
    shown = round(float(expected), 4) if isinstance(expected, Fraction) else expected

    def against_value(fact: dict, evidence: list) -> bool | None:
        if name not in fact:
            evidence.append({"field": name, "op": op, "expected": shown, "actual": None, "result": None, "missing": name})
            return None
        actual = fact[name]
        result = test(actual, expected)
        evidence.append({"field": name, "op": op, "expected": shown, "actual": actual, "result": result})
        return result
    return against_value


# computed imports this module at its top (compare, truth); this module needs computed only when
# called, so it is imported last, once both modules' names exist
from . import computed  # noqa: E402
