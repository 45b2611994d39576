"""The audit committee report's content, as plain data both the HTML and Markdown renderers use.

``build_view`` reads the versioned JSON document (every count and finding comes from it, so the
report cannot disagree with ``compliance check --format json``), the rule set (for the appendix's
denominator: a rule with no subjects is still listed) and the loaded data and facts (only for the
pictures: risk positions and targets, who attended which meeting).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from typing import Any

from ..engine.findings import OUTCOMES
from ..model import GovernanceData
from ..rules.conditions import fields_of
from ..rules.messages import plural  # '1 failure', '7 failures': the rule language's own
from ..rules.schema import SEVERITY_ORDER
from .standards import series, standards_rows
from .text import shorten

RAG_RULE = (
    "Red: any failure of high or critical severity. "
    "Amber: any other failure, or any error (the evidence is incomplete). "
    "Green: no failures, no errors and every rule checked (never green while a rule could not be checked "
    "for want of a register). Waived failures are listed but do not set the rating."
)

# How an attendance status is shown when the minutes give no mark of their own.
STATUS_MARKS = {"present": "✓", "apologies": "A", "absent": "✗", "deputy": "D", "not_recorded": "", "unclear": "?"}


def rag(summary: dict[str, Any]) -> str:
    """The overall rating by ``RAG_RULE``."""
    fails = summary.get("failures_by_severity", {})
    if any(SEVERITY_ORDER.get(sev, 0) >= SEVERITY_ORDER["high"] and n for sev, n in fails.items()):
        return "red"
    if summary["by_outcome"].get("fail") or summary["by_outcome"].get("error") or summary["by_outcome"].get("not_checked"):
        return "amber"
    return "green"


def rag_reason(summary: dict[str, Any]) -> str:
    """Why the rating is what it is, in one sentence of counts."""
    fails = summary.get("failures_by_severity", {})
    serious = sum(n for sev, n in fails.items() if SEVERITY_ORDER.get(sev, 0) >= SEVERITY_ORDER["high"])
    failing, errors = summary["by_outcome"].get("fail", 0), summary["by_outcome"].get("error", 0)
    if serious:
        return f"{plural(serious, 'failure')} of high or critical severity, among {plural(failing, 'failure')} in all."
    unchecked = summary["by_outcome"].get("not_checked", 0)
    if failing or errors:
        return (f"{plural(failing, 'failure')}, none of high severity; {plural(errors, 'finding')} could not be decided"
                + (f"; {plural(unchecked, 'finding')} not checked (a register is not supplied)." if unchecked else "."))
    if unchecked:
        return f"No failures, but {plural(unchecked, 'finding')} not checked: the data set does not supply a register a rule needs."
    return "No failures, and every rule could be decided for every subject."


def long_date(day: dt.date) -> str:
    """17 October 2024."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def financial_year(day: dt.date, start: str) -> str:
    """The financial year holding ``day`` for a year starting on ``start`` (MM-DD): '2024-25'."""
    month, first = (int(x) for x in start.split("-"))
    year = day.year if (day.month, day.day) >= (month, first) else day.year - 1
    return f"{year}-{(year + 1) % 100:02d}" if (month, first) != (1, 1) else str(year)


KEY_POINT_LABEL = 80  # a subject's name in the summary, cut at a word (the rule's section and the JSON have it whole)


def _key_points(findings: list[dict]) -> list[dict[str, Any]]:
    """The high- and critical-severity failures, one point per rule, naming each subject."""
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for f in findings:
        if f["outcome"] == "fail" and SEVERITY_ORDER.get(f["severity"], 0) >= SEVERITY_ORDER["high"]:
            by_rule[f["rule_id"]].append(f)
    points = [{"rule_id": rid, "title": fs[0]["title"], "severity": fs[0]["severity"], "family": fs[0]["family"],
               "subjects": [shorten(f["subject"]["label"], KEY_POINT_LABEL, at_word=True) for f in fs]} for rid, fs in by_rule.items()]
    return sorted(points, key=lambda p: (-SEVERITY_ORDER.get(p["severity"], 0), -len(p["subjects"]), p["rule_id"]))


