"""Properties of the shipped rule pack over generated data sets (compliance.testing strategies).

Rules are loaded from the nhs-icb profile's packs at test time and chosen by family, subject kind and the fact fields
their conditions read, never by a hard-coded count; a property whose rules are gone is skipped
saying so. Each failure message shows hypothesis' shrunk data set as YAML and the outcomes that
broke the property. HYPOTHESIS_PROFILE=thorough runs many more examples (see conftest.py).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import assume, event, given, note, strategies as st
from pydantic import ValidationError

from compliance.engine import evaluate
from compliance.facts import derive_facts
from compliance.model import (
    Action, Attendance, Declaration, GovernanceData, Membership, Organisation, Person, Risk, RiskScore, RiskTolerance,
)
from compliance.model.dates import financial_year_start
from compliance.pipeline import run_check
from compliance.rules import load_rules
from compliance.rules.conditions import fields_of
from compliance.testing import dataset_yaml, edge_or, governance_data, write_dataset
from conftest import ROOT

RULESET = load_rules(["nhs-icb", "nhs-performance"])
RULES = RULESET.rules
OUTCOMES = {"pass", "fail", "error", "not_applicable"}
# as_of on an ordinary day, the last and first days of a UK financial year, and a month end
AS_OFS = [dt.date(2024, 10, 17), dt.date(2024, 3, 31), dt.date(2024, 4, 1), dt.date(2025, 2, 28)]


def _reads(rule, *fields: str) -> bool:
    """The rule's require condition reads one of ``fields``."""
    return bool(set(fields) & fields_of(rule.require_condition))


# fact fields that count who was present, per subject kind (src/compliance/facts/kinds.py)
PRESENCE = {"meeting": "present_voting", "quorum_part": "present"}
QUORACY_RULES = [r for r in RULES if r.family_name == "quoracy" and r.applies_to in PRESENCE and _reads(r, PRESENCE[r.applies_to])]
OVERDUE_RULES = [r for r in RULES if r.applies_to in ("action", "risk_action") and "overdue" in r.id]
CONFLICT_RULES = [r for r in RULES if r.family_name == "conflicts"]
TOLERANCE_RULES = [r for r in RULES if r.applies_to == "risk" and _reads(r, "tolerance_score")]


def scenarios(days=400, **sizes: tuple[int, int]) -> st.SearchStrategy[tuple[dt.date, GovernanceData]]:
    """(as_of, data set) pairs, the data spread around that as_of."""
    return st.sampled_from(AS_OFS).flatmap(lambda d: st.tuples(st.just(d), governance_data(as_of=d, days=days, sizes=sizes)))


def outcomes(data: GovernanceData, as_of: dt.date) -> dict[tuple[str, str], str]:
    """(rule id, subject id) -> outcome, through derive_facts and the durable-rules engine."""
    findings = evaluate(RULES, derive_facts(data, as_of), as_of, data.organisation.rule_params)
    return {(f.rule_id, f.subject.id): f.outcome for f in findings}


def failing(result: dict[tuple[str, str], str], rules) -> set[tuple[str, str]]:
    ids = {r.id for r in rules}
    return {key for key, outcome in result.items() if key[0] in ids and outcome == "fail"}


def _explain(title: str, data: GovernanceData, as_of: dt.date, rows: list, registers=None) -> str:
    lines = [f"{title} (as_of {as_of.isoformat()}):", *(f"  {row}" for row in rows), "data set:", dataset_yaml(data, registers)]
    return "\n".join(lines)


def _unique_id(taken: set[str], stem: str) -> str:
    return next(f"{stem}-{n}" for n in range(len(taken) + 2) if f"{stem}-{n}" not in taken)


def _replace(items: list, old, new) -> list:
    return [new if item is old else item for item in items]


# -- determinism and record order ---------------------------------------------------------------

def _shuffled(data: GovernanceData, draw) -> GovernanceData:
    """Every register, and the attendance and membership lists, in a drawn order."""
    meetings = [m.model_copy(update={"attendance": draw(st.permutations(m.attendance))}) for m in data.meetings]
    bodies = [b.model_copy(update={"members": draw(st.permutations(b.members))}) for b in data.bodies]
    registers = {"meetings": meetings, "bodies": bodies}
    for name in GovernanceData.model_fields:
        if name != "organisation":
            registers[name] = draw(st.permutations(registers.get(name, getattr(data, name))))
    return GovernanceData(organisation=data.organisation, **registers)


