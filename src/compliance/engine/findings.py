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
    grouped: dict[tuple[str, str], list[Any]] = {}
    for issue in issues:
        key = (issue.register or "dataset", issue.record_id or issue.location or issue.file)
        grouped.setdefault(key, []).append(issue)
    return [load_error_finding(group, as_of) for group in grouped.values()]


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
