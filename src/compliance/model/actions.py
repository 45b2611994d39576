"""The action log of a body."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Record, Source, UKDate, refers_to


class Action(Record):
    """One action from a meeting. ``ref`` need not be unique: duplicates are a finding, not a load error."""

    ref: str = Field(min_length=1)
    body: str | None = refers_to("bodies", default=None)
    meeting_date: UKDate | None = None
    agenda_item: str | None = None
    agenda_no: str | None = None
    description: str
    owner: str | None = None
    due: UKDate | None = None
    due_text: str | None = None
    # issue 14 (orgdata): "unknown" when the tracker gives no status
    status: Literal["open", "due", "pending", "complete", "unknown"] = "open"
    completed_on: UKDate | None = None
    # --- issue 14 (orgdata): a re-dated action keeps its original due date ---
    revised_due: UKDate | None = Field(default=None, description="the revised due date, when the action was re-dated")
    # --- end issue 14 ---
    update: str | None = None
    section: Literal["live", "closed"] = "live"
    # issue 19 (rules19): the log's header date, repeated on each of its rows (a log has no record of its own)
    log_date: UKDate | None = Field(default=None, description="the 'Date of Meeting' the log the action is on gives in its header")
    source: Source | None = None
    note: str | None = None
