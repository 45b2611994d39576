"""Pre-board check: is one meeting ready to be held?

Four questions, answered before the meeting:

- **Quorum**: will it be quorate with the apologies received so far? The meeting is forecast as
  if held with every member who has not sent apologies (or been marked absent) present; the
  shipped quoracy rules decide that forecast through the engine, exactly as they decide a held
  meeting. One scenario per member then answers "who must attend" (the quorum fails without
  them) and "who would fix it" (a member who sent apologies and would make up the shortfall).
- **Declarations**: do the expected attendees have a current declaration? These are the findings
  of the full run (``run_check``) for the attendees' memberships, not a re-implementation.
- **Papers**: do the meeting's papers have complete cover sheets and impact assessments? The
  run's findings for its papers and their impact assessments.
- **Actions**: which of the body's open actions fall due by this meeting, and which are overdue?

For information it also lists the **standards off trajectory**: each measure's latest period
that fails its national standard or its own plan (the run's ``nhs-performance`` findings). The
standards register names no committee, so they are listed for meetings of the Board (a body of
kind ``board``); a committee's meeting says so instead of guessing which measures it owns.

Fixes come first, sorted by severity. Waivers apply here as in every other output.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .engine import evaluate
from .engine.findings import Finding
from .facts import derive_facts
from .facts.kinds import day, from_day
from .model import Attendance, Body, GovernanceData, Meeting
from .model.dates import parse_date
from .outcomes import apply_waivers, finalise
from .pipeline import CheckRun
from .report.standards import off_trajectory, standards_rows
from .rules import SEVERITY_ORDER
from .rules.conditions import fields_of
from .rules.loader import RuleSet

NOT_ATTENDING = {"apologies", "absent"}
COUNTS = {"meeting": "present_voting", "quorum_part": "present"}  # subject kind -> its attendance count
AREAS = ("quorum", "declarations", "papers", "agenda", "actions", "committees")
FORECAST = "forecast"


class PreboardError(ValueError):
    """The meeting asked for cannot be found (or is ambiguous); carries the known meetings."""

    def __init__(self, message: str, known: list[str]):
        super().__init__(message)
        self.known = known



def find_meeting(data: GovernanceData, spec: str) -> Meeting:
    """The meeting whose id is ``spec``, or the one meeting on the date ``spec``."""
    known = [f"{m.id}  ({m.date.isoformat()}, {m.body}, {m.kind})" for m in sorted(data.meetings, key=lambda m: (m.date, m.id))]
    by_id = [m for m in data.meetings if m.id == spec]
    if by_id:
        return by_id[0]
    try:
        on = parse_date(spec)
    except ValueError:
        raise PreboardError(f"no meeting with id {spec!r}; expected a meeting id or a date, one of:", known) from None
    same_day = [m for m in data.meetings if m.date == on]
    if len(same_day) == 1:
        return same_day[0]
    if same_day:
        raise PreboardError(f"{len(same_day)} meetings on {on.isoformat()}; give the meeting id, one of:", sorted(m.id for m in same_day))
    raise PreboardError(f"no meeting on {on.isoformat()}; the data set has these meetings:", known)


@dataclass
class Fix:
    """One thing to put right before the meeting."""

    area: str
    severity: str
    outcome: str
    rule_id: str
    title: str
    subject: str
    problem: str
    advice: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class PreboardResult:
    """Everything the pre-board check found for one meeting."""

    meeting: Meeting
    body: Body
    as_of: dt.date
    fixes: list[Fix]
    waived: list[dict[str, Any]]
    quorum: dict[str, Any]
    declarations: dict[str, Any]
    papers: dict[str, Any]
    actions: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    standards: dict[str, Any] = field(default_factory=dict)
    committees: dict[str, Any] = field(default_factory=dict)

    def failing(self, fail_on: str, count_unchecked: bool = True) -> bool:
        """True when a fix is a failure (or, with ``count_unchecked``, an error) at or above ``fail_on``."""
        from .outcomes.gate import fails_run  # noqa: PLC0415

        return fails_run(self.fixes, fail_on, count_unchecked)

    def to_dict(self) -> dict[str, Any]:
        return {
            "meeting": {"id": self.meeting.id, "body": self.body.id, "body_name": self.body.name,
                        "date": self.meeting.date.isoformat(), "kind": self.meeting.kind},
            "as_of": self.as_of.isoformat(), "fixes": [f.to_dict() for f in self.fixes], "waived": self.waived,
            "quorum": self.quorum, "declarations": self.declarations, "papers": self.papers,
            "actions": self.actions, "notes": self.notes, "standards": self.standards, "committees": self.committees,
        }


def preboard(run: CheckRun, ruleset: RuleSet, meeting: Meeting, *, engine: str = "durable") -> PreboardResult:
    """The pre-board check of ``meeting`` from a full run of its data set (waivers applied)."""
    data = run.loaded.data
    body = next(b for b in data.bodies if b.id == meeting.body)
    document = finalise(run, ruleset)
    findings = document["findings"]
    facts = {(f["kind"], f["id"]): f for f in run.facts}
    fixes: list[Fix] = []
    waived: list[dict[str, Any]] = []

    quorum, quorum_fixes, quorum_waived = _quorum(run, ruleset, meeting, body, engine)
    fixes += quorum_fixes
    waived += quorum_waived

    expected = set(quorum["expected_ids"])
    def of(kind: str, test) -> set[str]:
        return {i for (k, i), f in facts.items() if k == kind and test(f)}

    memberships = of("membership", lambda f: f["body"] == body.id and f["person"] in expected)
    papers = of("paper", lambda f: f.get("meeting") == meeting.id)
    assessments = of("impact_assessment", lambda f: f["paper"] in papers)
    meeting_day, as_of_day = day(meeting.date), day(run.as_of)
    due_actions = of("action", lambda f: f.get("body") == body.id and f["open"] and f.get("due") is not None and f["due"] <= meeting_day)

    failing = {f["subject"]["id"] for f in findings if f["subject"]["kind"] == "committee_meeting" and f["outcome"] in ("fail", "error")}
    committees = _committees(data, meeting, failing)
    reports = {r["report"] for r in committees["reports_due"] if r["report"] and r["addressed_to_meeting"]}
    # a committee meeting held since the last meeting with no report at all is this meeting's business too
    unreported = {m["id"] for r in committees["reports_due"] if r["report"] is None for m in r["meetings"]}
    committee_subjects = {"committee_report": reports,
                          "committee_meeting": {c.id for c in data.committee_meetings if c.report in reports} | unreported,
                          "committee_decision": {c.id for c in data.committee_decisions if c.report in reports},
                          "committee_escalation": {c.id for c in data.committee_escalations if c.report in reports}}
    sections = (("declarations", {"membership": memberships}), ("papers", {"paper": papers, "impact_assessment": assessments}),
                ("agenda", {"agenda_item": {a.id for a in data.agenda_items if a.meeting == meeting.id}}),
                ("actions", {"action": due_actions}), ("committees", committee_subjects))
    problem_subjects: dict[str, set[str]] = {area: set() for area, _ in sections}
    for area, subjects in sections:
        for f in findings:
            if f["subject"]["id"] not in subjects.get(f["subject"]["kind"], ()):
                continue
            if f["outcome"] in ("fail", "error", "not_checked"):
                # one body per check: "(Board name)" on membership labels says nothing here; an
                # action is known by its reference
                label = f["subject"]["id"] if area == "actions" else f["subject"]["label"].removesuffix(f" ({body.name})")
                problem = f["message"].removeprefix(f"{label}: ")
                fixes.append(Fix(area, f["severity"], f["outcome"], f["rule_id"], f["title"], label, problem, f["remediation"]))
                owner = facts[(f["subject"]["kind"], f["subject"]["id"])]
                problem_subjects[area].add(owner.get("person") or owner.get("paper") or f["subject"]["id"])
            elif f["outcome"] == "waived":
                waived.append({"area": area, "rule_id": f["rule_id"], "subject": f["subject"]["label"],
                               "expires": f["waiver"]["effective_expires"], "waiver": f["waiver"]["key"]})

    action_rows = sorted((facts[("action", a)] for a in due_actions), key=lambda f: (f["due"], f["id"]))
    actions = {
        "overdue": [_action(f) for f in action_rows if f["due"] < as_of_day],
        "due_by_meeting": [_action(f) for f in action_rows if f["due"] >= as_of_day],
    }
    declarations = {"expected_attendees": len(expected), "with_problems": sorted(problem_subjects["declarations"])}
    paper_section = {"papers": len(papers), "with_problems": sorted(problem_subjects["papers"]),
                     "impact_assessments": len(assessments)}
    fixes.sort(key=lambda x: (-SEVERITY_ORDER.get(x.severity, 0), AREAS.index(x.area), x.outcome != "fail", x.rule_id, x.subject))
    notes = []
    if not meeting.attendance:
        notes.append("no attendance or apologies recorded yet: the forecast assumes every member attends")
    return PreboardResult(meeting, body, run.as_of, fixes, waived, quorum, declarations, paper_section, actions, notes,
                          _standards(data, findings, body, ruleset), committees)


def _standards(data: GovernanceData, findings: list[dict[str, Any]], body: Body, ruleset: RuleSet) -> dict[str, Any]:
    """The standards off trajectory in their latest period, for a Board meeting (information, never a fix)."""
    if not data.metrics:
        return {"listed": False, "reason": "the data set has no metrics register", "off_trajectory": []}
    if body.kind != "board":
        return {"listed": False, "off_trajectory": [],
                "reason": "the standards register names no committee: standards off trajectory are listed for Board meetings"}
    rows = off_trajectory(standards_rows(data, findings, ruleset.rules))
    keep = ("metric", "name", "scope", "period", "value_text", "national_cell", "plan_cell", "verdict")
    return {"listed": True, "reason": "standards carry no committee: every standard is listed for the Board",
            "off_trajectory": [{k: r[k] for k in keep} for r in rows]}


def _committees(data: GovernanceData, meeting: Meeting, failing: set[str] = frozenset()) -> dict[str, Any]:
    """What the committees bring to this meeting, as the records show it (the verdicts are the run's findings).

    - **ratification**: each decision a committee report to this meeting puts to the Board for
      ratification, with the agenda item that carries the report and whether it is coded R there;
    - **reports_due**: each committee report to this meeting, and each committee that met since the
      body's previous meeting (after its date, up to this meeting's), with whether its report is
      on this meeting's agenda; a meeting no report covers is listed with ``report`` None when a
      finding of the run on it fails (``failing``: the rules decide when its report is due, e.g. not
      at a Board held the week after it met).
    """
    agenda = {a.id: a for a in data.agenda_items}
    earlier = [m.date for m in data.meetings if m.body == meeting.body and m.date < meeting.date]
    previous = max(earlier) if earlier else None
    by_report: dict[str, list] = {}
    for c in data.committee_meetings:
        by_report.setdefault(c.report, []).append(c)

    def item(report) -> dict[str, Any] | None:
        a = agenda.get(report.agenda_item) if report.agenda_item else None
        if a is None:
            return None
        return {"id": a.id, "meeting": a.meeting, "number": a.number, "enclosure": a.enclosure, "title": a.title,
                "purposes": list(a.purposes), "purposes_text": a.purposes_text}

    def on_agenda(report) -> bool:
        a = item(report)
        return a is not None and a["meeting"] == meeting.id

    def met_since(c) -> bool:
        return c.date is not None and (previous is None or c.date > previous) and c.date <= meeting.date

    ratification = []
    reports = {r.id: r for r in data.committee_reports}
    for d in sorted(data.committee_decisions, key=lambda d: (d.report, d.id)):
        report = reports.get(d.report)
        if not d.for_ratification or report is None or report.meeting != meeting.id:
            continue
        a = item(report)
        coded_r = None if a is None or a["purposes_text"] is None or not on_agenda(report) else "R" in a["purposes"]
        ratification.append({"decision": d.id, "text": d.text, "committee": report.committee, "status": d.status.replace("_", " "),
                             "report": report.title, "agenda_item": a, "on_agenda": on_agenda(report), "coded_r": coded_r})
    def shown(meetings) -> list[dict[str, Any]]:
        return [{"id": c.id, "date": c.date.isoformat() if c.date else None, "date_text": c.date_text,
                 "quorate": c.quorate.replace("_", " "), "met_since_previous": met_since(c)}
                for c in sorted(meetings, key=lambda c: (c.date is None, c.date, c.id))]

    due = []
    for r in sorted(data.committee_reports, key=lambda r: (r.committee, r.id)):
        met = [c for c in by_report.get(r.id, []) if met_since(c)]
        if r.meeting != meeting.id and not met:
            continue
        due.append({"report": r.id, "committee": r.committee, "title": r.title, "addressed_to_meeting": r.meeting == meeting.id,
                    "in_pack": r.in_pack, "agenda_item": item(r), "on_agenda": on_agenda(r), "meetings": shown(by_report.get(r.id, []))})
    # a committee that met since the last meeting and whose meeting no report covers (a paper's
    # history names it), which a rule finds unreported: its report is due and none is in the records
    unreported = (c for c in data.committee_meetings if c.report is None and met_since(c) and c.id in failing)
    for c in sorted(unreported, key=lambda c: (c.committee, c.id)):
        due.append({"report": None, "committee": c.committee, "title": None, "addressed_to_meeting": False, "in_pack": False,
                    "agenda_item": None, "on_agenda": False, "meetings": shown([c])})
    return {"previous_meeting": previous.isoformat() if previous else None, "ratification": ratification, "reports_due": due}


def _action(fact: dict[str, Any]) -> dict[str, Any]:
    return {"ref": fact["id"], "due": from_day(fact["due"]).isoformat(), "owner": fact.get("owner"), "label": fact["label"]}


def _marks(meeting: Meeting, body: Body) -> dict[str, str]:
    """The forecast's attendance: recorded marks kept; every member without apologies present."""
    marks = {a.person: a.status for a in meeting.attendance}
    for member in body.members:
        if member.active_on(meeting.date) and marks.get(member.person) not in NOT_ATTENDING | {"deputy"}:
            marks[member.person] = "present"
    return marks


