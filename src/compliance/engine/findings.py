"""Findings: one outcome per (rule, subject), with evidence and the clause it rests on.

``FindingRecord`` / ``SubjectRecord`` (pydantic) are the schema of a finding as every output
writes it. The engine makes ``Finding`` / ``Subject``: light objects with the same fields and the
pydantic methods the code uses (``model_dump``, ``model_copy``), built from trusted internal data
without per-finding validation, whose message and evidence may be computed only when first read
(most findings of a large run pass or do not apply, and only some outputs show their evidence).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict

# not_checked: the data set does not supply a register the rule needs (engine/coverage.py)
Outcome = Literal["pass", "fail", "error", "not_checked", "not_applicable", "waived"]
OUTCOMES = ("fail", "error", "not_checked", "pass", "not_applicable", "waived")


class SubjectRecord(BaseModel):
    """The schema of a finding's subject."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # the schema: validated only where a record is read back
    kind: str
    id: str
    label: str


class FindingRecord(BaseModel):
    """The schema of a finding as written in the JSON document (``Finding.model_dump(mode="json")``)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # the schema: validated only where a record is read back

    rule_id: str
    title: str
    severity: str
    family: str
    subject: SubjectRecord
    outcome: Outcome
    message: str
    evidence: list[dict[str, Any]]
    references: list[dict[str, Any]]
    remediation: str
    as_of: str
    waiver: dict[str, Any] | None = None  # the waiver in force, when outcome is ``waived``
    change: str | None = None  # "new" or "persisting" against a baseline, for fail and waived


FIELDS = tuple(FindingRecord.model_fields)


class Subject:
    """What a finding is about: a fact's kind, id and label (fields of ``SubjectRecord``)."""

    __slots__ = ("kind", "id", "label")

    def __init__(self, kind: str, id: str, label: str):  # noqa: A002 - the schema's field name
        self.kind, self.id, self.label = kind, id, label

    def model_dump(self, mode: str = "python") -> dict[str, str]:
        """The subject as a plain dict."""
        return {"kind": self.kind, "id": self.id, "label": self.label}

    def model_copy(self, update: dict[str, Any] | None = None) -> Subject:
        """A copy with ``update``'s fields replaced."""
        return Subject(**{**self.model_dump(), **(update or {})})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Subject) and self.model_dump() == other.model_dump()

    __hash__ = None  # mutable, as the pydantic model it stands for

    def __repr__(self) -> str:
        return f"Subject(kind={self.kind!r}, id={self.id!r}, label={self.label!r})"


Explain = Callable[[], tuple[str, list[dict[str, Any]]]]


