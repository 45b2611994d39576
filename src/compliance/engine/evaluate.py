"""Evaluate rules over facts: durable-rules decides, the reference evaluator cross-checks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Callable, Iterator, Sequence

from ..facts.kinds import from_day
from ..rules.conditions import (COMPUTED, All, Condition, FieldRef, Meets, Not, PartialDateTest, SubjectRef, TextTest, fields_of,
                                is_computed, reads, resolve, to_nnf)
from ..rules.conditions import walk as walk_leaves
from ..rules.loader import field_type_of, template_names
from ..rules.schema import Rule
from ..rules.messages import render as render_message
from . import computed, coverage, durable_engine, reference
from .gc_policy import fewer_collections, iterate_with_fewer_collections
from .findings import Finding, Subject, rule_references

ENGINES = ("durable", "reference")


def rule_params(rule: Rule, overrides: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The rule's parameters with the data set's overrides applied."""
    return {**rule.params, **overrides.get(rule.id, {})}


@dataclass
class KindPlan:
    """One subject kind's rules in force, resolved for ``as_of`` and the data set's parameters."""

    kind: str
    facts: list[dict[str, Any]]
    rules: list[tuple[Rule, dict[str, Any], Condition | None, Condition]]  # (rule, params, when, require)
    ctx: computed.Context | None = None  # related facts and computed fields, for the reference evaluator

    def compiled(self) -> list[durable_engine.CompiledRule]:
        return [
            durable_engine.CompiledRule(
                index=i, when=to_nnf(w) if w else None, not_when=to_nnf(w, negate=True) if w else None,
                passes=to_nnf(All((w, q))) if w else to_nnf(q),
                fails=to_nnf(All((w, Not(q)))) if w else to_nnf(q, negate=True),
            )
            for i, (_, _, w, q) in enumerate(self.rules)
        ]


def plan(rules: list[Rule], facts: list[dict[str, Any]], as_of: dt.date,
         param_overrides: dict[str, dict[str, Any]] | None = None) -> list[KindPlan]:
    """Group facts by kind and resolve each rule in force (parameters, dates, as_of offsets).

    The pack's derived values are added to every fact of their kind first; then each kind's
    facts get the values of the text predicates and relations its rules use (``engine.computed``).
    """
    with fewer_collections():
        return _plan(rules, facts, as_of, param_overrides)


def _plan(rules: list[Rule], facts: list[dict[str, Any]], as_of: dt.date,
          param_overrides: dict[str, dict[str, Any]] | None) -> list[KindPlan]:
    overrides = param_overrides or {}
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fact in facts:
        by_kind[fact["kind"]].append(fact)
    active = [r for r in rules if r.in_force(as_of)]
    derived = _derived_of(active)
    if derived:
        computed.apply_derived(by_kind, derived)
    specs: dict[str, Any] = {}
    ctx = computed.Context(by_kind, specs, derived)
    plans = []
    for kind in sorted({r.applies_to for r in active}):
        kind_facts = by_kind.get(kind, [])
        if not kind_facts:
            continue
        resolved = []
        for rule in (r for r in active if r.applies_to == kind):
            params = rule_params(rule, overrides)
            when = resolve(rule.when_condition, params, as_of) if rule.when_condition else None
            require = resolve(rule.require_condition, params, as_of)
            specs.update(computed.resolve_specs([when, require], params, as_of))
            resolved.append((rule, params, when, require))
        names = sorted({n for _, _, w, q in resolved for n in fields_of(w) | fields_of(q) if is_computed(n)})
        plans.append(KindPlan(kind, computed.attach(kind_facts, names, ctx), resolved, ctx))
    return plans


def _derived_of(rules: list[Rule]) -> list[Any]:
    """The derived values the rules' packs declare, once each, in declaration order."""
    out, seen = [], set()
    for rule in rules:
        for item in rule._derived:
            if id(item) not in seen:
                seen.add(id(item))
                out.append(item)
    return out


