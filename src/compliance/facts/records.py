"""Record fields: a subject's own records, flattened to dotted names that rules read.

Nothing here knows what a field means. The pydantic models say what each register holds, and
this module reads them generically: a rule on a paper reads ``paper.presenter`` and
``paper.conflict.answer``; a field declared with ``refers_to`` is followed one step, so
``paper.meeting.date`` is the date of the paper's meeting; a list of plain values reads as its
items joined by ", " (``paper.purposes``) and any list has a ``.count``. Dates become day
ordinals, as every fact carries them.

Why this is Python and not a rule: it is the one generic reading of every register the rules
quantify over, typed from the models, so a rule author can name any recorded field without a
line of code.
"""

from __future__ import annotations

import datetime as dt
import math
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Literal

from pydantic import BaseModel

from ..model import RECORD_KINDS, REGISTERS, GovernanceData
from ..model.base import NUMBER_LIMIT, referenced_register, unwrap_annotation
from ..model.declarations import Interest
from ..model.meetings import Attendance
from ..model.papers import ImpactAssessment
from ..model.risks import RiskAction

# fixed-point: numbers keep at most this many decimal places, so no float reaches the engine in
# exponent form (durable-rules stops silently at ``1e-05``) and both engines see the same value
DECIMALS = 4


@dataclass(frozen=True)
class FieldSpec:
    """What a rule may know about one readable field."""

    type: str  # day | int | number | bool | str
    description: str
    source: str  # where the value comes from: "derived", or the register and field


@lru_cache(maxsize=None)
def model_fields(model: type[BaseModel], prefix: str, follow: bool = True) -> dict[str, FieldSpec]:
    """Every readable dotted field of ``model`` under ``prefix``, with its type and description."""
    out: dict[str, FieldSpec] = {}
    register = _register_of(model)
    for name, info in model.model_fields.items():
        key = f"{prefix}.{name}"
        described = info.description or name.replace("_", " ")
        where = f"{register or model.__name__}.{name}"
        ann = unwrap_annotation(info.annotation)
        origin = typing.get_origin(ann)
        if origin in (list, tuple, set):
            (item,) = typing.get_args(ann)[:1] or (str,)
            item = unwrap_annotation(item)
            out[f"{key}.count"] = FieldSpec("int", f"number of entries in {described}", where)
            if _scalar_type(item) in ("str", "int"):
                out[key] = FieldSpec("str", f"{described} (entries joined by ', ')", where)
                out[f"{key}[]"] = FieldSpec(f"list[{_scalar_type(item)}]", f"{described}, each entry (a relation's on: matches any)", where)
            elif isinstance(item, type) and issubclass(item, BaseModel):
                out[f"{key}[]"] = FieldSpec("entries", f"{described} (read with each: {key})", where)
                for sub, spec in model_fields(item, key, follow).items():
                    out[sub] = FieldSpec(spec.type, f"{spec.description} (of each entry; read inside each: {key})", spec.source)
            continue
        if origin is dict:
            continue
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.update(model_fields(ann, key, follow))
            continue
        scalar = _scalar_type(ann)
        if scalar is None:
            continue
        out[key] = FieldSpec(scalar, described, where)
        target = referenced_register(info)
        if follow and target in REGISTERS:
            for sub, spec in model_fields(REGISTERS[target], key, False).items():
                out[sub] = FieldSpec(spec.type, f"{spec.description} (of the {RECORD_KINDS.get(target, target)} named by {key})",
                                     spec.source)
    return out


def _register_of(model: type[BaseModel]) -> str | None:
    return next((name for name, m in REGISTERS.items() if m is model), None)


def _scalar_type(ann: Any) -> str | None:
    if typing.get_origin(ann) is Literal:
        values = typing.get_args(ann)
        return "bool" if all(isinstance(v, bool) for v in values) else "str"
    if ann is bool:
        return "bool"
    if ann is int:
        return "int"
    if ann is float:
        return "number"
    if ann is str:
        return "str"
    if ann is dt.date:
        return "day"
    return None


def number(value: float) -> float | int:
    """A number as facts carry it: at most ``DECIMALS`` places, never NaN, infinite or huge."""
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if not math.isfinite(value) or abs(value) >= NUMBER_LIMIT:
        raise ValueError(f"number {value!r} is out of range (finite, below {NUMBER_LIMIT:.0e})")
    rounded = round(value, DECIMALS)
    return 0.0 if abs(rounded) < 10 ** -DECIMALS else rounded


