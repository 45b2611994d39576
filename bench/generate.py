"""Synthetic but realistic governance data sets for the benchmark, built with the pydantic models.

One data set is one organisation (an ICB-like body) over ``years`` financial years: a board
meeting every month plus audit, quality and finance committees, 20-30 board members with
turnover, a declaration per member per year with its interests, a board assurance framework
with quarterly scores and action plans, an action log and paper cover sheets. Everything is
drawn from ``random.Random`` seeded with ``(seed, org)``, so the same arguments give the same
data on every machine (string seeds are hashed with SHA-512, not ``hash()``).

Sizes are counted in (rule, subject) outcomes *for the rule set given at run time*:
``outcomes(rules, facts, as_of)`` counts them, ``plan(...)`` picks how many organisations reach
a target, so adding rules to the packs changes the plan, never this file.

    python bench/generate.py OUT_DIR --orgs 3 --years 2     # writes OUT_DIR/org-000 ... as JSON
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from compliance.model import (
    Action, Attendance, Body, Declaration, GovernanceData, ImpactAssessment, Interest, Meeting, Membership,
    Organisation, Paper, Person, QuorumRequirement, QuorumSpec, Risk, RiskAction, RiskScore, RiskTarget,
    RiskTolerance, RoleGroup, YesNoItem,
)

FIRST_FY = 2020  # financial year 2020/21 starts 1 April 2020
COHORTS = ["nhs_trusts", "local_authorities", "primary_care"]
EXEC_ROLES = ["CEO", "CFO", "CMO", "CNTO", "CDO", "CTO"]
COMMITTEES = [("audit", "Audit Committee", 4), ("quality", "Quality and Safety Committee", 6),
              ("finance", "Finance and Performance Committee", 12)]
INTEREST_CATEGORIES = ["financial", "non_financial_professional", "non_financial_personal", "indirect"]
PROGRESS = ["complete", "on_track", "on_track", "delayed", "at_risk", "not_started", "unknown"]
PLACEHOLDER = "Click or tap here to enter text."


def as_of_for(years: int) -> dt.date:
    """The check date of a data set covering ``years`` years: the last board meeting's month end."""
    return dt.date(FIRST_FY + years, 3, 31)


def generate(org: int, years: int, seed: int = 0, units: int = 1) -> GovernanceData:
    """One organisation's governance records over ``years`` financial years (deterministic).

    ``units``: the organisation runs that many boards, each with its own committees, members,
    meetings, papers, actions and risks (ids prefixed ``uNNN-`` after the first), so one data set
    reaches a million findings at a realistic mix of kinds (about 29,000 per unit over five years
    with nhs-icb + nhs-performance); more years alone would not (member turnover, superlinear
    derivation). The first unit is exactly the ``units=1`` data set.
    """
    numbers: Counter[str] = Counter()  # action references per year, shared so they stay unique across units
    parts = [_unit(org, u, years, seed, numbers) for u in range(units)]
    people, bodies, meetings, declarations, risks, actions, papers = ([x for part in parts for x in part[i]] for i in range(7))
    return GovernanceData(
        organisation=Organisation(
            name=f"NHS Synthetic ICB {org:03d}", short_name=f"ICB{org:03d}", financial_year_start="04-01",
            role_groups=[
                RoleGroup(id="executive", label="Executive members"),
                RoleGroup(id="independent", label="Chair and non-executive members"),
                RoleGroup(id="partner", label="Partner members", cohorts=COHORTS),
                RoleGroup(id="participant", label="Participants (non-voting)", voting=False),
            ],
            risk_appetite={"low": 6, "moderate": 12, "high": 16},
        ),
        people=people, bodies=bodies, meetings=meetings, declarations=declarations, risks=risks, actions=actions,
        papers=papers,
    )


