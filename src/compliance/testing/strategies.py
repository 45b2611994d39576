"""Hypothesis strategies for whole, valid governance data sets and their facts.

Field values come from the models (``models.from_model``); this module adds only what makes
records agree with each other: ids that are unique and that refer to people, bodies and
meetings that exist, cohorts of the person's own role group, quorum requirements that select
role codes people actually hold, interest periods that start before they end, and dates spread
around ``as_of``. Every data set drawn loads through ``compliance.io.load_dataset`` with no issue.

Typical use::

    from compliance.testing import governance_data

    @given(governance_data(as_of=dt.date(2024, 10, 17), sizes={"meetings": (1, 3)}))
    def test_something(data): ...
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from hypothesis import strategies as st

from ..facts import derive_facts
from ..model import (
    Action, Attendance, Body, Declaration, GovernanceData, Interest, Meeting, Membership, Organisation, Paper, Person,
    QuorumRequirement, QuorumSpec, Risk, RiskAction, RiskScore, RiskTolerance, RoleGroup,
)
from ..model.dates import financial_year_start
from .models import OMIT, Knobs, dates, edge_or, field_strategy, for_annotation, from_model, maybe, partial

DEFAULT_SIZES: dict[str, tuple[int, int]] = {
    "role_groups": (0, 3), "people": (1, 8), "bodies": (1, 2), "meetings": (0, 3), "declarations": (0, 6),
    "risks": (0, 3), "actions": (0, 5), "papers": (0, 3),
}
"""(min, max) records per register; ``sizes=`` overrides any of them."""


def _id(knobs: Knobs) -> st.SearchStrategy[str]:
    """A record id as the model's ``Id`` type allows (letters, digits and ``_ . : / -``)."""
    return for_annotation(Person.model_fields["id"].annotation, Person.model_fields["id"].metadata, knobs)


def _one_of_or_omit(values: list[Any], knobs: Knobs) -> st.SearchStrategy:
    """One of the existing ``values`` (a reference), or the field left out."""
    return edge_or(st.just(OMIT), st.sampled_from(values), knobs.edge_share) if values else st.just(OMIT)


def _subset(values: list[Any], max_size: int | None = None) -> st.SearchStrategy[list[Any]]:
    if not values:
        return st.just([])
    return st.lists(st.sampled_from(values), unique=True, max_size=max_size if max_size is not None else len(values))


def _unique(strategy: st.SearchStrategy, size: tuple[int, int], key: Callable[[Any], Any]) -> st.SearchStrategy[list]:
    return st.lists(strategy, min_size=size[0], max_size=size[1], unique_by=key)


def _mm_dd(knobs: Knobs) -> st.SearchStrategy[str]:
    """A financial-year start that is a real day (MM-DD); the UK's 1 April as the edge case."""
    days = st.integers(0, 364).map(lambda n: (dt.date(2001, 1, 1) + dt.timedelta(days=n)).strftime("%m-%d"))
    return edge_or(st.just("04-01"), days, knobs.edge_share)


def organisations(knobs: Knobs, size: tuple[int, int] = DEFAULT_SIZES["role_groups"]) -> st.SearchStrategy[Organisation]:
    """Organisations with a real financial-year start, role groups and a score-valued risk appetite."""
    groups = _unique(from_model(RoleGroup, {"cohorts": st.lists(_id(knobs), unique=True, max_size=3)}, knobs=knobs),
                     size, key=lambda g: g.id)
    appetite = st.dictionaries(st.sampled_from(["low", "moderate", "high"]), st.integers(1, 25), max_size=3)
    return from_model(Organisation, {
        "financial_year_start": _mm_dd(knobs), "role_groups": groups, "risk_appetite": appetite,
        # rule parameters change what the rules mean; a property that wants them sets them itself
        "rule_params": st.just(OMIT),
    }, knobs=knobs)


@st.composite
def _person(draw, org: Organisation, role_codes: list[str], knobs: Knobs) -> Person:
    group = draw(_one_of_or_omit(org.role_groups, knobs))
    cohorts = group.cohorts if group is not OMIT else []
    return draw(from_model(Person, {
        "role_group": st.just(group.id if group is not OMIT else OMIT),
        "cohort": _one_of_or_omit(cohorts, knobs),
        "roles": _subset(role_codes, 2),
        "voting": edge_or(st.just(False), st.just(True), knobs.edge_share),  # most members vote
    }, knobs=knobs))


