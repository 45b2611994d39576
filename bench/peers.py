"""Embeddable peers on the same facts: polars, CEL (``common-expression-language``), ``rule-engine``
and Rego (``regopy``), for ``bench/run``. Install them with ``pip install -e '.[bench]'``.

Each peer is given what durable-rules is given: ``plan()`` resolves the rules and computes the
derived values, text predicates and relations as plain fields (none of the peers joins registers
or runs Kleene logic itself; durable-rules does not either), then the peer decides every rule from
its conditions in negation normal form, as the engine does: a leaf is definitely true when its
field is present and the comparison holds, ``when`` / ``not when`` / ``require`` / ``not require``
decide not applicable, pass, fail or error. The benchmark compares each peer's outcomes with the
reference evaluator's, outcome by outcome.

A rule a peer cannot express is left out and named (``skipped``), never decided some other way.
Field names are renamed ``f0, f1, ...`` per kind (dotted and ``~`` names are not identifiers in
any of the three expression languages); the renaming and the conversion of each fact into the
peer's input are part of the timed step, as they are part of using the peer.
"""

from __future__ import annotations

import json
from typing import Any

from compliance.rules.conditions import All, AnyOf, FieldRef, Leaf

_SKIPPED: dict[str, set[str]] = {}
_CACHE: dict[tuple, Any] = {}


class CannotExpress(Exception):
    """A condition the peer has no construct for (the message says which)."""


def skipped(peer: str) -> set[str]:
    """Rule ids the peer left out so far in this process."""
    return _SKIPPED.get(peer, set())


def _names(kind_plan) -> dict[str, str]:
    fields: set[str] = set()
    for rule in kind_plan.compiled():
        for cond in (rule.when, rule.not_when, rule.passes, rule.fails):
            if cond is not None:
                _fields(cond, fields)
    return {f: f"f{i}" for i, f in enumerate(sorted(fields))}


def _fields(cond, out: set[str]) -> None:
    if isinstance(cond, Leaf):
        out.add(cond.field)
        if isinstance(cond.value, FieldRef):
            out.add(cond.value.name)
    else:
        for item in cond.items:
            _fields(item, out)


