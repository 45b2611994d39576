"""Coverage: a rule runs only on data that can answer it.

Each rule needs some registers (derived from the fields and relations it reads, plus any its
``requires:`` names) and, for cover-sheet rules, some questions of the organisation's form.
When a register it needs is not supplied (no file in the data set; an empty file is "kept, no
entries" and counts as supplied) the rule is **not checked**: each subject it would cover gets
``not_checked`` with the reason, or, when no subject can be enumerated, one finding on the
subject ``(data set)``. When the form does not ask a question the rule reads, each paper gets
``not_applicable`` with that reason. Neither ever becomes a pass or a fail.

Why this is Python and not a rule: it is the generic reading of every rule's requirements
against what every data set states it holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from ..facts.derive import id_part
from ..facts.kinds import FACT_MODELS, kind_fields
from ..facts.records import record_kinds, sources
from ..model import REGISTERS
from ..model.organisation import COVER_SHEET_QUESTIONS
from ..rules.conditions import COMPUTED, Relation, is_computed, walk
from ..rules.loader import reads, template_names
from ..rules.schema import Rule
from .findings import Finding, Subject, rule_references

DATASET_SUBJECT = Subject(kind="dataset", id="(data set)", label="(data set)")
# the kinds whose subjects are papers, and the prefix under which a paper's questions are read
QUESTION_PREFIX = "paper."


def kind_registers(kind: str) -> set[str]:
    """The registers a kind's facts are made from (a membership: bodies and people)."""
    models = sources(kind, FACT_MODELS).values()
    return {name for name, model in REGISTERS.items() if any(model is m for m in models)}


def _fields(rule: Rule) -> dict[str, set[str]]:
    """The fields ``rule`` reads, by kind (its conditions and its messages): worked out once per
    rule object, since every run of a process asks again for the same loaded rules."""
    cached = _FIELDS.get(id(rule))
    if cached is None or cached[0] is not rule:  # the entry holds the rule, so its id is not reused
        cached = _FIELDS[id(rule)] = (rule, _read_fields(rule))
    return cached[1]


_FIELDS: dict[int, tuple[Rule, dict[str, set[str]]]] = {}


def _read_fields(rule: Rule) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for cond in (rule.when_condition, rule.require_condition):
        for kind, names in reads(cond, rule.applies_to).items():
            out.setdefault(kind, set()).update(names)
    out.setdefault(rule.applies_to, set()).update(*(template_names(t) for t in rule.templates))
    return out


def rule_registers(rule: Rule) -> set[str]:
    """Every register ``rule`` needs: its subjects', each field's (a followed reference reads the
    register it names), each related kind's (``reads`` lists related kinds, nested relations
    included), and those its ``requires:`` adds."""
    needed = set(kind_registers(rule.applies_to))
    for kind, names in _fields(rule).items():
        needed |= kind_registers(kind)
        specs = kind_fields(kind)
        for name in names:
            spec = specs.get(name)
            register = spec.source.split(".")[0] if spec else ""
            if register in REGISTERS:
                needed.add(register)
    if rule.requires is not None:
        needed |= set(rule.requires.registers)
    return needed


def rule_questions(rule: Rule) -> set[str]:
    """The cover-sheet questions ``rule`` reads (``paper.<question>...``) or its ``requires:`` names."""
    out = set(rule.requires.questions) if rule.requires is not None else set()
    for names in _fields(rule).values():
        for name in names:
            head = name.removeprefix(QUESTION_PREFIX).split(".")[0] if name.startswith(QUESTION_PREFIX) else ""
            if head in COVER_SHEET_QUESTIONS:
                out.add(head)
    return out


