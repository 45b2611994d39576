"""durable-rules evaluation of resolved rules over facts.

Each rule compiles to up to three engine rules over the same fact: out of scope (``not when``),
pass (``when and require``) and fail (``when and not require``), all in negation normal form.
A missing field makes every durable comparison false, so a fact that matches none of them is
one whose data is missing: the ``error`` outcome is decided by polarity, not by catching
exceptions. A catch-all rule (``seen``) counts every fact so a lost one is seen.

How a run is shaped, and why (measured on this machine, see bench/results.md):

- **Facts are projected and de-duplicated.** A rule only reads the fields its conditions name,
  so each fact is cut down to the fields the kind's rules read, and facts whose projections are
  equal (same values *and* types) are asserted once: the engine decides each distinct case and
  the decision is mapped back to every subject with that case. Serialisation both ways shrinks
  with the projection, and the engine works on distinct cases rather than on subjects.
- **No Python callback per match.** The engine is driven through its C entry points
  (``assert_facts`` / ``start_action`` / ``complete_and_start_action``) and every engine rule
  carries ``cap``, so one action hands back up to ``_CAP`` matched facts. The stock host's
  per-match ``Closure``, ``update_state`` and timer threads are gone, so no action can run
  after we stop reading (the "lost findings" of the stock host cannot happen here), and every
  run counts matches against the facts asserted.
- **Bounded memory.** Facts stay in the engine's session state (about 7.5 KB each, measured)
  until ``delete_state``: facts go in sessions of at most ``_CHUNK``, each drained and deleted
  before the next. Rulesets are compiled once per distinct definition and reused across runs
  and data sets (a small LRU; evicted rulesets are deleted in C).
- **Every fact matches ``seen``.** Asserting facts that match no rule and then deleting the
  session corrupts the C heap (``double free or corruption`` after about ten rulesets,
  measured); the anchored ``seen`` rule makes every asserted fact handled.

Known engine traps also handled here (see DESIGN.md): the engine's fact identity is a 32-bit
FNV-1a hash of the id, so session ids are drawn from a collision-free list; every expression is
anchored on ``_k`` (a bare ``$nex`` expression matches the session state and loops forever); a
field-to-field comparison with a missing side matches both polarities, so both sides are
guarded with ``$ex``. Found in the bad-input sweep (issue 13): an ``all`` or ``any`` of 14 or
more items (after negation normal form, so a negated ``all`` counts) fails to create the
ruleset with error 113, and nesting about 200 deep exceeds the engine's serialisation depth;
``check_shape`` refuses both with a message naming the rule before the C core sees them (the
rule loader enforces the same bounds on rule files, ``compliance.rules.limits``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Callable, Iterator, Sequence

from ..rules.conditions import All, AnyOf, Condition, FieldRef, Leaf, fields_of

_OPS = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte", "ne": "$neq"}
_CHUNK = 1000  # distinct facts per engine session: bounds the session's C memory
_CAP = 1000  # matched facts handed back per action
_MAX_RULESETS = 32  # kinds' compiled rule sets kept per process (each one ruleset per 150 rules)
_MAX_RULES_PER_RULESET = 150  # ~512 conditions under one node makes registration loop forever
_ANCHOR = {"_k": 1}
_MISSING = object()
_RESERVED = {"id", "sid", "_k"}  # the engine's own keys: a fact field of that name is renamed


def _name(field_name: str) -> str:
    """The engine-side name of a fact field (never ``id``/``sid``: joins on those read freed memory).

    Dotted record fields (``paper.presenter``) and computed fields (``~r...``) are given plain
    identifiers: a digest keeps distinct names distinct.
    """
    if field_name in _RESERVED or field_name.startswith("_f_"):
        return f"_f_{field_name}"
    if not _PLAIN.fullmatch(field_name):
        return "_q_" + hashlib.sha1(field_name.encode()).hexdigest()[:16]
    return field_name


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

PASS, FAIL, NA, ERROR, CONTRADICTION = "pass", "fail", "not_applicable", "error", "contradiction"


class EngineUnavailable(RuntimeError):
    """durable-rules cannot be imported here; the message names the way out."""


def _import_engine():
    try:
        import durable_rules_engine  # noqa: PLC0415 - heavy C extension, imported on first use
    except Exception as exc:  # ImportError, or undefined symbol on Python 3.13
        raise EngineUnavailable(
            f"durable-rules cannot be imported ({exc}); use Python 3.11 or 3.12, or run with --engine reference"
        ) from None
    return durable_rules_engine


def fnv1a32(text: str) -> int:
    """The engine's fact-identity hash (state.c fnv1Hash32), for collision checks."""
    h = 0x811C9DC5
    for byte in text.encode():
        h ^= byte if byte < 128 else (byte - 256) & 0xFFFFFFFF
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def _collision_free_ids(n: int) -> list[int]:
    """``n`` fact ids whose engine hashes are pairwise distinct (one session's id space)."""
    ids, used, candidate = [], set(), 0
    while len(ids) < n:
        h = fnv1a32(str(candidate))
        if h not in used:
            used.add(h)
            ids.append(candidate)
        candidate += 1
    return ids


