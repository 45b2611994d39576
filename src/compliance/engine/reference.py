"""Pure-Python evaluator of the condition tree, in three-valued (Kleene) logic.

It explains each outcome (which leaf held, actual vs expected) and cross-checks durable-rules.
``None`` means "cannot be decided": a field the condition needs is missing.
"""

from __future__ import annotations

import re
from typing import Any

from ..rules.conditions import All, Condition, FieldRef, Leaf, Not


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "eq":
        return actual == expected and type(actual) is type(expected)
    if op == "ne":
        return not (actual == expected and type(actual) is type(expected))
    if op == "in":
        return any(_compare("eq", actual, e) for e in expected)
    if op == "not_in":
        return all(_compare("ne", actual, e) for e in expected)
    if op == "matches":
        # durable-rules matches the whole value (measured: `ab` does not match `xaby`)
        return isinstance(actual, str) and re.fullmatch(expected, actual) is not None
    if isinstance(actual, bool) or isinstance(expected, bool):
        return False
    return {"lt": actual < expected, "le": actual <= expected, "gt": actual > expected, "ge": actual >= expected}[op]


def evaluate_leaf(leaf: Leaf, fact: dict[str, Any]) -> tuple[bool | None, dict[str, Any]]:
    present = leaf.field in fact
    if leaf.op == "exists":
        return present, {"field": leaf.field, "op": "exists", "actual": fact.get(leaf.field), "result": present}
    if leaf.op == "missing":
        return not present, {"field": leaf.field, "op": "missing", "actual": fact.get(leaf.field), "result": not present}
    expected = leaf.value
    if isinstance(expected, FieldRef):
        if expected.name not in fact:
            return None, {"field": leaf.field, "op": leaf.op, "expected": f"field {expected.name}", "actual": fact.get(leaf.field), "result": None, "missing": expected.name}
        expected = fact[expected.name]
    if not present:
        return None, {"field": leaf.field, "op": leaf.op, "expected": expected, "actual": None, "result": None, "missing": leaf.field}
    result = _compare(leaf.op, fact[leaf.field], expected)
    return result, {"field": leaf.field, "op": leaf.op, "expected": expected, "actual": fact[leaf.field], "result": result}


def evaluate(cond: Condition, fact: dict[str, Any]) -> tuple[bool | None, list[dict[str, Any]]]:
    """Kleene truth value of ``cond`` on ``fact`` and the leaf evaluations that explain it."""
    if isinstance(cond, Leaf):
        value, ev = evaluate_leaf(cond, fact)
        return value, [ev]
    if isinstance(cond, Not):
        value, evs = evaluate(cond.item, fact)
        return (None if value is None else not value), evs
    results = [evaluate(item, fact) for item in cond.items]
    values = [v for v, _ in results]
    evidence = [e for _, evs in results for e in evs]
    if isinstance(cond, All):
        value = False if False in values else (None if None in values else True)
    else:
        value = True if True in values else (None if None in values else False)
    return value, evidence


def truth(cond: Condition, fact: dict[str, Any]) -> bool | None:
    """The same Kleene value as ``evaluate`` without building the evidence (decisions only)."""
    if isinstance(cond, Leaf):
        if cond.op == "exists":
            return cond.field in fact
        if cond.op == "missing":
            return cond.field not in fact
        expected = cond.value
        if isinstance(expected, FieldRef):
            if expected.name not in fact:
                return None
            expected = fact[expected.name]
        if cond.field not in fact:
            return None
        return _compare(cond.op, fact[cond.field], expected)
    if isinstance(cond, Not):
        value = truth(cond.item, fact)
        return None if value is None else not value
    values = [truth(item, fact) for item in cond.items]
    if isinstance(cond, All):
        return False if False in values else (None if None in values else True)
    return True if True in values else (None if None in values else False)
