"""The organisation whose governance is checked, and its own vocabulary."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .base import Id, Record, Source


class RoleGroup(Record):
    """A group of members that quorum rules count, e.g. executive, independent, partner."""

    id: Id
    label: str
    voting: bool = True
    cohorts: list[Id] = Field(default_factory=list, description="sub-groups, e.g. partner cohorts")


class Organisation(Record):
    """Organisation-level settings: financial year, role groups, risk appetite, rule parameters."""

    name: str
    short_name: str | None = None
    financial_year_start: str = Field(default="04-01", pattern=r"^\d{2}-\d{2}$", description="MM-DD")
    role_groups: list[RoleGroup] = Field(default_factory=list)
    risk_appetite: dict[str, int] = Field(
        default_factory=dict,
        description="appetite level (e.g. 'low') -> the highest risk score it tolerates",
    )
    rule_params: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="rule id -> parameter overrides for this organisation"
    )
    source: Source | None = None
    note: str | None = None

    def fy_start(self) -> tuple[int, int]:
        """Month and day on which the financial year starts."""
        month, day = self.financial_year_start.split("-")
        return int(month), int(day)
