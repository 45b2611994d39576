"""Performance registers: measured values (metrics), the standards they are held to, statutory duties.

NHS England assesses every ICB each year (NHS Act 2006 s.14Z59) against national standards, the
ICB's own operating plan and its statutory duties; a board pack reports the same measures every
month against trajectories. A *metric* is one value of one measure for one period and scope, as
the source states it; a *standard* is a threshold for a measure with the dates it is in force and
who set it; a *duty* is a requirement to hold evidence every so often. Rules join metrics to
standards on ``measure``: the model keeps every criterion (comparison, threshold, dates) in data.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Id, Number, Record, Source, UKDate, refers_to

Scope = Literal["system", "provider", "site"]
Comparison = Literal["ge", "le", "gt", "lt", "eq"]
StandardKind = Literal["national_standard", "own_plan", "trajectory", "local_ambition"]
Basis = Literal["value", "variance"]


class Period(Record):
    """The days a value covers: a month, a quarter, a year, or one day (a count at a month end)."""

    start: UKDate
    end: UKDate
    label: str | None = Field(default=None, description="the period as the source names it, e.g. 'July 2024', '2024/25'")

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError(f"end {self.end.isoformat()} is before start {self.start.isoformat()}; expected start <= end")
        return self


class Metric(Record):
    """One value of one measure for one period and scope, as the source states it."""

    id: Id
    measure: Id = Field(description="the measure's key; standards for the same measure share it, e.g. 'ae-4-hour'")
    label: str | None = Field(default=None, description="the measure as the source names it")
    scope: Scope = Field(description="whose value: the whole system (ICB population), one provider, or one site")
    organisation: str | None = Field(default=None, description="the provider or site (or system) named, e.g. 'UHNM'")
    period: Period
    value: Number | None = Field(default=None, description="the number as stated; absent when the source states none")
    unit: str | None = Field(default=None, description="'%', 'patients', 'minutes', 'GBP m', 'wte', ...")
    basis: Basis = Field(default="value", description="'value': the measure itself; 'variance': its difference from "
                         "plan or target, as a summary table reports it (never compared with a threshold)")
    forecast: bool = Field(default=False, description="a forecast for the period, not an outturn")
    provisional: bool = Field(default=False, description="stated as provisional or unvalidated")
    against: Id | None = refers_to("standards", "the standard (plan or trajectory) the source compares this value with", default=None)
    source: Source | None = None
    note: str | None = None


class Standard(Record):
    """A threshold for a measure, in force between two dates, set by NHS England or by the organisation."""

    id: Id
    measure: Id = Field(description="the measure's key, shared with its metrics")
    label: str | None = Field(default=None, description="the standard as the source states it, e.g. '78% target by March 25'")
    comparison: Comparison = Field(description="how a value meets it: value ge|le|gt|lt|eq threshold")
    threshold: Number
    unit: str | None = None
    kind: StandardKind = Field(description="national_standard (NHS England, statute), own_plan (the operating plan), "
                               "trajectory (a month's planned position), local_ambition")
    scope: Scope | None = Field(default=None, description="whose values it applies to; absent: any scope")
    organisation: str | None = Field(default=None, description="the provider or site it is set for, when one is named")
    effective_from: UKDate | None = Field(default=None, description="first day in force; absent: no stated start")
    effective_to: UKDate | None = Field(default=None, description="last day in force; absent: no stated end")
    deadline: UKDate | None = Field(default=None, description="the date by which it is to be met ('by March 2025')")
    advisory: bool = Field(default=False, description="advisory, provisional or shadow: never a hard failure")
    exclusions: list[str] = Field(default_factory=list, description="exclusions as the source states them")
    set_by: str | None = Field(default=None, description="who set it, e.g. 'NHS England 2024/25 planning guidance'")
    source: Source | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Standard":
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError(f"effective_to {self.effective_to.isoformat()} is before effective_from "
                             f"{self.effective_from.isoformat()}; expected effective_from <= effective_to")
        return self


class Duty(Record):
    """A statutory duty or requirement, the evidence it needs, how often, and the latest evidence."""

    id: Id
    duty: str = Field(description="the duty as the source states it")
    source_clause: str | None = Field(default=None, description="the statute, regulation or guidance clause, e.g. 'NHS Act 2006 s.14Z44'")
    evidence: str | None = Field(default=None, description="the evidence that discharges it, e.g. 'published statement'")
    frequency_months: int | None = Field(default=None, ge=1, le=120, description="evidence is due again this many months after the last")
    latest_evidence: UKDate | None = Field(default=None, description="date of the latest evidence; absent when not known")
    latest_evidence_text: str | None = Field(default=None, description="the date as the source states it, e.g. 'April 2024'")
    deadline: UKDate | None = Field(default=None, description="the date by which evidence is due, when one is stated")
    deadline_text: str | None = Field(default=None, description="the deadline as stated, e.g. 'before publishing the annual report'")
    published: str | None = Field(default=None, description="where the evidence is published")
    source: Source | None = None
    note: str | None = None
