"""The practical limit: every rule written out as plain Python, relations and computed fields included.

This is what a hand-written loop over (rule, subject) would do, generated from the rule set so it
follows the rules the lead adds. Nothing here calls the engine's evaluation code
(``compliance.engine``): the pack's derived values, text predicates, ``meets`` and relations are
computed here, relations by plain dict joins (one index per (register, join keys) and data set).
From the library it uses only the loaded rules and ``rules.conditions.resolve`` (constants put in
for parameters and dates, once per rule, as compiling a rule would).

Three-valued logic is done with small integers (0 false, 1 undecided, 2 true): ``all`` is ``min``,
``any`` is ``max``, ``not`` is ``2 - x``. Comparisons follow the reference evaluator (type-strict
equality, booleans never ordered, text never ordered against numbers) and the benchmark checks
that the outcomes are identical, outcome by outcome.

A rule whose condition uses something this module cannot write out (a relation nested in another
relation's ``where``) raises ``Unsupported``; ``supported`` says which rules those are, and the
benchmark lists them and leaves them out of every ratio rather than skipping them silently
(``decide`` leaves such a rule out and names it in ``skipped()``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from compliance.rules.conditions import (
    COMPUTED, All, AnyOf, Condition, FieldRef, Leaf, Meets, Not, Param, Relation, SubjectRef, TextTest,
    is_computed, resolve, resolve_value,
)

_MISSING = object()
_ORDER = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_MEETS_OPS = ("eq", "ne", "lt", "le", "gt", "ge")


class Unsupported(Exception):
    """A rule this module cannot write out as plain Python (the message says what)."""


# ---------------------------------------------------------------- comparison for `meets`

def _same(a: Any, b: Any) -> bool:
    if a.__class__ is bool or b.__class__ is bool:
        return a is b
    return a == b and (a.__class__ is b.__class__ or (a.__class__ in (int, float) and b.__class__ in (int, float)))


def _cmp(op: str, a: Any, b: Any) -> bool:
    """``a op b`` with the reference evaluator's typing (used by ``meets``, whose operator is data)."""
    if op == "eq":
        return _same(a, b)
    if op == "ne":
        return not _same(a, b)
    if a.__class__ is bool or b.__class__ is bool or (a.__class__ is str) != (b.__class__ is str):
        return False
    return a < b if op == "lt" else a <= b if op == "le" else a > b if op == "gt" else a >= b


# ---------------------------------------------------------------- code generation

class _Source:
    """Constants, helper functions and variable names of one generated rule function."""

    def __init__(self, params: dict[str, Any], as_of: dt.date) -> None:
        self.consts: dict[str, Any] = {"M": _MISSING, "E": {}, "cmp": _cmp, "re": re}
        self.helpers: list[str] = []
        self.prologue: list[str] = []
        self.params = params
        self.as_of = as_of
        self.count = 0

    def const(self, value: Any) -> str:
        name = f"c{len(self.consts)}"
        self.consts[name] = value
        return name

    def var(self) -> str:
        self.count += 1
        return f"v{self.count}"


def _text_value(spec: TextTest, fact: str, src: _Source, subject: str | None = None) -> str:
    """An expression for the text predicate's value: True, False or M (the text is missing).
    ``subject``: inside a relation, the subject's fact, which a ``{subject: F}`` operand reads."""
    t = src.var()
    fold = "" if spec.case_sensitive else ".lower()"
    if isinstance(spec.pattern, (FieldRef, SubjectRef)):
        o = src.var()
        source = fact if isinstance(spec.pattern, FieldRef) else (subject or "E")
        get_o = f"({o} := {source}.get({spec.pattern.name!r}))"
        if spec.op == "matches":
            flags = 0 if spec.case_sensitive else re.IGNORECASE
            test = f"re.search(re.escape({o}), {t}, {flags}) is not None"
        elif spec.op == "contains_any":
            test = f"{o}{fold} in {t}{fold}"
        else:
            test = f"{t}{fold}.startswith({o}{fold})"
        return (f"(({test}) if ({t} := {fact}.get({spec.field!r})).__class__ is str and {get_o}.__class__ is str else M)")
    pattern = src.params[spec.pattern.name] if isinstance(spec.pattern, Param) else spec.pattern
    if spec.op == "matches":
        rx = src.const(re.compile(str(pattern), 0 if spec.case_sensitive else re.IGNORECASE))
        test = f"{rx}.search({t}) is not None"
    else:
        items = (pattern,) if isinstance(pattern, str) else tuple(pattern)
        items = items if spec.case_sensitive else tuple(i.lower() for i in items)
        if spec.op == "contains_any":
            low = src.var()
            test = " or ".join(f"{src.const(i)} in {low}" for i in items)
            test = f"(({low} := {t}{fold}) is not None and ({test}))"
        else:
            test = f"{t}{fold}.startswith({src.const(items)})"
    return f"(({test}) if ({t} := {fact}.get({spec.field!r})).__class__ is str else M)"


