"""Meetings of a body and who attended them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Id, Record, Source, UKDate, refers_to

AttendanceStatus = Literal["present", "apologies", "absent", "deputy", "not_recorded", "unclear"]


class Attendance(Record):
    """One person's attendance at one meeting; ``mark`` keeps the symbol as recorded."""

    person: Id = refers_to("people")
    status: AttendanceStatus
    deputy: str | None = Field(default=None, description="who represented them, when status is 'deputy'")
    mark: str | None = Field(default=None, description="the mark as recorded, e.g. '✓', 'A', '*'")
    note: str | None = None


class Meeting(Record):
    """One meeting of one body."""

    id: Id
    body: Id = refers_to("bodies")
    date: UKDate
    kind: Literal["public", "private", "agm", "extraordinary", "other"] = "public"
    minutes: Source | None = Field(
        default=None, description="where the minutes of this meeting are; absent when the data set has none")
    quoracy_confirmed: bool | None = Field(
        default=None, description="the minutes record the meeting as quorate (false: minutes say nothing or inquorate)")
    attendance: list[Attendance] = Field(default_factory=list)
    source: Source | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_mark_per_person(self) -> "Meeting":
        people = [a.person for a in self.attendance]
        twice = sorted({p for p in people if people.count(p) > 1})
        if twice:
            raise ValueError(f"attendance: {', '.join(twice)} marked more than once; expected one attendance entry per person")
        return self