def decide(kind_plan: KindPlan, engine: str = "durable") -> tuple[dict[int, Sequence[str]], list[str]]:
    """Outcomes only, without evidence: ``{rule index: [outcome per fact]}`` and engine errors.

    ``durable`` asks durable-rules; ``reference`` runs the three-valued evaluator. This is the
    decision step alone; ``evaluate`` adds the cross-check, evidence and messages.
    """
    if engine == "durable":
        result = durable_engine.run(kind_plan.kind, kind_plan.compiled(), kind_plan.facts)
        return result.outcomes, result.errors
    return {i: [_reference_outcome(w, q, fact, explain=False, ctx=kind_plan.ctx)[0] for fact in kind_plan.facts]
            for i, (_, _, w, q) in enumerate(kind_plan.rules)}, []


def evaluate(rules: list[Rule], facts: list[dict[str, Any]], as_of: dt.date,
             param_overrides: dict[str, dict[str, Any]] | None = None, engine: str = "durable",
             supplied: set[str] | None = None, asks: set[str] | None = None,
             dropped: dict[str, list[dict[str, Any]]] | None = None) -> list[Finding]:
    """One finding per (rule in force, subject of its kind), sorted by rule id then subject id.

    ``supplied`` names the registers the data set holds and ``asks`` the cover-sheet questions its
    form asks (None: all); a rule needing one that is missing is not run (``engine.coverage``).
    ``dropped`` holds the records left out by ``--keep-going``; what depends on one is an error.
    """
    return list(iter_findings(rules, facts, as_of, param_overrides, engine, supplied, asks, dropped))


def iter_findings(rules: list[Rule], facts: list[dict[str, Any]], as_of: dt.date,
                  param_overrides: dict[str, dict[str, Any]] | None = None, engine: str = "durable",
                  supplied: set[str] | None = None, asks: set[str] | None = None,
                  dropped: dict[str, list[dict[str, Any]]] | None = None, explain: bool = False) -> Iterator[Finding]:
    """``evaluate``'s findings in the same order, made one rule at a time, so a caller that writes
    and drops them holds one rule's findings at most (the engine's decisions for every rule are
    made first: a few bytes per outcome). ``explain``: gather each finding's evidence while
    deciding it, for a caller that shows every finding (else it is gathered when first read)."""
    return iterate_with_fewer_collections(_iter_findings(rules, facts, as_of, param_overrides, engine, supplied, asks,
                                                         dropped, explain))


def _iter_findings(rules, facts, as_of, param_overrides, engine, supplied, asks, dropped, explain) -> Iterator[Finding]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fact in facts:
        by_kind[fact["kind"]].append(fact)
    runnable, unanswerable = coverage.split_rules([r for r in rules if r.in_force(as_of)], supplied, asks)
    day = as_of.isoformat()  # once, not once per finding
    chunks: dict[str, Any] = {rule.id: (rule, outcome, reason) for rule, outcome, reason in unanswerable}  # how to make them
    runnable_by_id = {r.id: r for r in runnable}
    order: dict[int, Sequence[int]] = {}  # id(kind plan) -> its facts' positions in subject id order
    for kind_plan in plan(runnable, facts, as_of, param_overrides):
        decided, errors = decide(kind_plan, "durable") if engine == "durable" else (None, [])
        order[id(kind_plan)] = _id_order(kind_plan.facts)
        for i, resolved in enumerate(kind_plan.rules):
            chunks[resolved[0].id] = (kind_plan, resolved, decided[i] if decided is not None else None, errors)
    for rule_id in sorted(chunks.keys() | runnable_by_id.keys()):
        made = chunks.pop(rule_id, None)
        if made is None or len(made) == 3:  # a rule the data cannot answer, or one with no subject here
            made = coverage.undecided_findings(*made, by_kind, as_of) if made is not None else []
            if not made and dropped and rule_id in runnable_by_id:  # its subjects may all have been left out: each is an error
                made = coverage.with_dropped(made, [runnable_by_id[rule_id]], by_kind, dropped, as_of)
            made.sort(key=lambda f: f.subject.id)
            yield from made
            continue
        kind_plan, (rule, params, when, require), says, errors = made
        # one rule's findings made one at a time, in subject order (stable, as the one sort over
        # all findings ordered them): the largest rule of a big data set has tens of thousands
        made = _findings(rule, params, when, require, kind_plan.facts, day, says, errors, kind_plan.ctx, explain,
                         order[id(kind_plan)])
        if dropped:
            made = coverage.with_dropped(list(made), [runnable_by_id[rule_id]], by_kind, dropped, as_of)
            made.sort(key=lambda f: f.subject.id)
        yield from made