def _scenario_facts(data: GovernanceData, meeting: Meeting, body: Body, marks: dict[str, str],
                    as_of: dt.date, scenario: str) -> list[dict[str, Any]]:
    """The meeting's and its quorum parts' facts with ``marks`` as attendance, as if held."""
    attendance = [Attendance(person=p, status=s) for p, s in sorted(marks.items())]
    held = meeting.model_copy(update={"attendance": attendance})
    only = data.model_copy(update={"bodies": [body], "meetings": [held], "declarations": [], "risks": [],
                                   "actions": [], "papers": [], "waivers": []})
    out = []
    for fact in derive_facts(only, as_of):
        if fact["kind"] in ("meeting", "quorum_part"):
            # the forecast is the meeting as if held: the quoracy rules apply to held meetings only
            out.append({**fact, "id": f"{scenario}|{fact['id']}", "held": True})
    return out


def _quorum(run: CheckRun, ruleset: RuleSet, meeting: Meeting, body: Body, engine: str):
    data, as_of = run.loaded.data, run.as_of
    people = {p.id: p.name for p in data.people}
    name = lambda pid: people.get(pid, pid)
    base = _marks(meeting, body)
    members = sorted({m.person for m in body.members if m.active_on(meeting.date)})
    expected = [p for p in members if base.get(p) in ("present", "deputy")]
    away = [p for p in members if base.get(p) in NOT_ATTENDING]

    scenarios = {FORECAST: base}
    scenarios.update({f"without:{p}": {**base, p: "apologies"} for p in expected})
    scenarios.update({f"with:{p}": {**base, p: "present"} for p in away})
    facts = [f for s, marks in scenarios.items() for f in _scenario_facts(data, meeting, body, marks, as_of, s)]
    # the rules that decide attendance numbers: those whose compliance condition reads a count
    rules = [r for r in ruleset.rules if r.applies_to in COUNTS and fields_of(r.require_condition) & {COUNTS[r.applies_to]}]
    decided = evaluate(rules, facts, as_of, run.loaded.rule_params, engine=engine)

    by_scenario: dict[str, dict[tuple[str, str], Finding]] = {s: {} for s in scenarios}
    for f in decided:
        scenario, _, subject = f.subject.id.partition("|")
        by_scenario[scenario][(f.rule_id, subject)] = f.model_copy(update={"subject": f.subject.model_copy(update={"id": subject})})
    fact_of = {(s, f["id"].partition("|")[2]): f for s in scenarios for f in facts if f["id"].startswith(s + "|")}
    forecast = apply_waivers(sorted(by_scenario[FORECAST].values(), key=lambda f: (f.rule_id, f.subject.id)),
                             data.waivers, ruleset.rules, as_of).findings

    parts, fixes, waived = [], [], []
    for f in forecast:
        fact = fact_of[(FORECAST, f.subject.id)]
        if f.outcome == "not_applicable":
            continue
        have, need = _counts(fact)
        helpers = [p for p in away if _counts(fact_of[(f"with:{p}", f.subject.id)])[0] > have]
        part = {"rule_id": f.rule_id, "subject": f.subject.id, "requirement": _label(fact), "expected": have,
                "required": need, "outcome": f.outcome, "advisory": bool(fact.get("advisory")),
                "could_fix": [name(p) for p in helpers]}
        parts.append(part)
        if f.outcome == "waived":
            waived.append({"area": "quorum", "rule_id": f.rule_id, "subject": f.subject.id,
                           "expires": f.waiver["effective_expires"], "waiver": f.waiver["key"]})
        elif f.outcome in ("fail", "error"):
            fixes.append(Fix("quorum", f.severity, f.outcome, f.rule_id, f.title, _label(fact),
                             f"{have} expected to attend, {need} required" if f.outcome == "fail" else f.message,
                             _quorum_advice(need - have if have is not None and need is not None else None, helpers, name, f.remediation)))

    must_attend = []
    for p in expected:
        broken = [
            _label(fact_of[(FORECAST, subject)]) for (rule_id, subject), f in sorted(by_scenario[f"without:{p}"].items())
            if f.outcome == "fail" and by_scenario[FORECAST][(rule_id, subject)].outcome == "pass"
            and not fact_of[(FORECAST, subject)].get("advisory")
        ]
        if broken:
            must_attend.append({"person": name(p), "quorum_fails_without_them": sorted(set(broken))})
    meeting_fact = fact_of.get((FORECAST, meeting.id), {})
    quorum = {
        "members": len(members), "voting_members": meeting_fact.get("voting_members"),
        "expected_voting": meeting_fact.get("present_voting"), "head_count_needed": meeting_fact.get("quorum_min_present"),
        "apologies": [name(p) for p in away], "expected_ids": expected, "parts": parts, "must_attend": must_attend,
    }
    return quorum, fixes, waived


def _counts(fact: dict[str, Any]) -> tuple[int | None, int | None]:
    """(expected attendance, required) of a meeting or quorum-part fact."""
    required = fact["required"] if fact["kind"] == "quorum_part" else fact.get("quorum_min_present")
    return fact.get(COUNTS[fact["kind"]]), required


def _label(fact: dict[str, Any]) -> str:
    return fact["requirement_label"] if fact["kind"] == "quorum_part" else "head count of voting members"


def _quorum_advice(short: int | None, helpers: list[str], name, remediation: str) -> str:
    if short is None or short <= 0:
        return remediation
    if not helpers:
        return f"{short} more needed, and no member who sent apologies can make it up: {remediation}"
    who = ", ".join(name(p) for p in helpers)
    return f"{short} more needed from: {who} (withdraw apologies or send a deputy if deputies count)"
