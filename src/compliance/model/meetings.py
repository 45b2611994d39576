"""Meetings of a body and who attended them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Id, Record, Source, UKDate, refers_to

AttendanceStatus = Literal["present", "apologies", "absent", "deputy", "not_recorded", "unclear",
                           # issue 14 (orgdata): "(part)" is present for part of the meeting and counts
                           # towards quorum; an observer, someone "in attendance" and a viewer "via
                           # website" are not sitting as members and never count (see docs/dataset-format.md)
                           "part", "observer", "in_attendance", "via_website"]


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
    # --- issue 14 (orgdata): quoracy for part of a meeting; head counts published without names ---
    quoracy_scope: Literal["whole", "part"] | None = Field(
        default=None, description="'part' when the minutes say the meeting was quorate for only part of it")
    quoracy_text: str | None = Field(default=None, description="the quoracy statement as written")
    present_count: int | None = Field(
        default=None, ge=0, description="voting members present as a published head count (names not given, or not all given)")
    stated_quorum: int | None = Field(default=None, ge=1, description="the quorum the record states beside a head count")
    # --- end issue 14 ---
    source: Source | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_mark_per_person(self) -> "Meeting":
        people = [a.person for a in self.attendance]
        twice = sorted({p for p in people if people.count(p) > 1})
        if twice:
            raise ValueError(f"attendance: {', '.join(twice)} marked more than once; expected one attendance entry per person")
        return self


# --- issue 14 (orgdata): cumulative attendance as annual reports publish it ---
class AttendanceSummary(Record):
    """One director's attendance over a year at one body: meetings they could attend and did."""

    id: Id
    person: Id = refers_to("people")
    body: Id = refers_to("bodies")
    year: str = Field(min_length=1, description="the reporting year as the report names it, e.g. '2023'")
    possible: int = Field(ge=0, description="meetings the person was eligible to attend")
    actual: int = Field(ge=0, description="meetings attended")
    source: Source | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _actual_within_possible(self) -> "AttendanceSummary":
        if self.actual > self.possible:
            raise ValueError(f"actual {self.actual} is more than possible {self.possible}; expected actual <= possible")
        return self
# --- end issue 14 ---