@lru_cache(maxsize=1)
def _session_ids() -> tuple[list[int], dict[int, int], dict[str, int]]:
    """One session's fact ids, and id -> position (as int and as text); computed on first use."""
    ids = _collision_free_ids(_CHUNK)
    position = {fid: pos for pos, fid in enumerate(ids)}
    return ids, position, {str(fid): pos for fid, pos in position.items()}


def compile_condition(cond: Condition) -> dict[str, Any]:
    """A resolved NNF condition as a durable-rules JSON expression."""
    if isinstance(cond, All):
        return {"$and": [compile_condition(c) for c in cond.items]}
    if isinstance(cond, AnyOf):
        return {"$or": [compile_condition(c) for c in cond.items]}
    assert isinstance(cond, Leaf), cond
    f, op, v = _name(cond.field), cond.op, cond.value
    if isinstance(v, FieldRef):
        # measured: with the right-hand field missing, durable-rules matches both `b < a` and
        # `b >= a`; both sides must exist for a field-to-field comparison to decide anything
        guard = [{"$ex": {f: 1}}, {"$ex": {_name(v.name): 1}}]
        ref = {"$m": _name(v.name)}
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
    return {_OPS[op]: {f: v}}


@dataclass
class CompiledRule:
    index: int
    when: Condition | None
    not_when: Condition | None
    passes: Condition
    fails: Condition


class PerFact(Sequence[str]):
    """One rule's outcome for each fact, read through the fact's case: facts with equal
    projections are one case, decided once, so the outcomes are the cases' outcomes and one
    list of case numbers shared by the rules of a group, not a list of a million entries per
    rule (measured: 7.5 MB of lists at a million findings)."""

    __slots__ = ("_by_case", "_case_of")

    def __init__(self, by_case: list[str], case_of: list[int]):
        self._by_case, self._case_of = by_case, case_of

    def __getitem__(self, n):  # type: ignore[override]
        if isinstance(n, slice):
            return [self._by_case[c] for c in self._case_of[n]]
        return self._by_case[self._case_of[n]]

    def __len__(self) -> int:
        return len(self._case_of)

    def __iter__(self) -> Iterator[str]:
        return map(self._by_case.__getitem__, self._case_of)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and not isinstance(other, str) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"PerFact({list(self)!r})"


@dataclass
class EngineResult:
    """The engine's outcome for every (rule, fact): ``outcomes[rule index][fact index]``."""

    outcomes: dict[int, Sequence[str]] = field(default_factory=dict)
    facts: int = 0
    distinct: int = 0  # facts asserted after projection and de-duplication
    lost: set[int] = field(default_factory=set)  # facts whose case never reached the engine
    errors: list[str] = field(default_factory=list)

    @property
    def seen(self) -> set[int]:
        """Indexes of the facts whose every case reached the engine."""
        return set(range(self.facts)) - self.lost

    @cached_property
    def matched(self) -> dict[tuple[int, str], set[int]]:
        """(rule, polarity) -> fact indexes that matched it; a contradiction counts for both sides."""
        out: dict[tuple[int, str], set[int]] = {}
        for i, outcomes in self.outcomes.items():
            for j, o in enumerate(outcomes):
                for polarity in {PASS: ("pass",), FAIL: ("fail",), NA: ("out",), CONTRADICTION: ("pass", "fail")}.get(o, ()):
                    out.setdefault((i, polarity), set()).add(j)
        return out


