"""Values of computed fields: text predicates, relations and the pack's derived values.

A rule's text predicates and relations parse to leaves on synthetic ``~`` fields (see
``rules.conditions``). Before either engine decides, each subject's fact gets those fields'
values here, so durable-rules compares a plain boolean or number and never joins on its own ids
(reading another fact's ``id``/``sid`` reads freed memory; DESIGN.md). The reference evaluator
evaluates text predicates again on the raw text (``reference.py``); a relation's value is computed
once, here, with ``where`` decided by the reference evaluator (its compiled conditions, Kleene
logic), and both engines decide the comparison on it. A relation whose ``where`` does not read the
subject is decided once per join key and shared by the subjects with that key (``by_key``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

from ..rules.conditions import (
    COMPUTED, MEETS_OPS, Condition, CountOf, FieldRef, Meets, Param, PartialDateTest, Relation, SubjectRef, TextTest,
    Leaf, count_of_values, is_computed, reads, resolve, resolve_value, walk,
)
from ..model.dates import partial_bounds
from ..rules.functions import Derived
from ..rules.parse_conditions import check_pattern
from .reference import compare, truth  # reference imports this module only inside functions

MISSING = object()


@dataclass(frozen=True)
class ResolvedText:
    """A text leaf resolved for one rule: ``test(fact, subject)`` is True, False or None (cannot be
    decided); ``subject`` is the fact a relation starts from (None outside a relation)."""

    spec: TextTest
    test: Callable[..., "bool | None"]


@dataclass(frozen=True)
class ResolvedMeets:
    """A ``meets`` leaf with its params and dates resolved; operands still name fields."""

    spec: Meets
    operands: tuple[Any, Any, Any]


@dataclass(frozen=True)
class ResolvedPartialDate:
    """A ``partial_date`` leaf with its date resolved (a day ordinal, or a day field of the same fact)."""

    spec: PartialDateTest
    value: Any

    def decide(self, fact: dict[str, Any]) -> tuple["bool | None", str]:
        """True/False when every day the field's date can mean agrees, else None with the reason."""
        field, written = self.spec.field, fact.get(self.spec.field)
        other = fact.get(self.value.name) if isinstance(self.value, FieldRef) else self.value
        if written is None or not isinstance(other, int) or isinstance(other, bool):
            missing = field if written is None else self.value.name
            return None, missing
        if isinstance(written, int) and not isinstance(written, bool):
            first = last = written
        else:
            try:
                first, last = (d.toordinal() for d in partial_bounds(str(written)))
            except ValueError as exc:
                return None, f"a date in {field} ({exc})"
        answers = {compare(self.spec.op, first, other), compare(self.spec.op, last, other)}
        if len(answers) == 1:
            return answers.pop(), ""
        bound = dt.date.fromordinal(other).isoformat()
        span = f"{dt.date.fromordinal(first).isoformat()} to {dt.date.fromordinal(last).isoformat()}"
        return None, f"the day of {field} ({written!r} is any day from {span}; against {bound} the answer differs within it)"


@dataclass(frozen=True)
class ResolvedCountOf:
    """A ``count_of`` value with its ratio resolved: ``times``/``per`` of the relation ``relation`` counts."""

    spec: CountOf
    times: int
    per: int


@dataclass(frozen=True)
class ResolvedRelation:
    """A relation with its ``where``/``every`` resolved. ``by_key``: neither reads the subject
    (``{subject: F}``), so what the relation chooses depends only on the join key's values and
    subjects that share a key share the answer (computed once per key, see ``Context``)."""

    spec: Relation
    where: Condition | None
    every: Condition | None
    by_key: bool = False


def reads_subject(cond: Condition | None) -> bool:
    """Whether a (resolved) condition inside a relation reads the subject it starts from (a
    ``{subject: F}`` operand anywhere ``conditions.reads`` finds one; a nested relation's own
    ``{subject: F}`` names the record it starts from, not this subject, so it does not count)."""
    return bool(reads(cond, "~related", "~subject").get("~subject"))