def _unit(org: int, unit: int, years: int, seed: int, numbers: Counter[str]) -> tuple[list[Any], ...]:
    """One board's records: (people, bodies, meetings, declarations, risks, actions, papers)."""
    rng = random.Random(f"compliance-bench:{seed}:{org}" + (f":{unit}" if unit else ""))
    prefix = f"u{unit:03d}-" if unit else ""
    people, seats = _people(rng, org, years, prefix)
    board_members = [Membership(person=p, **{"from": start, "to": end}) for p, start, end in seats]
    board = Body(
        id=f"{prefix}board", name=f"Board of ICB {org:03d}" + (f" unit {unit}" if unit else ""), kind="board",
        members=board_members,
        quorum=QuorumSpec(
            min_fraction=0.5, fraction_strict=True,
            requirements=[
                QuorumRequirement(id="ceo", label="the Chief Executive", roles=["CEO"]),
                QuorumRequirement(id="finance", label="an executive finance lead", roles=["CFO", "CDO"]),
                QuorumRequirement(id="clinical", label="a clinical executive", roles=["CMO", "CNTO"]),
                QuorumRequirement(id="independent", label="two independent members", role_groups=["independent"], at_least=2),
                QuorumRequirement(id="partners", label="two partner members", role_groups=["partner"], at_least=2),
                QuorumRequirement(id="cohorts", label="one from each partner cohort", role_groups=["partner"],
                                  each_cohort=True, advisory=True),
            ],
        ),
    )
    by_group: dict[str, list[str]] = {}
    for p in people:
        by_group.setdefault(p.role_group or "", []).append(p.id)
    bodies = [board]
    for cid, name, _ in COMMITTEES:
        chosen = rng.sample(by_group["independent"], 3) + rng.sample(by_group["executive"], 2)
        bodies.append(Body(
            id=prefix + cid, name=name, kind="committee", members=[Membership(person=p) for p in chosen],
            quorum=QuorumSpec(min_present=3, requirements=[
                QuorumRequirement(id="ned", label="a non-executive member", role_groups=["independent"])]),
        ))
    meetings = list(_meetings(rng, bodies, years, prefix))
    return (people, bodies, meetings, list(_declarations(rng, people, seats, years)), list(_risks(rng, years, prefix)),
            list(_actions(rng, meetings, prefix, numbers)), list(_papers(rng, meetings, prefix)))


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _people(rng: random.Random, org: int, years: int, prefix: str = "") -> tuple[list[Person], list[tuple[str, dt.date | None, dt.date | None]]]:
    """20-30 board seats; about one seat in ten changes hands each year (a leaver and a joiner)."""
    seats: list[tuple[str, str, str | None, list[str], bool]] = []  # (group, role label, cohort, role codes, voting)
    seats.append(("independent", "Chair", None, ["Chair"], True))
    seats += [("executive", role, None, [role], True) for role in EXEC_ROLES]
    seats += [("independent", "Non-Executive Member", None, ["NED"], True) for _ in range(rng.randint(4, 6))]
    seats += [("partner", "Partner Member", COHORTS[i % 3], [], True) for i in range(rng.randint(5, 8))]
    seats += [("participant", "Participant Member", None, [], False) for _ in range(rng.randint(3, 6))]
    end = as_of_for(years)
    people: list[Person] = []
    tenures: list[tuple[str, dt.date | None, dt.date | None]] = []
    for s, (group, role, cohort, codes, voting) in enumerate(seats):
        start: dt.date | None = None
        holder = 0
        while True:
            pid = f"{prefix}p{s:02d}-{holder}"
            people.append(Person(id=pid, name=f"Member {org:03d}-{prefix}{s:02d}-{holder}", initials=f"M{s}{holder}", role=role,
                                 roles=codes, role_group=group, cohort=cohort, voting=voting))
            leave = _day(rng, start or dt.date(FIRST_FY, 4, 1), end) if rng.random() < 0.1 * years else None
            if leave is None or leave >= end - dt.timedelta(days=30):
                tenures.append((pid, start, None))
                break
            tenures.append((pid, start, leave))
            start, holder = leave + dt.timedelta(days=1), holder + 1
    return people, tenures