def flatten(record: BaseModel | None, prefix: str, index: "RecordIndex", wanted: set[str] | None,
            out: dict[str, Any], follow: bool = True) -> None:
    """Write ``record``'s fields into ``out`` under ``prefix`` (only ``wanted`` names when given).

    Every fact of a kind holds the same key strings and the same object for one day ordinal
    (``_key``, ``shared_day``): at a million findings the keys made anew per fact were a quarter
    of the facts' memory (measured, bench/memory.py)."""
    if record is None:
        return
    reach, parents = _reach(wanted) if wanted is not None else (None, None)
    if reach is not None and prefix not in reach:
        return
    for name, info in type(record).model_fields.items():
        key = _key(prefix, name)
        if reach is not None and key not in reach:
            continue
        value = getattr(record, name)
        if value is None:
            continue
        if isinstance(value, (list, tuple, set)):
            out[_key(key, ".count")] = len(value)
            items = list(value)
            if items and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in items):
                out[key] = shared_join(items)
            if parents is None or key in parents:
                # the entries themselves, for `each:` (records) and list joins (plain values)
                entries: list[Any] = []
                for item in items:
                    if isinstance(item, BaseModel):
                        entry: dict[str, Any] = {}
                        flatten(item, key, index, wanted, entry, follow)
                        entries.append(entry)
                    elif isinstance(item, (str, int)) and not isinstance(item, bool):
                        entries.append(item)
                out[_key(key, "[]")] = entries
            continue
        if isinstance(value, dict):
            continue
        if isinstance(value, BaseModel):
            flatten(value, key, index, wanted, out, follow)
            continue
        if isinstance(value, dt.date):
            out[key] = shared_day(value)
        elif isinstance(value, float):
            out[key] = number(value)
        elif isinstance(value, (str, int, bool)):
            out[key] = value
        else:
            continue
        target = referenced_register(info)
        if follow and target in REGISTERS and isinstance(value, str):
            flatten(index.get(target, value), key, index, wanted, out, False)


def _key(prefix: str, name: str) -> str:
    """``prefix.name`` (or ``prefix`` + a ``.count`` / ``[]`` suffix), one string object per
    distinct key, shared by every fact that has it."""
    key = _KEYS.get((prefix, name))
    if key is None:
        key = _KEYS[(prefix, name)] = f"{prefix}{name}" if name in (".count", "[]") else f"{prefix}.{name}"
    return key


_KEYS: dict[tuple[str, str], str] = {}  # bounded by the models' field paths


def shared_day(value: dt.date) -> int:
    """``value``'s day ordinal, one int object per day (ordinals are above the small ints Python
    shares, and the same dates recur across records); the cache lasts one run (``clear_shared``)."""
    ordinal = _DAYS.get(value)
    if ordinal is None:
        ordinal = _DAYS[value] = value.toordinal()
    return ordinal


_DAYS: dict[dt.date, int] = {}


def shared_join(items: list[str | int]) -> str:
    """``items`` joined by ", ", one string object for each distinct list in a run: a paper's
    purposes are read by the paper and each of its impact assessments, and few lists differ
    (measured: 40,000 joins, 9 MB, at a million findings; ``clear_shared`` ends the run)."""
    key = tuple(items)
    joined = _JOINED.get(key)
    if joined is None:
        joined = _JOINED[key] = ", ".join(map(str, items))
    return joined


_JOINED: dict[tuple[str | int, ...], str] = {}


def clear_shared() -> None:
    """Forget the shared day ordinals and joins and the ``_reach`` sets: all grow with the runs of a
    process (a batch worker), not with one run (the ``_reach`` entries are per ``wanted`` set,
    and each run asks ``fields_needed`` for a new one)."""
    _DAYS.clear()
    _JOINED.clear()
    _REACH.clear()