@st.composite
def _membership(draw, person: str, knobs: Knobs) -> Membership:
    """A seat held through most of the date range; one that has ended is an edge case."""
    start, end = sorted([draw(dates(knobs)), draw(dates(knobs))])
    ended = draw(edge_or(st.just(True), st.just(False), knobs.edge_share))
    return draw(from_model(Membership, {
        "person": st.just(person), "from_date": st.just(start - dt.timedelta(days=knobs.window[0])),
        "to_date": st.just(end if ended else OMIT),
        # a seat's own voting flag overrides the person's; setting it is the exception
        "voting": edge_or(st.booleans(), st.just(OMIT), knobs.edge_share)}, knobs=knobs))


@st.composite
def _requirement(draw, org: Organisation, role_codes: list[str], members: list[str], knobs: Knobs) -> QuorumRequirement:
    with_cohorts = [g.id for g in org.role_groups if g.cohorts]
    each_cohort = bool(with_cohorts) and draw(st.booleans())
    selectors = {
        "roles": _subset(role_codes, 2), "role_groups": _subset([g.id for g in org.role_groups], 2),
        "cohorts": _subset([c for g in org.role_groups for c in g.cohorts], 2), "persons": _subset(members, 2),
    }
    if each_cohort:
        selectors = {"role_groups": st.sampled_from(with_cohorts).map(lambda g: [g])}
    return draw(from_model(QuorumRequirement, {
        **selectors, "each_cohort": st.just(each_cohort), "at_least": st.integers(1, max(1, len(members))),
    }, knobs=knobs).filter(lambda r: r.roles or r.role_groups or r.cohorts or r.persons))