def _meetings(rng: random.Random, bodies: list[Body], years: int, prefix: str = "") -> Iterator[Meeting]:
    frequency = {prefix + "board": 12, **{prefix + cid: n for cid, _, n in COMMITTEES}}
    for body in bodies:
        per_year = frequency[body.id]
        for fy in range(FIRST_FY, FIRST_FY + years):
            for k in range(per_year):
                month = 4 + k * (12 // per_year)
                date = dt.date(fy + (month > 12), (month - 1) % 12 + 1, rng.randint(8, 26))
                members = [m.person for m in body.members if m.active_on(date)]
                roll = rng.random()
                attendance = [] if roll < 0.02 else [
                    Attendance(person=p, status=rng.choices(["present", "apologies", "absent", "deputy"], [85, 10, 3, 2])[0])
                    for p in members
                ]
                yield Meeting(id=f"{body.id}-{date.isoformat()}", body=body.id, date=date, kind="public",
                              quoracy_confirmed=None if roll < 0.3 else True, attendance=attendance)


def _declarations(rng: random.Random, people: list[Person], seats, years: int) -> Iterator[Declaration]:
    tenure = {pid: (start, end) for pid, start, end in seats}
    for person in people:
        start, end = tenure[person.id]
        for fy in range(FIRST_FY, FIRST_FY + years):
            fy_start, fy_end = dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)
            if (end and end < fy_start) or (start and start > fy_end) or rng.random() < 0.05:
                continue  # not in post that year, or no declaration made (a finding)
            declared = _day(rng, max(fy_start, start or fy_start), min(fy_start + dt.timedelta(days=90), fy_end))
            n = rng.choices([0, 1, 2, 3, 4], [20, 30, 25, 15, 10])[0]
            interests = []
            for i in range(n):
                begun = rng.randint(2005, fy)
                ended = rng.random() < 0.2
                finish = f"{rng.randint(begun, fy + 1)}-{rng.randint(1, 12):02d}" if ended else None
                if finish and finish < str(begun):
                    finish = None
                interests.append(Interest(
                    number=i + 1, category=rng.choice(INTEREST_CATEGORIES), description=f"Interest {i + 1} of {person.id}",
                    start=str(begun) if rng.random() < 0.5 else f"{begun}-{rng.randint(1, 12):02d}",
                    end=finish, ongoing=finish is None and rng.random() < 0.7,
                ))
            yield Declaration(
                id=f"doi-{person.id}-{fy}", person=person.id, declared_on=declared, role=person.role,
                nil_return=not interests, interests=interests,
                mitigation="(h) interest recorded on the Conflicts Register" if interests and rng.random() < 0.8 else None,
                mitigation_codes=["h"] if interests and rng.random() < 0.8 else [],
            )


def _risks(rng: random.Random, years: int, prefix: str = "") -> Iterator[Risk]:
    periods = [f"{fy}/{str(fy + 1)[2:]} Q{q}" for fy in range(FIRST_FY, FIRST_FY + years) for q in range(1, 5)]
    for r in range(rng.randint(8, 14)):
        scores = []
        for period in periods[rng.randint(0, 2):]:
            lk, cq = rng.randint(1, 5), rng.randint(2, 5)
            scores.append(RiskScore(period=period, likelihood=lk, consequence=cq,
                                    score=lk * cq if rng.random() < 0.95 else max(1, lk * cq - 1)))
        tolerance = (RiskTolerance(score=rng.choice([6, 8, 9, 10, 12, 15, 16])) if rng.random() < 0.8
                     else RiskTolerance(appetite=rng.choice(["low", "moderate", "high"])))
        tl, tc = rng.randint(1, 4), rng.randint(2, 5)
        target = RiskTarget(likelihood=tl, consequence=tc, score=tl * tc,
                            date=dt.date(FIRST_FY + years, 3, 31) if rng.random() < 0.9 else None)
        actions = []
        for a in range(rng.randint(2, 4) * years):
            due = _day(rng, dt.date(FIRST_FY, 6, 30), dt.date(FIRST_FY + years + 1, 3, 31))
            revised = due + dt.timedelta(days=rng.choice([30, 60, 90])) if rng.random() < 0.15 else None
            actions.append(RiskAction(id=f"{prefix}BAF{r + 1}-A{a + 1}", description=f"Mitigating action {a + 1}",
                                      owner="Risk owner", due=due, revised_due=revised, progress=rng.choice(PROGRESS)))
        yield Risk(id=f"{prefix}BAF{r + 1}", title=f"Principal risk {r + 1}", owner="Executive lead", scores=scores,
                   target=target, tolerance=tolerance, actions=actions)


