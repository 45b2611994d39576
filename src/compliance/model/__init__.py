"""Pydantic models of governance data: the single source of truth for data shapes."""

from __future__ import annotations

from pydantic import Field

from .actions import Action
from .agenda import AgendaItem
from .base import Record, Source
from .committees import CommitteeDecision, CommitteeEscalation, CommitteeMeeting, CommitteeReport
from .bodies import Body, Membership, QuorumRequirement, QuorumSpec
from .declarations import Declaration, Interest
from .meetings import Attendance, AttendanceSummary, Meeting
from .minutes import MinutedAction, MinutedApology, MinuteItem, MinuteSpeaker
from .organisation import Organisation, RoleGroup
from .papers import ImpactAssessment, Paper, YesNoItem
from .people import Person
from .performance import Duty, Metric, Period, Standard
from .risks import Risk, RiskAction, RiskScore, RiskTarget, RiskTolerance
from .waivers import Waiver


class GovernanceData(Record):
    """Everything loaded from one data set."""

    organisation: Organisation
    people: list[Person] = Field(default_factory=list)
    bodies: list[Body] = Field(default_factory=list)
    meetings: list[Meeting] = Field(default_factory=list)
    declarations: list[Declaration] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    papers: list[Paper] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
    standards: list[Standard] = Field(default_factory=list)
    duties: list[Duty] = Field(default_factory=list)
    agenda_items: list[AgendaItem] = Field(default_factory=list)
    committee_reports: list[CommitteeReport] = Field(default_factory=list)
    committee_meetings: list[CommitteeMeeting] = Field(default_factory=list)
    committee_decisions: list[CommitteeDecision] = Field(default_factory=list)
    committee_escalations: list[CommitteeEscalation] = Field(default_factory=list)
    minuted_apologies: list[MinutedApology] = Field(default_factory=list)
    minute_items: list[MinuteItem] = Field(default_factory=list)
    minute_speakers: list[MinuteSpeaker] = Field(default_factory=list)
    minuted_actions: list[MinutedAction] = Field(default_factory=list)
    attendance_summaries: list[AttendanceSummary] = Field(default_factory=list)  # issue 14 (orgdata)


# register name -> model of one record; the io layer and the JSON schema both read this
REGISTERS: dict[str, type[Record]] = {
    "people": Person,
    "bodies": Body,
    "meetings": Meeting,
    "declarations": Declaration,
    "risks": Risk,
    "actions": Action,
    "papers": Paper,
    "waivers": Waiver,
    "metrics": Metric,
    "standards": Standard,
    "duties": Duty,
    "agenda_items": AgendaItem,
    "committee_reports": CommitteeReport,
    "committee_meetings": CommitteeMeeting,
    "committee_decisions": CommitteeDecision,
    "committee_escalations": CommitteeEscalation,
    "minuted_apologies": MinutedApology,
    "minute_items": MinuteItem,
    "minute_speakers": MinuteSpeaker,
    "minuted_actions": MinutedAction,
    "attendance_summaries": AttendanceSummary,  # issue 14 (orgdata)
}

# register name -> the name rules use for one of its records: a rule reads ``paper.presenter`` on a
# paper, and a relation quantifies over ``declaration`` records. Every register is a record kind.
RECORD_KINDS: dict[str, str] = {
    "people": "person",
    "bodies": "body",
    "meetings": "meeting",
    "declarations": "declaration",
    "risks": "risk",
    "actions": "action",
    "papers": "paper",
    "metrics": "metric",
    "standards": "standard",
    "duties": "duty",
    "agenda_items": "agenda_item",
    "committee_reports": "committee_report",
    "committee_meetings": "committee_meeting",
    "committee_decisions": "committee_decision",
    "committee_escalations": "committee_escalation",
    "minuted_apologies": "minuted_apology",
    "minute_items": "minute_item",
    "minute_speakers": "minute_speaker",
    "minuted_actions": "minuted_action",
    "attendance_summaries": "attendance_summary",  # issue 14 (orgdata)
}

__all__ = [
    "AgendaItem", "CommitteeDecision", "CommitteeEscalation", "CommitteeMeeting", "CommitteeReport",
    "MinuteItem", "MinuteSpeaker", "MinutedAction", "MinutedApology",
    "Action", "Attendance", "AttendanceSummary", "Body", "Declaration", "Duty", "GovernanceData", "ImpactAssessment", "Interest",
    "Meeting", "Membership", "Metric", "Organisation", "Paper", "Period", "Person", "QuorumRequirement", "QuorumSpec",
    "Record", "RECORD_KINDS", "REGISTERS", "Risk", "RiskAction", "RiskScore", "RiskTarget", "RiskTolerance", "RoleGroup",
    "Source", "Standard", "Waiver", "YesNoItem",
]
