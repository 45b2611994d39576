"""Findings: one outcome per (rule, subject), with evidence and the clause it rests on."""

from __future__ import annotations

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