def _actions(rng: random.Random, meetings: list[Meeting], prefix: str, numbers: Counter[str]) -> Iterator[Action]:
    """The board's action log; ``numbers`` counts references per year across units, so each stays unique."""
    for meeting in meetings:
        if meeting.body != prefix + "board":
            continue
        fy = meeting.date.year if meeting.date.month >= 4 else meeting.date.year - 1
        for _ in range(rng.randint(2, 6)):
            label = f"{fy}-{str(fy + 1)[2:]}"
            numbers[label] += 1
            number = numbers[label] - (1 if rng.random() < 0.01 and numbers[label] > 1 else 0)  # rare duplicate ref
            due = meeting.date + dt.timedelta(days=rng.choice([28, 56, 84, 120]))
            done = rng.random() < 0.75
            yield Action(ref=f"{label}/{number:03d}", body=prefix + "board", meeting_date=meeting.date,
                         description="Bring back a report to the board", owner=rng.choice(["CEO", "CFO", "CMO", None]),
                         due=due if rng.random() < 0.95 else None, status="complete" if done else rng.choice(["open", "due", "pending"]),
                         completed_on=due - dt.timedelta(days=rng.randint(0, 20)) if done and rng.random() < 0.5 else None,
                         update="Progress reported" if rng.random() < 0.8 else None, section="closed" if done else "live")


def _assessment(rng: random.Random, date: dt.date) -> ImpactAssessment:
    answer = rng.choices(["yes", "no", "n_a", "unanswered"], [30, 20, 40, 10])[0]
    return ImpactAssessment(
        answer=answer,
        justification=(PLACEHOLDER if rng.random() < 0.3 else "Not applicable to this report") if answer == "no" else None,
        approved_on=date - dt.timedelta(days=rng.randint(10, 90)) if answer == "yes" and rng.random() < 0.8 else None,
    )


def _papers(rng: random.Random, meetings: list[Meeting], prefix: str = "") -> Iterator[Paper]:
    for meeting in meetings:
        if meeting.body != prefix + "board":
            continue
        for n in range(rng.randint(5, 10)):
            purposes = sorted(set(rng.choices(["A", "R", "S", "D", "I"], k=rng.randint(1, 2))))
            conflict = rng.choices(["yes", "no", "unanswered"], [10, 80, 10])[0]
            money = rng.choices(["yes", "no", "unanswered"], [30, 60, 10])[0]
            yield Paper(
                id=f"{meeting.id}-enc{n + 1:02d}", meeting=meeting.id, enclosure=f"Enc {n + 1:02d}", title=f"Report {n + 1}",
                purposes=purposes, within_delegated_limits=rng.choice(["yes", "no", "unanswered"]),
                conflict=YesNoItem(answer=conflict, detail=("Chair to manage" if rng.random() < 0.7 else PLACEHOLDER) if conflict == "yes" else None),
                financial_impact=YesNoItem(answer=money, signed_off_by="CFO" if money == "yes" and rng.random() < 0.8 else None,
                                           signed_off_on=meeting.date - dt.timedelta(days=7) if money == "yes" else None),
                dpia=_assessment(rng, meeting.date), eia=_assessment(rng, meeting.date), qia=_assessment(rng, meeting.date),
            )


def outcomes(rules: list[Any], facts: list[dict[str, Any]], as_of: dt.date) -> int:
    """(rule in force, subject of its kind) pairs: the number of findings a run must produce."""
    kinds = Counter(f["kind"] for f in facts)
    return sum(kinds[r.applies_to] for r in rules if r.in_force(as_of))


def write(data: GovernanceData, directory: Path) -> Path:
    """Write a data set directory as JSON registers (JSON loads fastest; the format is the same)."""
    directory.mkdir(parents=True, exist_ok=True)
    dumped = data.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    (directory / "organisation.json").write_text(json.dumps(dumped.pop("organisation"), indent=1), encoding="utf-8")
    for register, records in dumped.items():
        (directory / f"{register}.json").write_text(json.dumps({register: records}, indent=1), encoding="utf-8")
    return directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="directory to write org-NNN data sets into")
    parser.add_argument("--orgs", type=int, default=1)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for org in range(args.orgs):
        path = write(generate(org, args.years, args.seed), args.out / f"org-{org:03d}")
        print(path)
    print(f"as_of for these data sets: {as_of_for(args.years).isoformat()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