def _id_order(facts: list[dict[str, Any]]) -> Sequence[int]:
    """The positions of ``facts`` in subject id order (stable): a ``range`` when they are in it
    already, as derived facts are, rather than a list of an int object per fact."""
    if all(facts[n - 1]["id"] <= facts[n]["id"] for n in range(1, len(facts))):
        return range(len(facts))
    return sorted(range(len(facts)), key=lambda n: facts[n]["id"])


def _reference_outcome(when, require, fact, explain: bool = True, ctx=None) -> tuple[str, list[dict[str, Any]]]:
    """The reference evaluator's outcome; with ``explain``, the leaf evidence tagged by part."""
    if not explain:  # deciding only: the compiled conditions, no evidence
        if when is not None:
            applies = reference.truth(when, fact, ctx)
            if applies is not True:
                return ("error" if applies is None else "not_applicable"), []
        ok = reference.truth(require, fact, ctx)
        return ("error" if ok is None else "pass" if ok else "fail"), []
    evidence: list[dict[str, Any]] = []

    def value(cond, part: str) -> bool | None:
        result, ev = reference.evaluate(cond, fact, ctx)
        for e in ev:  # the walk's own new dicts: tagged in place
            e["part"] = part
        evidence.extend(ev)
        return result

    if when is not None:
        applies = value(when, "when")
        if applies is not True:
            return ("error" if applies is None else "not_applicable"), evidence
    ok = value(require, "require")
    return ("error" if ok is None else "pass" if ok else "fail"), evidence


def _findings(rule: Rule, params, when, require, facts: list[dict[str, Any]], as_of: str, says: list[str] | None,
              engine_errors: list[str], ctx=None, eager: bool = False, order: Sequence[int] | None = None) -> Iterator[Finding]:
    """The findings of ``rule`` for ``facts`` (in ``order``, positions in ``facts``), made as they
    are read: each the reference evaluator's outcome, cross-checked with the engine's (``says``,
    one per fact); message and evidence are computed when first read. ``eager``: the walk that
    decides also gathers the evidence (one walk, for findings that will all be shown). The rule's
    own fields are read once, not once per finding."""
    rule_id, title, severity, family = rule.id, rule.title, rule.severity, rule.family_name
    references, remediation = rule_references(rule), rule.remediation
    made = Finding.decided
    memo = _ExplanationMemo.of(rule, when, require)
    # a rule whose explanations are shared decides with the compiled conditions and explains from
    # the memo: walking for evidence while deciding would explain every subject again
    eager = eager and memo is None
    for n in (order if order is not None else range(len(facts))):
        fact = facts[n]
        outcome, evidence = _reference_outcome(when, require, fact, explain=eager, ctx=ctx)
        notes: tuple[str, ...] = ()
        if says is not None:
            if engine_errors:
                notes, outcome = ("engine: " + "; ".join(engine_errors),), "error"
            elif says[n] != outcome:
                notes, outcome = (f"durable-rules says {says[n]}, the reference evaluator says {outcome}",), "error"
        yield made(rule_id, title, severity, family, Subject(fact["kind"], fact["id"], fact["label"]), outcome,
                   references, remediation if outcome in ("fail", "error") else "", as_of,
                   partial(_explain, rule, params, when, require, fact, ctx, outcome, notes, evidence if eager else None,
                           memo))


_ABSENT = object()  # a field the fact does not have, told apart from one whose value is None