def _change_summary(section: dict[str, Any] | None) -> dict[str, Any] | None:
    """Counts of new / persisting / resolved failures and the names of the new and resolved ones."""
    if section is None:
        return None
    labels = lambda key: [display((i.get("subject") or {}).get("label") or (i.get("subject") or {}).get("id"))  # noqa: E731
                          + " (" + display(i.get("title") or i.get("rule_id")) + ")" for i in section.get(key) or []]
    return {"baseline_as_of": display(section.get("baseline_as_of")),
            "counts": {k: len(section.get(k) or []) for k in CHANGE_STATES},
            "new": labels("new"), "resolved": labels("resolved")}


def build_view(document: dict[str, Any], rules: list[Any], data: GovernanceData, facts: list[dict[str, Any]],
               history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything the report shows, computed once; renderers only lay it out.

    ``history`` holds earlier run documents (same schema) for the trend of failures per family.
    """
    findings = document["findings"]
    families = _family_order(rules, findings)
    summary = document["summary"]
    organisation = data.organisation
    as_of = dt.date.fromisoformat(document["as_of"])
    return {
        "dataset": document["dataset"],
        "organisation": organisation.name or document["dataset"],
        "short_name": organisation.short_name or organisation.name or document["dataset"],
        "as_of": document["as_of"],
        "as_of_words": long_date(as_of),
        "financial_year": financial_year(as_of, organisation.financial_year_start),
        "rag_reason": rag_reason(summary),
        "key_points": _key_points(findings),
        "change_summary": _change_summary(document.get("changes")),
        "rules_digest": document["rules_digest"],
        "schema_version": document["schema_version"],
        "tool_version": document["tool_version"],
        "summary": summary,
        "outcomes": list(OUTCOMES),
        "severity_matrix": _severity_matrix(findings),
        "failures_by_severity": sorted(summary["failures_by_severity"].items(), key=lambda kv: -SEVERITY_ORDER.get(kv[0], -1)),
        "rag": rag(summary),
        "rag_rule": RAG_RULE,
        "families": [_family(name, findings, rules) for name in families],
        "errors": [_error(f) for f in findings if f["outcome"] == "error"],
        "coverage": _coverage(document.get("coverage")),
        "waivers": _waivers(document.get("waivers")),
        "changes": _changes(document.get("changes")),
        "appendix": _appendix(rules, findings),
        "risks": _risks(data, facts),
        "attendance": _attendance(data, findings, facts, rules),
        "trend": _trend(list(history or []) + [document], families),
        "standards": _standards(data, findings, rules),
    }


def _standards(data: GovernanceData, findings: list[dict], rules: list[Any]) -> dict[str, Any] | None:
    """The standards table and the trend series (measures with two or more periods); None with no metrics."""
    if not data.metrics:
        return None
    rows = standards_rows(data, findings, rules)
    return {"rows": rows, "series": series(rows), "unchecked": len(data.metrics) - len(rows)}


def _coverage(section: dict[str, Any] | None) -> dict[str, Any]:
    """The rules not checked (a register not supplied) or not applicable (a question not asked)."""
    rows = (section or {}).get("rules", [])
    return {"counts": (section or {}).get("counts", {}),
            "unchecked": [r for r in rows if r["status"] != "checked"]}


def _family_order(rules: list[Any], findings: list[dict]) -> list[str]:
    """Worst first: by the highest severity failing or in error, then how many, then name.

    Families come from the rules (a family with no subjects is still shown) and from findings
    (load errors belong to no rule file).
    """
    names = {r.family_name for r in rules} | {f["family"] for f in findings}

    def badness(name: str) -> tuple:
        failing = [f for f in findings if f["family"] == name and f["outcome"] in ("fail", "error")]
        worst = max((SEVERITY_ORDER.get(f["severity"], 0) for f in failing), default=-1)
        return (-worst, -len(failing), name)

    return sorted(names, key=badness)


def _severity_matrix(findings: list[dict]) -> list[dict[str, Any]]:
    """Rows by severity (worst first), one count per outcome."""
    counts = Counter((f["severity"], f["outcome"]) for f in findings)
    severities = sorted({f["severity"] for f in findings}, key=lambda s: -SEVERITY_ORDER.get(s, -1))
    return [{"severity": s, **{o: counts.get((s, o), 0) for o in OUTCOMES}} for s in severities]


def cite(ref: dict[str, Any]) -> str:
    """A reference as one line: authority, clause."""
    return ", ".join(str(ref[k]) for k in ("authority", "clause") if ref.get(k))


def location(url: str | None) -> str:
    """Where a reference points, as the rule file says it: a web address as given, a file
    with a ``#L156`` anchor as 'file, line 156'. Nothing is resolved or checked here."""
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    path, _, anchor = url.partition("#")
    return f"{path}, line {anchor[1:]}" if anchor[:1] == "L" and anchor[1:].isdigit() else url


def citation(ref: dict[str, Any]) -> dict[str, Any]:
    """A reference for the report: its words, its location, and a link when it is a web address."""
    url = ref.get("url")
    return {"text": cite(ref), "url": url, "location": location(url),
            "link": url if url and url.startswith(("http://", "https://")) else None}


OPERATORS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "in", "not_in": "not in",
             "matches": "matches", "exists": "present", "missing": "absent"}