def _operand(value: Any, fact: str, subject: str | None, src: _Source) -> tuple[str, str | None]:
    """(expression, variable) of a value that may name a field of the fact or of the subject."""
    if isinstance(value, (FieldRef, SubjectRef)):
        source = fact if isinstance(value, FieldRef) else (subject or "E")  # E: {} (no subject outside a relation)
        v = src.var()
        return f"({v} := {source}.get({value.name!r}, M))", v
    return src.const(resolve_value(value, src.params, src.as_of)), None


def _meets_value(spec: Meets, fact: str, subject: str | None, src: _Source) -> str:
    parts = [_operand(v, fact, subject, src) for v in (spec.value, spec.comparison, spec.threshold)]
    missing = " or ".join(f"{e} is M" for e, var in parts if var)
    (a, av), (op, opv), (b, bv) = parts
    a, op, b = av or a, opv or op, bv or b
    known = src.const(frozenset(_MEETS_OPS))
    test = f"(cmp({op}, {a}, {b}) if {op}.__class__ is str and {op} in {known} else M)"
    return f"(M if {missing} else {test})" if missing else test


def _relation_value(spec: Relation, fact: str, src: _Source) -> str:
    """A call to a generated function that joins the subject to its related records (dict index)."""
    where = resolve(spec.where, src.params, src.as_of) if spec.where is not None else None
    every = resolve(spec.every, src.params, src.as_of) if spec.every is not None else None
    name = f"rel{len(src.helpers)}"
    body = [f"def {name}(x):"]
    if spec.each:
        body += [f"    related = x.get({spec.kind + '[]'!r})", "    if related.__class__ is not list:", "        return M"]
    else:
        index = src.var()
        theirs = tuple(t for t, _ in spec.on)
        src.prologue.append(f"{index} = I({spec.kind!r}, {theirs!r})")
        keys = []
        lists = []
        for n, (_, mine) in enumerate(spec.on):
            k = f"k{n}"
            body += [f"    {k} = x.get({mine!r}, M)", f"    if {k} is M:", "        return M"]
            keys.append(k)
            if mine.endswith("[]"):
                lists.append(n)
        if not keys:  # on: all: every record of the kind, under the empty key
            body.append(f"    related = {index}.get((), ())")
        elif not lists:
            key = ", ".join(f"({k}, {k}.__class__)" for k in keys)
            body.append(f"    related = {index}.get(({key},), ())")
        else:  # a list key matches any of its entries; each related record once
            choices = ", ".join(f"[(e, e.__class__) for e in {k}]" if n in lists else f"[({k}, {k}.__class__)]"
                                for n, k in enumerate(keys))
            body += ["    related, seen = [], set()", f"    for key in product({choices}):",
                     f"        for y in {index}.get(key, ()):", "            if id(y) not in seen:",
                     "                seen.add(id(y))", "                related.append(y)"]
            src.consts["product"] = __import__("itertools").product
    ok = _expr(where, src, "y", "x") if where is not None else "2"
    q = spec.quantity
    body += ["    unknown = False"]
    if q == "exists":
        body += ["    for y in related:", f"        ok = {ok}", "        if ok == 2:", "            return True",
                 "        if ok == 1:", "            unknown = True", "    return M if unknown else False"]
    else:
        body += ["    chosen = []", "    for y in related:", f"        ok = {ok}", "        if ok == 2:",
                 "            chosen.append(y)", "        elif ok == 1:", "            unknown = True",
                 "    if unknown:", "        return M"]
        if q == "count":
            body.append("    return len(chosen)")
        elif q == "every":
            body += ["    worst = 2", "    for y in chosen:", f"        e = {_expr(every, src, 'y', 'x')}",
                     "        if e == 0:", "            return False", "        if e == 1:", "            worst = 1",
                     "    return True if worst == 2 else M"]
        else:
            body += [f"    values = [y.get({spec.of!r}, M) for y in chosen]",
                     "    if not values or any(v is M for v in values):", "        return M",
                     f"    return {q}(values)"]
    src.helpers.append("\n".join(body))
    return f"{name}({fact})"


