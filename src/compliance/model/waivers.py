"""The waiver register: a failure the organisation has formally accepted for a time.

A waiver names one rule and one subject, says why, who approved it and where (the minute), who
owns it, and when it starts and **expires**. It never hides a failure: a waived failure is
reported as ``waived``, and a waiver that has expired simply stops applying.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from .base import Id, Record, Source, UKDate


class Waiver(Record):
    """One waiver of one rule for one subject, valid from ``valid_from`` to ``expires`` inclusive."""

    id: Id | None = Field(default=None, description="optional reference, e.g. 'W-2024-03'")
    rule_id: str = Field(min_length=3, pattern=r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$", description="the id of the rule waived")
    subject: str = Field(min_length=1, description="the subject id the finding names, e.g. 'icb-board/jon-rouse'")
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1, description="the body that approved it, e.g. 'audit-committee'")
    approval_ref: str = Field(min_length=1, description="the minute or decision reference")
    owner: str = Field(min_length=1, description="who is accountable for ending the waiver")
    valid_from: UKDate
    expires: UKDate = Field(description="mandatory: the last day the waiver applies")
    note: str | None = None
    source: Source | None = None

    @model_validator(mode="after")
    def _expires_after_start(self) -> "Waiver":
        if self.expires < self.valid_from:
            raise ValueError(f"expires ({self.expires.isoformat()}) is before valid_from ({self.valid_from.isoformat()}); expected expires on or after valid_from")
        return self

    @property
    def key(self) -> str:
        """How the waiver is named in reports: its id, else ``rule_id@subject``."""
        return self.id or f"{self.rule_id}@{self.subject}"

    def overlaps(self, other: "Waiver") -> bool:
        """True when both cover the same (rule, subject) on at least one common day."""
        return (self.rule_id, self.subject) == (other.rule_id, other.subject) and (
            self.valid_from <= other.expires and other.valid_from <= self.expires
        )

    def capped_expiry(self, max_days: int | None) -> dt.date:
        """The expiry after a rule's ``max_waiver_days`` cap (unchanged when there is no cap)."""
        if max_days is None:
            return self.expires
        return min(self.expires, self.valid_from + dt.timedelta(days=max_days))
