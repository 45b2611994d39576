"""Turn flat table rows into the nested records the models describe.

Shapes are read from the pydantic models, not restated: a list-of-scalars field is one cell
separated by ';', dotted columns build nested objects, and a register whose records hold a list
of child records takes one row per child, merged on the record id.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from ..model.base import unwrap_annotation
from .issues import LoadIssue

# register -> the list field whose children come one per row
CHILD_LISTS = {"meetings": "attendance", "declarations": "interests", "risks": "scores"}


def _field_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The model of a nested field (a sub-object or the items of a list of objects)."""
    field = model.model_fields.get(name) or next(
        (f for f in model.model_fields.values() if f.alias == name), None
    )
    if field is None:
        return None
    ann = unwrap_annotation(field.annotation)
    if typing.get_origin(ann) is list:
        ann = unwrap_annotation(typing.get_args(ann)[0])
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _is_scalar_list(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields.get(name)
    if field is None:
        return False
    ann = unwrap_annotation(field.annotation)
    if typing.get_origin(ann) is not list:
        return False
    item = unwrap_annotation(typing.get_args(ann)[0])
    return not (isinstance(item, type) and issubclass(item, BaseModel))


def _nest(model: type[BaseModel], flat: dict[str, Any]) -> dict[str, Any]:
    """Build a nested dict from dotted column names, splitting list-of-scalars cells on ';'."""
    out: dict[str, Any] = {}
    for column, value in flat.items():
        parts = column.split(".")
        target, current = out, model
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            current = _field_model(current, part) if current else None
        leaf = parts[-1]
        if current is not None and _is_scalar_list(current, leaf) and isinstance(value, str):
            value = [v.strip() for v in value.split(";") if v.strip()]
        target[leaf] = value
    return out


def rows_to_records(
    register: str,
    model: type[BaseModel],
    file: str,
    header: list[str],
    rows: list[tuple[int, dict[str, Any]]],
) -> tuple[list[tuple[str, dict[str, Any]]], list[LoadIssue]]:
    """Records (with their location) from table rows, and any structural problems."""
    issues: list[LoadIssue] = []
    known = set(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}
    child = CHILD_LISTS.get(register)
    child_model = _field_model(model, child) if child else None
    for column in header:
        if not column:
            continue
        top = column.split(".")[0]
        if top not in known:
            issues.append(LoadIssue(file, "line 1", column, f"unknown column; expected one of: {', '.join(sorted(known))}", register=register))
    for name, field in model.model_fields.items():
        if field.is_required() and name not in {c.split('.')[0] for c in header}:
            issues.append(LoadIssue(file, "line 1", name, f"missing column '{name}' (required for every {register} record)", register=register))
    if issues:
        return [], issues
    if not child:
        return [(f"line {line}", _nest(model, row)) for line, row in rows], []

    merged: dict[str, tuple[str, dict[str, Any]]] = {}
    order: list[str] = []
    prefix = child + "."
    for line, row in rows:
        parent = {k: v for k, v in row.items() if not k.startswith(prefix)}
        kid = {k[len(prefix):]: v for k, v in row.items() if k.startswith(prefix)}
        key = str(parent.get("id", f"line {line}"))
        if key not in merged:
            record = _nest(model, parent)
            record[child] = []
            merged[key] = (f"line {line}", record)
            order.append(key)
        else:
            first = _nest(model, parent)
            record = merged[key][1]
            for k, v in first.items():
                if record.get(k) != v:
                    issues.append(LoadIssue(file, f"line {line}", k, f"differs from the first row of '{key}' ({merged[key][0]}); repeated columns must agree", str(v), register, key))
        if kid:
            merged[key][1][child].append(_nest(child_model, kid) if child_model else kid)
    return [merged[k] for k in order], issues


def missing_optional_columns(register: str, model: type[BaseModel], file: str, header: list[str]) -> list[LoadIssue]:
    """A warning (not an error) naming the optional columns a table leaves out.

    Leaving a column out is allowed (the field's default applies to every row), but it changes
    outcomes silently when it was meant to be there (a sheet exported without ``role_group``),
    so the reader is told once per file which defaults are in force.
    """
    present = {c.split(".")[0] for c in header if c}
    absent = [name for name, field in model.model_fields.items()
              if not field.is_required() and name not in present and (field.alias or name) not in present]
    if not absent:
        return []
    return [LoadIssue(file, "line 1", "", f"optional column(s) not in the table: {', '.join(absent)}; every row takes "
                      "their default (add a column if its values exist)", register=register)]

