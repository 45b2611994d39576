"""The subject kinds rules apply to and the fields their facts carry.

These models are the contract between ``facts`` and ``rules``: rule validation rejects a field
that is not declared here, so a misspelt field is a load error, not a rule that never fires.
``Day`` fields are day ordinals; rules may compare them with dates and ``as_of`` offsets.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined


class _Day:
    """Marker: an int that is a day ordinal."""


Day = Annotated[int, _Day]


def day(value: dt.date) -> int:
    """A date as a day ordinal, the form facts carry."""
    return value.toordinal()


def from_day(value: int) -> dt.date:
    return dt.date.fromordinal(value)


class Fact(BaseModel):
    # facts are plain dicts at run time; these classes describe them (the field reference, types) and
    # are validated only in tests, so their validators are built on first use, not at every start-up
    model_config = ConfigDict(extra="forbid", defer_build=True)

    kind: str
    id: str
    label: str
    as_of: Day = Field(description="the run's as_of date")


def fact_of(model: type[Fact], **fields: Any) -> dict[str, Any]:
    """The fact ``model(**fields).model_dump(exclude_none=True)`` gives, made without validating:
    the values are derived here, not read from a user, and validating each (and building the
    validators at start-up) was a third of ``compliance check`` on the real pack; tests validate
    the derived facts against their models (tests/test_startup.py). A field the model does not
    declare, or a required field left out, is still an error."""
    layout, names = _layout(model)
    unknown = fields.keys() - names
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    row: dict[str, Any] = {}
    for name, default in layout:
        value = fields.get(name, default)
        if value is PydanticUndefined:
            raise TypeError(f"{model.__name__} needs a value for {name}")
        if value is not None:
            row[name] = value
    return row


@lru_cache(maxsize=None)
def _layout(model: type[Fact]) -> tuple[tuple[tuple[str, Any], ...], frozenset[str]]:
    """The model's fields in order with their defaults (``PydanticUndefined`` when required)."""
    layout = tuple((name, info.get_default(call_default_factory=True)) for name, info in model.model_fields.items())
    return layout, frozenset(name for name, _ in layout)


class MeetingFact(Fact):
    body: str = Field(description="id of the body that met")
    date: Day = Field(description="the meeting's date")
    meeting_kind: str = Field(description="the meeting's kind as recorded (e.g. public, private)")
    held: bool = Field(description="the meeting date is before as_of (on the day itself it is still to be held)")
    voting_members: int | None = Field(default=None, description="voting members of the body on the meeting date")
    present_voting: int | None = Field(default=None, description="voting members present (deputies only if the quorum allows)")
    quorum_min_present: int | None = Field(default=None, description="the quorum's head count: max of its absolute and fractional minimums")
    quorum_defined: bool | None = Field(default=False, description="the body has a quorum specification; unknown when it has members but no specification")
    deputies_present: int | None = Field(default=None, description="voting members represented by a deputy")
    deputies_count: bool = Field(default=False, description="the quorum specification counts deputies")
    minutes_in_dataset: bool = Field(default=False, description="the meeting's minutes are part of the data set")
    quoracy_confirmed: bool | None = Field(default=None, description="the minutes record that the meeting was quorate; absent when they do not say")
    members_expected: int | None = Field(default=None, description="members (voting and participant) on the meeting date")
    members_recorded: int | None = Field(default=None, description="members with a present/apologies/absent/deputy mark")
    members_unrecorded: int | None = Field(default=None, description="members on the meeting date with no attendance mark")
    unrecorded_names: str = Field(default="", description="members with no attendance mark")
    attendance_entries: int = Field(default=0, description="attendance marks recorded for the meeting")
    # --- issue 14 (orgdata) ---
    voting_unknown: int = Field(default=0, description="members on the meeting date whose voting status the records do not state")
    quorate_part_only: bool = Field(default=False, description="the minutes say the meeting was quorate for only part of it")
    # --- end issue 14 ---


class QuorumPartFact(Fact):
    meeting: str = Field(description="id of the meeting")
    body: str = Field(description="id of the body that met")
    date: Day = Field(description="the meeting's date")
    held: bool = Field(description="the meeting date is before as_of")
    requirement: str = Field(description="id of the quorum requirement (one part of the body's quorum specification)")
    requirement_label: str = Field(description="the requirement as the quorum specification words it")
    advisory: bool = Field(description="the requirement is advisory: not needed for quoracy")
    required: int = Field(description="members of this part the quorum requires present")
    present: int | None = Field(default=None, description=(
        "voting members of this part present at the meeting; unknown when a present member who matches the "
        "part has no stated voting status (they might count), so a rule on it is an error, not a fail"))
    present_names: str = Field(default="", description="names of the members of this part present, comma separated")


class MembershipFact(Fact):
    person: str = Field(description="id of the member")
    person_name: str = Field(description="the member's name")
    body: str = Field(description="id of the body the seat is on")
    voting: bool | None = Field(default=None, description="the seat carries a vote; absent when the records do not say")
    role_group: str | None = Field(default=None, description="the member's role group (organisation.role_groups)")
    chair: bool = Field(default=False, description="the seat is the body's chair (members[].role: chair)")  # issue 14
    fy_start: Day = Field(description="first day of the financial year containing as_of")