class _ExplanationMemo:
    """The explanations of one rule's findings that depend only on the values of the fields its
    conditions and its message read, shared by every subject with the same values.

    A finding's message and evidence are made from its leaves (a not-applicable one's from its
    ``when`` alone) and the rule's message for its outcome: when every leaf reads fields of the
    fact itself (no relation: its evidence names the subject's related records), two facts with
    the same values in those fields and in the fields the message names get the same
    explanation. Most findings of a large data set are not applicable, and many share their
    values (meeting kinds, flags), so one walk serves them all. Values are keyed with their types,
    so ``True`` and ``1`` (shown differently) never share an entry. An outcome whose explanations
    are seldom shared (a message naming each subject) stops being remembered after
    ``TRIAL`` explanations with fewer than half shared: the same explanations, made one by one."""

    __slots__ = ("fields", "outcomes", "entries", "asked")
    TRIAL = 64

    def __init__(self, fields: dict[str, tuple[str, ...]]):
        self.fields = fields  # outcome -> the fields its explanation reads, sorted
        self.outcomes = set(fields)
        self.entries: dict[tuple[Any, ...], tuple[str, list[dict[str, Any]]]] = {}
        self.asked: dict[str, list[int]] = {outcome: [0, 0] for outcome in fields}  # [asked, made]

    @classmethod
    def of(cls, rule: Rule, when: Condition | None, require: Condition) -> "_ExplanationMemo | None":
        """The memo for ``rule`` (resolved ``when``/``require``), or None when no outcome's
        explanation depends on the read fields alone."""
        kind = rule.applies_to
        fields: dict[str, tuple[str, ...]] = {}
        if when is not None and not _plain(when):
            return None
        if when is not None:
            fields["not_applicable"] = _read_fields(kind, when)
        if _plain(require):
            read = _read_fields(kind, *([when] if when is not None else []), require)
            said = {"pass": [rule.pass_message] if rule.pass_message else [], "fail": [rule.message],
                    "error": list(rule.error_messages.values())}
            for outcome, templates in said.items():
                fields[outcome] = tuple(sorted(set(read).union(*(template_names(t) for t in templates))))
        return cls(fields) if fields else None

    def key(self, outcome: str, fact: dict[str, Any]) -> tuple[Any, ...]:
        get = fact.get
        values = [get(name, _ABSENT) for name in self.fields[outcome]]
        return (outcome, *values, *map(type, values))

    def explained(self, outcome: str, fact: dict[str, Any], explain: Callable[[], tuple[str, list[dict[str, Any]]]]
                  ) -> tuple[str, list[dict[str, Any]]]:
        """The explanation of ``fact``'s finding: the one remembered for its values, else
        ``explain()``'s, remembered. Each finding gets its own leaf dicts (a caller may change
        one finding's evidence)."""
        key = self.key(outcome, fact)
        known = self.entries.get(key)
        asked = self.asked[outcome]
        asked[0] += 1
        if known is None:
            asked[1] += 1
            known = self.entries[key] = explain()
            if asked[0] >= self.TRIAL and asked[1] * 2 > asked[0]:  # seldom shared: explain one by one from now
                self.outcomes.discard(outcome)
        return known[0], [dict(e) for e in known[1]]


def _plain(cond: Condition) -> bool:
    """Every leaf's value is a function of the fact's own fields: a field, or a text predicate, a
    partial-date test or a ``meets`` on them; no relation (its evidence names the subject's
    related records), no ``count_of`` and no subject operand."""
    for leaf in walk_leaves(cond):
        if is_computed(leaf.field) and not isinstance(COMPUTED.get(leaf.field), (TextTest, PartialDateTest, Meets)):
            return False
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        if any(isinstance(v, SubjectRef) or (isinstance(v, FieldRef) and is_computed(v.name)) for v in values):
            return False
    return True


def _read_fields(kind: str, *conds: Condition) -> tuple[str, ...]:
    """The fact fields the conditions' values come from, sorted: their leaves' fields (computed
    names too, where attached) and the fields their text predicates, tests and operands read."""
    names: set[str] = set()
    for cond in conds:
        names |= fields_of(cond) | reads(cond, kind).get(kind, set())
    return tuple(sorted(names))