def _findings_via_pipeline(data: GovernanceData, as_of: dt.date) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="compliance-prop-") as tmp:
        write_dataset(data, tmp)
        return [f.model_dump() for f in run_check(Path(tmp), RULESET, as_of).findings]


@given(st.data())
def test_evaluation_is_deterministic_and_independent_of_record_order(draw):
    as_of, data = draw.draw(scenarios())
    first = _findings_via_pipeline(data, as_of)
    again = _findings_via_pipeline(data, as_of)
    assert first == again, _explain("two runs on the same data set differ", data, as_of,
                                    [(a, b) for a, b in zip(first, again) if a != b][:3])
    shuffled = _shuffled(data, draw.draw)
    reordered = _findings_via_pipeline(shuffled, as_of)
    diff = [(a, b) for a, b in zip(first, reordered) if a != b][:3]
    assert first == reordered, _explain("reordering the records changed the findings (in file order, then shuffled)",
                                        data, as_of, diff + [dataset_yaml(shuffled)])


def test_actions_sharing_a_reference_keep_their_outcomes_when_the_log_is_reordered():
    # the minimal counter-example the order property found, once duplicate references were drawn
    as_of = AS_OFS[0]
    organisation = Organisation(name="Example ICB")
    late = Action(ref="A1", description="late", due=as_of - dt.timedelta(days=1))
    on_time = Action(ref="A1", description="on time", due=as_of + dt.timedelta(days=30))
    in_file_order = outcomes(GovernanceData(organisation=organisation, actions=[late, on_time]), as_of)
    reordered = outcomes(GovernanceData(organisation=organisation, actions=[on_time, late]), as_of)
    assert in_file_order == reordered


def test_a_risk_scored_twice_for_one_period_is_refused_at_load():
    # found by the order property: with two scores for a period the current one depended on file order
    low, high = (RiskScore(period="2024/25 Q2", likelihood=n, consequence=n) for n in (1, 5))
    with pytest.raises(ValidationError, match="period 2024/25 Q2 is scored more than once"):
        Risk(id="R1", title="t", tolerance=RiskTolerance(score=12), scores=[low, high])


# -- one outcome per (rule, subject) ------------------------------------------------------------

@given(scenarios())
def test_every_rule_in_force_gets_exactly_one_outcome_per_subject(scenario):
    as_of, data = scenario
    facts = derive_facts(data, as_of)
    findings = evaluate(RULES, facts, as_of, data.organisation.rule_params)
    expected = Counter((r.id, f["id"]) for r in RULES if r.in_force(as_of) for f in facts if f["kind"] == r.applies_to)
    actual = Counter((f.rule_id, f.subject.id) for f in findings)
    collisions = sorted(k for k, n in expected.items() if n > 1)
    assert not collisions, _explain("distinct subjects share an id, so a rule's outcomes cannot be told apart", data, as_of, collisions[:5])
    repeated = sorted(k for k, n in actual.items() if n > 1)
    assert not repeated, _explain("more than one outcome for a (rule, subject)", data, as_of, repeated[:5])
    assert actual == expected, _explain("(rule, subject) pairs missing or extra", data, as_of,
                                        sorted((expected - actual) | (actual - expected))[:5])
    odd = [(f.rule_id, f.subject.id, f.outcome) for f in findings if f.outcome not in OUTCOMES]
    assert not odd, _explain("outcomes outside pass/fail/error/not_applicable", data, as_of, odd[:5])


# -- quoracy is monotone in attendance ----------------------------------------------------------

def _voting_members_on(data: GovernanceData, body_id: str, on: dt.date) -> list[str]:
    facts = derive_facts(data, on)
    return sorted(f["person"] for f in facts if f["kind"] == "membership" and f["body"] == body_id and f["voting"])