def _value(leaf: Leaf, fact: str, subject: str | None, src: _Source) -> str:
    """An expression for the leaf's field value, or M when it is missing."""
    if not is_computed(leaf.field):
        return f"{fact}.get({leaf.field!r}, M)"
    spec = COMPUTED[leaf.field]
    if isinstance(spec, TextTest):
        return _text_value(spec, fact, src, subject)
    if isinstance(spec, Meets):
        return _meets_value(spec, fact, subject, src)
    if subject is not None:
        raise Unsupported("a relation nested in a relation's where/every")
    return _relation_value(spec, fact, src)


def _leaf(leaf: Leaf, src: _Source, fact: str, subject: str | None) -> str:
    value = _value(leaf, fact, subject, src)
    if leaf.op == "exists":
        return f"(0 if {value} is M else 2)"
    if leaf.op == "missing":
        return f"(2 if {value} is M else 0)"
    a = src.var()
    get_a = f"({a} := {value}) is M"
    if isinstance(leaf.value, (FieldRef, SubjectRef)):
        b = src.var()
        other = fact if isinstance(leaf.value, FieldRef) else subject
        get_b = f"({b} := {other}.get({leaf.value.name!r}, M)) is M"
        if leaf.op in _ORDER:
            test = (f"(0 if {a}.__class__ is bool or {b}.__class__ is bool or ({a}.__class__ is str) != ({b}.__class__ is str) "
                    f"else 2 if {a} {_ORDER[leaf.op]} {b} else 0)")
        else:
            test = f"(2 if cmp({leaf.op!r}, {a}, {b}) else 0)"
        return f"(1 if {get_b} or {get_a} else {test})"
    v = leaf.value
    if leaf.op in ("eq", "ne"):
        if isinstance(v, bool):
            same = f"({a} is {v})"
        elif isinstance(v, (int, float)):
            same = f"({a} == {src.const(v)} and {a}.__class__ in (int, float))"
        else:
            same = f"({a} == {src.const(v)} and {a}.__class__ is {src.const(type(v))})"
        test = f"(2 if {same} else 0)" if leaf.op == "eq" else f"(0 if {same} else 2)"
    elif leaf.op in ("in", "not_in"):
        members = src.const(frozenset((x, float if type(x) is int else type(x)) for x in v))
        cls = f"(float if {a}.__class__ is int else {a}.__class__)"
        member = f"(({a}, {cls}) in {members})"
        test = f"(2 if {member} else 0)" if leaf.op == "in" else f"(0 if {member} else 2)"
    elif isinstance(v, bool):
        test = "0"
    else:
        c = src.const(v)
        text = isinstance(v, str)
        test = f"(0 if {a}.__class__ is bool or ({a}.__class__ is str) != {text} else 2 if {a} {_ORDER[leaf.op]} {c} else 0)"
    return f"(1 if {get_a} else {test})"


def _expr(cond: Condition, src: _Source, fact: str = "x", subject: str | None = None) -> str:
    if isinstance(cond, Leaf):
        return _leaf(cond, src, fact, subject)
    if isinstance(cond, Not):
        return f"(2 - {_expr(cond.item, src, fact, subject)})"
    parts = [_expr(c, src, fact, subject) for c in cond.items]
    if len(parts) == 1:
        return parts[0]
    return f"{'min' if isinstance(cond, All) else 'max'}({', '.join(parts)})"


Compiled = Callable[[list[dict[str, Any]], Callable[[str, tuple[str, ...]], dict]], list[str]]


