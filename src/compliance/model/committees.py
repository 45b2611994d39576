"""Committee reports to the Board: the meetings they cover, the decisions and escalations they carry.

Committees are named as the reports name them; a committee need not be a body of the data set
(the pack holds no membership or terms of reference for them), so ``committee`` is text and
``body`` is optional.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Id, Record, Source, UKDate, refers_to

# not_in_pack: the pack holds no report of the meeting (only the Board's minute of it, or a paper's history)
Quoracy = Literal["yes", "no", "not_stated", "not_in_pack"]


class CommitteeReport(Record):
    """One committee's summary and escalation report to one Board meeting."""

    id: Id
    meeting: Id = refers_to("meetings", "the Board meeting the report goes to")
    agenda_item: Id | None = refers_to("agenda_items", "the agenda item that carries it", default=None)
    committee: str = Field(description="the committee as the report names it")
    body: Id | None = refers_to("bodies", "the committee as a body of the data set, when it is one", default=None)
    title: str
    in_pack: bool = Field(default=True, description="false when the pack has only the minute of the report, not the report")
    chair: str | None = None
    presenter: str | None = Field(default=None, description="who the report or its minute says presents it")
    escalations_stated: Literal["some", "none", "not_stated"] = "not_stated"
    source: Source | None = None
    note: str | None = None


class CommitteeMeeting(Record):
    """One meeting of a committee: one a report covers, with the quoracy the report states (or not),
    or one the pack shows held (a paper's history) with no report of it in the data set."""

    id: Id
    report: Id | None = refers_to("committee_reports", "the report that covers the meeting; empty when none does", default=None)
    committee: str
    date: UKDate | None = None
    date_text: str | None = Field(default=None, description="the date as written")
    parts: str | None = Field(default=None, description="parts of the meeting covered, e.g. 'Parts A + B'")
    quorate: Quoracy = Field(description="what the report states about quoracy")
    quorate_text: str | None = Field(default=None, description="the quoracy statement verbatim")
    source: Source | None = None
    note: str | None = None


class CommitteeDecision(Record):
    """A decision, approval or Chair's action a committee report records."""

    id: Id
    report: Id = refers_to("committee_reports")
    committee_meeting: Id | None = refers_to("committee_meetings", default=None)
    kind: Literal["approval", "chairs_action", "risk_closure", "agreement"] = "approval"
    text: str = Field(description="what was decided, as written")
    status: Literal["approved", "approved_subject_to_sign_off", "agreed", "taken"] = "approved"
    conditions: str | None = Field(default=None, description="the sign-off the approval is subject to, as written")
    sign_off_evidence: str | None = Field(default=None, description="where the report shows that sign-off given")
    for_ratification: bool = Field(default=False, description="the report puts it to the Board for ratification")
    source: Source | None = None
    note: str | None = None


class CommitteeEscalation(Record):
    """An item a committee escalates to the Board or refers to another committee."""

    id: Id
    report: Id = refers_to("committee_reports")
    committee_meeting: Id | None = refers_to("committee_meetings", default=None)
    to: str = Field(description="'Board' or the committee referred to")
    text: str
    source: Source | None = None
    note: str | None = None