def _explain(rule: Rule, params, when, require, fact, ctx, outcome: str, notes: tuple[str, ...],
             evidence: list[dict[str, Any]] | None = None, memo: _ExplanationMemo | None = None
             ) -> tuple[str, list[dict[str, Any]]]:
    """The message and the evidence of a finding whose outcome is ``outcome`` (its engine notes
    first); ``evidence``: the leaf evaluations, when the deciding walk already gathered them;
    ``memo``: explanations shared by facts with the same read values (``_ExplanationMemo``)."""
    if memo is not None and not notes and outcome in memo.outcomes:
        return memo.explained(outcome, fact, partial(_explain, rule, params, when, require, fact, ctx, outcome, notes,
                                                     evidence))
    if evidence is None:
        _, evidence = _reference_outcome(when, require, fact, ctx=ctx)  # the same walk that decided, now with evidence
    kind = fact["kind"]
    types = ctx.derived_types if ctx is not None else {}
    missing = sorted({e["missing"] for e in evidence if e.get("missing")})
    shown = [_readable(kind, e, types) for e in evidence]
    if notes:
        message = "; ".join(notes)
    elif outcome == "error":
        detail = f"insufficient data: {', '.join(missing)} missing" if missing else "could not be decided"
        # the rule's own words for a missing field it names ("no quorum specification for ..."),
        # the missing fields still listed so the reader sees what to supply
        said = [_render(rule.error_messages[m], kind, fact, params, types) for m in missing if m in rule.error_messages]
        message = "; ".join([*said, detail])
    elif outcome == "pass" and rule.pass_message:
        message = _render(rule.pass_message, kind, fact, params, types)
    elif outcome == "not_applicable":
        message = "rule does not apply: " + "; ".join(f"{e['field']} {e['op']} {e.get('expected', '')}".strip() for e in shown if e.get("part") == "when" and e["result"] is False)
    elif outcome == "pass":
        message = "meets: " + "; ".join(_leaf_text(e) for e in shown if e.get("part") == "require" and e["result"])
    else:
        message = _render(rule.message, kind, fact, params, types)
    return message, shown


def _leaf_text(e: dict[str, Any]) -> str:
    return f"{e['field']}={e.get('actual')} {e['op']} {e.get('expected', '')}".strip()


@lru_cache(maxsize=4096)
def _is_day(kind: str, name: str) -> bool:
    """Whether a model (not pack-derived) fact field holds a day ordinal (introspection, asked once per field)."""
    return field_type_of(kind, name, []) == "day"


def _show(kind: str, name: str, value: Any, types: dict[tuple[str, str], str]) -> Any:
    """A value as shown: a day ordinal as its date. ``types``: the run's derived values' types."""
    if isinstance(value, int) and not isinstance(value, bool):
        day = types[(kind, name)] == "day" if (kind, name) in types else _is_day(kind, name)
        if day:
            return _day_text(value)
    return value


@lru_cache(maxsize=65536)
def _day_text(ordinal: int) -> str:
    """A day ordinal as ISO text, formatted once per day (the same dates recur across findings)."""
    return from_day(ordinal).isoformat()


def _readable(kind: str, e: dict[str, Any], types: dict[tuple[str, str], str]) -> dict[str, Any]:
    """The leaf evaluation ``e`` as a finding shows it (days as dates), changed in place: each is
    the finding's own, made by the walk that explains it."""
    out = e
    name = out.pop("computed", e["field"])  # a computed leaf (min/max of a date) is typed by its spec
    out["actual"] = _show(kind, name, e.get("actual"), types)
    if "expected" in e and isinstance(e["expected"], int) and not isinstance(e["expected"], bool):
        out["expected"] = _show(kind, name, e["expected"], types)
    return out


def _render(template: str, kind: str, fact: dict[str, Any], params: dict[str, Any],
            types: dict[tuple[str, str], str] | None = None) -> str:
    """A rule's message for one fact (``rules.messages``: format specs, and ``plural:`` counts)."""
    return render_message(template, lambda n: _show(kind, n, fact[n], types or {}) if n in fact else params.get(n, f"<{n} missing>"))
