"""The organisation whose governance is checked, and its own vocabulary."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .base import Id, Record, Source


class RoleGroup(Record):
    """A group of members that quorum rules count, e.g. executive, independent, partner."""

    id: Id
    label: str
    voting: bool = True
    cohorts: list[Id] = Field(default_factory=list, description="sub-groups, e.g. partner cohorts")


class RiskBand(Record):
    """A label the organisation gives a range of risk scores, e.g. High for 12 to 25."""

    label: str
    min: int = Field(ge=1, le=25)
    max: int = Field(ge=1, le=25)


# The questions of a paper's cover sheet (the Paper fields a form asks); a rule reading
# ``paper.<question>`` needs the organisation's form to ask it (engine/coverage.py).
COVER_SHEET_QUESTIONS = ("purposes", "within_delegated_limits", "conflict", "financial_impact", "dpia", "eia", "qia",
                         "undertakings", "linked_risks", "history", "executive_summary", "recommendations")
CoverSheetQuestion = Literal["purposes", "within_delegated_limits", "conflict", "financial_impact", "dpia", "eia", "qia",
                             "undertakings", "linked_risks", "history", "executive_summary", "recommendations"]


class CoverSheetForm(Record):
    """The questions the organisation's paper cover-sheet form asks."""

    asks: list[CoverSheetQuestion] = Field(
        default_factory=lambda: list(COVER_SHEET_QUESTIONS),
        description="the questions the form asks; a rule on a question the form does not ask is not applicable",
    )


class Organisation(Record):
    """Organisation-level settings: financial year, role groups, risk appetite, rule parameters."""

    name: str = Field(min_length=1)
    short_name: str | None = None
    financial_year_start: str = Field(default="04-01", pattern=r"^\d{2}-\d{2}$", description="MM-DD")
    role_groups: list[RoleGroup] = Field(default_factory=list)
    risk_appetite: dict[str, int] = Field(
        default_factory=dict,
        description="appetite level (e.g. 'low') -> the highest risk score it tolerates",
    )
    risk_bands: list[RiskBand] = Field(default_factory=list, description="score ranges and their labels")
    rule_params: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="rule id -> parameter overrides for this organisation"
    )
    cover_sheet: CoverSheetForm = Field(
        default_factory=CoverSheetForm,
        description="the cover-sheet form's questions; when absent, every question (as the shipped ICB form asks)",
    )
    source: Source | None = None
    note: str | None = None

    @field_validator("financial_year_start")
    @classmethod
    def _real_day(cls, value: str) -> str:
        month, day = (int(x) for x in value.split("-"))
        try:
            dt.date(2001, month, day)  # a year with no 29 February: the start must exist every year
        except ValueError:
            raise ValueError(f"{value!r} is not a day of the year; expected MM-DD such as 04-01") from None
        return value

    @model_validator(mode="after")
    def _bands_in_order(self) -> "Organisation":
        bands = sorted(self.risk_bands, key=lambda b: b.min)
        for band in bands:
            if band.min > band.max:
                raise ValueError(f"risk_bands: band {band.label!r} has min {band.min} above max {band.max}; expected min <= max")
        for lower, upper in zip(bands, bands[1:]):
            if upper.min <= lower.max:
                raise ValueError(f"risk_bands: bands {lower.label!r} ({lower.min}-{lower.max}) and {upper.label!r} "
                                 f"({upper.min}-{upper.max}) overlap; expected each score in at most one band")
        return self

    def band_for(self, score: int) -> str | None:
        """The label of the band holding ``score``; None when no band covers it."""
        return next((b.label for b in self.risk_bands if b.min <= score <= b.max), None)

    def fy_start(self) -> tuple[int, int]:
        """Month and day on which the financial year starts."""
        month, day = self.financial_year_start.split("-")
        return int(month), int(day)