@st.composite
def _body(draw, body_id: str, earlier: list[str], org: Organisation, people: list[Person], role_codes: list[str],
          knobs: Knobs) -> Body:
    # most people hold a seat (bodies are mostly their members); leaving someone off is the edge case
    seated = [p.id for p in people if draw(edge_or(st.just(False), st.just(True), knobs.edge_share))]
    members = [draw(_membership(p, knobs)) for p in seated]
    requirements = st.lists(_requirement(org, role_codes, seated, knobs), max_size=2, unique_by=lambda r: r.id)
    quorum = from_model(QuorumSpec, {
        # mostly below the seats, so a meeting can show the quorum exactly, one short and one over;
        # a quorum of every seat is the edge case
        "min_present": maybe(edge_or(st.integers(1, max(1, len(seated))), st.integers(1, max(1, len(seated) // 2)),
                                     knobs.edge_share), knobs),
        "stated_members": maybe(st.integers(1, max(1, len(seated) + 1)), knobs),
        "requirements": requirements,
    }, knobs=knobs)
    return draw(from_model(Body, {
        "id": st.just(body_id), "parent": _one_of_or_omit(earlier, knobs), "members": st.just(members),
        "quorum": maybe(quorum, knobs),
    }, knobs=knobs))


def _quorum_count(org: Organisation, people: list[Person], body: Body, on: dt.date) -> tuple[list[str], int | None]:
    """The voting members on ``on`` and the quorum's head count, as ``derive_facts`` computes them."""
    probe = GovernanceData(organisation=org, people=people, bodies=[body],
                           meetings=[Meeting(id="probe", body=body.id, date=on)])
    facts = derive_facts(probe, on)
    voting = sorted(f["person"] for f in facts if f["kind"] == "membership" and f["voting"])
    head = next(f.get("quorum_min_present") for f in facts if f["kind"] == "meeting")
    return voting, head


@st.composite
def _attendance(draw, org: Organisation, people: list[Person], body: Body, on: dt.date,
                knobs: Knobs) -> list[Attendance]:
    """Marks for the body's members (and the odd non-member); at the edge, the quorum exactly, or one short or over."""
    voting, head = _quorum_count(org, people, body, on)
    # only offsets the body can show: exactly the quorum needs at least that many voting members
    offsets = [o for o in (0, -1, 1) if head is not None and 0 <= head + o <= len(voting)]
    if offsets and draw(edge_or(st.just(True), st.just(False), knobs.edge_share)):
        count = head + draw(st.sampled_from(offsets))
        present = set(draw(st.permutations(voting))[:count])
        return [draw(from_model(Attendance, {"person": st.just(p), "status": st.just(
            "present" if p in present else "apologies")}, knobs=knobs)) for p in voting]
    others = draw(_subset([p.id for p in people if p.id not in {m.person for m in body.members}], 2))
    # members mostly attend; any other mark (apologies, absent, deputy, ...) is the edge case
    status = edge_or(for_annotation(Attendance.model_fields["status"].annotation, (), knobs), st.just("present"),
                     max(knobs.edge_share, 0.3))
    return [draw(from_model(Attendance, {"person": st.just(p), "status": status}, knobs=knobs))
            for p in [m.person for m in body.members] + others]


@st.composite
def _meeting(draw, meeting_id: str, org: Organisation, people: list[Person], bodies: list[Body],
             knobs: Knobs) -> Meeting:
    body = draw(st.sampled_from(bodies))
    on = draw(dates(knobs, org.fy_start()))
    return draw(from_model(Meeting, {
        "id": st.just(meeting_id), "body": st.just(body.id), "date": st.just(on),
        "attendance": maybe(_attendance(org, people, body, on, knobs), knobs),
    }, knobs=knobs))


@st.composite
def _interest(draw, org: Organisation, knobs: Knobs) -> Interest:
    start, end = sorted([draw(dates(knobs, org.fy_start())), draw(dates(knobs, org.fy_start()))])
    ongoing = draw(st.booleans())
    return draw(from_model(Interest, {
        "start": maybe(st.integers(0, 2).map(lambda p: partial(start, p)), knobs),
        "end": st.just(OMIT) if ongoing else st.integers(0, 2).map(lambda p: partial(end, p)),
        "ongoing": st.just(ongoing),
    }, knobs=knobs))


@st.composite
def _declaration(draw, decl_id: str, org: Organisation, people: list[Person], knobs: Knobs) -> Declaration:
    nil = draw(st.booleans())
    interests = st.just([]) if nil else st.lists(_interest(org, knobs), max_size=knobs.list_size)
    return draw(from_model(Declaration, {
        "id": st.just(decl_id), "person": st.sampled_from([p.id for p in people]),
        "declared_on": maybe(dates(knobs, org.fy_start()), knobs), "nil_return": st.just(nil), "interests": interests,
    }, knobs=knobs))


def _periods(as_of: dt.date, fy: tuple[int, int]) -> list[str]:
    """Quarter labels around ``as_of`` that sort as strings, e.g. ``2024/25 Q2``."""
    start = financial_year_start(as_of, *fy).year
    return [f"{y}/{(y + 1) % 100:02d} Q{q}" for y in (start - 1, start) for q in (1, 2, 3, 4)]


@st.composite
def _risk(draw, risk_id: str, org: Organisation, knobs: Knobs) -> Risk:
    periods = _periods(knobs.as_of, org.fy_start())
    scores = st.lists(from_model(RiskScore, {"period": st.sampled_from(periods)}, knobs=knobs),
                      max_size=3, unique_by=lambda s: s.period)
    tolerance = from_model(RiskTolerance, {"appetite": _one_of_or_omit(sorted(org.risk_appetite), knobs)}, knobs=knobs)
    # re-dating an action is the exception, so a revised date is an edge case
    redated = edge_or(dates(knobs), st.just(OMIT), knobs.edge_share)
    actions = st.lists(from_model(RiskAction, {"due": maybe(dates(knobs), knobs), "revised_due": redated}, knobs=knobs),
                       max_size=3, unique_by=lambda a: a.id)
    return draw(from_model(Risk, {"id": st.just(risk_id), "scores": scores, "tolerance": maybe(tolerance, knobs),
                                  "actions": actions}, knobs=knobs))


@st.composite
def _action(draw, meetings: list[Meeting], bodies: list[Body], refs: list[str], knobs: Knobs) -> Action:
    """An action of a meeting (or of no known meeting); reusing an earlier reference is an edge case."""
    meeting = draw(_one_of_or_omit(meetings, knobs))
    body = st.just(meeting.body) if meeting is not OMIT else _one_of_or_omit([b.id for b in bodies], knobs)
    overrides = {"body": body, "meeting_date": st.just(meeting.date) if meeting is not OMIT else st.just(OMIT)}
    if refs:
        # references are not ids: the loader accepts a repeated one, and a rule reports it
        overrides["ref"] = edge_or(st.sampled_from(refs), field_strategy(Action, "ref", knobs), knobs.edge_share)
    return draw(from_model(Action, overrides, knobs=knobs))


@st.composite
def _paper(draw, paper_id: str, meetings: list[Meeting], knobs: Knobs) -> Paper:
    return draw(from_model(Paper, {"id": st.just(paper_id),
                                   "meeting": _one_of_or_omit([m.id for m in meetings], knobs)}, knobs=knobs))


def _ids(knobs: Knobs, size: tuple[int, int]) -> st.SearchStrategy[list[str]]:
    return st.lists(_id(knobs), min_size=size[0], max_size=size[1], unique=True)


@st.composite
def _governance_data(draw, knobs: Knobs, sizes: dict[str, tuple[int, int]],
                     registers: dict[str, st.SearchStrategy]) -> GovernanceData:
    org = draw(organisations(knobs, sizes["role_groups"]))
    role_codes = draw(st.lists(st.sampled_from(["CEO", "CFO", "Chair", "NED", "CMO", "CNO", "Partner"]),
                               unique=True, max_size=4))
    people = draw(_unique(_person(org, role_codes, knobs), sizes["people"], key=lambda p: p.id))
    bodies: list[Body] = []
    for body_id in draw(_ids(knobs, sizes["bodies"])):
        bodies.append(draw(_body(body_id, [b.id for b in bodies], org, people, role_codes, knobs)))
    meetings = [draw(_meeting(i, org, people, bodies, knobs)) for i in draw(_ids(knobs, sizes["meetings"]))] if bodies else []
    declarations = [draw(_declaration(i, org, people, knobs)) for i in draw(_ids(knobs, sizes["declarations"]))] if people else []
    risks = [draw(_risk(i, org, knobs)) for i in draw(_ids(knobs, sizes["risks"]))]
    actions: list[Action] = []
    for _ in range(draw(st.integers(*sizes["actions"]))):
        actions.append(draw(_action(meetings, bodies, [a.ref for a in actions], knobs)))
    papers = [draw(_paper(i, meetings, knobs)) for i in draw(_ids(knobs, sizes["papers"]))]
    known = {"people": people, "bodies": bodies, "meetings": meetings, "declarations": declarations, "risks": risks,
             "actions": actions, "papers": papers}
    # a register this module has no cross-reference knowledge of (e.g. waivers, which name rule
    # ids) is empty unless the caller passes a strategy for it
    rest = {name: draw(registers.get(name, st.just([]))) for name in GovernanceData.model_fields
            if name not in known and name != "organisation"}
    return GovernanceData(organisation=org, **known, **rest)


def governance_data(*, as_of: dt.date = Knobs.as_of, days: int | tuple[int, int] = Knobs.days,
                    edge_share: float = Knobs.edge_share,
                    sizes: dict[str, tuple[int, int]] | None = None,
                    registers: dict[str, st.SearchStrategy] | None = None) -> st.SearchStrategy[GovernanceData]:
    """Valid, self-consistent governance data sets.

    as_of: the day dates are spread around: within ``days`` either side, or ``(before, after)``.
    edge_share: share (0..1) of edge cases: boundary dates (as_of, a day either side, the
      financial year's first day and the day before), exactly-the-quorum attendance and
      optional fields left out.
    sizes: register -> (min, max) records, over ``DEFAULT_SIZES``.
    registers: register -> strategy for a register this module does not build (e.g. waivers).
    """
    merged = {**DEFAULT_SIZES, **(sizes or {})}
    unknown = set(merged) - set(DEFAULT_SIZES)
    if unknown:
        raise ValueError(f"unknown size(s) {', '.join(sorted(unknown))}; expected some of {', '.join(DEFAULT_SIZES)}")
    for name, (low, high) in merged.items():
        if not 0 <= low <= high:
            raise ValueError(f"sizes[{name!r}] must be (min, max) with 0 <= min <= max, got {(low, high)!r}")
    return _governance_data(Knobs(as_of=as_of, days=days, edge_share=edge_share), merged, registers or {})


def facts(*, as_of: dt.date = Knobs.as_of, **kwargs: Any) -> st.SearchStrategy[list[dict[str, Any]]]:
    """The facts ``derive_facts`` makes of a generated data set, as of ``as_of``.

    Takes the same keyword arguments as ``governance_data``.
    """
    return governance_data(as_of=as_of, **kwargs).map(lambda data: derive_facts(data, as_of))
