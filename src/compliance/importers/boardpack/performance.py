"""The performance summary table ('Overview of Key ICB Performance ...'): metrics and the standards in its labels.

Each row is 'label | cell | arrow', two rows side by side. The table's key says a cell is the
variance against plan (or, without a plan, against target), so every value is written with
``basis: variance``: it is never compared with a threshold. The arrow is the change on the previous
period. A label may state a threshold ('(78% target by March 25)', '≤92%', 'target < 30m',
'Eliminate 65 week waits by September 2024'); each such label is written as a standard. The
heading names the month (July 2024) unless a label names another ('(August)', '(Q1)').
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from ...model.dates import _MONTHS, add_months
from ..report import ImportReport
from .text import Pack, TableRows

_HEADING = re.compile(r"^Overview of Key ICB Performance (?P<month>[A-Za-z]+) (?P<year>\d{4})\b")
_ARROWS = {"▲": "deterioration", "▼": "improvement", "■": "no change"}
_PERCENT = re.compile(r"^(?P<n>[-+]?\d[\d,]*(?:\.\d+)?)%(?:\s*\((?P<q>Q\d)\))?$")
_COUNT = re.compile(r"^(?P<n>[-+]?\d[\d,]*(?:\.\d+)?)$")
_MIN_SEC = re.compile(r"^(?P<m>\d+) mins? (?P<s>\d+) secs?$")
_NUM = r"(?P<n>\d+(?:\.\d+)?)"
# label wording that states a threshold, tried in order: (pattern, comparison, unit)
_THRESHOLDS = [
    (re.compile(rf"≤\s*{_NUM}%"), "le", "%"),
    (re.compile(rf"\bto below {_NUM}%"), "lt", "%"),
    (re.compile(rf"\btarget\s*<\s*{_NUM}\s*m\b"), "lt", "minutes"),
    (re.compile(rf"{_NUM}% target\b"), "ge", "%"),
    (re.compile(rf"\btarget {_NUM}%"), "ge", "%"),
    (re.compile(rf"\({_NUM}% [A-Z]{{3,}}\)"), "ge", "%"),
    (re.compile(rf"^{_NUM}% "), "ge", "%"),
    (re.compile(rf"\bthe {_NUM}% .*\bstandard\b"), "ge", "%"),
]
_ELIMINATE = re.compile(r"^Eliminate\b.*\bby\b")
_BY = re.compile(r"\bby (?P<month>[A-Za-z]+) (?P<year>\d{2}|\d{4})\b")
_PROVIDER = re.compile(r"\((?:\d+(?:\.\d+)?% )?(?P<org>UHNM|ICB)\)|- (?P<only>UHNM) only")
_MONTH_NOTE = re.compile(r"\((?P<month>[A-Za-z]+)\)")
_CUMULATIVE = re.compile(r"\(cumulative to (?P<month>[A-Za-z]+)\)")
_QUARTER = re.compile(r"\((?P<q>Q[1-4])\)")


@dataclass
class Row:
    line: int
    label: str
    cell: str
    arrow: str


def find_tables(pack: Pack) -> list[tuple[int, dt.date]]:
    """(heading line, the month it names) of every performance summary table."""
    found = []
    for n in range(1, len(pack) + 1):
        m = _HEADING.match(pack.line(n).strip())
        if m and m.group("month").lower() in _MONTHS:
            found.append((n, dt.date(int(m.group("year")), _MONTHS[m.group("month").lower()], 1)))
    return found


def _rows(pack: Pack, heading: int) -> list[Row]:
    """Label-value-arrow triples of the table under ``heading``, left column then right, in line order."""
    start = next((n for n in range(heading + 1, min(heading + 8, len(pack) + 1)) if pack.is_row(n)), None)
    if start is None:
        return []
    rows = []
    table = TableRows(pack, start)
    for n in table:
        cells = pack.cells(n)
        if cells and cells[0] == "TRAFFIC LIGHT KEY":
            break
        for i in range(0, len(cells), 3):
            triple = (cells[i:i + 3] + ["", "", ""])[:3]
            if triple[0] and not triple[0].isdigit() and triple[0].lower() != "n/a":  # 'n/a' is a stray arrow cell
                rows.append(Row(n, triple[0], triple[1], triple[2]))
    return rows


_QUALIFIER = re.compile(r"\((?:[A-Za-z]+|Q[1-4]|cumulative to [A-Za-z]+|[^)]*(?:target|%)[^)]*)\)")


def slug(text: str) -> str:
    """A measure key from a label: lower-case words joined by '-', without the brackets that name a month,
    a quarter, a provider or a target (those are the period, scope and standard, not the measure)."""
    kept = " ".join(part for part in _QUALIFIER.split(text))
    kept = re.sub(r"\((UHNM|ICB)\)", " ", kept)
    return re.sub(r"[^a-z0-9]+", "-", kept.lower().replace("&", " ")).strip("-")


def _month_end(first: dt.date) -> dt.date:
    return add_months(first, 1) - dt.timedelta(days=1)


def _month_in_year(name: str, default: dt.date) -> dt.date | None:
    month = _MONTHS.get(name.lower())
    if month is None:
        return None
    # the table's months run within one financial year: a month after the heading's is of the same calendar year
    return dt.date(default.year, month, 1)


def _period(label: str, cell: str, month: dt.date, fy_start: dt.date) -> tuple[dict[str, Any], str | None]:
    """The period a row covers and, when it is a reading, the note saying so."""
    quarter = _QUARTER.search(label) or _QUARTER.search(cell)
    if quarter:
        start = add_months(fy_start, 3 * (int(quarter.group("q")[1]) - 1))
        return {"start": start.isoformat(), "end": (add_months(start, 3) - dt.timedelta(days=1)).isoformat(), "label": quarter.group("q")}, None
    cumulative = _CUMULATIVE.search(label)
    if cumulative and (to := _month_in_year(cumulative.group("month"), month)):
        return ({"start": fy_start.isoformat(), "end": _month_end(to).isoformat(), "label": f"cumulative to {cumulative.group('month')}"},
                "'cumulative to' read as from the start of the financial year")
    for m in _MONTH_NOTE.finditer(label):
        named = _month_in_year(m.group("month"), month)
        if named:
            return {"start": named.isoformat(), "end": _month_end(named).isoformat(), "label": m.group("month")}, None
    return {"start": month.isoformat(), "end": _month_end(month).isoformat(), "label": month.strftime("%B %Y")}, None


def _value(cell: str) -> tuple[float | None, str | None]:
    """The number in a cell and its unit; (None, None) when the cell holds no single number."""
    if m := _PERCENT.match(cell):
        return float(m.group("n").replace(",", "")), "%"
    if m := _COUNT.match(cell):
        return float(m.group("n").replace(",", "")), "count"
    if m := _MIN_SEC.match(cell):
        return float(int(m.group("m")) * 60 + int(m.group("s"))), "seconds"
    return None, None


def _scope(label: str) -> tuple[str, str | None]:
    m = _PROVIDER.search(label)
    if not m:
        return "system", None
    org = m.group("org") or m.group("only")
    return ("system", None) if org == "ICB" else ("provider", org)


def _deadline(label: str) -> dt.date | None:
    m = _BY.search(label)
    if not m or m.group("month").lower() not in _MONTHS:
        return None
    year = int(m.group("year"))
    year += 2000 if year < 100 else 0
    return _month_end(dt.date(year, _MONTHS[m.group("month").lower()], 1))


def _standard(row: Row, measure: str, scope: str, org: str | None, fy_start: dt.date, src: dict[str, Any]) -> dict[str, Any] | None:
    """The standard a label states, or None when it states no threshold."""
    found = next(((float(m.group("n")), comparison, unit) for pattern, comparison, unit in _THRESHOLDS if (m := pattern.search(row.label))), None)
    if found is None and _ELIMINATE.search(row.label):
        found = (0.0, "le", "patients")
    if found is None:
        return None
    threshold, comparison, unit = found
    deadline = _deadline(row.label)
    record: dict[str, Any] = {
        "id": f"{measure}-target-{fy_start.year}-{(fy_start.year + 1) % 100:02d}", "measure": measure, "label": row.label,
        "comparison": comparison, "threshold": threshold, "unit": unit, "kind": "own_plan",
        "effective_from": fy_start.isoformat(), "effective_to": (deadline or add_months(fy_start, 12) - dt.timedelta(days=1)).isoformat(),
        "set_by": "ICS Annual Operational Plan", "source": src,
        "note": "The table reports the operational plan's metrics; its label does not say whether the target is national. "
                "In force from the start of the plan's financial year to the label's 'by' date (or the year's end).",
    }
    if scope != "system":
        record["scope"], record["organisation"] = scope, org
    if deadline:
        record["deadline"] = deadline.isoformat()
    return record


def read_performance_tables(pack: Pack, fy_start_month_day: tuple[int, int], report: ImportReport) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Metrics (one per row with a value) and standards (one per label with a threshold) of every table."""
    metrics: list[dict[str, Any]] = []
    standards: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for heading, month in find_tables(pack):
        start = dt.date(month.year, *fy_start_month_day)
        fy_start = start if month >= start else dt.date(month.year - 1, *fy_start_month_day)
        for row in _rows(pack, heading):
            src = {"file": pack.name, "line": row.line}
            measure = slug(row.label)
            scope, org = _scope(row.label)
            standard = _standard(row, measure, scope, org, fy_start, src)
            if standard and standard["id"] not in standards:
                standards[standard["id"]] = standard
            value, unit = _value(row.cell)
            if value is None:
                if row.cell and row.cell != "Q":
                    report.add(row.line, "performance", "a single number, 'N%', or 'N mins N secs'", row.cell)
                continue
            period, reading = _period(row.label, row.cell, month, fy_start)
            notes = [f"the cell is the variance against plan or target (table key); {_ARROWS[row.arrow]} on the previous period"
                     if row.arrow in _ARROWS else "the cell is the variance against plan or target (table key)"]
            if reading:
                notes.append(reading)
            metric: dict[str, Any] = {
                "id": f"{measure}-{period['end'][:7]}-variance", "measure": measure, "label": row.label, "scope": scope,
                "period": period, "value": value, "unit": unit, "basis": "variance", "source": src, "note": "; ".join(notes) + ".",
            }
            if org:
                metric["organisation"] = org
            if metric["id"] in seen:
                report.add(row.line, "performance", f"one row per measure and period ({metric['id']} is given at line {seen[metric['id']]})", row.label, "error")
                continue
            seen[metric["id"]] = row.line
            metrics.append(metric)
    return metrics, list(standards.values())
