"""The conflicts-of-interest register: declarations and the interests they list."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Id, PartialDate, Record, Source, UKDate, refers_to

InterestCategory = Literal["financial", "non_financial_professional", "non_financial_personal", "indirect"]


class Interest(Record):
    """One declared interest, with the period it covers as far as it is known."""

    number: int | None = Field(default=None, ge=1, description="its number in the register cell")
    category: InterestCategory
    description: str
    start: PartialDate | None = None
    end: PartialDate | None = None
    ongoing: bool = Field(default=False, description="the register says ongoing / present")
    period_text: str | None = Field(default=None, description="the period as written, e.g. '(2012 - present)'")
    removal_note: str | None = None
    remove_by: PartialDate | None = Field(default=None, description="when the register says it will be removed")
    note: str | None = None

    @model_validator(mode="after")
    def _ongoing_has_no_end(self) -> "Interest":
        if self.ongoing and self.end is not None:
            raise ValueError("an ongoing interest cannot also have an end")
        return self


class Declaration(Record):
    """A person's declaration on the register; ``nil_return`` is a declaration of nothing to declare."""

    id: Id
    person: Id = refers_to("people")
    declared_on: UKDate | None = None
    declared_on_text: str | None = None
    role: str | None = None
    organisation: str | None = None
    on_register: str | None = Field(default=None, description="the register it was made to, e.g. 'ICB 2024-25'")
    nil_return: bool = False
    interests: list[Interest] = Field(default_factory=list)
    mitigation: str | None = None
    mitigation_codes: list[str] = Field(default_factory=list, description="codes (a)–(i) as cited")
    source: Source | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _nil_means_none(self) -> "Declaration":
        if self.nil_return and self.interests:
            raise ValueError("a nil return cannot list interests")
        return self

    @model_validator(mode="after")
    def _interest_keys_unique(self) -> "Declaration":
        keys = [key for key, _ in self.numbered_interests()]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            listed = ", ".join(f"{category} {number}" for category, number in dupes)
            raise ValueError(f"interests: {listed} appears more than once; give each interest its own number "
                             "within its category, as the register numbers them")
        return self

    def numbered_interests(self) -> list[tuple[tuple[str, int], "Interest"]]:
        """Each interest with its (category, number): its own number, else its place within its category."""
        seen: dict[str, int] = {}
        out = []
        for interest in self.interests:
            seen[interest.category] = seen.get(interest.category, 0) + 1
            out.append(((interest.category, interest.number or seen[interest.category]), interest))
        return out