class InterestFact(Fact):
    person: str = Field(description="id of the person who declared the interest")
    declaration: str = Field(description="id of the declaration that lists it")
    category: str = Field(description="the interest's category (financial, non-financial professional, ...)")
    declared_on: Day | None = Field(default=None, description="the date of the declaration listing it")
    start_earliest: Day | None = Field(default=None, description="earliest day the interest can have started (from a partial start date)")
    start_latest: Day | None = Field(default=None, description="latest day the interest can have started (from a partial start date)")
    end_latest: Day | None = Field(default=None, description="latest day the interest can have ended (from a partial end date)")
    ongoing: bool = Field(description="the register says the interest is ongoing")
    ended: bool = Field(description="an end date is recorded")
    has_period: bool = Field(description="a start, an end or 'ongoing' is recorded")
    days_to_declare: int | None = Field(default=None, description="declared_on minus the latest day the interest can have started")
    remove_by: Day | None = Field(default=None, description="last day of the stated removal date")
    months_listed_after_end: int | None = Field(default=None, description="calendar months from the end of the interest to its stated removal")
    fy_start: Day


class RiskFact(Fact):
    title: str = Field(description="the risk's title")
    latest_period: str | None = Field(default=None, description="the latest period the risk has an entry for (e.g. 2024-25 Q2)")
    # ``across``: computed from every record of that register, so a record left out (--keep-going) makes it unknown
    framework_latest_period: str | None = Field(default=None, description="the latest period any risk in the framework has an entry for",
                                                json_schema_extra={"across": "risks"})
    scored_latest_period: bool | None = Field(default=None, description="the risk's latest period is the framework's latest period; unknown when no risk is scored",
                                              json_schema_extra={"across": "risks"})
    likelihood: int | None = Field(default=None, description="likelihood of the latest period (1-5)")
    consequence: int | None = Field(default=None, description="consequence of the latest period (1-5)")
    score: int | None = Field(default=None, description="likelihood x consequence of the latest period")
    stated_score: int | None = Field(default=None, description="the score as written for the latest period")
    band: str | None = Field(default=None, description="band label as stated for the latest period")
    band_for_score: str | None = Field(default=None, description="the organisation's band label for L x C")
    tolerance_score: int | None = Field(default=None, description="the score the risk's tolerance allows")
    target_score: int | None = Field(default=None, description="the target score as written")
    target_lxc: int | None = Field(default=None, description="target likelihood x target consequence")
    target_date: Day | None = Field(default=None, description="the date the target is to be reached")


class RiskActionFact(Fact):
    risk: str = Field(description="id of the risk the action mitigates")
    due: Day | None = Field(default=None, description="the action's due date")
    revised_due: Day | None = Field(default=None, description="the revised due date, when re-dated")
    effective_due: Day | None = Field(default=None, description="revised due date when re-dated, else due")
    progress: str | None = Field(default=None, description="progress rating; absent when the source does not say (unknown)")
    complete: bool = Field(description="the action is marked complete")
    redated: bool = Field(description="a revised due date is recorded")


class ActionFact(Fact):
    ref: str = Field(description="the action's reference as written in the log")
    body: str | None = Field(default=None, description="id of the body whose meeting raised the action")
    section: str = Field(description="the part of the log it is in: live or closed")
    status: str | None = Field(default=None, description="open, due, pending or complete, as the log says; absent when unknown")
    open: bool | None = Field(default=None, description="the action's status is not complete; absent when the status is unknown")
    owner: str | None = Field(default=None, description="the action's owner as written")
    due: Day | None = Field(default=None, description="the action's due date")
    meeting_date: Day | None = Field(default=None, description="the date of the meeting that raised it")
    days_overdue: int | None = Field(default=None, description="as_of minus due (negative: days still to go)")
    completed_on: Day | None = Field(default=None, description="the date the action was completed")
    # --- issue 14 (orgdata) ---
    revised_due: Day | None = Field(default=None, description="the revised due date, when the action was re-dated")
    redated: bool = Field(default=False, description="the action carries a revised due date")
    # --- end issue 14 ---


class PaperFact(Fact):
    meeting: str | None = Field(default=None, description="id of the meeting the paper goes to")
    title: str = Field(description="the paper's title")
    purpose_count: int = Field(description="purposes ticked on the cover sheet")
    within_delegated_limits: str = Field(description="the cover sheet's answer: yes, no, n_a or unanswered")
    conflict: str = Field(description="the cover sheet's conflicts answer: yes, no, n_a or unanswered")
    financial_impact: str = Field(description="the cover sheet's financial impact answer: yes, no, n_a or unanswered")


class ImpactAssessmentFact(Fact):
    paper: str = Field(description="id of the paper the assessment belongs to")
    assessment: str = Field(description="dpia, eia or qia")
    answer: str = Field(description="yes, no, n_a or unanswered")
    approved_on: Day | None = Field(default=None, description="the date the assessment was approved")


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
