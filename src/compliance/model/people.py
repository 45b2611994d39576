"""People who sit on boards and committees or attend them."""

from __future__ import annotations

from pydantic import Field

from .base import Id, Record, Source


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
    voting: bool = True
    source: Source | None = None
    note: str | None = None
