"""Findings: one outcome per (rule, subject), with evidence and the clause it rests on."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Outcome = Literal["pass", "fail", "error", "not_applicable", "waived"]
OUTCOMES = ("fail", "error", "pass", "not_applicable", "waived")


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


def load_error_finding(issue: Any, as_of: dt.date) -> Finding:
    """An ``error`` finding for a record that could not be loaded (``--keep-going``)."""
    return Finding(
        rule_id=f"load.{issue.register or 'dataset'}", title="Record could not be loaded", severity="high",
        family="load",
        subject=Subject(kind=issue.register or "dataset", id=issue.record_id or issue.location or issue.file, label=issue.file),
        outcome="error", message=str(issue), evidence=[], references=[],
        remediation="Correct the record and run again.", as_of=as_of.isoformat(),
    )