def _project(facts: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    return [{n: fact[f] for f, n in names.items() if f in fact} for fact in facts]


def _literal(value: Any, lang: str) -> str:
    """A constant in the peer's syntax (bool/null spelled per language, strings JSON-escaped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        items = ", ".join(_literal(v, lang) for v in value)
        return f"{{{items}}}" if lang == "rego" else f"[{items}]"
    raise CannotExpress(f"a constant of type {type(value).__name__}")


_SYMBOL = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _expression(cond, names: dict[str, str], lang: str) -> str:
    """CEL or rule-engine text for 'definitely true' of an NNF condition."""
    AND, OR = ("&&", "||") if lang == "cel" else ("and", "or")
    if isinstance(cond, All):
        return "(" + f" {AND} ".join(_expression(c, names, lang) for c in cond.items) + ")"
    if isinstance(cond, AnyOf):
        return "(" + f" {OR} ".join(_expression(c, names, lang) for c in cond.items) + ")"

    def ref(field: str) -> str:
        return f"x.{names[field]}" if lang == "cel" else names[field]

    def present(field: str) -> str:
        return f"has(x.{names[field]})" if lang == "cel" else f"{names[field]} != null"

    a = ref(cond.field)
    if cond.op == "exists":
        return present(cond.field)
    if cond.op == "missing":
        return f"!{present(cond.field)}" if lang == "cel" else f"{names[cond.field]} == null"
    if isinstance(cond.value, FieldRef):
        b = ref(cond.value.name)
        return f"({present(cond.field)} {AND} {present(cond.value.name)} {AND} {a} {_SYMBOL[cond.op]} {b})"
    if cond.op in ("in", "not_in"):
        test = f"{a} in {_literal(cond.value, lang)}"
        test = test if cond.op == "in" else (f"!({test})" if lang == "cel" else f"not ({test})")
        return f"({present(cond.field)} {AND} {test})"
    return f"({present(cond.field)} {AND} {a} {_SYMBOL[cond.op]} {_literal(cond.value, lang)})"


def _outcome_text(rule, names: dict[str, str], lang: str) -> str:
    """One expression giving the rule's outcome as text, from its four NNF conditions."""
    def e(c):
        return _expression(c, names, lang)
    decided = (f"({e(rule.passes)} {'&&' if lang == 'cel' else 'and'} {e(rule.fails)}) ? \"contradiction\" : "
               f"{e(rule.passes)} ? \"pass\" : {e(rule.fails)} ? \"fail\" : \"error\"")
    if rule.when is None:
        return f"({decided})"
    return f"({e(rule.when)} ? ({decided}) : {e(rule.not_when)} ? \"not_applicable\" : \"error\")"


# ---------------------------------------------------------------- per peer, one kind's rules

def _cel(kind_plan, names):
    import cel

    program = cel.compile("[" + ", ".join(_outcome_text(r, names, "cel") for r in kind_plan.compiled()) + "]")
    return lambda rows: [program.execute({"x": row}) for row in rows]


def _rule_engine(kind_plan, names):
    import rule_engine

    context = rule_engine.Context(default_value=None)
    rule = rule_engine.Rule("[" + ", ".join(_outcome_text(r, names, "rule-engine") for r in kind_plan.compiled()) + "]",
                            context=context)
    return lambda rows: [rule.evaluate(row) for row in rows]


def _rego_body(cond, names: dict[str, str], defs: list[str]) -> str:
    """The name of a Rego function true of an input fact ``x`` when the NNF condition is definitely true."""
    name = f"n{len(defs)}"
    defs.append("")  # reserve the slot (children get higher numbers)
    if isinstance(cond, All):
        bodies = ["; ".join(f"{_rego_body(c, names, defs)}(x)" for c in cond.items)]
    elif isinstance(cond, AnyOf):
        bodies = [f"{_rego_body(c, names, defs)}(x)" for c in cond.items]
    else:
        a = f"x.{names[cond.field]}"
        if cond.op == "exists":
            bodies = [f"{json.dumps(names[cond.field])} in object.keys(x)"]
        elif cond.op == "missing":
            bodies = [f"not {json.dumps(names[cond.field])} in object.keys(x)"]
        elif isinstance(cond.value, FieldRef):
            bodies = [f"{a} {_SYMBOL[cond.op]} x.{names[cond.value.name]}"]
        elif cond.op == "in":
            bodies = [f"{a} in {_literal(cond.value, 'rego')}"]
        elif cond.op == "not_in":
            bodies = [f"v := {a}; not v in {_literal(cond.value, 'rego')}"]
        else:
            bodies = [f"{a} {_SYMBOL[cond.op]} {_literal(cond.value, 'rego')}"]
    defs[int(name[1:])] = "\n".join(f"{name}(x) if {{ {b} }}" for b in bodies)
    return name


def _rego(kind_plan, names):
    import regopy

    defs: list[str] = []
    sets = []
    for i, rule in enumerate(kind_plan.compiled()):
        for part in ("when", "not_when", "passes", "fails"):
            cond = getattr(rule, part)
            if cond is not None:
                sets.append(f"r{i}_{part} contains i if {{ some i, x in input.facts; {_rego_body(cond, names, defs)}(x) }}")
    interpreter = regopy.Interpreter()
    interpreter.add_module("bench", "package bench\n" + "\n".join(defs + sets) + "\n")
    compiled = kind_plan.compiled()

    def run(rows):
        interpreter.set_input({"facts": rows})
        doc = json.loads(str(interpreter.query("data.bench")))["expressions"][0]
        matched = {k: set(v) for k, v in doc.items()}
        out = []
        for j in range(len(rows)):
            row = []
            for i, rule in enumerate(compiled):
                if rule.when is not None and j not in matched.get(f"r{i}_when", ()):
                    row.append("not_applicable" if j in matched.get(f"r{i}_not_when", ()) else "error")
                    continue
                p, f = j in matched.get(f"r{i}_passes", ()), j in matched.get(f"r{i}_fails", ())
                row.append("contradiction" if p and f else "pass" if p else "fail" if f else "error")
            out.append(row)
        return out
    return run


def _polars(kind_plan, names):
    import polars as pl

    def expr(cond):
        if isinstance(cond, All):
            out = expr(cond.items[0])
            for c in cond.items[1:]:
                out = out & expr(c)
            return out
        if isinstance(cond, AnyOf):
            out = expr(cond.items[0])
            for c in cond.items[1:]:
                out = out | expr(c)
            return out
        col = pl.col(names[cond.field])
        if cond.op == "exists":
            return col.is_not_null()
        if cond.op == "missing":
            return col.is_null()
        other = pl.col(names[cond.value.name]) if isinstance(cond.value, FieldRef) else None
        if cond.op in ("in", "not_in"):
            test = col.is_in(cond.value)
            test = test if cond.op == "in" else ~test
        else:
            rhs = other if other is not None else pl.lit(cond.value)
            test = {"eq": col == rhs, "ne": col != rhs, "lt": col < rhs, "le": col <= rhs, "gt": col > rhs, "ge": col >= rhs}[cond.op]
        return test.fill_null(False) & col.is_not_null()

    columns = []
    for i, rule in enumerate(kind_plan.compiled()):
        p, f = expr(rule.passes), expr(rule.fails)
        decided = pl.when(p & f).then(pl.lit("contradiction")).when(p).then(pl.lit("pass")).when(f).then(pl.lit("fail")).otherwise(pl.lit("error"))
        if rule.when is not None:
            decided = pl.when(expr(rule.when)).then(decided).when(expr(rule.not_when)).then(pl.lit("not_applicable")).otherwise(pl.lit("error"))
        columns.append(decided.alias(f"r{i}"))
    schema = None

    def run(rows):
        nonlocal schema
        frame = pl.DataFrame(rows, schema=schema, infer_schema_length=None) if rows else pl.DataFrame()
        for n in names.values():
            if n not in frame.columns:
                frame = frame.with_columns(pl.lit(None).alias(n))
        result = frame.select(columns)
        return list(zip(*(result[f"r{i}"].to_list() for i in range(len(columns)))))
    return run


PEERS = {"polars": _polars, "cel": _cel, "rule-engine": _rule_engine, "rego": _rego}


def decide(peer: str, rules, facts, as_of, params) -> list[tuple[str, list[str], list[str]]]:
    """``(rule id, subject ids, outcomes)`` for every rule in force the peer can express."""
    from compliance.engine.evaluate import KindPlan, plan

    out = []
    for kind_plan in plan(rules, facts, as_of, params):
        expressible = []
        for entry in kind_plan.rules:
            try:
                names = _names(KindPlan(kind_plan.kind, [], [entry]))
                key = (peer, kind_plan.kind, repr(entry[2:]))
                if key not in _CACHE:
                    _CACHE[key] = PEERS[peer](KindPlan(kind_plan.kind, [], [entry]), names)
                expressible.append(entry)
            except CannotExpress:
                _SKIPPED.setdefault(peer, set()).add(entry[0].id)
        if not expressible:
            continue
        sub = KindPlan(kind_plan.kind, kind_plan.facts, expressible, kind_plan.ctx)
        key = (peer, kind_plan.kind, repr([e[2:] for e in expressible]))
        names = _names(sub)
        if key not in _CACHE:
            _CACHE[key] = PEERS[peer](sub, names)
        rows = _CACHE[key](_project(kind_plan.facts, names))
        ids = [f["id"] for f in kind_plan.facts]
        out.extend((rule.id, ids, [row[i] for row in rows]) for i, (rule, _, _, _) in enumerate(expressible))
    return out
