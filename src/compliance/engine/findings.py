"""Findings: one outcome per (rule, subject), with evidence and the clause it rests on."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

# not_checked: the data set does not supply a register the rule needs (engine/coverage.py)
Outcome = Literal["pass", "fail", "error", "not_checked", "not_applicable", "waived"]
OUTCOMES = ("fail", "error", "not_checked", "pass", "not_applicable", "waived")


class Subject(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    id: str
    label: str


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_id: str
    title: str
    severity: str
    family: str
    subject: Subject
    outcome: Outcome
    message: str
    evidence: list[dict[str, Any]]
    references: list[dict[str, Any]]
    remediation: str
    as_of: str
    waiver: dict[str, Any] | None = None  # the waiver in force, when outcome is ``waived``
    change: str | None = None  # "new" or "persisting" against a baseline, for fail and waived


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
    shared: dict[tuple[str, str], int] = {}
    for register, record, _, _ in grouped:
        shared[(register, record)] = shared.get((register, record), 0) + 1
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