class Finding:
    """One outcome of one rule for one subject (fields of ``FindingRecord``).

    ``message`` and ``evidence`` are given, or computed on first read by ``explain`` (which
    returns both): the outcome is decided when the finding is made, only the explanation waits.
    """

    __slots__ = ("rule_id", "title", "severity", "family", "subject", "outcome", "_message", "_evidence",
                 "references", "remediation", "as_of", "waiver", "change", "_explain")

    def __init__(self, *, rule_id: str, title: str, severity: str, family: str, subject: Subject | dict[str, str],
                 outcome: str, references: list[dict[str, Any]], remediation: str, as_of: str,
                 message: str | None = None, evidence: list[dict[str, Any]] | None = None,
                 waiver: dict[str, Any] | None = None, change: str | None = None, explain: Explain | None = None):
        if outcome not in OUTCOMES:  # the one check that is cheap and guards every output's counts
            raise ValueError(f"outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
        if explain is None and (message is None or evidence is None):
            raise ValueError("a finding needs a message and evidence, or an explain function giving both")
        self.rule_id, self.title, self.severity, self.family = rule_id, title, severity, family
        self.subject = subject if isinstance(subject, Subject) else Subject(**subject)
        self.outcome, self.references, self.remediation, self.as_of = outcome, references, remediation, as_of
        self._message, self._evidence, self._explain = message, evidence, explain
        self.waiver, self.change = waiver, change

    @classmethod
    def decided(cls, rule_id: str, title: str, severity: str, family: str, subject: Subject, outcome: str,
                references: list[dict[str, Any]], remediation: str, as_of: str, explain: Explain) -> Finding:
        """A finding the engine made, its explanation to come: the fields in order, no keyword
        handling (one is made per rule and subject, the hot path's last step); ``outcome`` is
        still checked, as ``__init__`` checks it."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
        self = cls.__new__(cls)
        self.rule_id, self.title, self.severity, self.family, self.subject = rule_id, title, severity, family, subject
        self.outcome, self.references, self.remediation, self.as_of = outcome, references, remediation, as_of
        self._message = self._evidence = self.waiver = self.change = None
        self._explain = explain
        return self

    def _explained(self) -> None:
        self._message, self._evidence = self._explain()
        self._explain = None

    @property
    def message(self) -> str:
        """The finding's message (computed on first read when the finding was made with ``explain``)."""
        if self._explain is not None:
            self._explained()
        return self._message

    @message.setter
    def message(self, value: str) -> None:
        if self._explain is not None:
            self._explained()
        self._message = value

    @property
    def evidence(self) -> list[dict[str, Any]]:
        """The leaf evaluations that explain the outcome (computed on first read, like ``message``)."""
        if self._explain is not None:
            self._explained()
        return self._evidence

    @evidence.setter
    def evidence(self, value: list[dict[str, Any]]) -> None:
        if self._explain is not None:
            self._explained()
        self._evidence = value

    def _fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    def model_copy(self, update: dict[str, Any] | None = None) -> Finding:
        """A copy with ``update``'s fields replaced; an explanation not yet computed stays lazy
        unless ``update`` replaces the message or the evidence."""
        update = update or {}
        lazy = self._explain is not None and "message" not in update and "evidence" not in update
        fields = {name: getattr(self, name) for name in FIELDS if not (lazy and name in ("message", "evidence"))}
        return Finding(**{**fields, **update}, explain=self._explain if lazy else None)

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        """The finding as plain data; ``mode="json"`` gives what ``FindingRecord`` would write
        (values converted as pydantic converts ``Any``: tuples to lists, dates to text)."""
        if self._explain is not None:
            self._explained()
        convert = _to_jsonable() if mode == "json" else copy.deepcopy
        subject, evidence, waiver = self.subject, self._evidence, self.waiver
        # the fields in FIELDS order, read directly: one of these is made per finding of a document
        return {"rule_id": self.rule_id, "title": self.title, "severity": self.severity, "family": self.family,
                "subject": {"kind": subject.kind, "id": subject.id, "label": subject.label},
                "outcome": self.outcome, "message": self._message,
                "evidence": None if evidence is None else convert(evidence),
                "references": _copied(self.references, convert), "remediation": self.remediation,
                "as_of": self.as_of, "waiver": None if waiver is None else convert(waiver), "change": self.change}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self._fields() == other._fields()

    __hash__ = None

    def __repr__(self) -> str:
        return f"Finding(rule_id={self.rule_id!r}, subject={self.subject!r}, outcome={self.outcome!r})"


def _copied(references: list[dict[str, Any]], convert: Callable[[Any], Any]) -> list[dict[str, Any]]:
    """A copy of a finding's references: one dict copy each when every value is text (a rule's
    references always are: measured, pydantic's converter took 9 us a finding on these shared
    lists, most of a JSON document's dump), else ``convert``'s. A rule's shared list is checked
    once (``rule_references`` marks it), not once per finding."""
    if type(references) is _TextReferences or all(
            type(r) is dict and all(type(v) is str for v in r.values()) for r in references):
        return [dict(r) for r in references]
    return convert(references)


class _TextReferences(list):
    """A rule's references as ``rule_references`` shares them: every value text (checked when made)."""

    __slots__ = ()


_JSONABLE: list[Callable[[Any], Any]] = []


def _to_jsonable() -> Callable[[Any], Any]:
    """pydantic's converter for ``Any`` values, imported on first use (only dumping needs it)."""
    if not _JSONABLE:
        from pydantic_core import to_jsonable_python  # noqa: PLC0415

        _JSONABLE.append(to_jsonable_python)
    return _JSONABLE[0]


def rule_references(rule: Any) -> list[dict[str, Any]]:
    """A rule's references as plain dicts, dumped once per rule and shared by its findings (which
    never change them: ``model_dump`` hands out copies)."""
    cached = _REFERENCES.get(id(rule))
    if cached is None or cached[0] is not rule:
        dumped = [_dump_flat(r) for r in rule.references]
        if all(all(type(v) is str for v in r.values()) for r in dumped):
            dumped = _TextReferences(dumped)
        cached = _REFERENCES[id(rule)] = (rule, dumped)
    return cached[1]


_REFERENCES: dict[int, tuple[Any, list[dict[str, Any]]]] = {}


def _dump_flat(model: Any) -> dict[str, Any]:
    """``model.model_dump(exclude_none=True)`` for a model whose values are all scalars (a rule's
    reference), read off its fields: the first ``model_dump`` of a model class would build
    pydantic's serializer for it, and loading pydantic's plugins with it (about 25 ms of a cached
    run's start-up). Any other value is left to pydantic."""
    values = {name: getattr(model, name) for name in type(model).model_fields}
    if all(v is None or type(v) in (str, int, float, bool) for v in values.values()):
        return {name: v for name, v in values.items() if v is not None}
    return model.model_dump(exclude_none=True)


def load_error_findings(issues: list[Any], as_of: dt.date) -> list[Finding]:
    """One ``error`` finding per record that could not be loaded (``--keep-going``).

    A record with several problems gets one finding listing them all, so every (rule, subject)
    still has exactly one outcome.
    """
    # A record is one (register, id, file, place); two bad records that share an id (a duplicated action
    # reference) are two records, each with its own finding, told apart by where they are.
    grouped: dict[tuple[str, str, str, str], list[Any]] = {}
    for issue in issues:
        key = (issue.register or "dataset", issue.record_id or issue.location or issue.file, issue.file, issue.location)
        grouped.setdefault(key, []).append(issue)
    shared = Counter((register, record) for register, record, _, _ in grouped)
    findings = []
    for (register, record, file, location), group in grouped.items():
        finding = load_error_finding(group, as_of)
        if shared[(register, record)] > 1 and record != location:
            finding.subject = finding.subject.model_copy(update={"id": f"{record} ({file} {location})"})
        findings.append(finding)
    return findings


def load_error_finding(issue: Any, as_of: dt.date) -> Finding:
    """An ``error`` finding for a record that could not be loaded; ``issue`` may be a list of one record's issues."""
    group = issue if isinstance(issue, list) else [issue]
    issue = group[0]
    return Finding(
        rule_id=f"load.{issue.register or 'dataset'}", title="Record could not be loaded", severity="high",
        family="load",
        subject=Subject(kind=issue.register or "dataset", id=issue.record_id or issue.location or issue.file, label=issue.file),
        outcome="error", message="; ".join(str(i) for i in group), evidence=[], references=[],
        remediation="Correct the record and run again.", as_of=as_of.isoformat(),
    )