def _text_predicate(op: str, pattern: Any, case_sensitive: bool, where: str) -> Callable[[str], bool]:
    """The predicate on one text for a resolved pattern (a regex, a text, or a list of texts)."""
    if op == "matches":
        compiled = check_pattern(str(pattern), case_sensitive, where)
        return lambda text: compiled.search(text) is not None
    items = (pattern,) if isinstance(pattern, str) else tuple(pattern)
    if not case_sensitive:
        items = tuple(i.lower() for i in items)
    fold = (lambda t: t) if case_sensitive else str.lower
    if op == "contains_any":
        return lambda text: any(i in fold(text) for i in items)
    return lambda text: fold(text).startswith(items)


def text_test(spec: TextTest, params: dict[str, Any]) -> Callable[..., "bool | None"]:
    """The predicate a text leaf stands for, on a whole fact: its pattern or list resolved from
    ``params``, or, for ``{field: F}``, from the fact's own text field ``F`` (for ``{subject: F}``,
    inside a relation, the subject's) taken literally (escaped, so its text is never read as a
    regex). None when either text is missing."""
    field = spec.field
    if isinstance(spec.pattern, (FieldRef, SubjectRef)):
        other = spec.pattern.name
        flags = 0 if spec.case_sensitive else re.IGNORECASE
        of_subject = isinstance(spec.pattern, SubjectRef)

        def against_field(fact: dict[str, Any], subject: dict[str, Any] | None = None) -> "bool | None":
            text, operand = fact.get(field), (subject or {}).get(other) if of_subject else fact.get(other)
            if not isinstance(text, str) or not isinstance(operand, str):
                return None
            if spec.op == "matches":
                return re.search(re.escape(operand), text, flags) is not None
            return _text_predicate(spec.op, operand, spec.case_sensitive, field)(text)
        return against_field
    pattern = params[spec.pattern.name] if isinstance(spec.pattern, Param) else spec.pattern
    predicate = _text_predicate(spec.op, pattern, spec.case_sensitive, field)

    def against_pattern(fact: dict[str, Any], subject: dict[str, Any] | None = None) -> "bool | None":
        text = fact.get(field)
        return predicate(text) if isinstance(text, str) else None
    return against_pattern


