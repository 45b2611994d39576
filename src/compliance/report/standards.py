"""Performance against standards, for the report's standards table, its trend charts and ``preboard``.

One row per metric a standards rule checked (a metric with a finding that is not
``not_applicable``), showing the national standard and the own plan or trajectory it is held to
and the verdict. Every verdict is a finding's outcome; nothing here decides whether a value meets
a threshold, and nothing here restates a pack's criteria:

- which column a rule's verdict fills is the rule's tag ``standard-column:national``,
  ``standard-column:plan`` or ``standard-column:information`` (declared in the pack's YAML);
- the national standards *shown* beside a value are those the national column's findings chose:
  the standards in the ``related`` list of their evidence (the records the rule's relation joined
  and kept), so "in force" is said once, in the pack;
- the plan shown is the standard the metric names in ``against`` (the data's own reference).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from ..model import GovernanceData
from ..model.performance import Metric, Standard

COLUMN_TAG = "standard-column:"
COLUMNS = ("national", "plan", "information")
SYMBOLS = {"ge": "≥", "le": "≤", "gt": ">", "lt": "<", "eq": "="}
VERDICT_WORDS = {"fail": "not met", "pass": "met", "error": "cannot be decided", "not_checked": "not checked",
                 "waived": "not met (waived)"}
# worst first: the row's verdict is the worst of its columns
VERDICT_ORDER = ("fail", "waived", "error", "not_checked", "pass")


def columns_of(rules: Iterable[Any]) -> dict[str, str]:
    """Rule id -> the standards-table column its verdict fills, from its ``standard-column:`` tag."""
    out = {}
    for rule in rules:
        for tag in rule.tags:
            if tag.startswith(COLUMN_TAG) and tag[len(COLUMN_TAG):] in COLUMNS:
                out[rule.id] = tag[len(COLUMN_TAG):]
    return out


def _chosen_standards(finding: dict[str, Any]) -> list[str]:
    """The ids of the standards a finding's relations chose (its evidence's ``related``), in order, once each."""
    ids: list[str] = []
    for e in finding.get("evidence") or []:
        ids += [i for i in e.get("related") or [] if i not in ids]
    return ids


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


def _outcome(outcomes: dict[str, list[str]], column: str) -> str | None:
    found = outcomes.get(column, [])
    return min(found, key=VERDICT_ORDER.index) if found else None


def _cell(thresholds: list[str], outcome: str | None) -> str:
    """A table cell: the thresholds shown, then the verdict of the finding that tested them."""
    text = "; ".join(thresholds) or "–"
    return text + (f" ({VERDICT_WORDS.get(outcome, outcome)})" if outcome else "")


def _scope_text(metric: Metric) -> str:
    return f"{metric.scope}: {metric.organisation}" if metric.organisation else metric.scope


def standards_rows(data: GovernanceData, findings: list[dict[str, Any]], rules: Iterable[Any]) -> list[dict[str, Any]]:
    """One row per metric a standards rule checked, by measure then period; [] with no metrics."""
    column_of = columns_of(rules)
    by_metric: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    chosen: dict[str, list[str]] = defaultdict(list)  # metric -> national standards its findings chose
    for f in findings:
        column = column_of.get(f["rule_id"])
        if f["subject"]["kind"] != "metric" or column is None or f["outcome"] == "not_applicable":
            continue
        by_metric[f["subject"]["id"]][column].append(f["outcome"])
        if column == "national":
            chosen[f["subject"]["id"]] += [i for i in _chosen_standards(f) if i not in chosen[f["subject"]["id"]]]
    standards = {s.id: s for s in data.standards}
    rows = []
    for m in data.metrics:
        outcomes = by_metric.get(m.id)
        if not outcomes:
            continue  # not checked by any standards rule (e.g. a variance cell of a summary table)
        national = [standards[i] for i in chosen.get(m.id, []) if i in standards]
        plan = standards.get(m.against) if m.against else None
        columns = {c: _outcome(outcomes, c) for c in ("national", "plan")}
        decided = [o for o in columns.values() if o]
        verdict = min(decided, key=VERDICT_ORDER.index) if decided else None
        information = _outcome(outcomes, "information")
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
            "outcome": verdict or ("pass" if information else None),
            "verdict": VERDICT_WORDS.get(verdict, verdict) if verdict else
            ("information only" if information == "pass" else VERDICT_WORDS.get(information or "", "")),
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