def _mark_present(data: GovernanceData, meeting, person: str) -> GovernanceData:
    others = [a for a in meeting.attendance if a.person != person]
    changed = meeting.model_copy(update={"attendance": others + [Attendance(person=person, status="present")]})
    return data.model_copy(update={"meetings": _replace(data.meetings, meeting, changed)})


def _seat_present_newcomer(data: GovernanceData, meeting) -> GovernanceData:
    person = Person(id=_unique_id({p.id for p in data.people}, "newcomer"), name="New Voting Member", voting=True)
    body = next(b for b in data.bodies if b.id == meeting.body)
    seated = body.model_copy(update={"members": body.members + [Membership(person=person.id, from_date=meeting.date, voting=True)]})
    present = meeting.model_copy(update={"attendance": meeting.attendance + [Attendance(person=person.id, status="present")]})
    return data.model_copy(update={"people": data.people + [person], "bodies": _replace(data.bodies, body, seated),
                                   "meetings": _replace(data.meetings, meeting, present)})


@pytest.mark.skipif(not QUORACY_RULES, reason="no quoracy rule on meeting/quorum_part reads who was present")
@given(st.data())
def test_adding_a_present_voting_member_never_turns_a_quorate_meeting_inquorate(draw):
    # meetings mostly already held, so the quoracy rules apply
    as_of, data = draw.draw(scenarios(days=(400, 20), meetings=(1, 3), people=(2, 8)))
    meeting = draw.draw(st.sampled_from(data.meetings))
    marks = {a.person: a.status for a in meeting.attendance}
    not_present = [p for p in _voting_members_on(data, meeting.body, meeting.date) if marks.get(p) != "present"]
    if not_present and draw.draw(st.booleans()):
        person = draw.draw(st.sampled_from(not_present))
        note(f"marking voting member {person} present at {meeting.id}")
        changed = _mark_present(data, meeting, person)
    else:
        note(f"seating a new voting member, present at {meeting.id}")
        changed = _seat_present_newcomer(data, meeting)
    before, after = outcomes(data, as_of), outcomes(changed, as_of)
    subjects = {meeting.id} | {f["id"] for f in derive_facts(data, as_of) if f["kind"] == "quorum_part" and f["meeting"] == meeting.id}
    checked = [(r.id, s) for r in QUORACY_RULES for s in subjects if (r.id, s) in before]
    event(f"quorate before: {any(before[k] == 'pass' for k in checked)}")
    broken = [(k, before[k], after.get(k)) for k in checked if before[k] == "pass" and after.get(k) != "pass"]
    assert not broken, _explain("one more present voting member turned a pass into", changed, as_of, broken,
                                ["organisation", "people", "bodies", "meetings"])


# -- moving a due date later --------------------------------------------------------------------

def _move_due(data: GovernanceData, target: tuple, days: int) -> GovernanceData:
    """Move the date that decides overdue (a risk action's revised date when it has one) ``days`` later."""
    later = dt.timedelta(days=days)
    if target[0] == "action":
        action = data.actions[target[1]]
        return data.model_copy(update={"actions": _replace(data.actions, action, action.model_copy(update={"due": action.due + later}))})
    risk = data.risks[target[1]]
    act = risk.actions[target[2]]
    field = "revised_due" if act.revised_due else "due"
    moved = act.model_copy(update={field: getattr(act, field) + later})
    return data.model_copy(update={"risks": _replace(data.risks, risk, risk.model_copy(update={"actions": _replace(risk.actions, act, moved)}))})


@pytest.mark.skipif(not OVERDUE_RULES, reason="no 'overdue' rule on actions or risk actions")
@given(st.data())
def test_moving_a_due_date_later_never_creates_an_overdue_failure(draw):
    as_of, data = draw.draw(scenarios(actions=(1, 5), risks=(1, 3)))
    targets = [("action", i) for i, a in enumerate(data.actions) if a.due] + [
        ("risk", i, j) for i, r in enumerate(data.risks) for j, a in enumerate(r.actions) if a.revised_due or a.due]
    assume(targets)
    target = draw.draw(st.sampled_from(targets))
    days = draw.draw(edge_or(st.just(1), st.integers(1, 400), 0.2))
    note(f"moving the due date of {target} {days} day(s) later")
    moved = _move_due(data, target, days)
    before, after = outcomes(data, as_of), outcomes(moved, as_of)
    new = sorted(failing(after, OVERDUE_RULES) - failing(before, OVERDUE_RULES))
    assert not new, _explain(f"moving a due date {days} day(s) later created overdue failures", data, as_of,
                             [(k, before.get(k), after[k]) for k in new], ["actions", "risks"])