def resolve_specs(conditions: list[Condition | None], params: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    """The computed fields the conditions use, resolved for this rule's parameters and ``as_of``."""
    out: dict[str, Any] = {}
    pending = [c for c in conditions if c is not None]
    while pending:
        for leaf in walk(pending.pop()):
            for name, ratio in count_of_values(leaf):
                if name not in out:
                    out[name] = ResolvedCountOf(ratio, *(int(resolve_value(r, params, as_of)) for r in (ratio.times, ratio.per)))
                    pending.append(Leaf(ratio.relation, "ge", 0))
            if not is_computed(leaf.field) or leaf.field in out:
                continue
            spec = COMPUTED[leaf.field]
            if isinstance(spec, TextTest):
                out[leaf.field] = ResolvedText(spec, text_test(spec, params))
            elif isinstance(spec, PartialDateTest):
                value = spec.value if isinstance(spec.value, FieldRef) else resolve_value(spec.value, params, as_of)
                out[leaf.field] = ResolvedPartialDate(spec, value)
            elif isinstance(spec, Meets):
                out[leaf.field] = ResolvedMeets(spec, tuple(resolve_value(v, params, as_of)
                                                            for v in (spec.value, spec.comparison, spec.threshold)))
            else:
                where = resolve(spec.where, params, as_of) if spec.where is not None else None
                every = resolve(spec.every, params, as_of) if spec.every is not None else None
                by_key = not spec.each and not reads_subject(where) and not reads_subject(every)
                out[leaf.field] = ResolvedRelation(spec, where, every, by_key)
                pending.extend(c for c in (where, every) if c is not None)
    return out


class Context:
    """All facts by kind, the resolved computed fields, and join indexes built once per run."""

    def __init__(self, by_kind: dict[str, list[dict[str, Any]]], specs: dict[str, Any],
                 derived: list[Derived] | None = None):
        self.by_kind = by_kind
        self.specs = specs
        # the types of this run's derived values, (kind, name) -> type: per rule set, never process-wide,
        # so two rule sets in one process that name a derived value alike do not read each other's
        self.derived_types: dict[tuple[str, str], str] = {(d.kind, d.name): d.type for d in derived or []}
        self._indexes: dict[tuple[str, tuple[str, ...]], dict[tuple, list[dict[str, Any]]]] = {}
        # (relation, join key) -> its value and what it chose, for relations whose answer depends
        # on the key alone (``ResolvedRelation.by_key``): every attendance of one person at one
        # body shares one count, computed once rather than once per attendance (measured: the
        # relations' ``where`` walks were most of ``plan()``; bench/results.md)
        # (id(resolved), key) -> [resolved, chosen, value, (the evidence's ids of what it chose,) once asked]
        self.by_key: dict[tuple[int, tuple], Any] = {}
        self.compiled: dict[int, Any] = {}  # id(condition) -> (condition, its closure): ``reference.truth``
        self.explaining: dict[int, Any] = {}  # the same for ``reference.evaluate``, which also gives evidence

    @staticmethod
    def join_key(spec: Relation, subject: dict[str, Any]) -> tuple | None:
        """The subject's values of the join keys, each as (value, class) choices (a list key
        offers each entry); None when a subject key is missing. ``True == 1`` in Python, so the
        class keeps a flag from matching the number 1."""
        choices = []
        for _, mine in spec.on:
            if mine not in subject:
                return None
            value = subject[mine]
            values = value if mine.endswith("[]") else [value]  # a list key matches any of its entries
            choices.append(tuple((v, v.__class__) for v in values))
        return tuple(choices)

    def related(self, spec: Relation, subject: dict[str, Any], key: tuple | None = None) -> list[dict[str, Any]] | None:
        """Records of ``spec.kind`` whose join keys equal the subject's; None when a subject key is missing."""
        if spec.each:  # the entries of the subject's own list, flattened into its fact
            entries = subject.get(spec.kind + "[]")
            return entries if isinstance(entries, list) else None
        theirs = tuple(t for t, _ in spec.on)
        choices = key if key is not None else self.join_key(spec, subject)
        if choices is None:
            return None
        index = self._indexes.get((spec.kind, theirs))
        if index is None:
            index = self._indexes[(spec.kind, theirs)] = {}
            for fact in self.by_kind.get(spec.kind, []):
                if all(t in fact for t in theirs):
                    index.setdefault(tuple((fact[t], fact[t].__class__) for t in theirs), []).append(fact)
        if all(len(c) == 1 for c in choices):
            return index.get(tuple(c[0] for c in choices), [])
        out, seen = [], set()
        for key in itertools.product(*choices):
            for fact in index.get(key, []):
                if id(fact) not in seen:
                    seen.add(id(fact))
                    out.append(fact)
        return out


def _chosen(resolved: ResolvedRelation, subject: dict[str, Any], ctx: Context) -> tuple[list[dict[str, Any]], bool] | None:
    """(the related records the relation's ``where`` chooses, whether any was undecided); None when a
    join key of the subject is missing."""
    return _chosen_and_value(resolved, subject, ctx)[0]


def _chosen_and_value(resolved: ResolvedRelation, subject: dict[str, Any], ctx: Context) -> tuple[Any, Any]:
    """``_chosen`` and ``relation_value`` for the subject, once per join key when the relation's
    answer depends on the key alone (``by_key``), else for this subject."""
    key = None if resolved.spec.each else ctx.join_key(resolved.spec, subject)
    if resolved.by_key and key is not None:
        cached = ctx.by_key.get((id(resolved), key))
        if cached is None:  # the entry holds ``resolved`` itself, so its id is not reused while cached
            cached = ctx.by_key[(id(resolved), key)] = [resolved, *_decide_relation(resolved, subject, ctx, key), None]
        return cached[1], cached[2]
    return _decide_relation(resolved, subject, ctx, key)


def _decide_relation(resolved: ResolvedRelation, subject: dict[str, Any], ctx: Context, key: tuple | None) -> tuple[Any, Any]:
    """(what ``_chosen`` returns, the relation's value) for the subject, from the related records."""
    related = ctx.related(resolved.spec, subject, key)
    if related is None:
        return None, MISSING
    chosen, unknown = [], False
    for record in related:
        ok = True if resolved.where is None else truth(resolved.where, record, ctx, subject)
        if ok is None:
            unknown = True
        elif ok:
            chosen.append(record)
    return (chosen, unknown), _quantity(resolved, subject, ctx, chosen, unknown)


def related_ids(resolved: ResolvedRelation, subject: dict[str, Any], ctx: Context) -> list[str] | None:
    """The ids of the records a relation chose for ``subject`` (joined by ``on``, kept by ``where``),
    for the finding's evidence: which standards were in force, which declarations counted. None when
    the join cannot be made; records without an id (a list's own entries) are left out. Listed once
    per join key when the relation's answer depends on the key alone (a new list each time: the
    evidence is the finding's own)."""
    key = ctx.join_key(resolved.spec, subject) if resolved.by_key else None
    if key is not None:
        _chosen_and_value(resolved, subject, ctx)  # the key's entry: [resolved, chosen, value, ids or None]
        entry = ctx.by_key[(id(resolved), key)]
        if entry[3] is None:
            entry[3] = (_ids_of(entry[1]),)
        ids = entry[3][0]
        return None if ids is None else list(ids)
    return _ids_of(_chosen(resolved, subject, ctx))


def _ids_of(found: tuple[list[dict[str, Any]], bool] | None) -> list[str] | None:
    return None if found is None else sorted(str(r["id"]) for r in found[0] if "id" in r)


def relation_value(resolved: ResolvedRelation, subject: dict[str, Any], ctx: Context) -> Any:
    """The relation's value for one subject (bool, count, min or max), or MISSING when unknown."""
    return _chosen_and_value(resolved, subject, ctx)[1]


def _quantity(resolved: ResolvedRelation, subject: dict[str, Any], ctx: Context, chosen: list[dict[str, Any]], unknown: bool) -> Any:
    """What the relation yields from the records it chose (``unknown``: some could not be decided)."""

    spec = resolved.spec
    if spec.quantity == "exists":
        return True if chosen else (MISSING if unknown else False)
    if unknown:
        return MISSING
    if spec.quantity == "count":
        return len(chosen)
    if spec.quantity == "every":
        values = [truth(resolved.every, r, ctx, subject) for r in chosen]
        return False if False in values else (MISSING if None in values else True)
    values = [r.get(spec.of, MISSING) for r in chosen]
    if not values or MISSING in values:
        return MISSING
    return min(values) if spec.quantity == "min" else max(values)


def meets_value(resolved: ResolvedMeets, fact: dict[str, Any], subject: dict[str, Any] | None = None) -> Any:
    """True/False for ``value <comparison> threshold``, or MISSING when an operand is missing or the
    comparison is not an operator name."""
    values = []
    for operand in resolved.operands:
        if isinstance(operand, (FieldRef, SubjectRef)):
            source = fact if isinstance(operand, FieldRef) else (subject or {})
            if operand.name not in source:
                return MISSING
            operand = source[operand.name]
        values.append(operand)
    value, comparison, threshold = values
    if comparison not in MEETS_OPS:
        return MISSING
    return compare(comparison, value, threshold)


def count_of_value(resolved: ResolvedCountOf, subject: dict[str, Any], ctx: Context) -> tuple[Any, Any]:
    """(the count, ``times``/``per`` of it) for the subject: the threshold an exact fraction (an int
    when whole); both MISSING when the count is unknown."""
    count = relation_value(ctx.specs[resolved.spec.relation], subject, ctx)
    if count is MISSING:
        return MISSING, MISSING
    value = Fraction(count * resolved.times, resolved.per)
    return count, (value.numerator if value.denominator == 1 else value)


def engine_number(value: Any) -> Any:
    """A fraction as durable-rules is given it: four decimal places (exact for ordering whole
    numbers, since ``per`` < PER_LIMIT; see ``CountOf``), never in exponent form."""
    return round(float(value), 4) if isinstance(value, Fraction) else value


def text_value(resolved: ResolvedText, fact: dict[str, Any]) -> Any:
    value = resolved.test(fact)
    return MISSING if value is None else value


def attach(facts: list[dict[str, Any]], names: list[str], ctx: Context) -> list[dict[str, Any]]:
    """``facts`` with the computed fields' values (absent where unknown): copies, or the facts
    themselves when the run owns them (``facts.owned_facts``) and no relation's ``where`` or
    ``every`` reads a relation of its records (which would then see values it never saw before)."""
    if not names:
        return facts
    from ..facts import facts_owned  # noqa: PLC0415 - facts imports nothing of the engine, but keep the layers one-way at import

    in_place = facts_owned() and not _nested_relations()
    out = facts if in_place else []
    for fact in facts:
        row = fact if in_place else dict(fact)
        for name in names:
            resolved = ctx.specs[name]
            if isinstance(resolved, ResolvedText):
                value = text_value(resolved, fact)
            elif isinstance(resolved, ResolvedMeets):
                value = meets_value(resolved, fact)
            elif isinstance(resolved, ResolvedPartialDate):
                decided = resolved.decide(fact)[0]
                value = MISSING if decided is None else decided
            elif isinstance(resolved, ResolvedCountOf):
                value = engine_number(count_of_value(resolved, fact, ctx)[1])
            else:
                value = relation_value(resolved, fact, ctx)
            if value is not MISSING:
                row[name] = value
        if not in_place:
            out.append(row)
    return out


def _nested_relations() -> bool:
    """Whether any relation known to this process decides its records with another relation
    (a computed relation read on a related record: ``reference`` reads it from that record).
    Asked once per kind per run, answered once per state of ``COMPUTED``: names are only ever
    added (a name is its spec's digest), so its size tells whether anything new could answer."""
    known = len(COMPUTED)
    if _NESTED and _NESTED[0] == known:
        return _NESTED[1]
    from ..rules.conditions import Relation  # noqa: PLC0415 - only here

    nested = any(is_computed(leaf.field) and isinstance(COMPUTED.get(leaf.field), Relation)
                 for spec in list(COMPUTED.values()) if isinstance(spec, Relation)
                 for cond in (spec.where, spec.every) if cond is not None for leaf in walk(cond))
    _NESTED[:] = [known, nested]
    return nested


_NESTED: list[Any] = []  # [len(COMPUTED) when last asked, the answer]


def apply_derived(by_kind: dict[str, list[dict[str, Any]]], derived: list[Derived]) -> None:
    """Add the pack's derived values to every fact of their kind (in declaration order, so a value
    may read an earlier one); each fact is copied once, however many values its kind has, unless
    the run owns its facts (``facts.owned_facts``): then the values are added in place."""
    from ..facts import facts_owned  # noqa: PLC0415 - see attach

    in_place = facts_owned()
    kinds = list(dict.fromkeys(item.kind for item in derived))
    for kind in kinds:
        facts = by_kind.get(kind)
        if not facts:
            continue
        items = [item for item in derived if item.kind == kind]
        copies = []
        for fact in facts:
            row = fact if in_place else dict(fact)
            for item in items:
                value = item.value(row)
                if value is not None:
                    row[item.name] = value
            copies.append(row)
        by_kind[kind] = copies