def compile_rule(rule: Any, params: dict[str, Any], as_of: dt.date) -> Compiled:
    """A function from a kind's facts (and the data set's join indexes) to one outcome per fact."""
    src = _Source(params, as_of)
    when = resolve(rule.when_condition, params, as_of) if rule.when_condition else None
    require = resolve(rule.require_condition, params, as_of)
    loop = ["    out = []", "    append = out.append", "    for x in facts:"]
    if when is not None:
        loop += [f"        w = {_expr(when, src)}", "        if w != 2:",
                 "            append('not_applicable' if w == 0 else 'error')", "            continue"]
    loop += [f"        q = {_expr(require, src)}", "        append('pass' if q == 2 else 'fail' if q == 0 else 'error')",
             "    return out"]
    helpers = "\n".join("    " + line for h in src.helpers for line in h.split("\n"))
    lines = ["def rule(facts, I):", *("    " + p for p in src.prologue), helpers, *loop]
    namespace = dict(src.consts)
    exec(compile("\n".join(l for l in lines if l), f"<plain {rule.id}>", "exec"), namespace)  # noqa: S102 - generated from validated rules
    return namespace["rule"]


def supported(rule: Any, params: dict[str, Any], as_of: dt.date) -> str | None:
    """None when the rule can be written out here, else why not."""
    try:
        compile_rule(rule, params, as_of)
    except Unsupported as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------- the pack's derived values

def _date(v: Any) -> dt.date | None:
    return dt.date.fromordinal(v) if v.__class__ is int and 0 < v < 3_652_060 else None


def _add_months(day: dt.date, n: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 + n, 12)
    nxt = dt.date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return dt.date(year, month + 1, min(day.day, (nxt - dt.timedelta(days=1)).day))


def _fy_start(fact: dict[str, Any], d: Any) -> Any:
    day, anchor = _date(d), _date(fact.get("fy_start"))
    if day is None or anchor is None:
        return None
    start = dt.date(day.year, anchor.month, anchor.day)
    return (start if day >= start else dt.date(day.year - 1, anchor.month, anchor.day)).toordinal()


def _fy_label(fact: dict[str, Any], v: Any) -> Any:
    if v.__class__ is int and 1000 <= v <= 9999:
        year = v
    else:
        start = _fy_start(fact, v)
        if start is None:
            return None
        year = dt.date.fromordinal(start).year
    return f"{year}-{(year + 1) % 100:02d}"


def _checked_add_months(a: Any, n: Any) -> Any:
    d = _date(a)
    if d is None or n.__class__ is not int or abs(n) > 12000:
        return None
    try:
        return _add_months(d, n).toordinal()
    except (ValueError, OverflowError):
        return None


_DIGIT, _LETTER, _NUMBER = re.compile(r"\d"), re.compile(r"[A-Za-z]"), re.compile(r"-?\d{1,15}")
_WORD, _PARTIAL = re.compile(r"[^\W\d_]+"), re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "fy_start": _fy_start,
    "fy_label": _fy_label,
    "days_between": lambda f, a, b: b - a if _date(a) and _date(b) else None,
    "months_between": lambda f, a, b: ((_date(b).year - _date(a).year) * 12 + _date(b).month - _date(a).month
                                       if _date(a) and _date(b) else None),
    "add_months": lambda f, a, n: _checked_add_months(a, n),
    "add": lambda f, a, b: a + b if a.__class__ is int and b.__class__ is int else None,
    "shape": lambda f, v: _LETTER.sub("A", _DIGIT.sub("9", v)) if v.__class__ is str else None,
    "length": lambda f, v: len(v) if v.__class__ is str else None,
    "lower": lambda f, v: v.lower() if v.__class__ is str else None,
    "number": lambda f, v: int(v) if v.__class__ is str and _NUMBER.fullmatch(v.strip()) else None,
    "initials": lambda f, v: "".join(w[0] for w in _WORD.findall(v)).upper() if v.__class__ is str else None,
    "earliest_day": lambda f, v: _earliest_day(v),
}