def definition(rules: list[CompiledRule]) -> dict[str, Any]:
    """The ruleset JSON for one subject kind's rules: ``seen`` plus out/pass/fail per rule."""
    rules_json: dict[str, Any] = {"seen": {"all": [{"m": _ANCHOR}], "cap": _CAP}}
    for rule in rules:
        for polarity, cond in (("o", rule.not_when), ("p", rule.passes), ("f", rule.fails)):
            if cond is None:
                continue
            rules_json[f"{rule.index}{polarity}"] = {"all": [{"m": {"$and": [_ANCHOR, compile_condition(cond)]}}], "cap": _CAP}
    return rules_json


@dataclass
class _Group:
    """Rules compiled into one ruleset, and the fields their facts are projected onto."""

    rules: list[CompiledRule]
    read: tuple[str, ...]
    names: list[str]
    handle: int
    case: Callable[[dict[str, Any]], tuple]  # fact -> (value, class, value, class, ...) of the read fields


def _case_function(read: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple]:
    """A fact's case key: each read field's value and its class (True == 1 in Python, not here).

    Generated once per ruleset because it runs once per fact: a tuple display of ``dict.get``
    calls is about 2.5x faster than ``map`` over the field names (measured).
    """
    parts = "".join(f"(v{i} := f.get({name!r}, M)), v{i}.__class__, " for i, name in enumerate(read))
    return eval(f"lambda f: ({parts})", {"M": _MISSING})  # noqa: S307 - field names as repr() literals


_compiled: OrderedDict[str, list[_Group]] = OrderedDict()

_MAX_ENGINE_BRANCHES = 13  # 14 items in one all/any: error 113 (measured)
_MAX_ENGINE_DEPTH = 13  # 14 levels: error 113; ~200: "Maximum serialization depth exceeded"


class EngineLimitError(ValueError):
    """A condition the engine cannot compile (too wide or too deep); names the rule index."""


def check_shape(rule: CompiledRule) -> None:
    """Raise ``EngineLimitError`` for a condition durable-rules would reject with error 113 or a depth error."""
    def walk(cond: Condition, depth: int) -> None:
        if depth > _MAX_ENGINE_DEPTH:
            raise EngineLimitError(f"rule #{rule.index}: condition nested more than {_MAX_ENGINE_DEPTH} deep; "
                                   "durable-rules cannot compile it (split it across rules or a derived value)")
        if isinstance(cond, (All, AnyOf)):
            if len(cond.items) > _MAX_ENGINE_BRANCHES:
                raise EngineLimitError(f"rule #{rule.index}: {len(cond.items)} items in one all/any; durable-rules "
                                       f"takes at most {_MAX_ENGINE_BRANCHES} (error 113)")
            for item in cond.items:
                walk(item, depth + 1)
    for cond in (rule.not_when, rule.passes, rule.fails):
        if cond is not None:
            walk(cond, 1)


def _groups(dre, kind: str, rules: list[CompiledRule]) -> list[_Group]:
    """The rulesets for one kind's resolved rules: compiled once per process, then reused.

    Keyed by the resolved conditions, so data sets with the same rules, parameters and as_of
    share rulesets; the least recently used are deleted in C beyond ``_MAX_RULESETS``.
    """
    key = repr((kind, [(r.index, r.not_when, r.passes, r.fails) for r in rules]))
    groups = _compiled.get(key)
    if groups is not None:
        _compiled.move_to_end(key)
        return groups
    groups = []
    for rule in rules:
        check_shape(rule)
    for start in range(0, len(rules), _MAX_RULES_PER_RULESET):
        chunk = rules[start:start + _MAX_RULES_PER_RULESET]
        read = tuple(sorted(set().union(*(fields_of(c) for r in chunk for c in (r.not_when, r.passes, r.fails)))))
        text = json.dumps(definition(chunk), sort_keys=True)
        name = f"compliance_{kind}_{hashlib.sha1(text.encode()).hexdigest()[:20]}"
        groups.append(_Group(chunk, read, [_name(n) for n in read], dre.create_ruleset(name, text), _case_function(read)))
    _compiled[key] = groups
    while len(_compiled) > _MAX_RULESETS:
        for old in _compiled.popitem(last=False)[1]:
            dre.delete_ruleset(old.handle)
    return groups


