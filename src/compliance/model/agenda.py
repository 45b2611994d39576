"""The agenda of a meeting: one record per item, as the agenda (or, failing it, the minutes) shows it."""

from __future__ import annotations

from pydantic import Field

from .base import Id, Record, Source, refers_to
from .papers import Purpose


class AgendaItem(Record):
    """One agenda item: number, title, lead, enclosure, purpose codes and time as written."""

    id: Id
    meeting: Id = refers_to("meetings")
    number: str | None = Field(default=None, description="item number as written; empty for an unnumbered sub-item")
    section: str | None = Field(default=None, description="the agenda heading the item sits under")
    title: str
    lead: str | None = Field(default=None, description="the Lead(s) cell as written, e.g. 'DP/PA', 'Chair'")
    leads: list[Id] = refers_to("people", "ids of the leads the cell names", default_factory=list)
    enclosure: str | None = Field(default=None, description="'Enc 01', 'Verbal'; empty when the cell reads '---'")
    purposes: list[Purpose] = Field(default_factory=list, description="A/R/S/D/I codes in agenda order")
    purposes_text: str | None = Field(default=None, description="the purpose cell verbatim ('I/S', '---')")
    time: str | None = None
    pages: str | None = None
    source: Source | None = None
    note: str | None = None
