"""People who sit on boards and committees or attend them."""

from __future__ import annotations

from pydantic import Field

from .base import Id, PartialDate, Record, Source, UKDate


class Person(Record):
    """One person, with the role group and role codes quorum rules count by."""

    id: Id
    name: str = Field(min_length=1)
    initials: str | None = None
    title: str | None = None
    role: str | None = Field(default=None, description="role as written, e.g. 'Chief Finance Officer'")
    roles: list[str] = Field(default_factory=list, description="role codes used by quorum rules: CEO, CFO, Chair, NED…")
    organisation: str | None = None
    role_group: Id | None = None
    cohort: Id | None = None
    # --- issue 14 (orgdata): voting not stated is unknown, never a silent vote ---
    voting: bool | None = Field(
        default=None, description=("true: votes; false: does not; empty: the role group's voting (organisation.yaml) stands, and "
                                   "with no group that says, the records do not say (a quorum tally that needs it is an error)"))
    # --- issue 14 (orgdata): what a company's governance disclosures state about a director ---
    independent: bool | None = Field(
        default=None, description="independent as the board determines it (empty: not stated)")
    appointed: PartialDate | None = Field(default=None, description="first appointed to the board (year, month or day)")
    financial_experience: bool | None = Field(
        default=None, description="the board states 'recent and relevant financial experience'")
    last_elected: UKDate | None = Field(default=None, description="last elected or re-elected by shareholders")
    # --- end issue 14 ---
    source: Source | None = None
    note: str | None = None