def _reach(wanted: set[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The keys ``flatten`` descends into for ``wanted``, as two sets, so each field costs one
    lookup instead of a scan of ``wanted`` (the scan was most of deriving facts at scale):
    ``reach`` holds every key that is a wanted name, has one under it (``key.x``) or its entries
    (``key[]``) wanted; ``parents`` every key that has a
    wanted name strictly below it (``key.x`` or ``key[]``). Cached per ``wanted`` set (by
    identity: the sets come from ``fields_needed`` and are not changed while facts are derived)."""
    cached = _REACH.get(id(wanted))
    if cached is not None and cached[0] is wanted and cached[1] == len(wanted):
        return cached[2]
    reach, parents = set(), set()
    for name in wanted:
        parts = name.split(".")
        below = [".".join(parts[:i]) for i in range(1, len(parts))]  # every dotted prefix short of the name
        if name.endswith("[]"):
            below.append(name[:-2])
        parents.update(below)
        reach.update(below)
        reach.add(name)
    result = (frozenset(reach), frozenset(parents))
    _REACH[id(wanted)] = (wanted, len(wanted), result)
    return result


_REACH: dict[int, tuple[set[str], int, tuple[frozenset[str], frozenset[str]]]] = {}


def entry_fields(kind_fields: dict[str, FieldSpec], list_field: str) -> dict[str, FieldSpec]:
    """The fields of each entry of ``list_field`` (a list of records): what ``each:`` reads."""
    return {name: spec for name, spec in kind_fields.items()
            if name.startswith(list_field + ".") and name != list_field + ".count"}


class RecordIndex:
    """Records of every register by id, for following ``refers_to`` fields."""

    def __init__(self, data: GovernanceData):
        self._by_id: dict[str, dict[str, BaseModel]] = {}
        for register in REGISTERS:
            records = getattr(data, register, None) or []
            self._by_id[register] = {r.id: r for r in records if isinstance(getattr(r, "id", None), str)}

    def get(self, register: str, record_id: str) -> BaseModel | None:
        return self._by_id.get(register, {}).get(record_id)

    def release(self, register: str) -> None:
        """Forget ``register``'s records (no fact still to be made follows a reference into it)."""
        self._by_id.pop(register, None)


@lru_cache(maxsize=None)
def referred_registers(register: str) -> frozenset[str]:
    """The registers a record of ``register`` refers to, through its nested records too."""
    out: set[str] = set()
    models, seen = [REGISTERS[register]] if register in REGISTERS else [], set()
    while models:
        model = models.pop()
        if model in seen:
            continue
        seen.add(model)
        for info in model.model_fields.values():
            target = referenced_register(info)
            if target is not None:
                out.add(target)
            models += [m for m in _models_in(info.annotation) if m not in seen]
    return frozenset(out)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The record models an annotation holds (``X``, ``X | None``, ``list[X]``, ``Annotated[...]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


# Where each subject kind's records come from: prefix -> model. The derived kinds (facts/derive.py)
# name their records as they make each fact; these are the models, for validation and docs.
SOURCES: dict[str, dict[str, type[BaseModel]]] = {
    "meeting": {"meeting": REGISTERS["meetings"]},
    "quorum_part": {"meeting": REGISTERS["meetings"]},
    "membership": {"body": REGISTERS["bodies"], "person": REGISTERS["people"]},
    "interest": {"interest": Interest, "declaration": REGISTERS["declarations"]},
    "risk": {"risk": REGISTERS["risks"]},
    "risk_action": {"risk_action": RiskAction, "risk": REGISTERS["risks"]},
    "action": {"action": REGISTERS["actions"]},
    "paper": {"paper": REGISTERS["papers"]},
    "impact_assessment": {"impact_assessment": ImpactAssessment, "paper": REGISTERS["papers"]},
    "attendance": {"attendance": Attendance, "meeting": REGISTERS["meetings"]},
}


def record_kinds(derived: Iterable[str]) -> dict[str, str]:
    """Kinds made of one register's records alone (no derived fields): kind -> register."""
    taken = set(derived)
    return {kind: register for register, kind in RECORD_KINDS.items() if kind not in taken and register in REGISTERS}


def sources(kind: str, derived: Iterable[str]) -> dict[str, type[BaseModel]]:
    """The records a kind's facts carry, by prefix."""
    if kind in SOURCES:
        return SOURCES[kind]
    register = record_kinds(derived).get(kind)
    return {kind: REGISTERS[register]} if register else {}


def record_label(record: BaseModel, refer: Callable[[str, str], str | None] | None = None) -> str:
    """A record's name for people: its name or title, whole (a display cuts it, at a word).

    A record with no text of its own (an apology, a speaker) is named by the records it refers to,
    ``refer(register, id)`` giving each one's name: the people first, then the others in field
    order ("Buki Adeyemo, Integrated Care Board public meeting 2024-09-26"); its id only when none is known.
    """
    for attr in ("name", "title", "label", "description", "duty", "measure", "text", "committee", "owner"):
        value = getattr(record, attr, None)
        if isinstance(value, str) and value:
            return value
    if refer is not None:
        named = []
        for name, field in type(record).model_fields.items():
            register, value = referenced_register(field), getattr(record, name, None)
            label = refer(register, value) if register and isinstance(value, str) else None
            if label:
                named.append((register != "people", label))
        if named:
            return ", ".join(label for _, label in sorted(named, key=lambda n: n[0]))  # stable: field order kept
    return str(getattr(record, "id", ""))

