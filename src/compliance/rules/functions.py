r"""Derived values a rule pack declares: named expressions over a fact's fields.

```yaml
derived:
  - name: ref_year_named
    kind: action
    description: the financial year a 'YYYY-YY/...' reference names, e.g. 2024-25
    expr: {capture: action.ref, pattern: '^(\d{4}-\d{2})/'}
```

An argument is a field name (text), ``{value: LITERAL}``, ``as_of`` via ``{as_of: {}}``, or another
function. Every function yields nothing (the field stays absent, so a rule that reads it is an
``error``, never a pass) when an input is absent or has the wrong type. The library is small and
generic on purpose: what a value *means* for an organisation is the pack's, not the code's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from ..model.dates import add_months, financial_year_start
from .messages import key_names


class FunctionError(ValueError):
    """A derived value that cannot be understood; the message says where and what is expected."""


def _date(v: Any) -> dt.date | None:
    return dt.date.fromordinal(v) if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 3_652_060 else None


def _text(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _fy_start(fact: dict[str, Any], d: Any) -> Any:
    day, anchor = _date(d), _date(fact.get("fy_start"))
    if day is None or anchor is None:
        return None
    return financial_year_start(day, anchor.month, anchor.day).toordinal()


def _fy_label(fact: dict[str, Any], v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool) and 1000 <= v <= 9999:
        year = v
    else:
        start = _fy_start(fact, v)
        if start is None:
            return None
        year = dt.date.fromordinal(start).year
    return f"{year}-{(year + 1) % 100:02d}"


def _days_between(_: dict[str, Any], a: Any, b: Any) -> Any:
    return b - a if _date(a) and _date(b) else None


def _months_between(_: dict[str, Any], a: Any, b: Any) -> Any:
    da, db = _date(a), _date(b)
    return (db.year - da.year) * 12 + db.month - da.month if da and db else None


def _shape(_: dict[str, Any], v: Any) -> Any:
    t = _text(v)
    return None if t is None else re.sub(r"[A-Za-z]", "A", re.sub(r"\d", "9", t))


def _length(_: dict[str, Any], v: Any) -> Any:
    t = _text(v)
    return None if t is None else len(t)


def _lower(_: dict[str, Any], v: Any) -> Any:
    t = _text(v)
    return None if t is None else t.lower()


def _initials(_: dict[str, Any], v: Any) -> Any:
    # each word's first letter, a hyphenated name's parts as words ('Paul Edmondson-Jones' is PEJ):
    # how board papers and minutes abbreviate a person's name
    t = _text(v)
    return None if t is None else "".join(w[0] for w in re.findall(r"[^\W\d_]+", t)).upper()


def _number(_: dict[str, Any], v: Any) -> Any:
    t = _text(v)
    return int(t) if t is not None and re.fullmatch(r"-?\d{1,15}", t.strip()) else None


def _add(_: dict[str, Any], a: Any, b: Any) -> Any:
    ok = all(isinstance(x, int) and not isinstance(x, bool) for x in (a, b))
    return a + b if ok else None


def _add_months(_: dict[str, Any], a: Any, n: Any) -> Any:
    d = _date(a)
    if d is None or not isinstance(n, int) or isinstance(n, bool) or abs(n) > 12000:
        return None
    try:
        return add_months(d, n).toordinal()
    except (ValueError, OverflowError):
        return None


def _coalesce(_: dict[str, Any], *values: Any) -> Any:
    return next((v for v in values if v is not None), None)


@dataclass(frozen=True)
class Function:
    """One library function: its arity, the type it yields, and what it does (for the docs)."""

    call: Callable[..., Any]
    args: int  # -1: one or more
    result: str  # day | int | str | same (the first argument's type)
    summary: str
    example: str


FUNCTIONS: dict[str, Function] = {
    "fy_start": Function(_fy_start, 1, "day", "first day of the financial year containing a date (the organisation's year start)",
                         "{fy_start: action.due}"),
    "fy_label": Function(_fy_label, 1, "str", "the financial year of a date, or starting in a year, written 2024-25",
                         "{fy_label: {number: {capture: action.ref, pattern: '^(\\d{4})'}}}"),
    "days_between": Function(_days_between, 2, "int", "days from the first date to the second", "{days_between: [due, completed_on]}"),
    "months_between": Function(_months_between, 2, "int", "calendar months from the first date's month to the second's",
                               "{months_between: [end_latest, remove_by]}"),
    "add_months": Function(_add_months, 2, "day", "a date moved by a number of calendar months",
                           "{add_months: [end_latest, {value: 6}]}"),
    "add": Function(_add, 2, "same", "the sum of two whole numbers (a date plus a number of days)", "{add: [due, {value: 14}]}"),
    "shape": Function(_shape, 1, "str", "a text with digits as 9 and letters as A", "{shape: action.ref}"),
    "length": Function(_length, 1, "int", "number of characters of a text", "{length: paper.title}"),
    "lower": Function(_lower, 1, "str", "a text in lower case", "{lower: paper.presenter}"),
    "initials": Function(_initials, 1, "str", "the first letter of each word, upper case ('Paul Edmondson-Jones' is PEJ)",
                         "{initials: {capture: paper.presenter, pattern: '^(\\w+ [\\w-]+)'}}"),
    "number": Function(_number, 1, "int", "a text of digits as a whole number", "{number: {capture: action.ref, pattern: '/(\\d+)$'}}"),
    "capture": Function(lambda _f, *a: None, 1, "str", "the part of a text a regular expression's group captures "
                        "(options: pattern, group, case_sensitive)", "{capture: action.ref, pattern: '^(\\d{4}-\\d{2})/'}"),
    "coalesce": Function(_coalesce, -1, "same", "the first of its arguments that is present", "{coalesce: [revised_due, due]}"),
}


Expr = Callable[[dict[str, Any]], Any]


@dataclass
class Derived:
    """A named derived value of one subject kind, declared in a rule file."""

    name: str
    kind: str
    expr: Any  # as written, for docs and explain
    description: str
    file: str
    value: Expr
    type: str
    inputs: frozenset[str]


def compile_expr(raw: Any, path: str, field_type: Callable[[str], str | None]) -> tuple[Expr, str, set[str]]:
    """An expression as (function of a fact, result type, fields read); FunctionError names the path."""
    if isinstance(raw, str):
        ftype = field_type(raw)
        if ftype is None:
            raise FunctionError(f"{path}: unknown field '{raw}'")
        return (lambda fact, n=raw: fact.get(n)), ftype, {raw}
    if isinstance(raw, dict) and set(raw) == {"value"}:
        v = raw["value"]
        if isinstance(v, float) or v is None or isinstance(v, (list, dict)):
            raise FunctionError(f"{path}.value: expected a whole number, text or true/false, got {v!r}")
        return (lambda fact, v=v: v), {bool: "bool", int: "int", str: "str"}.get(type(v), "str"), set()
    if isinstance(raw, dict) and set(raw) == {"as_of"}:
        return (lambda fact: fact.get("as_of")), "day", {"as_of"}
    if not isinstance(raw, dict):
        raise FunctionError(f"{path}: expected a field name, {{value: ...}} or a function; got {raw!r}")
    names = [k for k in raw if k in FUNCTIONS]
    if len(names) != 1:
        raise FunctionError(f"{path}: expected one function of {', '.join(sorted(FUNCTIONS))}; got keys {key_names(raw)}")
    (name,) = names
    fn = FUNCTIONS[name]
    options = set(raw) - {name}
    if name == "capture":
        return _compile_capture(raw, options, path, field_type)
    if options:
        raise FunctionError(f"{path}.{name}: unexpected option(s) {sorted(options)}")
    args_raw = raw[name] if isinstance(raw[name], list) else [raw[name]]
    if fn.args >= 0 and len(args_raw) != fn.args:
        raise FunctionError(f"{path}.{name}: takes {fn.args} argument(s), got {len(args_raw)}")
    if not args_raw:
        raise FunctionError(f"{path}.{name}: takes at least one argument")
    compiled = [compile_expr(a, f"{path}.{name}[{i}]", field_type) for i, a in enumerate(args_raw)]
    calls = [c for c, _, _ in compiled]
    inputs = set().union(*(i for _, _, i in compiled))
    result = compiled[0][1] if fn.result == "same" else fn.result
    call = fn.call

    def run(fact: dict[str, Any]) -> Any:
        values = [c(fact) for c in calls]
        if name != "coalesce" and any(v is None for v in values):
            return None
        return call(fact, *values)

    return run, result, inputs | {"fy_start"}


def _compile_capture(raw: dict[str, Any], options: set[str], path: str, field_type) -> tuple[Expr, str, set[str]]:
    unknown = options - {"pattern", "group", "case_sensitive"}
    if unknown or "pattern" not in options:
        raise FunctionError(f"{path}.capture: takes pattern (required), group and case_sensitive; got {sorted(options)}")
    pattern, group = raw["pattern"], raw.get("group", 1)
    flags = 0 if raw.get("case_sensitive", False) is True else re.IGNORECASE
    if not isinstance(pattern, str):
        raise FunctionError(f"{path}.capture.pattern: expected a regular expression, got {pattern!r}")
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        raise FunctionError(f"{path}.capture.pattern: invalid regular expression {pattern!r}: {exc}") from None
    if not isinstance(group, int) or isinstance(group, bool) or not 0 <= group <= compiled.groups:
        raise FunctionError(f"{path}.capture.group: expected a group number from 0 to {compiled.groups}, got {group!r}")
    inner, _, inputs = compile_expr(raw["capture"], f"{path}.capture", field_type)

    def run(fact: dict[str, Any]) -> Any:
        text = inner(fact)
        if not isinstance(text, str):
            return None
        m = compiled.search(text)
        return m.group(group) if m and m.group(group) is not None else None

    return run, "str", inputs


# --- issue 19 (rules19): partial dates as the registers write them --------------------------

def _earliest_day(_: dict[str, Any], v: Any) -> Any:
    """The first day a partial date written YYYY, YYYY-MM or YYYY-MM-DD can mean (2024-05 -> 1 May 2024);
    nothing for any other text. A register's interest periods are partial dates, and a rule that asks
    whether something certainly happened after a day needs the earliest reading, not only the latest."""
    from ..model.dates import partial_bounds  # appended function: keeps the module's imports unchanged

    t = _text(v)
    if t is None:
        return None
    try:
        return partial_bounds(t.strip())[0].toordinal()
    except ValueError:
        return None


FUNCTIONS["earliest_day"] = Function(
    _earliest_day, 1, "day", "the first day a partial date (YYYY, YYYY-MM or YYYY-MM-DD text) can mean",
    "{earliest_day: interest.end}")
