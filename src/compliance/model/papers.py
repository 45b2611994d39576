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
    raw: dict[str, str] = Field(default_factory=dict, description="raw text of any field, by field name")
    source: Source | None = None
    note: str | None = None