# -- renewing a declaration ---------------------------------------------------------------------

@pytest.mark.skipif(not CONFLICT_RULES, reason="no conflicts rules")
@given(st.data())
def test_renewing_a_declaration_in_the_current_financial_year_never_creates_a_conflicts_failure(draw):
    as_of, data = draw.draw(scenarios(declarations=(0, 6), bodies=(1, 2)))
    members = sorted({m.person for b in data.bodies for m in b.members if m.active_on(as_of)})
    person = draw.draw(st.sampled_from(members or [p.id for p in data.people]))
    fy = financial_year_start(as_of, *data.organisation.fy_start())
    on = draw.draw(edge_or(st.sampled_from([fy, as_of]), st.integers(0, (as_of - fy).days).map(lambda n: fy + dt.timedelta(days=n)), 0.3))
    # a renewal restates the interests of the person's last declaration, or is a nil return
    previous = max((d for d in data.declarations if d.person == person), key=lambda d: d.declared_on or dt.date.min, default=None)
    interests = previous.interests if previous and draw.draw(st.booleans()) else []
    renewal = Declaration(id=_unique_id({d.id for d in data.declarations}, "renewal"), person=person, declared_on=on,
                          nil_return=not interests, interests=interests,
                          mitigation=previous.mitigation if previous and interests else None)
    note(f"{person} renews their declaration on {on.isoformat()} with {len(interests)} interest(s)")
    renewed = data.model_copy(update={"declarations": data.declarations + [renewal]})
    before, after = outcomes(data, as_of), outcomes(renewed, as_of)
    new = sorted(k for k in failing(after, CONFLICT_RULES) - failing(before, CONFLICT_RULES)
                 if k in before or not interests)  # a restated interest is a new subject with its old faults
    assert not new, _explain("renewing a declaration created conflicts failures", renewed, as_of,
                             [(k, before.get(k), after[k]) for k in new], ["organisation", "people", "bodies", "declarations"])


# -- risk tolerance -----------------------------------------------------------------------------

@pytest.mark.skipif(not TOLERANCE_RULES, reason="no rule on risks reads tolerance_score")
@given(st.data())
def test_a_risk_scored_within_tolerance_never_fails_the_tolerance_rule(draw):
    as_of, data = draw.draw(scenarios(risks=(1, 3)))
    risk = draw.draw(st.sampled_from(data.risks))
    appetite = data.organisation.risk_appetite
    if appetite and draw.draw(st.booleans()):
        level = draw.draw(st.sampled_from(sorted(appetite)))
        limit, tolerance = appetite[level], RiskTolerance(appetite=level)
    else:
        limit = draw.draw(st.integers(1, 25))
        tolerance = RiskTolerance(score=limit)
    likelihood, consequence = draw.draw(st.sampled_from([(l, c) for l in range(1, 6) for c in range(1, 6) if l * c <= limit]))
    period = max((s.period for r in data.risks for s in r.scores), default="2024/25 Q2")
    scored = risk.model_copy(update={"tolerance": tolerance, "scores": [
        RiskScore(period=period, likelihood=likelihood, consequence=consequence)]})
    note(f"{risk.id} scored {likelihood} x {consequence} = {likelihood * consequence} against tolerance {limit}")
    changed = data.model_copy(update={"risks": _replace(data.risks, risk, scored)})
    result = outcomes(changed, as_of)
    wrong = [(r.id, result.get((r.id, risk.id))) for r in TOLERANCE_RULES if result.get((r.id, risk.id)) not in ("pass", "not_applicable")]
    assert not wrong, _explain(f"a risk scored {likelihood * consequence} within tolerance {limit} did not pass",
                               changed, as_of, wrong, ["organisation", "risks"])
