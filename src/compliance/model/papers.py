"""Paper cover sheets: purpose, declarations and impact assessments."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Id, Record, Source, UKDate, refers_to

Purpose = Literal["A", "R", "S", "D", "I"]
Answer = Literal["yes", "no", "unanswered"]


class YesNoItem(Record):
    """A yes/no cover-sheet question with its follow-up text."""

    answer: Answer = "unanswered"
    detail: str | None = Field(default=None, description="the follow-up text as written, placeholders kept")
    signed_off_by: str | None = None
    signed_off_on: UKDate | None = None


class ImpactAssessment(Record):
    """DPIA, EIA or QIA: yes / no / n-a, with its reason or approval date."""

    answer: Literal["yes", "no", "n_a", "unanswered"] = "unanswered"
    justification: str | None = None
    approved_on: UKDate | None = None
    raw: str | None = None


class HistoryEntry(Record):
    """One row of the sheet's '(2) History of the paper': where it went, when, and for what."""

    route: str = Field(description="the meeting or group the paper went to, as written")
    date_text: str | None = Field(default=None, description="the date cell as written, placeholders kept")
    date: UKDate | None = Field(default=None, description="date_text read as a date, when it is one")
    purposes: list[Purpose] = Field(default_factory=list, description="A/R/S/D/I codes or words the route names")
    outcome: str | None = Field(default=None, description="what the route decided, when the sheet says")


class Implications(Record):
    """The '(3) Implications' rows as written (blank kept as an empty string; absent: not printed)."""

    legal_regulatory: str | None = None
    cqc_patient_safety: str | None = None
    financial: str | None = Field(default=None, description="Financial (CFO-assured)")
    sustainability: str | None = None
    workforce_training: str | None = None
    equality_diversity: str | None = None
    inequalities: str | None = Field(default=None, description="Due Regard: Inequalities")
    wider_effect: str | None = Field(default=None, description="Due Regard: wider effect")


class BafOption(Record):
    """One risk the template prints in its 'Integration with the BAF & Key Risks' block."""

    code: str = Field(description="the number as printed, e.g. BAF1 or SBAF1")
    title: str = Field(description="the title as printed beside it")
    ticked: bool


class Paper(Record):
    """The cover sheet of one paper to a meeting."""

    id: Id
    meeting: Id | None = refers_to("meetings", default=None)
    agenda_item: str | None = None
    enclosure: str | None = None
    title: str
    presenter: str | None = None
    purposes: list[Purpose] = Field(default_factory=list, description="ticked A/R/S/D/I boxes")
    agenda_purposes: list[Purpose] = Field(default_factory=list, description="purpose codes on the agenda")
    within_delegated_limits: Answer = "unanswered"
    conflict: YesNoItem = Field(default_factory=YesNoItem)
    financial_impact: YesNoItem = Field(default_factory=YesNoItem)
    dpia: ImpactAssessment = Field(default_factory=ImpactAssessment)
    eia: ImpactAssessment = Field(default_factory=ImpactAssessment)
    qia: ImpactAssessment = Field(default_factory=ImpactAssessment)
    linked_risks: list[str] = Field(default_factory=list)
    template: str | None = Field(default=None, description="the cover-sheet template, named by the risk numbering it prints: BAF or SBAF")
    appendices: str | None = Field(default=None, description="the Appendices cell as written")
    undertakings: YesNoItem | None = Field(default=None, description="'Any impacts on ICB Undertakings?'; absent when the sheet has no such row")
    purpose_text: str | None = Field(default=None, description="'(1) Purpose of the Paper' as written")
    history: list[HistoryEntry] = Field(default_factory=list, description="'(2) History of the paper' rows")
    history_text: str | None = Field(default=None, description="the History section as written, placeholders kept")
    implications: Implications | None = None
    executive_summary: str | None = Field(default=None, description="'Executive Summary' as written")
    recommendations_to: str | None = Field(default=None, description="to whom the recommendations are made, as the heading prints it")
    recommendations: str | None = Field(default=None, description="the recommendations as written")
    baf_options: list[BafOption] = Field(default_factory=list, description="every risk the template prints, ticked or not")
    raw: dict[str, str] = Field(default_factory=dict, description="raw text of any field, by field name")
    source: Source | None = None
    note: str | None = None
