"""``compliance init --profile NAME DIR``: a data-set skeleton for a new organisation.

The skeleton holds a ``compliance.yaml`` naming the profile, an ``organisation.yaml`` and every
register the profile's rules read (with the registers those refer to). A register that can be a
table is written as a CSV in DIR (the one the checker loads) and as an XLSX in ``DIR/templates/``
(a data set may hold only one file per register: move it into place instead of the CSV); the
others, whose records nest deeply, as YAML. Every template's columns and its one example row are
read off the pydantic models, so the templates follow the data format as it grows; the example
row fills the required fields only and is labelled synthetic.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .facts.kinds import FACT_MODELS
from .facts.records import referred_registers, sources
from .io.dataset import TABLE_REGISTERS
from .io.tabular import CHILD_LISTS, _field_model, _is_scalar_list
from .io.writer import dump_yaml, write_register
from .model import RECORD_KINDS, REGISTERS, Organisation
from .model.base import referenced_register, unwrap_annotation
from .rules.conditions import reads
from .rules.loader import RuleSet

EXAMPLE_DAY = "2024-04-01"
SYNTHETIC = "synthetic example row written by `compliance init`: replace it with your own records"


class InitError(Exception):
    """The skeleton cannot be written (existing files without --force, an unknown profile)."""


def registers_read(ruleset: RuleSet) -> list[str]:
    """The registers the rules read (every kind a condition or relation names, and what the
    derived kinds are made of), with the registers their records refer to, in REGISTERS order."""
    by_model = {model: name for name, model in REGISTERS.items()}
    wanted: set[str] = set()
    for rule in ruleset.rules:
        kinds = {rule.applies_to}
        for cond in (rule.when_condition, rule.require_condition):
            kinds |= set(reads(cond, rule.applies_to))
        for kind in kinds:
            wanted |= {by_model[m] for m in sources(kind, FACT_MODELS).values() if m in by_model}
    pending = list(wanted)
    while pending:  # a meeting names its body, a body its members: those registers are needed too
        for target in referred_registers(pending.pop()) - wanted:
            if target in REGISTERS:
                wanted.add(target)
                pending.append(target)
    return [name for name in REGISTERS if name in wanted and name != "waivers"]


def example_id(register: str) -> str:
    """The example record's id in a register (references to it use the same id, so they resolve)."""
    return f"example-{RECORD_KINDS.get(register, register).replace('_', '-')}"


def _example_value(register: str, name: str, field: Any) -> Any:
    """A valid value for one required field, read off its annotation."""
    target = referenced_register(field)
    if target:
        return example_id(target)
    if name in ("id", "ref"):
        return example_id(register)
    ann = unwrap_annotation(field.annotation)
    origin = typing.get_origin(ann)
    if origin is typing.Literal:
        return typing.get_args(ann)[0]
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return next(iter(ann)).value
    if ann is bool:
        return False
    if ann in (int, float):
        return 1
    if ann is dt.date or "date" in str(ann).lower() or "Day" in str(ann):
        return EXAMPLE_DAY
    pattern = next((getattr(m, "pattern", None) for m in field.metadata if getattr(m, "pattern", None)), None)
    if pattern:  # a code such as a measure: a word, no spaces
        return f"example-{name.replace('_', '-')}"
    return f"example {name.replace('_', ' ')}"


def columns(register: str) -> list[str]:
    """A register's table columns: its fields, a nested object's fields dotted, the per-row child's
    fields under its list name (``attendance.person``); lists of other objects are YAML-only."""
    model = REGISTERS[register]
    out: list[str] = []
    child = CHILD_LISTS.get(register)

    def walk(model: type[BaseModel], prefix: str, depth: int) -> None:
        for name, field in model.model_fields.items():
            key = field.alias or name
            sub = _field_model(model, name)
            is_list = typing.get_origin(unwrap_annotation(field.annotation)) is list
            if sub is not None and is_list and not (depth == 0 and name == child):
                continue
            if sub is not None and depth < 2:
                walk(sub, f"{prefix}{key}.", depth + 1)
            elif sub is None:
                out.append(prefix + key)

    walk(model, "", 0)
    return out


