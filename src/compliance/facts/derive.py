"""Derive one flat fact per subject from the governance data, as of a given date."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

from ..model import Body, GovernanceData, Meeting, Person
from ..model.base import content_json
from ..model.bodies import QuorumRequirement
from ..model.dates import financial_year_start, partial_bounds
from .kinds import (
    ActionFact, ImpactAssessmentFact, InterestFact, MeetingFact, MembershipFact, PaperFact, QuorumPartFact,
    RiskActionFact, RiskFact, day, fact_of, FACT_MODELS,
)
from .records import RecordIndex, clear_shared, flatten, record_kinds, record_label, referred_registers

RECORDED = {"present", "apologies", "absent", "deputy", "part"}
# marks that count a voting member present for quorum: "part" was there for part of the meeting
# (whether the quorum held throughout is the minutes' quoracy statement, ``quoracy_scope``);
# observer, in_attendance and via_website are not sitting as members and never count
PRESENT = {"present", "part"}


def id_part(text: str, keep: str = "") -> str:
    """``text`` made safe as one segment of a subject id: ``%``, ``/`` and ``#`` (unless in ``keep``) %-escaped.

    Subject ids join record ids with ``/`` (``body/person``) and tell repeated action refs apart with
    ``#N``. Ids may themselves hold ``/`` (action refs like ``2023-24/001``), so without escaping body
    ``icb-board`` + person ``x/y`` and body ``icb-board/x`` + person ``y`` would share one subject and
    get two outcomes for one (rule, subject). Ids without these characters are unchanged.
    """
    out = text.replace("%", "%25")
    for char, code in (("/", "%2F"), ("#", "%23")):
        if char not in keep:
            out = out.replace(char, code)
    return out


def join_id(*parts: Any) -> str:
    """A subject id from record ids, unambiguous whatever characters the ids contain (see ``id_part``)."""
    return "/".join(id_part(str(part)) for part in parts)


# set while a run that derived its facts itself (and hands them to no one) plans: the engine may
# then add the pack's derived values and computed fields to the facts in place (engine.computed)
_OWNED: ContextVar[bool] = ContextVar("compliance_facts_owned", default=False)


@contextmanager
def owned_facts() -> Iterator[None]:
    """Within this block the facts being planned belong to the run alone: ``engine.computed``
    adds values to them in place instead of to copies (no caller reads them afterwards)."""
    token = _OWNED.set(True)
    try:
        yield
    finally:
        _OWNED.reset(token)


def facts_owned() -> bool:
    """Whether the facts being planned may be changed in place (``owned_facts``)."""
    return _OWNED.get()


def derive_facts(data: GovernanceData, as_of: dt.date,
                 fields: dict[str, set[str]] | None = None, *, release: bool = False) -> list[dict[str, Any]]:
    """Every subject's fact, sorted by (kind, id) so runs are deterministic.

    Each fact carries its derived fields and its records' fields (``paper.presenter``, see
    ``facts.records``). ``fields`` limits the record fields to those named per kind (the rules'
    needs); without it every record field is included.

    ``release``: ``data`` is the caller's to give up (a streamed run that loaded it for itself):
    each register is emptied as soon as no fact still to be made reads it or a record that refers
    to it, so the facts are made in the memory the records held. Measured at a million findings
    (36 units, 5 years): the records were over a third of the peak while every fact existed beside them.
    """
    ctx = _Context(data, as_of)
    index = RecordIndex(data)
    fy_start = day(ctx.fy_start)  # one int object for every fact's fy_start
    out: list[dict[str, Any]] = []
    clear_shared()
    steps = _steps()
    last_use = _last_use(steps) if release else {}
    for position, (generator, _) in enumerate(steps):
        for row, records in generator(ctx):
            row.setdefault("fy_start", fy_start)
            wanted = None if fields is None else fields.get(row["kind"], set())
            if wanted is None or wanted:
                for prefix, record in records.items():
                    flatten(record, prefix, index, wanted, row)
            out.append(row)
        for register in (r for r, last in last_use.items() if last == position):
            index.release(register)
            ctx.release(register)
            data.__dict__[register] = []  # the caller gave the records up: no validation to run on an empty list
    clear_shared()
    out.sort(key=lambda f: (f["kind"], f["id"]))
    return out


def _steps() -> list[tuple[Any, set[str]]]:
    """The generators of facts in the order they run, each with the registers it reads itself.

    The order does not change the facts (they are sorted), only how soon a register can be let go
    (``release``): the registers other records refer to (meetings, papers) come last."""
    return [(_records, set(record_kinds(FACT_MODELS).values())), (_papers, {"papers"}),
            (_interests, {"declarations"}), (_risks, {"risks"}), (_actions, {"actions"}),
            (_meetings, {"meetings"}), (_attendance, {"meetings"}), (_memberships, {"bodies"})]


def _last_use(steps: list[tuple[Any, set[str]]]) -> dict[str, int]:
    """register -> the position of the last step that reads it or a record referring to it (a
    ``refers_to`` field is followed, and a record's label may name the record it refers to). The
    people and the bodies are kept: every step names people, and the context holds both."""
    last: dict[str, int] = {}
    for position, (_, reads) in enumerate(steps):
        for register in reads | {target for r in reads for target in referred_registers(r)}:
            last[register] = position
    return {register: position for register, position in last.items() if register not in ("people", "bodies")}


def _records(ctx: "_Context") -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """One fact per record of each register that no derived kind covers (people, bodies, ...)."""
    for kind, register in record_kinds(FACT_MODELS).items():
        for record in getattr(ctx.data, register, None) or []:
            record_id = getattr(record, "id", None)
            if not isinstance(record_id, str):
                continue
            yield ({"kind": kind, "id": record_id, "label": record_label(record, ctx.label_of), "as_of": ctx.as_of_day},
                   {kind: record})


def _attendance(ctx: "_Context") -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """One fact per attendance mark: who, at which meeting, marked how."""
    for meeting in ctx.data.meetings:
        body = ctx.bodies[meeting.body]
        for mark in meeting.attendance:
            yield ({"kind": "attendance", "id": join_id(meeting.id, mark.person), "as_of": ctx.as_of_day,
                    "label": f"{ctx.name(mark.person)} at {body.name} {meeting.date.isoformat()}"},
                   {"attendance": mark, "meeting": meeting})


class _Context:
    def __init__(self, data: GovernanceData, as_of: dt.date):
        self.data = data
        self.as_of = as_of
        self.as_of_day = day(as_of)
        self.people = {p.id: p for p in data.people}
        self.bodies = {b.id: b for b in data.bodies}
        self.groups = {g.id: g for g in data.organisation.role_groups}
        self._by_id: dict[str, dict[Any, Any]] = {}  # register -> id -> record, filled when a label needs it
        month, dom = data.organisation.fy_start()
        self.fy_start = financial_year_start(as_of, month, dom)

    def release(self, register: str) -> None:
        """Forget the records of ``register`` looked up for labels (``derive_facts``'s ``release``)."""
        self._by_id.pop(register, None)

    def name(self, person_id: str) -> str:
        person = self.people.get(person_id)
        return person.name if person else person_id

    def meeting_label(self, meeting: Meeting) -> str:
        body = self.bodies.get(meeting.body)
        return f"{body.name if body else meeting.body} {meeting.kind} meeting {meeting.date.isoformat()}"

    def label_of(self, register: str, record_id: str) -> str | None:
        """The name of a record another refers to (a person's name, a meeting's body and date), or None."""
        if register == "people":
            return self.name(record_id)
        if register not in self._by_id:
            self._by_id[register] = {getattr(r, "id", None): r for r in getattr(self.data, register, None) or []}
        record = self._by_id[register].get(record_id)
        if record is None:
            return None
        return self.meeting_label(record) if register == "meetings" else record_label(record)

    def voting(self, body: Body, person_id: str) -> bool | None:
        """The seat's vote, else the person's, else their role group's; None when none is stated.

        A role group declared in organisation.yaml says whether its members vote (``voting``,
        true unless it says otherwise); a person with no seat flag, no own flag and no group is
        unknown, never silently voting.
        """
        member = next((m for m in body.members if m.person == person_id), None)
        if member is not None and member.voting is not None:
            return member.voting
        person = self.people.get(person_id)
        if person is None:
            return None
        if person.voting is not None:
            return person.voting
        group = self.groups.get(person.role_group) if person.role_group else None
        return group.voting if group else None


def _members_on(body: Body, when: dt.date) -> list[str]:
    return sorted({m.person for m in body.members if m.active_on(when)})


def _quorum_head_count(body: Body, voting_members: int) -> int | None:
    q = body.quorum
    if q is None:
        return None
    counts = []
    if q.min_present is not None:
        counts.append(q.min_present)
    if q.min_fraction is not None:
        base = q.stated_members or voting_members
        exact = base * q.min_fraction
        counts.append(math.floor(exact) + 1 if q.fraction_strict else math.ceil(exact))
    return max(counts) if counts else None


def _matches(req: QuorumRequirement, person: Person | None, cohort: str | None = None) -> bool:
    if person is None:
        return False
    if cohort is not None:
        return person.role_group in req.role_groups and person.cohort == cohort
    return bool(
        set(req.roles) & set(person.roles)
        or (person.role_group in req.role_groups)
        or (person.cohort in req.cohorts)
        or person.id in req.persons
    )


def _expand(req: QuorumRequirement, ctx: _Context) -> Iterator[tuple[str, str, QuorumRequirement, str | None]]:
    if not req.each_cohort:
        yield req.id, req.label, req, None
        return
    group = next((g for g in ctx.data.organisation.role_groups if g.id == req.role_groups[0]), None)
    for cohort in group.cohorts if group else []:
        yield f"{req.id}:{cohort}", f"{req.label}: {cohort}", req, cohort


def _meetings(ctx: _Context) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for meeting in ctx.data.meetings:
        body = ctx.bodies[meeting.body]
        members = _members_on(body, meeting.date)
        voting = [p for p in members if ctx.voting(body, p)]
        unknown = [p for p in members if ctx.voting(body, p) is None]
        marks = {a.person: a for a in meeting.attendance}
        counts_deputy = bool(body.quorum and body.quorum.deputies_count)
        deputies = [p for p in voting if p in marks and marks[p].status == "deputy"]
        def counted(p: str) -> bool:
            return p in marks and (marks[p].status in PRESENT or (counts_deputy and marks[p].status == "deputy"))

        present = [p for p in voting if counted(p)]
        # present members whose vote is unknown: a role requirement they match has an unknown tally
        present_unknown = [p for p in unknown if counted(p)]
        recorded = [p for p in members if p in marks and marks[p].status in RECORDED]
        has_attendance = bool(meeting.attendance)
        held = meeting.date < ctx.as_of
        label = ctx.meeting_label(meeting)
        yield fact_of(MeetingFact,
            kind="meeting", id=meeting.id, label=label, as_of=ctx.as_of_day, body=body.id, date=day(meeting.date),
            meeting_kind=meeting.kind, held=held,
            # an unknown vote leaves the tallies that depend on it empty: a quorum rule on them is an error
            voting_members=len(voting) if members and not unknown else None,
            present_voting=_present_voting(meeting, len(present), has_attendance, bool(unknown)),
            quorum_min_present=meeting.stated_quorum or (_quorum_head_count(body, len(voting)) if not unknown else None),
            # a body with members but no quorum specification: whether it was quorate is unknown
            # (an error naming the body), not "the quorum rules do not apply"
            quorum_defined=True if body.quorum is not None else (None if members else False),
            deputies_present=len(deputies) if has_attendance else None, deputies_count=counts_deputy,
            minutes_in_dataset=meeting.minutes is not None,
            quoracy_confirmed=meeting.quoracy_confirmed,
            members_expected=len(members) if members else None,
            members_recorded=len(recorded) if has_attendance else None,
            # unknown membership (no members on the date) leaves it unknown, never a vacuous 0
            members_unrecorded=(len(members) - len(recorded)) if has_attendance and members else None,
            unrecorded_names=", ".join(ctx.name(p) for p in members if p not in recorded) if has_attendance else "",
            attendance_entries=len(meeting.attendance),
            voting_unknown=len(unknown), quorate_part_only=meeting.quoracy_scope == "part",
        ), {"meeting": meeting}
        if body.quorum is None or not has_attendance:
            continue
        for rid, rlabel, req, cohort in (x for r in body.quorum.requirements for x in _expand(r, ctx)):
            who = [p for p in present if _matches(req, ctx.people.get(p), cohort)]
            undecided = [p for p in present_unknown if _matches(req, ctx.people.get(p), cohort)]
            yield fact_of(QuorumPartFact,
                kind="quorum_part", id=join_id(meeting.id, rid), label=f"{label}: {rlabel}", as_of=ctx.as_of_day,
                meeting=meeting.id, body=body.id, date=day(meeting.date), held=held, requirement=rid,
                requirement_label=rlabel, advisory=req.advisory, required=req.at_least,
                present=None if undecided else len(who),
                present_names=", ".join(ctx.name(p) for p in who) or "none",
            ), {"meeting": meeting}


def _present_voting(meeting, named: int, has_attendance: bool, voting_unknown: bool) -> int | None:
    """Voting members present: the named marks, a published head count, or the larger of the two.

    A head count published beside some named marks counts people the marks leave out, so it is a
    floor, never overruled by fewer names (one more named member never lowers the tally). None when
    neither is known (no marks, or marks whose voting is unknown, and no head count).
    """
    counted = None if not has_attendance or voting_unknown else named
    if meeting.present_count is None:
        return counted
    return meeting.present_count if counted is None else max(counted, meeting.present_count)


def _memberships(ctx: _Context) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    # whether the member has a declaration, and how recent, is the rule pack's relation to the
    # declarations register; here only who holds a seat on the day
    for body in ctx.data.bodies:
        for person_id in _members_on(body, ctx.as_of):
            person = ctx.people.get(person_id)
            yield fact_of(MembershipFact,
                kind="membership", id=join_id(body.id, person_id), label=f"{ctx.name(person_id)} ({body.name})",
                as_of=ctx.as_of_day, person=person_id, person_name=ctx.name(person_id), body=body.id,
                voting=ctx.voting(body, person_id), role_group=person.role_group if person else None,
                chair=any(m.person == person_id and m.role == "chair" and m.active_on(ctx.as_of) for m in body.members),
                fy_start=day(ctx.fy_start),
            ), {"body": body, "person": person}


def _interests(ctx: _Context) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for decl in ctx.data.declarations:
        for (_, number), interest in decl.numbered_interests():
            start = partial_bounds(interest.start) if interest.start else None
            end = partial_bounds(interest.end) if interest.end else None
            remove_by = partial_bounds(interest.remove_by) if interest.remove_by else None
            declared = day(decl.declared_on) if decl.declared_on else None
            yield fact_of(InterestFact,
                kind="interest", id=join_id(decl.id, interest.category, number),
                label=f"{ctx.name(decl.person)}: {interest.description}", as_of=ctx.as_of_day,
                person=decl.person, declaration=decl.id, category=interest.category, declared_on=declared,
                start_earliest=day(start[0]) if start else None, start_latest=day(start[1]) if start else None,
                end_latest=day(end[1]) if end else None, ongoing=interest.ongoing, ended=end is not None,
                has_period=bool(start or end or interest.ongoing),
                days_to_declare=(declared - day(start[1])) if (start and declared is not None) else None,
                remove_by=day(remove_by[1]) if remove_by else None,
                months_listed_after_end=_months_between(end[1], remove_by[1]) if (end and remove_by) else None,
                fy_start=day(ctx.fy_start),
            ), {"interest": interest, "declaration": decl}


def _risks(ctx: _Context) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    periods = sorted({s.period for r in ctx.data.risks for s in r.scores})
    framework_latest = periods[-1] if periods else None
    appetite = ctx.data.organisation.risk_appetite
    for risk in ctx.data.risks:
        latest = max(risk.scores, key=lambda s: s.period) if risk.scores else None
        tol = risk.tolerance
        tolerance = tol.score if tol and tol.score is not None else (appetite.get(tol.appetite) if tol and tol.appetite else None)
        target = risk.target
        yield fact_of(RiskFact,
            kind="risk", id=risk.id, label=f"{risk.id} {risk.title}", as_of=ctx.as_of_day, title=risk.title,
            latest_period=latest.period if latest else None, framework_latest_period=framework_latest,
            # no risk scored anywhere: the framework's latest period is unknown, so is this (an error, not a fail)
            scored_latest_period=bool(latest and latest.period == framework_latest) if framework_latest else None,
            likelihood=latest.likelihood if latest else None, consequence=latest.consequence if latest else None,
            score=latest.lxc if latest else None,
            stated_score=latest.score if latest else None, band=latest.band if latest else None,
            band_for_score=ctx.data.organisation.band_for(latest.lxc) if latest and latest.lxc else None,
            tolerance_score=tolerance,
            target_score=target.score if target else None,
            target_lxc=target.likelihood * target.consequence if target and target.likelihood and target.consequence else None,
            target_date=day(target.date) if target and target.date else None,
        ), {"risk": risk}
        for action in risk.actions:
            effective = action.revised_due or action.due
            yield fact_of(RiskActionFact,
                kind="risk_action", id=join_id(risk.id, action.id), label=f"{risk.id}: {action.description}",
                as_of=ctx.as_of_day, risk=risk.id, due=day(action.due) if action.due else None,
                revised_due=day(action.revised_due) if action.revised_due else None,
                effective_due=day(effective) if effective else None,
                progress=None if action.progress == "unknown" else action.progress,
                complete=action.progress == "complete", redated=action.revised_due is not None,
            ), {"risk_action": action, "risk": risk}


def _actions(ctx: _Context) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    refs = Counter(a.ref for a in ctx.data.actions)
    # Actions sharing a reference are told apart as ref#1, ref#2 in an order fixed by their
    # content, not their place in the file, so reordering the log cannot move outcomes between them.
    actions = sorted(ctx.data.actions, key=lambda a: (a.ref, content_json(a)) if refs[a.ref] > 1 else (a.ref, ""))
    seen: Counter[str] = Counter()
    for action in actions:
        seen[action.ref] += 1
        suffix = f"#{seen[action.ref]}" if refs[action.ref] > 1 else ""
        yield fact_of(ActionFact,
            kind="action", id=f"{id_part(action.ref, keep='/')}{suffix}", label=f"{action.ref}: {action.description}",
            as_of=ctx.as_of_day, ref=action.ref, body=action.body, section=action.section,
            status=None if action.status == "unknown" else action.status,
            open=None if action.status == "unknown" else action.status != "complete", owner=action.owner or None,
            due=day(action.due) if action.due else None,
            meeting_date=day(action.meeting_date) if action.meeting_date else None,
            days_overdue=(ctx.as_of - action.due).days if action.due else None,
            completed_on=day(action.completed_on) if action.completed_on else None,
            revised_due=day(action.revised_due) if action.revised_due else None, redated=action.revised_due is not None,
        ), {"action": action}


def _papers(ctx: _Context) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for paper in ctx.data.papers:
        # what counts as a decision paper, a placeholder or a reason is the rule pack's: here the
        # record, and one subject per impact assessment
        assessments = {"dpia": paper.dpia, "eia": paper.eia, "qia": paper.qia}
        label = f"{paper.enclosure or paper.id}: {paper.title}"
        yield fact_of(PaperFact,
            kind="paper", id=paper.id, label=label, as_of=ctx.as_of_day,
            meeting=paper.meeting, title=paper.title,
            purpose_count=len(paper.purposes), within_delegated_limits=paper.within_delegated_limits,
            conflict=paper.conflict.answer, financial_impact=paper.financial_impact.answer,
        ), {"paper": paper}
        for name, ia in assessments.items():
            yield fact_of(ImpactAssessmentFact,
                kind="impact_assessment", id=join_id(paper.id, name), label=f"{label} ({name.upper()})",
                as_of=ctx.as_of_day, paper=paper.id, assessment=name, answer=ia.answer,
                approved_on=day(ia.approved_on) if ia.approved_on else None,
            ), {"impact_assessment": ia, "paper": paper}


def _months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from ``start``'s month to ``end``'s month."""
    return (end.year - start.year) * 12 + end.month - start.month
