"""The rule model: what a rule file may say. Engine syntax never appears here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from ..model.base import UKDate
from .conditions import Condition, ConditionError
from .parse_conditions import parse_condition

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITY_ORDER = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class Reference(BaseModel):
    """The authority a rule rests on."""

    # defer_build (here and below): validators are built when a rule file is first read, so a run
    # whose rule set comes from the cache (compliance.cache) never builds them
    model_config = ConfigDict(extra="forbid", defer_build=True)

    authority: str
    clause: str | None = None
    version: str | None = None
    url: str | None = None
    quote: str | None = None

    def cite(self) -> str:
        parts = [self.authority]
        if self.clause:
            parts.append(self.clause)
        if self.version:
            parts.append(f"({self.version})")
        return ", ".join(parts[:2]) + (f" {parts[2]}" if len(parts) > 2 else "")


PARAM_INT_LIMIT = 1_000_000


def param_value_problem(value: Any) -> str | None:
    """Why a parameter value cannot reach the engine (None when it can): whole numbers stay
    within +/- PARAM_INT_LIMIT, so no exponent float, NaN or out-of-range integer is ever compiled."""
    if isinstance(value, bool) or isinstance(value, (str, dt.date)):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return f"{value!r} is not a whole number; scale it to one"
        value = int(value)
    if isinstance(value, int):
        return None if abs(value) <= PARAM_INT_LIMIT else f"{value} is out of range (at most {PARAM_INT_LIMIT:,} either way)"
    if isinstance(value, list):
        return next((f"item {i}: {p}" for i, v in enumerate(value) if (p := param_value_problem(v))), None)
    return f"{value!r} is not a number, text, true/false, date or list"


def param_type(value: Any) -> str:
    """The type a parameter's default declares: overrides must match it."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a whole number"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, list):
        kinds = {param_type(v) for v in value}
        return f"a list of {kinds.pop()}s" if len(kinds) == 1 else "a list"
    return "a text"


class Requires(BaseModel):
    """What a rule needs beyond what its conditions read (engine/coverage.py derives the rest)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    registers: list[str] = Field(default_factory=list, description="registers the data set must supply")
    questions: list[str] = Field(default_factory=list, description="cover-sheet questions the organisation's form must ask")

    @field_validator("registers", "questions")
    @classmethod
    def _known(cls, value: list[str], info: Any) -> list[str]:
        from ..model import REGISTERS  # noqa: PLC0415 - model imports nothing from rules; keep it so
        from ..model.organisation import COVER_SHEET_QUESTIONS  # noqa: PLC0415

        allowed, what = (tuple(REGISTERS), "register") if info.field_name == "registers" else (COVER_SHEET_QUESTIONS, "cover-sheet question")
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise ValueError(f"unknown {what}(s) {unknown}; expected some of: {', '.join(allowed)}")
        return value


class Rule(BaseModel):
    """One compliance rule."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, defer_build=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$", description="namespaced, stable: pack.family.name")
    title: str = Field(min_length=3)
    description: str = ""
    family: str | None = None
    severity: Severity
    applies_to: str
    when: Any = None
    require: Any
    params: dict[str, Any] = Field(default_factory=dict)
    message: str = Field(min_length=1, description="template; {field} and {param} are filled from the fact and params")
    pass_message: str | None = None
    error_messages: dict[str, str] = Field(
        default_factory=dict,
        description="field -> template: the message when the outcome is error because that field is missing "
                    "(\"no quorum specification for {meeting.body.name}\"); the missing fields are still listed")
    remediation: str = ""
    references: list[Reference] = Field(default_factory=list)
    effective_from: UKDate | None = None
    effective_to: UKDate | None = None
    tags: list[str] = Field(default_factory=list)
    requires: Requires | None = Field(default=None, description="registers and form questions needed beyond those the conditions read")
    max_waiver_days: int | None = Field(default=None, ge=1, description="longest a waiver of this rule may run, counted from its valid_from")
    formerly: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")]] = Field(
        default_factory=list, description="ids this rule had before a rename: waivers and baselines written with them still match")

    _derived: list[Any] = PrivateAttr(default_factory=list)  # the rule set's derived values (rules.functions.Derived)
    _when: Condition | None = PrivateAttr(default=None)
    _require: Condition | None = PrivateAttr(default=None)
    source_file: str = Field(default="", exclude=True)

    @field_validator("params")
    @classmethod
    def _params_are_scalars(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, v in value.items():
            if isinstance(v, float) and not v.is_integer():
                raise ValueError(f"param '{name}': fractional numbers are not supported; scale to a whole number")
            if not isinstance(v, (int, float, str, bool, list, dt.date)):
                raise ValueError(f"param '{name}': expected a number, string, boolean, date or list")
            problem = param_value_problem(v)
            if problem:
                raise ValueError(f"param '{name}': {problem}")
        return value

    def model_post_init(self, __context: Any) -> None:
        try:
            self._when = parse_condition(self.when, "when.", self.id) if self.when is not None else None
            self._require = parse_condition(self.require, "require.", self.id)
        except ConditionError as exc:
            raise ValueError(str(exc)) from None

    @property
    def when_condition(self) -> Condition | None:
        return self._when

    @property
    def require_condition(self) -> Condition:
        assert self._require is not None
        return self._require

    @property
    def pack(self) -> str:
        return self.id.split(".")[0]

    @property
    def family_name(self) -> str:
        return self.family or (self.id.split(".")[1] if self.id.count(".") >= 2 else "general")

    @property
    def templates(self) -> list[str]:
        """Every message template of the rule: fail, pass and each missing-field error."""
        return [self.message, *([self.pass_message] if self.pass_message else []), *self.error_messages.values()]

    def in_force(self, as_of: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= as_of) and (
            self.effective_to is None or as_of <= self.effective_to
        )
