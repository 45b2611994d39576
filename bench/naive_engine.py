"""The engine path as it was before issue 7 (commit 2d3d90d), kept only as the benchmark's baseline.

One Python callback per match through the stock host's ``Ruleset._flush_actions``, a fresh host
and ruleset per run and kind, every fact asserted whole. Do not use it outside bench/.

Original description:

Each rule compiles to up to four engine rules over the same fact: in scope (``when``), out of
scope (``not when``), pass (``when and require``) and fail (``when and not require``), all in
negation normal form. A missing field makes every durable comparison false, so a fact that
matches neither pass nor fail is one whose data is missing: the ``error`` outcome is decided by
polarity, not by catching exceptions. A catch-all rule counts every fact so a lost one is seen.

Known engine traps handled here (see DESIGN.md): no timer threads (a host subclass) and an
explicit drain of pending actions; the engine's fact identity is a 32-bit FNV-1a hash of the id,
so ids are checked for collisions and colliding facts go to another session; every expression
is anchored on the fact's ``kind`` (a bare ``$nex`` expression matches the session state and
loops forever: measured on this machine); a field-to-field comparison
with a missing side matches both polarities, so both sides are guarded with ``$ex``.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from compliance.rules.conditions import All, AnyOf, Condition, FieldRef, Leaf

_OPS = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte", "ne": "$neq"}
_run_counter = itertools.count(1)


class EngineUnavailable(RuntimeError):
    """durable-rules cannot be imported here; the message names the way out."""


def _import_engine():
    try:
        from durable import engine  # noqa: PLC0415 - heavy C extension, imported on first use
        import durable_rules_engine  # noqa: PLC0415
    except Exception as exc:  # ImportError, or undefined symbol on Python 3.13
        raise EngineUnavailable(
            f"durable-rules cannot be imported ({exc}); use Python 3.11 or 3.12, or run with --engine reference"
        ) from None
    return engine, durable_rules_engine


def fnv1a32(text: str) -> int:
    """The engine's fact-identity hash (state.c fnv1Hash32), for collision checks."""
    h = 0x811C9DC5
    for byte in text.encode():
        h ^= byte if byte < 128 else (byte - 256) & 0xFFFFFFFF
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def compile_condition(cond: Condition) -> dict[str, Any]:
    """A resolved NNF condition as a durable-rules JSON expression."""
    if isinstance(cond, All):
        return {"$and": [compile_condition(c) for c in cond.items]}
    if isinstance(cond, AnyOf):
        return {"$or": [compile_condition(c) for c in cond.items]}
    assert isinstance(cond, Leaf), cond
    f, op, v = cond.field, cond.op, cond.value
    if isinstance(v, FieldRef):
        # measured: with the right-hand field missing, durable-rules matches both `b < a` and
        # `b >= a`; both sides must exist for a field-to-field comparison to decide anything
        guard = [{"$ex": {f: 1}}, {"$ex": {v.name: 1}}]
        ref = {"$m": v.name}
        body = {f: ref} if op == "eq" else {_OPS[op]: {f: ref}}
        return {"$and": guard + [body]}
    if op == "exists":
        return {"$ex": {f: 1}}
    if op == "missing":
        return {"$nex": {f: 1}}
    if op == "eq":
        return {"$and": [{"$ex": {f: 1}}, {f: v}]}
    if op == "in":
        return {"$or": [{f: x} for x in v]} if v else {"$and": [{"$ex": {f: 1}}, {"$nex": {f: 1}}]}
    if op == "not_in":
        return {"$and": [{"$ex": {f: 1}}] + [{"$neq": {f: x}} for x in v]}
    if op == "matches":
        return {"$mt": {f: v}}
    return {_OPS[op]: {f: v}}


@dataclass
class CompiledRule:
    index: int
    when: Condition | None
    not_when: Condition | None
    passes: Condition
    fails: Condition


@dataclass
class EngineResult:
    matched: dict[tuple[int, str], set[int]] = field(default_factory=dict)  # (rule, polarity) -> fact indexes
    seen: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def run(kind: str, rules: list[CompiledRule], facts: list[dict[str, Any]]) -> EngineResult:
    """Assert ``facts`` (all of one kind) into a fresh ruleset and collect every match."""
    engine, dre = _import_engine()
    result = EngineResult()

    class QuietHost(engine.Host):
        def _run(self):  # no timer threads: actions run only when we drain
            pass

    def collect(key):
        def action(c):
            index = c.m["_i"]
            if key == "seen":
                result.seen.add(index)
            else:
                result.matched.setdefault(key, set()).add(index)
        return action

    anchor = {"_kind": kind}
    definition: dict[str, Any] = {"seen": {"all": [{"m": anchor}], "run": collect("seen")}}
    for rule in rules:
        for polarity, cond in (("in", rule.when), ("out", rule.not_when), ("pass", rule.passes), ("fail", rule.fails)):
            if cond is None and polarity != "in":
                continue
            expr = anchor if cond is None else {"$and": [anchor, compile_condition(cond)]}
            definition[f"r{rule.index}_{polarity}"] = {"all": [{"m": expr}], "run": collect((rule.index, polarity))}
    name = f"compliance_{kind}_{next(_run_counter)}"
    host = QuietHost()
    host.register_rulesets({name: definition})
    ruleset = host.get_ruleset(name)

    sessions: list[list[dict[str, Any]]] = []
    hashes: list[set[int]] = []
    for i, fact in enumerate(facts):
        engine_fact = {**fact, "_kind": kind, "_i": i, "id": i}
        h = fnv1a32(str(i))
        for s, used in enumerate(hashes):
            if h not in used:
                used.add(h)
                sessions[s].append(engine_fact)
                break
        else:
            hashes.append({h})
            sessions.append([engine_fact])
    for s, batch in enumerate(sessions):
        sid = f"s{s}"
        for fact in batch:
            fact["sid"] = sid
        try:
            host.assert_facts(name, batch)
            budget = 10 * len(batch) * (4 * len(rules) + 1) + 100
            while budget:
                pending = dre.start_action(ruleset._handle)
                if not pending:
                    break
                failure: list[Any] = []
                ruleset._flush_actions(json.loads(pending[0]), {"message": json.loads(pending[1])}, pending[2],
                                       lambda e, state: failure.append(e) if e else None)
                if failure:
                    result.errors.append(f"an engine action failed: {failure[0]}")
                budget -= 1
            if not budget:
                result.errors.append("the engine kept producing actions beyond the expected number; stopped")
        except Exception as exc:  # engine codes come back as exceptions: they are data here
            result.errors.append(f"durable-rules rejected the batch of {len(batch)} {kind} facts: {type(exc).__name__}: {str(exc)[:200]}")
        finally:
            try:
                host.delete_state(name, sid)
            except Exception:
                pass
    missing = set(range(len(facts))) - result.seen
    if missing:
        result.errors.append(f"{len(missing)} of {len(facts)} {kind} facts never reached the engine")
    return result
