"""The risk register / board assurance framework."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Id, Record, Source, UKDate



class RiskScore(Record):
    """A risk's likelihood and consequence in one period; ``score`` is the score as stated."""

    period: str = Field(description="e.g. '2024/25 Q2'; periods sort as strings")
    # issue 14 (orgdata): a score may be stated alone ("Taxi Procurement (15)"); then L and C are empty
    likelihood: int | None = Field(default=None, ge=1, le=5)
    consequence: int | None = Field(default=None, ge=1, le=5)
    score: int | None = Field(default=None, ge=1, le=25, description="as stated in the source")
    band: str | None = Field(default=None, description="band label as stated, e.g. 'High'")

    # --- issue 14 (orgdata) ---
    @model_validator(mode="after")
    def _lxc_or_score(self) -> "RiskScore":
        if (self.likelihood is None) != (self.consequence is None):
            raise ValueError("give both likelihood and consequence, or neither (with the score as stated)")
        if self.likelihood is None and self.score is None:
            raise ValueError("a score needs likelihood and consequence, or the score as stated")
        return self

    @property
    def lxc(self) -> int | None:
        """Likelihood × consequence, or None when the source states only the score."""
        return self.likelihood * self.consequence if self.likelihood is not None and self.consequence is not None else None
    # --- end issue 14 ---


class RiskTarget(Record):
    likelihood: int | None = Field(default=None, ge=1, le=5)
    consequence: int | None = Field(default=None, ge=1, le=5)
    score: int | None = Field(default=None, ge=1, le=25)
    band: str | None = Field(default=None, description="band label as stated beside the target score, e.g. 'Mod' (issue 19)")
    date: UKDate | None = None
    date_text: str | None = None


class RiskTolerance(Record):
    """Tolerance as a score, or as an appetite level the organisation maps to a score."""

    score: int | None = Field(default=None, ge=1, le=25)
    appetite: str | None = None
    statement: str | None = None


# "blank" and "unknown" differ (issue 19): "blank" is a rating cell the source holds and leaves
# empty, a value a rule can fail ("the action is not rated"); "unknown" is a rating the record was
# not read for (no rating column, or a register without ratings), which no rule may pass or fail.
RiskActionProgress = Literal["complete", "on_track", "delayed", "at_risk", "not_started", "blank", "unknown"]


class RiskAction(Record):
    """An action in a risk's action plan."""

    id: Id
    description: str
    owner: str | None = None
    due: UKDate | None = None
    due_text: str | None = None
    revised_due: UKDate | None = None
    progress: RiskActionProgress = Field(
        default="unknown",
        description="progress rating; 'blank' when the source's rating cell is empty, 'unknown' when no rating was read",
    )
    note: str | None = None


class ReportedActionCounts(Record):
    """How many of one risk's actions the framework's own narrative says carry a rating (issue 19).

    The report states totals ("There are in total 3 actions that are 'Delayed'; within SBAF 1, SBAF 3
    and SBAF 4"); a rating it does not count is empty, never 0, so a rule cannot compare what was not said.
    """

    complete: int | None = Field(default=None, ge=0)
    on_track: int | None = Field(default=None, ge=0)
    at_risk: int | None = Field(default=None, ge=0, description="'Problematic' in the SSOT key")
    delayed: int | None = Field(default=None, ge=0)
    source: Source | None = None


class Risk(Record):
    """One principal or corporate risk."""

    id: Id
    title: str = Field(min_length=1)
    owner: str | None = None
    committee: str | None = None
    scores: list[RiskScore] = Field(default_factory=list)
    target: RiskTarget | None = None
    tolerance: RiskTolerance | None = None
    assurance: str | None = None
    movement: str | None = None
    actions: list[RiskAction] = Field(default_factory=list)
    reported_actions: ReportedActionCounts | None = Field(
        default=None, description="the action counts by rating that the framework's narrative states for this risk")
    linked_risks: list[str] = Field(default_factory=list)
    source: Source | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_score_per_period(self) -> "Risk":
        periods = [s.period for s in self.scores]
        twice = sorted({p for p in periods if periods.count(p) > 1})
        if twice:
            raise ValueError(f"scores: period {', '.join(twice)} is scored more than once; keep one score per period")
        return self