def run(kind: str, rules: list[CompiledRule], facts: list[dict[str, Any]]) -> EngineResult:
    """Decide every (rule, fact) with durable-rules; ``facts`` are all of one subject kind."""
    dre = _import_engine()
    result = EngineResult(facts=len(facts))
    for group in _groups(dre, kind, rules):
        _run_group(dre, kind, group, facts, result)
    if result.lost:
        result.errors.append(f"{len(result.lost)} of {len(facts)} {kind} facts never reached the engine")
    return result


def _run_group(dre, kind: str, group_: _Group, facts: list[dict[str, Any]], result: EngineResult) -> None:
    rules, names, handle = group_.rules, group_.names, group_.handle
    # project onto the fields the rules read; equal projections (values and types) are one case
    cases: dict[tuple, int] = {}
    setdefault, case = cases.setdefault, group_.case
    group = [setdefault(case(fact), len(cases)) for fact in facts]
    projected = [key[0::2] for key in cases]
    result.distinct += len(projected)

    lost_cases: set[int] = set()
    session_ids = _session_ids()[0]
    decided = {r.index: [ERROR] * len(projected) for r in rules}
    verdict = {f"{r.index}{p}": (decided[r.index], o) for r in rules for p, o in (("o", NA), ("p", PASS), ("f", FAIL))}
    budget_per_session = 10 * (3 * len(rules) + 1) * (_CHUNK // _CAP + 1) + 100
    for base in range(0, len(projected), _CHUNK):
        sid = f"s{base // _CHUNK}"
        # "id" first: the engine hands facts back in the order written, so ids can be read without parsing
        batch = []
        for fid, values in zip(session_ids, projected[base:base + _CHUNK]):
            fact = {"id": fid, "sid": sid, "_k": 1}
            fact.update(zip(names, values))
            if _MISSING in values:  # an absent field stays absent (the engine's comparisons are then false)
                fact = {n: x for n, x in fact.items() if x is not _MISSING}
            batch.append(fact)
        seen_here = 0
        try:
            code, _ = dre.assert_facts(handle, json.dumps(batch))
            if code != 0:
                result.errors.append(f"durable-rules returned code {code} for a batch of {len(batch)} {kind} facts")
            budget = budget_per_session
            pending = dre.start_action(handle)
            while pending and budget:
                message, state_handle = pending[1], pending[2]
                while message and budget:
                    budget -= 1
                    if message.startswith('{"seen":'):  # only counted: every case matches `seen` once
                        seen_here += message.count('{"m":')
                    else:
                        name, positions = _matches(message, base)
                        outcomes, outcome = verdict[name]
                        for d in positions:  # an `$or` can match one fact once per branch
                            current = outcomes[d]
                            outcomes[d] = outcome if current == ERROR or current == outcome else CONTRADICTION
                    message = dre.complete_and_start_action(handle, state_handle)
                pending = dre.start_action(handle) if budget else None
            if seen_here != len(batch):  # a silently dropped fact: its cases cannot be trusted
                lost_cases.update(range(base, base + len(batch)))
            if not budget:
                result.errors.append("the engine kept producing actions beyond the expected number; stopped")
        except Exception as exc:  # engine codes come back as exceptions: they are data here
            result.errors.append(f"durable-rules rejected the batch of {len(batch)} {kind} facts: {type(exc).__name__}: {str(exc)[:200]}")
        finally:
            try:
                dre.delete_state(handle, sid)
            except Exception:
                pass
    if lost_cases:
        result.lost.update(j for j, d in enumerate(group) if d in lost_cases)
    for r in rules:
        result.outcomes[r.index] = PerFact(decided[r.index], group)


_ITEM = re.compile(r'\{"m":\{"id": ?(\d+),')
_NAME = re.compile(r'^\{"([^"]+)":')


def _matches(message: str, base: int) -> tuple[str, list[int]]:
    """The rule name and the matched cases of one action's message.

    Only ids are needed, so they are read with a pattern instead of parsing every fact: inside a
    JSON string a quote is always escaped, so ``{"m":{"id": N,`` can only be structure. If the
    count of items disagrees with the pattern (an engine that writes facts differently), parse.
    """
    ids = _ITEM.findall(message)
    name = _NAME.match(message)
    if name is None or len(ids) != message.count('{"m":'):
        (rule_name, items), = json.loads(message).items()
        return rule_name, [base + _session_ids()[1][item["m"]["id"]] for item in items]
    return name.group(1), [base + p for p in map(_session_ids()[2].__getitem__, ids)]