def evidence_lines(evidence: list[dict[str, Any]]) -> list[str]:
    """The tests that decided the finding, in words: 'score 12, required ≤ 6'.

    Where some tests did not hold, only those are shown (the ones that held did not decide a
    failure); long values are cut with "…" (the JSON output keeps them whole).
    """
    lines = []
    deciding = any(item.get("result") is not True for item in evidence if item.get("part") != "when")
    for item in evidence:
        if item.get("part") == "when" and item.get("result"):
            continue  # applicability that held is context, not evidence of the outcome
        if deciding and item.get("part") != "when" and item.get("result") is True:
            continue
        if "field" in item and item.get("op") in ("exists", "missing"):
            actual = "absent" if item.get("actual") is None else shorten(display(item.get("actual")), 80)
            lines.append(f"{shorten(item['field'], 80)} {actual}; required {OPERATORS[item['op']]}")
        elif "field" in item:
            actual = "missing" if item.get("missing") else shorten(display(item.get("actual")), 80)
            op = OPERATORS.get(item.get("op", ""), item.get("op", ""))
            lines.append(f"{shorten(item['field'], 80)} {actual}; required {op} {shorten(display(item.get('expected')), 80)}")
        else:
            lines.append(display(item))
    return lines


def display(value: Any) -> str:
    """A JSON value as one line of text for a table cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {display(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list):
        return ", ".join(display(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


WAIVER_STATES = (
    ("applied", "In force: failures waived"),
    ("capped", "Capped: the rule's max_waiver_days ends the waiver before the expiry it states"),
    ("expired", "Expired: no longer applied"),
    ("not_yet_valid", "Not yet valid"),
    ("orphaned", "Orphaned: the waiver matches no finding"),
    ("on_error", "Not applied: the finding is an error, which a waiver never changes"),
)
WAIVER_COLUMNS = ("rule_id", "subject", "reason", "approved_by", "approval_ref", "owner", "valid_from", "effective_expires", "detail")
CHANGE_STATES = ("new", "persisting", "resolved")


def waiver_text(waiver: dict[str, Any] | None) -> str:
    """A waiver in one line, for the finding it waives."""
    if not waiver:
        return ""
    approval = ", ".join(str(waiver[k]) for k in ("approved_by", "approval_ref") if waiver.get(k))
    return f"{waiver.get('reason', '')} (approved {approval}; expires {waiver.get('effective_expires') or waiver.get('expires')})"


def _waivers(section: dict[str, Any] | None) -> dict[str, Any] | None:
    """Each waiver state as rows; None when waivers were not applied (--no-waivers)."""
    if section is None:
        return None
    states = [{"state": state, "label": label,
               "rows": [{c: display(item.get(c)) for c in WAIVER_COLUMNS} for item in section.get(state) or []]}
              for state, label in WAIVER_STATES]
    return {"states": states, "columns": list(WAIVER_COLUMNS), "not_needed": len(section.get("not_needed") or []),
            "any": any(s["rows"] for s in states)}


def _change_entry(item: dict[str, Any]) -> dict[str, str]:
    subject = item.get("subject") or {}
    return {"rule_id": display(item.get("rule_id")), "title": display(item.get("title") or item.get("rule_id")),
            "subject_id": display(subject.get("id")),
            "subject_label": display(subject.get("label")), "severity": display(item.get("severity")),
            "message": display(item.get("message")), "now": display(item.get("now"))}


def _changes(section: dict[str, Any] | None) -> dict[str, Any] | None:
    """New / persisting / resolved failures against the baseline; None when no baseline was given."""
    if section is None:
        return None
    return {"baseline_as_of": display(section.get("baseline_as_of")),
            "states": [{"state": s, "rows": [_change_entry(i) for i in section.get(s) or []]} for s in CHANGE_STATES]}


def _row(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "rule_id": f["rule_id"], "title": f["title"], "severity": f["severity"], "outcome": f["outcome"],
        "subject_id": f["subject"]["id"], "subject_label": f["subject"]["label"], "subject_kind": f["subject"]["kind"],
        "message": f["message"], "evidence": evidence_lines(f["evidence"]),
        "citations": [citation(r) for r in f["references"]],
        "remediation": f["remediation"], "waiver": waiver_text(f.get("waiver")), "change": f.get("change") or "",
    }


def _family(name: str, findings: list[dict], rules: list[Any]) -> dict[str, Any]:
    mine = [f for f in findings if f["family"] == name]
    order = lambda f: (-SEVERITY_ORDER.get(f["severity"], -1), f["rule_id"], f["subject"]["id"])  # noqa: E731
    passes: dict[str, list[dict]] = defaultdict(list)
    for f in mine:
        if f["outcome"] in ("pass", "not_applicable"):
            passes[f["rule_id"]].append(f)
    counts = Counter(f["outcome"] for f in mine)
    return {
        "name": name,
        "rules": sum(1 for r in rules if r.family_name == name) or len({f["rule_id"] for f in mine}),
        "counts": {o: counts.get(o, 0) for o in OUTCOMES},
        "failing": [_row(f) for f in sorted(mine, key=order) if f["outcome"] == "fail"],
        "failing_rules": _by_rule([_row(f) for f in sorted(mine, key=order) if f["outcome"] == "fail"]),
        "waived": [_row(f) for f in sorted(mine, key=order) if f["outcome"] == "waived"],
        "errors": [_error(f) for f in sorted(mine, key=order) if f["outcome"] == "error"],
        "passes": [
            {
                "rule_id": rid, "title": fs[0]["title"],
                "passed": [f["subject"]["id"] for f in fs if f["outcome"] == "pass"],
                "passed_labels": [f["subject"]["label"] for f in fs if f["outcome"] == "pass"],
                "not_applicable": [f["subject"]["id"] for f in fs if f["outcome"] == "not_applicable"],
            }
            for rid, fs in sorted(passes.items())
        ],
    }


def _by_rule(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failing rows grouped by rule, in the order given: the citation (and the remediation, when
    every row shares it) is said once per rule instead of once per row."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["rule_id"], []).append(row)
    out = []
    for rule_id, group in groups.items():
        fixes = {r["remediation"] for r in group}
        out.append({"rule_id": rule_id, "title": group[0]["title"], "severity": group[0]["severity"],
                    "citations": group[0]["citations"], "remediation": fixes.pop() if len(fixes) == 1 else None,
                    "rows": group})
    return out


def _error(f: dict[str, Any]) -> dict[str, Any]:
    missing = sorted({str(e["missing"]) for e in f["evidence"] if e.get("missing")})
    return {**_row(f), "missing": missing}


def _appendix(rules: list[Any], findings: list[dict]) -> list[dict[str, Any]]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for f in findings:
        counts[f["rule_id"]][f["outcome"]] += 1
    rows = [
        {"rule_id": r.id, "title": r.title, "family": r.family_name, "severity": r.severity, "applies_to": r.applies_to}
        for r in rules
    ]
    known = {r["rule_id"] for r in rows}
    # load errors (--keep-going) are findings of pseudo-rules the rule set does not hold
    for f in findings:
        if f["rule_id"] not in known:
            known.add(f["rule_id"])
            rows.append({"rule_id": f["rule_id"], "title": f["title"], "family": f["family"], "severity": f["severity"], "applies_to": f["subject"]["kind"]})
    for row in rows:
        c = counts[row["rule_id"]]
        row["subjects"] = sum(c.values())
        row.update({o: c.get(o, 0) for o in OUTCOMES})
    return sorted(rows, key=lambda r: (r["family"], r["rule_id"]))


def _risks(data: GovernanceData, facts: list[dict]) -> list[dict[str, Any]]:
    """Each scored risk: current likelihood × consequence (from its fact), target and tolerance."""
    targets = {r.id: r.target for r in data.risks}
    out = []
    for fact in facts:
        if fact["kind"] != "risk" or fact.get("likelihood") is None:
            continue
        target = targets.get(fact["id"])
        has_target = bool(target and target.likelihood and target.consequence)
        tolerance = fact.get("tolerance_score")
        out.append({
            "id": fact["id"], "title": fact["title"], "period": fact.get("latest_period"),
            "likelihood": fact["likelihood"], "consequence": fact["consequence"], "score": fact["score"],
            "target_likelihood": target.likelihood if has_target else None,
            "target_consequence": target.consequence if has_target else None,
            "target_score": fact.get("target_score"), "tolerance": tolerance,
            "within_tolerance": None if tolerance is None else fact["score"] <= tolerance,
        })
    return out


# Fact fields that carry a quorum test (facts/kinds.py): the head count, and a quorum part's tally.
QUORUM_FIELDS = {"present_voting", "quorum_min_present", "present", "required"}


def _quorate_by_meeting(findings: list[dict], facts: list[dict], rules: list[Any]) -> dict[str, str]:
    """'yes' / 'no' / 'unknown' per meeting, from the findings that test its quorum.

    Those are the quoracy family's rules whose compliance condition reads a quorum field, on
    the meeting itself or on a binding (not advisory) part of its quorum; rules about minutes or
    attendance records, and advisory parts, do not make a meeting inquorate. A failed (or waived)
    test makes the meeting inquorate; an error leaves it unknown; only passes make it quorate.
    """
    testing = {r.id for r in rules if r.family_name == "quoracy" and fields_of(r.require_condition) & QUORUM_FIELDS}
    parts = {f["id"]: f for f in facts if f["kind"] == "quorum_part"}
    outcomes: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        if f["rule_id"] not in testing:
            continue
        sid = f["subject"]["id"]
        if f["subject"]["kind"] == "meeting":
            outcomes[sid].add(f["outcome"])
        elif sid in parts and not parts[sid].get("advisory"):
            outcomes[parts[sid]["meeting"]].add(f["outcome"])
    verdict = {}
    for meeting, seen in outcomes.items():
        if seen & {"fail", "waived"}:
            verdict[meeting] = "no"
        elif "error" in seen:
            verdict[meeting] = "unknown"
        elif "pass" in seen:
            verdict[meeting] = "yes"
        else:
            verdict[meeting] = "not assessed"
    return verdict


def _attendance(data: GovernanceData, findings: list[dict], facts: list[dict], rules: list[Any]) -> list[dict[str, Any]]:
    """One matrix per body that has meetings: members (rows) × meetings (columns)."""
    quorate = _quorate_by_meeting(findings, facts, rules)
    people = {p.id: p for p in data.people}
    matrices = []
    for body in data.bodies:
        meetings = sorted((m for m in data.meetings if m.body == body.id), key=lambda m: (m.date, m.id))
        if not meetings:
            continue
        rows, seen = [], set()
        for member in body.members:
            if member.person in seen:
                continue
            seen.add(member.person)
            seats = [m for m in body.members if m.person == member.person]
            cells = []
            for meeting in meetings:
                entry = next((a for a in meeting.attendance if a.person == member.person), None)
                if not any(s.active_on(meeting.date) for s in seats):
                    status = "not_member"
                elif entry is None:
                    status = "no_record" if meeting.attendance else "not_taken"
                else:
                    status = entry.status
                mark = (entry.mark if entry and entry.mark else STATUS_MARKS.get(status, "")) if entry else ""
                cells.append({"meeting": meeting.id, "status": status, "mark": mark})
            person = people.get(member.person)
            rows.append({"person": member.person, "name": person.name if person else member.person,
                         "role": (person.role if person else None) or "", "cells": cells})
        columns = [{"id": m.id, "date": m.date.isoformat(), "kind": m.kind, "quorate": quorate.get(m.id, "not assessed"),
                    "others": sum(1 for a in m.attendance if a.person not in seen)} for m in meetings]
        matrices.append({"body": body.id, "name": body.name, "columns": columns, "rows": rows})
    return matrices


def _trend(documents: list[dict[str, Any]], families: list[str]) -> dict[str, Any] | None:
    """Failures per family in each run, oldest first; None when there is no history to compare."""
    if len(documents) < 2:
        return None
    runs = sorted(documents, key=lambda d: d["as_of"])
    names = list(families)
    for doc in runs:
        for f in doc["findings"]:
            if f["family"] not in names:
                names.append(f["family"])
    points = [
        {"as_of": doc["as_of"], "failures": {n: sum(1 for f in doc["findings"] if f["family"] == n and f["outcome"] == "fail") for n in names}}
        for doc in runs
    ]
    return {"families": names, "runs": points}
