"""The practical limit: every rule's resolved condition written out as one plain Python expression.

This is what a hand-written loop over (rule, subject) would do, generated from the rule set so
it follows the rules the lead adds. Three-valued logic is done with small integers (0 false,
1 undecided, 2 true): ``all`` is ``min``, ``any`` is ``max``, ``not`` is ``2 - x``. Comparisons
follow the reference evaluator exactly (type-strict equality, booleans never ordered, whole-value
regular-expression match) and the benchmark checks that the outcomes are identical.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from compliance.rules.conditions import All, AnyOf, Condition, FieldRef, Leaf, Not

_MISSING = object()
_ORDER = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class _Source:
    def __init__(self) -> None:
        self.consts: dict[str, Any] = {"M": _MISSING}
        self.count = 0

    def const(self, value: Any) -> str:
        name = f"c{len(self.consts)}"
        self.consts[name] = value
        return name

    def var(self) -> str:
        self.count += 1
        return f"v{self.count}"


def _leaf(leaf: Leaf, src: _Source) -> str:
    f = repr(leaf.field)
    if leaf.op == "exists":
        return f"(2 if {f} in x else 0)"
    if leaf.op == "missing":
        return f"(0 if {f} in x else 2)"
    a = src.var()
    get_a = f"({a} := x.get({f}, M)) is M"
    if isinstance(leaf.value, FieldRef):
        b = src.var()
        get_b = f"({b} := x.get({leaf.value.name!r}, M)) is M"
        if leaf.op in _ORDER:
            test = f"(0 if {a}.__class__ is bool or {b}.__class__ is bool else 2 if {a} {_ORDER[leaf.op]} {b} else 0)"
        else:
            same = f"({a} == {b} and {a}.__class__ is {b}.__class__)"
            test = f"(2 if {same} else 0)" if leaf.op == "eq" else f"(0 if {same} else 2)"
        return f"(1 if {get_b} or {get_a} else {test})"
    v = leaf.value
    if leaf.op in ("eq", "ne"):
        c, t = src.const(v), src.const(type(v))
        same = f"({a} == {c} and {a}.__class__ is {t})"
        test = f"(2 if {same} else 0)" if leaf.op == "eq" else f"(0 if {same} else 2)"
    elif leaf.op in ("in", "not_in"):
        members = src.const(frozenset((x, type(x)) for x in v))
        member = f"(({a}, {a}.__class__) in {members})"
        test = f"(2 if {member} else 0)" if leaf.op == "in" else f"(0 if {member} else 2)"
    elif leaf.op == "matches":
        rx = src.const(re.compile(v))
        test = f"(2 if {a}.__class__ is str and {rx}.fullmatch({a}) else 0)"
    elif isinstance(v, bool):
        test = "0"
    else:
        c = src.const(v)
        test = f"(0 if {a}.__class__ is bool else 2 if {a} {_ORDER[leaf.op]} {c} else 0)"
    return f"(1 if {get_a} else {test})"


def _expr(cond: Condition, src: _Source) -> str:
    if isinstance(cond, Leaf):
        return _leaf(cond, src)
    if isinstance(cond, Not):
        return f"(2 - {_expr(cond.item, src)})"
    parts = ", ".join(_expr(c, src) for c in cond.items)
    if len(cond.items) == 1:
        return parts
    return f"{'min' if isinstance(cond, All) else 'max'}({parts})"


def compile_rule(when: Condition | None, require: Condition) -> Callable[[list[dict[str, Any]]], list[str]]:
    """A function from a kind's facts to one outcome per fact, for a resolved rule."""
    src = _Source()
    lines = ["def rule(facts):", "    out = []", "    append = out.append", "    for x in facts:"]
    if when is not None:
        lines += [f"        w = {_expr(when, src)}", "        if w != 2:",
                  "            append('not_applicable' if w == 0 else 'error')", "            continue"]
    lines += [f"        q = {_expr(require, src)}", "        append('pass' if q == 2 else 'fail' if q == 0 else 'error')",
              "    return out"]
    namespace = dict(src.consts)
    exec(compile("\n".join(lines), "<plain-rule>", "exec"), namespace)  # noqa: S102 - generated from validated rules
    return namespace["rule"]
