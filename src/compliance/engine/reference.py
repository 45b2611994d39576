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


def _leaf(leaf: Leaf, fact: dict[str, Any], evidence: list[dict[str, Any]] | None) -> bool | None:
    present = leaf.field in fact
    if leaf.op in ("exists", "missing"):
        result = present if leaf.op == "exists" else not present
        if evidence is not None:
            evidence.append({"field": leaf.field, "op": leaf.op, "actual": fact.get(leaf.field), "result": result})
        return result
    expected = leaf.value
    if isinstance(expected, FieldRef):
        if expected.name not in fact:
            if evidence is not None:
                evidence.append({"field": leaf.field, "op": leaf.op, "expected": f"field {expected.name}",
                                 "actual": fact.get(leaf.field), "result": None, "missing": expected.name})
            return None
        expected = fact[expected.name]
    if not present:
        if evidence is not None:
            evidence.append({"field": leaf.field, "op": leaf.op, "expected": expected, "actual": None, "result": None,
                             "missing": leaf.field})
        return None
    result = _compare(leaf.op, fact[leaf.field], expected)
    if evidence is not None:
        evidence.append({"field": leaf.field, "op": leaf.op, "expected": expected, "actual": fact[leaf.field], "result": result})
    return result


def _walk(cond: Condition, fact: dict[str, Any], evidence: list[dict[str, Any]] | None) -> bool | None:
    """Kleene value of ``cond``; with an ``evidence`` list, each leaf's evaluation is appended in order."""
    if isinstance(cond, Leaf):
        return _leaf(cond, fact, evidence)
    if isinstance(cond, Not):
        value = _walk(cond.item, fact, evidence)
        return None if value is None else not value
    values = [_walk(item, fact, evidence) for item in cond.items]
    if isinstance(cond, All):
        return False if False in values else (None if None in values else True)
    return True if True in values else (None if None in values else False)


def evaluate(cond: Condition, fact: dict[str, Any]) -> tuple[bool | None, list[dict[str, Any]]]:
    """Kleene truth value of ``cond`` on ``fact`` and the leaf evaluations that explain it."""
    evidence: list[dict[str, Any]] = []
    return _walk(cond, fact, evidence), evidence


def truth(cond: Condition, fact: dict[str, Any]) -> bool | None:
    """The same Kleene value as ``evaluate`` without building the evidence (decisions only)."""
    return _walk(cond, fact, None)