def _register_words(registers: Iterable[str]) -> str:
    names = sorted(registers)
    return (", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]) + (" registers" if len(names) > 1 else " register")


def split_rules(rules: list[Rule], supplied: set[str] | None, asks: set[str] | None
                ) -> tuple[list[Rule], list[tuple[Rule, str, str]]]:
    """The rules the data can answer, and (rule, outcome,
    reason) for each it cannot, whose findings ``undecided_findings`` makes when they are reached
    (a data set without a register has a finding per subject of each rule needing it: tens of
    thousands at scale, not to be held at once). ``supplied`` None means every register is
    supplied (data built in code); ``asks`` None means the form asks every question."""
    runnable, unanswerable = [], []
    for rule in rules:
        missing = rule_registers(rule) - supplied if supplied is not None else set()
        unasked = rule_questions(rule) - asks if asks is not None else set()
        if missing:
            unanswerable.append((rule, "not_checked", f"not checked: no {_register_words(missing)} in the data set"))
        elif unasked:
            unanswerable.append((rule, "not_applicable", "not applicable: the organisation's cover-sheet form does not ask "
                                 + ", ".join(sorted(unasked))))
        else:
            runnable.append(rule)
    return runnable, unanswerable


def undecided_findings(rule: Rule, outcome: str, reason: str, by_kind: dict[str, list[dict[str, Any]]],
                       as_of: dt.date) -> list[Finding]:
    """A rule's findings when the data cannot answer it (``split_rules``), one per subject (the data
    set itself when a rule not checked has none), in the order of its kind's facts."""
    subjects = [Subject(kind=f["kind"], id=f["id"], label=f["label"]) for f in by_kind.get(rule.applies_to, [])]
    if not subjects and outcome == "not_checked":
        subjects = [DATASET_SUBJECT]
    remediation = ("Supply the register (an empty file if the organisation keeps it and it has no entries) and run again."
                   if outcome == "not_checked" else "")
    return [_undecided(rule, s, outcome, reason, as_of, remediation) for s in subjects]


def _undecided(rule: Rule, subject: Subject, outcome: str, message: str, as_of: dt.date,
               remediation: str = "Correct the record and run again.") -> Finding:
    """A finding the engine did not decide (not checked, not asked, or a dropped record's)."""
    return Finding(rule_id=rule.id, title=rule.title, severity=rule.severity, family=rule.family_name, subject=subject,
                   outcome=outcome, message=message, evidence=[],
                   references=rule_references(rule),
                   remediation=remediation, as_of=as_of.isoformat())


def summary(rules: list[Rule], findings: list[Any], as_of: dt.date) -> dict[str, Any]:
    """Which rules in force were checked and which not, and why (findings as models or dicts)."""
    tally = Tally()
    for f in findings:
        tally.add(f)
    return tally.summary(rules, as_of)


COVER_SHEET_NA = "not applicable: the organisation's cover-sheet form"
# every message of a finding left undecided because a record it depends on was dropped says this,
# and the coverage tally recognises such findings by it
NOT_LOADED = "could not be loaded"


class Tally:
    """What ``summary`` needs of a run's findings, gathered one finding at a time (for a stream).

    A finding's message is read only where it decides something (a finding's message may be
    computed when first read): the first ``not_checked`` one, and whether every finding of the
    rule so far says its cover-sheet question is not asked.
    """

    def __init__(self) -> None:
        self.subjects: dict[str, int] = {}
        self.unchecked: dict[str, str] = {}  # rule id -> the first not_checked finding's message
        self.not_asked: dict[str, str | None] = {}  # rule id -> the first message while every one is "not asked", else None
        self.all_dropped: dict[str, bool] = {}  # rule id -> every finding so far stands for a record that failed to load

    def add(self, finding: Any) -> None:
        """Count one finding (a model or a dict) of the run."""
        rule_id = _field(finding, "rule_id")
        first = rule_id not in self.subjects
        self.subjects[rule_id] = self.subjects.get(rule_id, 0) + 1
        if _field(finding, "outcome") == "not_checked" and rule_id not in self.unchecked:
            self.unchecked[rule_id] = _field(finding, "message")
        if first or self.all_dropped.get(rule_id):
            # a dropped record's finding is made eagerly (its message is no cost to read)
            self.all_dropped[rule_id] = (_field(finding, "outcome") == "error"
                                         and NOT_LOADED in _field(finding, "message"))
        if first or self.not_asked.get(rule_id) is not None:
            message = _field(finding, "message")
            if not message.startswith(COVER_SHEET_NA):
                self.not_asked[rule_id] = None
            elif first:
                self.not_asked[rule_id] = message

    def summary(self, rules: list[Rule], as_of: dt.date) -> dict[str, Any]:
        """The document's ``coverage`` section for ``rules`` (those in force on ``as_of``)."""
        rows = []
        for rule in sorted((r for r in rules if r.in_force(as_of)), key=lambda r: r.id):
            seen = self.subjects.get(rule.id, 0)
            if rule.id in self.unchecked:
                status, reason = "not_checked", self.unchecked[rule.id]
            elif seen and self.not_asked.get(rule.id) is not None:
                status, reason = "not_applicable", self.not_asked[rule.id]
            elif not seen:
                status, reason = "checked", "no subjects: the register is kept and has no entries"
            elif self.all_dropped.get(rule.id):
                # every subject's finding stands for a record that failed to load: the rule decided nothing
                status, reason = "not_checked", (f"no subject decided: every record it covers {NOT_LOADED} "
                                                 "(see the load errors)")
            else:
                status, reason = "checked", ""
            rows.append({"rule_id": rule.id, "severity": rule.severity, "status": status, "reason": reason,
                         "subjects": seen, "registers": sorted(rule_registers(rule))})
        counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("checked", "not_checked", "not_applicable")}
        return {"rules": rows, "counts": counts}


