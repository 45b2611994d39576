"""Limits on what a rule file may say, checked on the raw YAML before the engine sees it.

Each limit stops a rule that validates but then crashes, hangs or exhausts memory in
durable-rules or in message formatting (measured in the bad-input sweep, issue 13):

- an ``all`` or ``any`` of more than ``MAX_BRANCHES`` items: durable-rules fails to create the
  ruleset with error 113 from 14 branches (a negated ``all`` becomes an ``any``, so both count);
- conditions nested more than ``MAX_DEPTH`` deep: error 113 at 14 levels, and the engine's
  serialisation depth (and Python's recursion limit) at about 200;
- an ``in`` / ``not_in`` list of more than ``MAX_IN_VALUES`` values: each value is an engine
  branch, and 700 took over 40 s;
- an ``as_of`` offset beyond ``MAX_OFFSET_DAYS`` / ``MAX_OFFSET_MONTHS``: the date leaves the
  calendar (year 1 to 9999) and the run raised OverflowError;
- a message template width or precision above ``MAX_TEMPLATE_WIDTH``: ``{ref:>50000000}``
  allocated 627 MB per finding.

Functions take the raw rule mapping and return problem strings, so the loader lists them with
every other problem.
"""

from __future__ import annotations

import re
import string
from typing import Any

from .messages import PLURAL, spec_problem

MAX_BRANCHES = 12
MAX_DEPTH = 10
MAX_IN_VALUES = 200
MAX_OFFSET_DAYS = 36_600  # about 100 years
MAX_OFFSET_MONTHS = 1_200
MAX_TEMPLATE_WIDTH = 1_000

_GROUPS = ("all", "any")
_WIDTH = re.compile(r"(\d+)")


def condition_problems(raw: Any, path: str) -> list[str]:
    """Problems of one raw condition (``when`` or ``require``), each naming where it is."""
    problems: list[str] = []
    _walk(raw, path, 0, problems)
    return problems


def _walk(node: Any, path: str, depth: int, problems: list[str]) -> None:
    if depth > MAX_DEPTH:
        problems.append(f"{path}: conditions nested more than {MAX_DEPTH} deep; the engine refuses deeper nesting "
                        "(split the condition across rules or a derived value)")
        return
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, f"{path}.{i}", depth, problems)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        where = f"{path}.{key}" if path else str(key)
        if key in _GROUPS and isinstance(value, list):
            if len(value) > MAX_BRANCHES:
                problems.append(f"{where}: {len(value)} items; the engine takes at most {MAX_BRANCHES} in one all/any "
                                "(group them in nested all/any, or use 'in' for a list of values)")
            _walk(value, where, depth + 1, problems)
        elif key == "not":
            _walk(value, where, depth + 1, problems)
        elif key in ("in", "not_in") and isinstance(value, list) and len(value) > MAX_IN_VALUES:
            problems.append(f"{where}: {len(value)} values; at most {MAX_IN_VALUES} are allowed "
                            "(a longer list belongs in a pattern or a derived value)")
        elif key == "as_of" and isinstance(value, dict):
            problems.extend(_offset_problems(value, where))
        elif isinstance(value, (dict, list)):
            _walk(value, where, depth + 1, problems)


def _offset_problems(offset: dict, where: str) -> list[str]:
    out = []
    for key, value in offset.items():
        if isinstance(value, dict) and "param" in value:
            continue  # bounded where the parameter's value is known: offset_param_problems
        limit = MAX_OFFSET_MONTHS if key.endswith("months") else MAX_OFFSET_DAYS
        if isinstance(value, bool) or not isinstance(value, int):
            out.append(f"{where}.{key}: expected a whole number, got {value!r}")
        elif abs(value) > limit:
            unit = "months" if key.endswith("months") else "days"
            out.append(f"{where}.{key}: {value} {unit} leaves the calendar; expected at most {limit:,}")
    return out


def template_problems(template: Any, where: str) -> list[str]:
    """A message template whose format spec asks for more than ``MAX_TEMPLATE_WIDTH`` characters."""
    if not isinstance(template, str):
        return []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return []  # a malformed template is reported by the loader's placeholder check
    out = []
    for _, name, spec, _ in parsed:
        if spec and spec.startswith(PLURAL):
            problem = spec_problem(spec)
            out += [f"{where}: placeholder {{{name}}}: {problem}"] if problem else []
            continue
        widths = [int(w) for w in _WIDTH.findall(spec or "")]
        if widths and max(widths) > MAX_TEMPLATE_WIDTH:
            out.append(f"{where}: placeholder {{{name}:{spec}}} asks for width {max(widths):,}; "
                       f"expected at most {MAX_TEMPLATE_WIDTH:,}")
    return out


def rule_problems(raw: dict) -> list[str]:
    """Every limit a raw rule mapping breaks."""
    problems: list[str] = []
    for part in ("when", "require"):
        if part in raw:
            problems += condition_problems(raw[part], part)
    for part in ("message", "pass_message"):
        problems += template_problems(raw.get(part), part)
    if isinstance(raw.get("error_messages"), dict):
        for name, template in raw["error_messages"].items():
            problems += template_problems(template, f"error_messages.{name}")
    return problems


def defaults_problems(defaults: dict) -> list[str]:
    """A rule file's shared defaults of the wrong shape (``references: 5`` raised TypeError)."""
    out = []
    if "references" in defaults and not isinstance(defaults["references"], list):
        out.append(f"references: expected a list of references, got {defaults['references']!r}")
    if "tags" in defaults and not isinstance(defaults["tags"], list):
        out.append(f"tags: expected a list of tags, got {defaults['tags']!r}")
    return out


def offset_param_problems(key: str, value: Any, where: str) -> list[str]:
    """A parameter used as an ``as_of`` offset (``{minus_days: {param: n}}``): a whole number >= 0 within the limits.

    Checked on the rule's default at load and on every ``rule_params`` override, as a literal offset is.
    """
    if not isinstance(value, bool) and isinstance(value, int) and value < 0:
        return [f"{where}: {value} is used as as_of {key}; expected a whole number >= 0"]
    return [p.replace(f"{where}.{key}: ", f"{where}: ", 1) for p in _offset_problems({key: value}, where)]
