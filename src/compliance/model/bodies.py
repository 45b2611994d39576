"""Boards and committees, their membership and their quorum specification."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from .base import Id, Record, Source, UKDate, refers_to


class Membership(Record):
    """A person's seat on a body for a period (open-ended when ``to`` is empty)."""

    person: Id = refers_to("people")
    from_date: UKDate | None = Field(default=None, alias="from")
    to_date: UKDate | None = Field(default=None, alias="to")
    voting: bool | None = Field(default=None, description="overrides the person's own voting flag")
    # --- issue 14 (orgdata): committee chair ---
    role: Literal["chair", "member"] = Field(default="member", description="'chair' for the body's chair")
    # --- end issue 14 ---
    note: str | None = None

    def active_on(self, day: dt.date) -> bool:
        """True when the seat is held on ``day``."""
        return (self.from_date is None or self.from_date <= day) and (self.to_date is None or day <= self.to_date)


class QuorumRequirement(Record):
    """At least ``at_least`` present members matching the selector (any listed role, group or cohort).

    ``each_cohort`` expands into one requirement per cohort of the named role group.
    """

    id: Id
    label: str
    at_least: int = Field(default=1, ge=1)
    roles: list[str] = Field(default_factory=list)
    role_groups: list[Id] = Field(default_factory=list)
    cohorts: list[Id] = Field(default_factory=list)
    persons: list[Id] = Field(default_factory=list)
    each_cohort: bool = False
    advisory: bool = Field(default=False, description="reported, but not part of the binding quorum")

    @model_validator(mode="after")
    def _has_selector(self) -> "QuorumRequirement":
        if not (self.roles or self.role_groups or self.cohorts or self.persons):
            raise ValueError("a quorum requirement needs at least one of roles, role_groups, cohorts, persons")
        if self.each_cohort and len(self.role_groups) != 1:
            raise ValueError("each_cohort needs exactly one role group whose cohorts are counted")
        return self


class QuorumSpec(Record):
    """How many members, and of which kinds, must be present for the body to be quorate."""

    min_present: int | None = Field(default=None, ge=1, description="absolute minimum of voting members present")
    min_fraction: float | None = Field(default=None, gt=0, le=1, description="fraction of voting members")
    fraction_strict: bool = Field(default=True, description="'over half' (strict) rather than 'at least half'")
    stated_members: int | None = Field(default=None, ge=1, description="membership size the text states")
    requirements: list[QuorumRequirement] = Field(default_factory=list)
    deputies_count: bool = False
    text: str | None = Field(default=None, description="the quorum clause as written")
    source: Source | None = None

    @model_validator(mode="after")
    def _has_threshold(self) -> "QuorumSpec":
        if self.min_present is None and self.min_fraction is None and not self.requirements:
            raise ValueError("a quorum needs min_present, min_fraction or requirements")
        ids = [r.id for r in self.requirements]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            # each requirement is a subject of its own (meeting/requirement): a repeat would be reported twice
            raise ValueError(f"requirements: id {', '.join(twice)} used more than once; expected unique requirement ids")
        return self


class Body(Record):
    """A board or committee."""

    id: Id
    name: str = Field(min_length=1)
    kind: Literal["board", "committee", "sub-committee", "other"] = "board"
    parent: Id | None = None
    members: list[Membership] = Field(default_factory=list)
    quorum: QuorumSpec | None = None
    source: Source | None = None
    note: str | None = None