def _earliest_day(v: Any) -> Any:
    """The first day YYYY, YYYY-MM or YYYY-MM-DD can mean, written out here (not the library's)."""
    m = _PARTIAL.fullmatch(v.strip()) if v.__class__ is str else None
    if m is None:
        return None
    try:
        return dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1)).toordinal()
    except ValueError:
        return None


def derived_function(raw: Any) -> Callable[[dict[str, Any]], Any]:
    """A derived value's expression (as written in the pack) as a plain function of a fact."""
    if isinstance(raw, str):
        return lambda fact: fact.get(raw)
    if set(raw) == {"value"}:
        return lambda fact, v=raw["value"]: v
    if set(raw) == {"as_of"}:
        return lambda fact: fact.get("as_of")
    if "capture" in raw:
        inner = derived_function(raw["capture"])
        rx = re.compile(raw["pattern"], 0 if raw.get("case_sensitive", False) is True else re.IGNORECASE)
        group = raw.get("group", 1)

        def capture(fact: dict[str, Any]) -> Any:
            text = inner(fact)
            m = rx.search(text) if text.__class__ is str else None
            return m.group(group) if m is not None else None
        return capture
    ((name, args),) = raw.items()
    calls = [derived_function(a) for a in (args if isinstance(args, list) else [args])]
    if name == "coalesce":
        return lambda fact: next((v for v in (c(fact) for c in calls) if v is not None), None)
    fn = _FUNCTIONS[name]

    def call(fact: dict[str, Any]) -> Any:
        values = [c(fact) for c in calls]
        return None if None in values else fn(fact, *values)
    return call


# ---------------------------------------------------------------- one data set

_RULES: dict[tuple, "Compiled | None"] = {}
_SKIPPED: set[str] = set()


def skipped() -> set[str]:
    """Rule ids ``decide`` left out so far in this process (``Unsupported``)."""
    return set(_SKIPPED)
_DERIVED: dict[int, tuple[str, str, Callable]] = {}


def decide(rules: list[Any], facts: list[dict[str, Any]], as_of: dt.date,
           overrides: dict[str, dict[str, Any]]) -> list[tuple[str, list[str], list[str]]]:
    """``(rule id, subject ids, outcomes)`` for every rule in force: the plain limit.

    A rule this module cannot write out is left out and named in ``skipped()``."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for fact in facts:
        by_kind.setdefault(fact["kind"], []).append(fact)
    active = [r for r in rules if r.in_force(as_of)]
    derived: dict[int, Any] = {}
    for rule in active:
        for item in rule._derived:
            derived.setdefault(id(item), item)
    for kind in dict.fromkeys(item.kind for item in derived.values()):
        if kind not in by_kind:
            continue
        items = [(item.name, _derived(item)) for item in derived.values() if item.kind == kind]
        copies = []
        for fact in by_kind[kind]:
            row = dict(fact)
            for name, fn in items:
                value = fn(row)
                if value is not None:
                    row[name] = value
            copies.append(row)
        by_kind[kind] = copies
    indexes: dict[tuple[str, tuple[str, ...]], dict] = {}

    def index(kind: str, theirs: tuple[str, ...]) -> dict:
        found = indexes.get((kind, theirs))
        if found is None:
            found = indexes[(kind, theirs)] = {}
            for fact in by_kind.get(kind, ()):
                if all(t in fact for t in theirs):
                    found.setdefault(tuple((fact[t], fact[t].__class__) for t in theirs), []).append(fact)
        return found

    out = []
    for rule in active:
        kind_facts = by_kind.get(rule.applies_to)
        if not kind_facts:
            continue
        params = {**rule.params, **overrides.get(rule.id, {})}
        key = (id(rule), repr(sorted(params.items())), as_of)
        if key not in _RULES:
            try:
                _RULES[key] = compile_rule(rule, params, as_of)
            except Unsupported:
                _RULES[key] = None
                _SKIPPED.add(rule.id)
        fn = _RULES[key]
        if fn is None:
            continue
        out.append((rule.id, [f["id"] for f in kind_facts], fn(kind_facts, index)))
    return out


def _derived(item: Any) -> Callable:
    cached = _DERIVED.get(id(item))
    if cached is None or cached[0] is not item:
        cached = _DERIVED[id(item)] = (item, derived_function(item.expr))
    return cached[1]