def _field(finding: Any, name: str) -> Any:
    return finding[name] if isinstance(finding, dict) else getattr(finding, name)


# Subject kinds whose subject id is the id of one record of a register (the rest are parts of a
# record, and the record's own load error stands for them).
SUBJECT_REGISTERS = {"meeting": "meetings", "risk": "risks", "paper": "papers", "action": "actions"}


def parent_register(kind: str) -> str | None:
    """The register whose record a derived kind's subject is part of (a membership: bodies; an
    interest: declarations; an attendance mark: meetings): the first of the kind's sources that
    is a register record. None for a kind that is itself a register's record."""
    if kind in SUBJECT_REGISTERS or kind in record_kinds(FACT_MODELS):
        return None
    for model in sources(kind, FACT_MODELS).values():
        register = next((name for name, m in REGISTERS.items() if m is model), None)
        if register is not None:
            return register
    return None


def _record_key(raw: dict[str, Any]) -> str:
    return str(raw.get("id", raw.get("ref", "")))


def _record_label(raw: dict[str, Any], key: str) -> str:
    return str(raw.get("name") or raw.get("title") or key)


def _join_field(kind: str, their: str, register: str) -> str | None:
    """The raw field of a ``register`` record that a relation's ``their`` field on ``kind`` reads."""
    for prefix, model in sources(kind, FACT_MODELS).items():
        if model is REGISTERS[register] and their.startswith(prefix + "."):
            rest = their[len(prefix) + 1:]
            return rest if "." not in rest else None
    return None


