"""The subject kinds rules apply to and the fields their facts carry.

These models are the contract between ``facts`` and ``rules``: rule validation rejects a field
that is not declared here, so a misspelt field is a load error, not a rule that never fires.
``Day`` fields are day ordinals; rules may compare them with dates and ``as_of`` offsets.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class _Day:
    """Marker: an int that is a day ordinal."""


Day = Annotated[int, _Day]


def day(value: dt.date) -> int:
    """A date as a day ordinal, the form facts carry."""
    return value.toordinal()


def from_day(value: int) -> dt.date:
    return dt.date.fromordinal(value)


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    id: str
    label: str
    as_of: Day = Field(description="the run's as_of date")


class MeetingFact(Fact):
    body: str
    date: Day
    meeting_kind: str
    held: bool = Field(description="the meeting date is before as_of (on the day itself it is still to be held)")
    voting_members: int | None = Field(default=None, description="voting members of the body on the meeting date")
    present_voting: int | None = Field(default=None, description="voting members present (deputies only if the quorum allows)")
    quorum_min_present: int | None = Field(default=None, description="the quorum's head count: max of its absolute and fractional minimums")
    quorum_defined: bool = False
    deputies_present: int | None = Field(default=None, description="voting members represented by a deputy")
    deputies_count: bool = Field(default=False, description="the quorum specification counts deputies")
    minutes_in_dataset: bool = False
    quoracy_confirmed: bool | None = None
    members_expected: int | None = Field(default=None, description="members (voting and participant) on the meeting date")
    members_recorded: int | None = Field(default=None, description="members with a present/apologies/absent/deputy mark")
    members_unrecorded: int | None = None
    unrecorded_names: str = Field(default="", description="members with no attendance mark")
    attendance_entries: int = 0


class QuorumPartFact(Fact):
    meeting: str
    body: str
    date: Day
    held: bool
    requirement: str
    requirement_label: str
    advisory: bool
    required: int
    present: int
    present_names: str = ""


class MembershipFact(Fact):
    person: str
    person_name: str
    body: str
    voting: bool
    role_group: str | None = None
    has_declaration: bool
    declared_on: Day | None = None
    fy_start: Day = Field(description="first day of the financial year containing as_of")
    nil_return: bool | None = None


class InterestFact(Fact):
    person: str
    declaration: str
    category: str
    declared_on: Day | None = None
    start_earliest: Day | None = None
    start_latest: Day | None = None
    end_latest: Day | None = None
    ongoing: bool
    ended: bool
    has_period: bool
    days_to_declare: int | None = Field(default=None, description="declared_on minus the latest day the interest can have started")
    remove_by: Day | None = Field(default=None, description="last day of the stated removal date")
    months_listed_after_end: int | None = Field(default=None, description="calendar months from the end of the interest to its stated removal")
    has_mitigation: bool
    mitigation_codes: int = Field(description="number of mitigation codes cited")
    mitigation_cites_predecessor: bool = Field(description="mitigation text names a predecessor body's register (e.g. CCG)")
    fy_start: Day


class RiskFact(Fact):
    title: str
    latest_period: str | None = None
    framework_latest_period: str | None = None
    scored_latest_period: bool
    likelihood: int | None = None
    consequence: int | None = None
    score: int | None = Field(default=None, description="likelihood x consequence of the latest period")
    stated_score: int | None = None
    band: str | None = Field(default=None, description="band label as stated for the latest period")
    band_for_score: str | None = Field(default=None, description="the organisation's band label for L x C")
    tolerance_score: int | None = None
    target_score: int | None = None
    target_lxc: int | None = None
    target_date: Day | None = None


class RiskActionFact(Fact):
    risk: str
    due: Day | None = None
    revised_due: Day | None = None
    effective_due: Day | None = Field(default=None, description="revised due date when re-dated, else due")
    progress: str | None = Field(default=None, description="progress rating; absent when the source does not say (unknown)")
    complete: bool
    redated: bool = Field(description="a revised due date is recorded")


class ActionFact(Fact):
    ref: str
    body: str | None = None
    section: str
    status: str
    open: bool
    owner: str | None = None
    due: Day | None = None
    meeting_date: Day | None = None
    meeting_date_known: bool | None = Field(default=None, description="a meeting of the body was held on meeting_date")
    meeting_date_covered: bool | None = Field(
        default=None, description="meeting_date falls within the span of the body's meetings in the data set")
    ref_count: int = Field(description="actions in the log with this reference")
    ref_shape: str = Field(description="the reference with digits as 9 and letters as A, e.g. 9999-99/999")
    ref_year_valid: bool | None = Field(
        default=None, description="a 'YYYY-YY/...' reference names a real financial year (2024-25); absent otherwise")
    days_overdue: int | None = Field(default=None, description="as_of minus due (negative: days still to go)")
    completed_on: Day | None = None
    has_update: bool


class PaperFact(Fact):
    meeting: str | None = None
    title: str
    for_decision: bool = Field(description="ticked for approval (A) or ratification (R)")
    purpose_count: int
    within_delegated_limits: str
    conflict: str
    conflict_detail_given: bool
    financial_impact: str
    financial_signed_off: bool
    placeholder_fields: int = Field(description="required fields still holding placeholder text")
    placeholder_names: str = Field(default="", description="which fields hold placeholder text")


class ImpactAssessmentFact(Fact):
    paper: str
    assessment: str = Field(description="dpia, eia or qia")
    for_decision: bool = Field(description="the paper is ticked for approval (A) or ratification (R)")
    answer: str = Field(description="yes, no, n_a or unanswered")
    reason_given: bool = Field(description="a justification other than placeholder text is written")
    approved_on: Day | None = None


FACT_MODELS: dict[str, type[Fact]] = {
    "meeting": MeetingFact,
    "quorum_part": QuorumPartFact,
    "membership": MembershipFact,
    "interest": InterestFact,
    "risk": RiskFact,
    "risk_action": RiskActionFact,
    "action": ActionFact,
    "paper": PaperFact,
    "impact_assessment": ImpactAssessmentFact,
}
"""The derived kinds: facts with fields computed in Python (each says why it is not a rule)."""

# every fact of every kind carries these (record kinds too)
COMMON_FIELDS = {
    "kind": ("str", "the subject kind"),
    "id": ("str", "the subject's id"),
    "label": ("str", "the subject's name for people"),
    "as_of": ("day", "the run's as_of date"),
    "fy_start": ("day", "first day of the financial year containing as_of (the organisation's year start)"),
}


def subject_kinds() -> tuple[str, ...]:
    """Every kind a rule may apply to or relate to: the derived kinds, attendance, and one per register."""
    from .records import SOURCES, record_kinds  # noqa: PLC0415 - records imports the model package

    return tuple(sorted(set(FACT_MODELS) | set(SOURCES) | set(record_kinds(FACT_MODELS))))


SUBJECT_KINDS = tuple(FACT_MODELS)  # kept for callers that list the derived kinds only


@lru_cache(maxsize=None)
def kind_fields(kind: str) -> dict[str, "FieldSpec"]:
    """Every field a rule may read on ``kind``: derived fields first, then record fields by prefix."""
    from .records import FieldSpec, model_fields, sources  # noqa: PLC0415

    out: dict[str, FieldSpec] = {name: FieldSpec(t, d, "every fact") for name, (t, d) in COMMON_FIELDS.items()}
    model = FACT_MODELS.get(kind)
    if model is not None:
        for name, info in model.model_fields.items():
            if name not in out:
                out[name] = FieldSpec(field_type(kind, name), info.description or name.replace("_", " "), "derived")
    for prefix, record_model in sources(kind, FACT_MODELS).items():
        out.update(model_fields(record_model, prefix))
    return out


def is_day_field(kind: str, name: str) -> bool:
    """True when the fact field holds a day ordinal."""
    field = FACT_MODELS[kind].model_fields[name]
    return any(m is _Day for m in getattr(field, "metadata", [])) or _Day in getattr(field.annotation, "__metadata__", ()) or _annotation_has_day(field.annotation)


def _annotation_has_day(annotation: object) -> bool:
    import typing

    for arg in typing.get_args(annotation) or ():
        if arg is Day or _Day in getattr(arg, "__metadata__", ()):
            return True
    return False


def field_type(kind: str, name: str) -> str:
    """'day', 'int', 'bool' or 'str': what a rule may compare the field with."""
    import typing

    if is_day_field(kind, name):
        return "day"
    ann = FACT_MODELS[kind].model_fields[name].annotation
    args = [a for a in typing.get_args(ann) if a is not type(None)] or [ann]
    base = args[0]
    return {int: "int", bool: "bool", str: "str"}.get(base, "str")
