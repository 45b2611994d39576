"""Performance against standards, for the report's standards table, its trend charts and ``preboard``.

One row per metric the ``nhs-performance`` rules checked (a metric with a finding that is not
``not_applicable``), showing the national standard and the own plan or trajectory it is held to
and the verdict. Every verdict is a finding's outcome; nothing here decides whether a value meets
a threshold. The thresholds *shown* beside a value are the standards for its measure in force on
the last day of its period (the pack's definition of "in force", stated in its standards.yaml) and,
for the plan, the standard the metric names in ``against``; tests check that the national column
is filled exactly when the national rule applied.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..model import GovernanceData
from ..model.performance import Metric, Standard

# The nhs-performance rule each column's verdict comes from (the last part of its id).
COLUMN_RULES = {"national": ("national", "national-advisory", "forecast"), "plan": ("plan", "plan-advisory")}
SYMBOLS = {"ge": "≥", "le": "≤", "gt": ">", "lt": "<", "eq": "="}
VERDICT_WORDS = {"fail": "not met", "pass": "met", "error": "cannot be decided", "not_checked": "not checked",
                 "waived": "not met (waived)"}
# worst first: the row's verdict is the worst of its columns
VERDICT_ORDER = ("fail", "waived", "error", "not_checked", "pass")


def in_force(standard: Standard, metric: Metric) -> bool:
    """Whether ``standard`` is in force for ``metric``, as nhs-performance/standards.yaml defines it.

    Same measure; scope and organisation absent or the metric's; the period's last day within
    effective_from..effective_to (an absent bound is open) and on or after any deadline.
    """
    end = metric.period.end
    return (standard.measure == metric.measure
            and standard.scope in (None, metric.scope)
            and standard.organisation in (None, metric.organisation or "(none)")
            and (standard.effective_from is None or standard.effective_from <= end)
            and (standard.effective_to is None or standard.effective_to >= end)
            and (standard.deadline is None or standard.deadline <= end))


def threshold_text(standard: Standard) -> str:
    """'≥ 78 %' (the comparison, threshold and unit), '(advisory)' after an advisory one."""
    text = f"{SYMBOLS[standard.comparison]} {_number(standard.threshold, standard.unit)}"
    return text + (" (advisory)" if standard.advisory else "")


def _value_text(metric: Metric) -> str:
    if metric.value is None:
        return "not stated"
    return _number(metric.value, metric.unit) + (" (forecast)" if metric.forecast else "") \
        + (" (provisional)" if metric.provisional else "")


def _number(value: float, unit: str | None) -> str:
    """'78%', '241 patients', '-14.9 GBP m'."""
    return f"{value:g}" + ("" if not unit else unit if unit == "%" else f" {unit}")


def _outcome(outcomes: dict[str, str], column: str) -> str | None:
    found = [outcomes[r] for r in COLUMN_RULES[column] if r in outcomes]
    return min(found, key=VERDICT_ORDER.index) if found else None


def _cell(thresholds: list[str], outcome: str | None) -> str:
    """A table cell: the thresholds shown, then the verdict of the finding that tested them."""
    text = "; ".join(thresholds) or "–"
    return text + (f" ({VERDICT_WORDS.get(outcome, outcome)})" if outcome else "")


def _scope_text(metric: Metric) -> str:
    return f"{metric.scope}: {metric.organisation}" if metric.organisation else metric.scope


def standards_rows(data: GovernanceData, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per metric a performance rule checked, by measure then period; [] with no metrics."""
    by_metric: dict[str, dict[str, str]] = defaultdict(dict)
    for f in findings:
        if f["subject"]["kind"] == "metric" and f["rule_id"].startswith("nhs-performance.") and f["outcome"] != "not_applicable":
            by_metric[f["subject"]["id"]][f["rule_id"].rsplit(".", 1)[1]] = f["outcome"]
    standards = {s.id: s for s in data.standards}
    rows = []
    for m in data.metrics:
        outcomes = by_metric.get(m.id)
        if not outcomes:
            continue  # not checked by any performance rule (e.g. a variance cell of a summary table)
        national = [s for s in data.standards if s.kind == "national_standard" and in_force(s, m)]
        plan = standards.get(m.against) if m.against else None
        columns = {c: _outcome(outcomes, c) for c in COLUMN_RULES}
        decided = [o for o in columns.values() if o]
        verdict = min(decided, key=VERDICT_ORDER.index) if decided else None
        rows.append({
            "metric": m.id, "measure": m.measure, "name": m.label or m.measure, "scope": _scope_text(m),
            "organisation": m.organisation, "period": m.period.label or f"{m.period.start}–{m.period.end}",
            "start": m.period.start.isoformat(), "end": m.period.end.isoformat(), "value": m.value,
            "value_text": _value_text(m), "unit": m.unit, "forecast": m.forecast,
            "national": [{"id": s.id, "text": threshold_text(s), "label": s.label, "threshold": s.threshold} for s in national],
            "national_outcome": columns["national"],
            "plan": {"id": plan.id, "text": threshold_text(plan), "label": plan.label, "kind": plan.kind.replace("_", " "),
                     "threshold": plan.threshold} if plan else None,
            "plan_outcome": columns["plan"],
            "national_cell": _cell([threshold_text(s) for s in national], columns["national"]),
            "plan_cell": _cell([f"{threshold_text(plan)} {plan.kind.replace('_', ' ')}"] if plan else [], columns["plan"]),
            "outcome": verdict or ("pass" if "information-only" in outcomes else None),
            "verdict": VERDICT_WORDS.get(verdict, verdict) if verdict else
            ("information only" if outcomes.get("information-only") == "pass" else VERDICT_WORDS.get(outcomes.get("information-only", ""), "")),
        })
    return sorted(rows, key=lambda r: (r["name"].lower(), r["scope"], r["end"], r["forecast"]))


def series(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows grouped by measure and scope, oldest first: those with two or more periods (outturns with a
    value), for a trend chart each; the thresholds drawn are every standard shown on one of its rows."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["value"] is not None and not r["forecast"]:
            groups[(r["measure"], r["scope"])].append(r)
    out = []
    for (measure, scope), group in sorted(groups.items()):
        group = sorted(group, key=lambda r: r["end"])
        if len({r["end"] for r in group}) < 2:
            continue
        lines: dict[str, dict[str, Any]] = {}
        for i, r in enumerate(group):
            for s, kind in [(s, "national standard") for s in r["national"]] + ([(r["plan"], r["plan"]["kind"])] if r["plan"] else []):
                line = lines.setdefault(s["id"], {"id": s["id"], "text": s["text"], "kind": kind, "threshold": s["threshold"],
                                                   "first": i, "last": i})
                line["last"] = i
        out.append({"key": f"{measure}|{scope}", "measure": measure, "name": group[0]["name"], "scope": scope,
                    "unit": group[0]["unit"], "points": group, "thresholds": list(lines.values())})
    return out


def off_trajectory(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest outturn of each measure and scope, where it fails its national standard or its plan."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in sorted((r for r in rows if not r["forecast"]), key=lambda r: r["end"]):
        latest[(r["measure"], r["scope"])] = r  # later periods overwrite earlier ones
    return [r for r in latest.values() if "fail" in (r["national_outcome"], r["plan_outcome"])]
