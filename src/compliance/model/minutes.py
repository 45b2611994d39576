"""The minutes of a meeting: apologies and deputies, the outcome of each item, who spoke, actions raised."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Id, Record, Source, refers_to

Outcome = Literal["approved", "ratified", "assured", "noted", "received", "discussed", "agreed", "none"]


class MinutedApology(Record):
    """A person the minutes name as sending apologies, with whoever represented them."""

    id: Id
    meeting: Id = refers_to("meetings")
    person: Id = refers_to("people")
    represented_by: list[Id] = refers_to("people", "ids of the deputies named", default_factory=list)
    represented_text: str | None = Field(default=None, description="the '(represented by ...)' text verbatim")
    deputy_voting: Literal["voting", "non_voting", "not_stated"] | None = Field(
        default=None, description="whether the minutes say the deputy votes; empty when nobody represented them")
    source: Source | None = None
    note: str | None = None


class MinuteItem(Record):
    """One minuted item: its outcome, as coded from the resolution."""

    id: Id
    meeting: Id = refers_to("meetings")
    number: str
    title: str
    agenda_item: Id | None = refers_to("agenda_items", default=None)
    outcomes: list[Outcome] = Field(default_factory=list, description="what the resolution records, coded")
    outcome_text: str | None = Field(default=None, description="the resolution as written")
    source: Source | None = None
    note: str | None = None


class MinuteSpeaker(Record):
    """One person the minutes name as presenting, advising or asking at one item."""

    id: Id
    meeting: Id = refers_to("meetings")
    minute_item: Id = refers_to("minute_items")
    person: Id = refers_to("people")
    initials: str | None = Field(default=None, description="how the minutes name them, e.g. 'PEJ'")
    source: Source | None = None
    note: str | None = None


class MinutedAction(Record):
    """An action the minutes raise: the owner in the Action column, and the commitment it marks."""

    id: Id
    meeting: Id = refers_to("meetings")
    minute_item: Id = refers_to("minute_items")
    owner: str = Field(description="the Action column entry as written")
    person: Id | None = refers_to("people", "the owner as a person of the data set", default=None)
    text: str | None = Field(default=None, description="the minuted commitment the entry marks, as written")
    source: Source | None = None
    note: str | None = None