def with_dropped(findings: list[Finding], rules: list[Rule], by_kind: dict[str, list[dict[str, Any]]],
                 dropped: dict[str, list[dict[str, Any]]], as_of: dt.date) -> list[Finding]:
    """``--keep-going``: a subject that depends on a record left out is an ``error`` naming it.

    Three dependencies are generic: the subject *is* the dropped record (a meeting left out still
    gets one error per rule on meetings, so its findings do not vanish); a relation of the
    rule joins the subject to a dropped record (a member whose declaration could not be loaded
    has no known declaration: neither pass nor fail); and the rule reads a fact field computed
    across a whole register (``json_schema_extra={"across": register}``, e.g. the framework's
    latest period) while a record of that register was left out.
    """
    if not dropped:
        return findings
    by_rule = {r.id: r for r in rules}
    out = []
    for f in findings:
        rule = by_rule.get(f.rule_id)
        blame = _dropped_for(rule, f, by_kind, dropped) if rule is not None and f.outcome in ("pass", "fail", "not_applicable") else None
        out.append(f.model_copy(update={"outcome": "error", "message": blame, "evidence": [],
                                        "remediation": rule.remediation}) if blame else f)
    seen = {(f.rule_id, f.subject.id) for f in out}
    for rule in rules:
        register = SUBJECT_REGISTERS.get(rule.applies_to) or record_kinds(FACT_MODELS).get(rule.applies_to)
        for raw in dropped.get(register, []) if register else []:
            key = _record_key(raw)
            if key and (rule.id, key) not in seen:
                seen.add((rule.id, key))
                out.append(_undecided(rule, Subject(kind=rule.applies_to, id=key, label=_record_label(raw, key)), "error",
                                      f"{register} record {key} {NOT_LOADED} (see its load error), "
                                      "so this rule could not be decided for it", as_of))
        parent = None if register else parent_register(rule.applies_to)
        for raw in dropped.get(parent, []) if parent else []:
            # the parts of a dropped record (a body's memberships, a declaration's interests, a
            # meeting's attendance marks) cannot be enumerated from a record that failed to load:
            # one error per rule names the record, so their outcomes do not vanish
            key = _record_key(raw) or "(no id)"
            subject = Subject(kind=rule.applies_to, id=f"{key}/*", label=f"every {rule.applies_to} of {_record_label(raw, key)}")
            out.append(_undecided(rule, subject, "error", f"{parent} record {key} {NOT_LOADED} (see its load error), "
                                  f"so the {rule.applies_to} subjects that depend on it were not checked", as_of))
    out.sort(key=lambda f: (f.rule_id, f.subject.id))
    return out


def _dropped_for(rule: Rule, finding: Finding, by_kind: dict[str, list[dict[str, Any]]],
                 dropped: dict[str, list[dict[str, Any]]]) -> str | None:
    subject = next((s for s in by_kind.get(rule.applies_to, []) if s["id"] == finding.subject.id), None)
    if subject is None:
        return None
    register = SUBJECT_REGISTERS.get(rule.applies_to)
    if register and dropped.get(register):
        # records sharing an id are numbered id#1, id#2 among those loaded: with one of them left out
        # the numbers shift (a waiver or baseline entry on id#2 would land on another record), so no
        # numbered subject of that id is decided; a lone survivor keeps the plain id and is decided
        base, numbered, _ = finding.subject.id.partition("#")
        if numbered and any(id_part(_record_key(raw), keep="/") == base for raw in dropped[register]):
            return (f"shares its reference with {register} record {base}, which {NOT_LOADED} "
                    "(see its load error); not decided")
    fields = FACT_MODELS[rule.applies_to].model_fields if rule.applies_to in FACT_MODELS else {}
    for cond in (rule.when_condition, rule.require_condition):
        for leaf in walk(cond) if cond is not None else ():
            extra = fields[leaf.field].json_schema_extra if leaf.field in fields else None
            across = extra.get("across") if isinstance(extra, dict) else None
            if across and dropped.get(across):
                return (f"reads {leaf.field}, computed across every {across} record, and {across} record "
                        f"{_record_key(dropped[across][0]) or '(no id)'} {NOT_LOADED} (see its load error); not decided")
            spec = COMPUTED.get(leaf.field) if is_computed(leaf.field) else None
            if not isinstance(spec, Relation):
                continue
            for register in kind_registers(spec.kind):
                for raw in dropped.get(register, []):
                    joins = [(_join_field(spec.kind, their, register), mine) for their, mine in spec.on]
                    if all(field is not None and mine in subject and field in raw and str(raw[field]) == str(subject[mine])
                           for field, mine in joins):
                        return (f"depends on {register} record {_record_key(raw) or '(no id)'}, which {NOT_LOADED} "
                                "(see its load error); not decided")
    return None