def example_row(register: str) -> dict[str, Any]:
    """One example row: the required fields filled (and the child list's required fields)."""
    model = REGISTERS[register]
    row: dict[str, Any] = {}
    child = CHILD_LISTS.get(register)

    def fill(model: type[BaseModel], prefix: str, force: bool) -> None:
        for name, field in model.model_fields.items():
            if not (field.is_required() or force and name == child):
                continue
            sub = _field_model(model, name)
            if sub is not None:
                fill(sub, f"{prefix}{field.alias or name}.", False)
            elif _is_scalar_list(model, name):
                row[prefix + (field.alias or name)] = _example_value(register, name, field)
            else:
                row[prefix + (field.alias or name)] = _example_value(register, name, field)

    fill(model, "", True)
    if "note" in model.model_fields:
        row["note"] = SYNTHETIC
    if _valid(register, row):
        return row
    # A model whose validator asks for one of several optional fields (a risk score: likelihood and
    # consequence, or the score as stated) needs more than its required fields: fill the optional
    # plain fields of the record and its child too, so the example still loads.
    for prefix, sub in (("", model), *(((f"{child}.", _field_model(model, child)),) if child else ())):
        for name, field in (sub.model_fields.items() if sub is not None else ()):
            key = prefix + (field.alias or name)
            if key not in row and _field_model(sub, name) is None and not _is_scalar_list(sub, name):
                row[key] = _example_value(register, name, field)
    return row


def _valid(register: str, row: dict[str, Any]) -> bool:
    """Whether the example row, nested as the loader nests it, is a valid record of the register."""
    try:
        REGISTERS[register].model_validate(_nested(row))
    except ValidationError:
        return False
    return True


def _nested(row: dict[str, Any]) -> dict[str, Any]:
    """A flat example row as a nested YAML record (a child list holds the one child)."""
    out: dict[str, Any] = {}
    for column, value in row.items():
        *parents, leaf = column.split(".")
        target = out
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    for child in CHILD_LISTS.values():
        if isinstance(out.get(child), dict):
            out[child] = [out[child]]
    return out


def write_skeleton(directory: Path, profile: str, ruleset: RuleSet, force: bool = False) -> list[Path]:
    """Write the skeleton for ``profile`` into ``directory``; the files written, in order.

    Refuses (InitError, naming them) to overwrite existing files unless ``force``.
    """
    registers = registers_read(ruleset)
    tables = [r for r in registers if r in TABLE_REGISTERS]
    planned = [directory / "compliance.yaml", directory / "organisation.yaml"]
    planned += [directory / f"{r}.csv" for r in tables] + [directory / "templates" / f"{r}.xlsx" for r in tables]
    planned += [directory / f"{r}.yaml" for r in registers if r not in TABLE_REGISTERS]
    existing = [p for p in planned if p.exists()]
    if existing and not force:
        raise InitError(f"{len(existing)} file(s) already exist ({', '.join(str(p) for p in existing[:5])}"
                        f"{', ...' if len(existing) > 5 else ''}); use --force to overwrite them")
    (directory / "templates").mkdir(parents=True, exist_ok=True)
    planned[0].write_text(dump_yaml({"profile": profile}, f"# compliance.yaml: the rules this data set is checked against "
                                    f"(docs/dataset-format.md). Written by `compliance init --profile {profile}`.\n"),
                          encoding="utf-8")
    organisation = {"name": "Example organisation (synthetic: replace with yours)", "note": SYNTHETIC}
    Organisation.model_validate(organisation)
    planned[1].write_text(dump_yaml(organisation), encoding="utf-8")
    for register in tables:
        header, row = columns(register), example_row(register)
        _write_csv(directory / f"{register}.csv", header, row)
        _write_xlsx(directory / "templates" / f"{register}.xlsx", register, header, row)
    for register in registers:
        if register not in TABLE_REGISTERS:
            write_register(directory, register, [_nested(example_row(register))])
    return planned


def _write_csv(path: Path, header: list[str], row: dict[str, Any]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerow(["" if row.get(c) is None else row.get(c, "") for c in header])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _write_xlsx(path: Path, register: str, header: list[str], row: dict[str, Any]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = register[:31]
    sheet.append(header)
    sheet.append([row.get(c) for c in header])
    book.save(path)
