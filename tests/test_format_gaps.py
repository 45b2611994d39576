"""Issue 14's format gaps: each is expressible in the model and derives the facts rules need.

Synthetic data throughout (no real organisation)."""

import datetime as dt

import pytest
from pydantic import ValidationError

from compliance.facts.derive import derive_facts
from compliance.io import DatasetError, load_dataset
from compliance.model import GovernanceData
from compliance.model.risks import RiskScore

AS_OF = dt.date(2025, 1, 1)


def _data(people, marks=None, **meeting):
    """A five-seat board, quorum 3, one meeting on 2024-06-01 with the given marks."""
    return GovernanceData.model_validate({
        "organisation": {"name": "Synthetic Trust", "role_groups": [{"id": "ned", "label": "NED"}]},
        "people": people,
        "bodies": [{"id": "board", "name": "Board", "quorum": {"min_present": 3},
                    "members": [{"person": p["id"]} for p in people]}],
        "meetings": [{"id": "m1", "body": "board", "date": "2024-06-01",
                      "attendance": [{"person": p, "status": s} for p, s in (marks or {}).items()], **meeting}],
    })


def _meeting(data):
    return next(f for f in derive_facts(data, AS_OF) if f["kind"] == "meeting")


VOTERS = [{"id": f"p{i}", "name": f"Person {i}", "voting": True} for i in range(1, 6)]


@pytest.mark.parametrize("status, counts", [
    ("present", True), ("part", True), ("observer", False), ("in_attendance", False), ("via_website", False)])
def test_attendance_marks_and_quorum(status, counts):
    marks = {"p1": "present", "p2": "present", "p3": status, "p4": "apologies", "p5": "apologies"}
    fact = _meeting(_data(VOTERS, marks))
    assert fact["present_voting"] == (3 if counts else 2)
    # a part attender's mark is a recorded mark; an observer's is not a member's record of attendance
    assert fact["members_recorded"] == (5 if counts else 4)


def test_voting_not_stated_is_unknown_not_voting():
    people = VOTERS[:4] + [{"id": "p5", "name": "Person 5"}]  # no voting flag, no role group
    fact = _meeting(_data(people, {p["id"]: "present" for p in people}))
    assert fact["voting_unknown"] == 1
    # the tallies a quorum rule compares are left empty, so the rule gives an error, not pass or fail
    assert "present_voting" not in fact and "voting_members" not in fact and "quorum_min_present" not in fact
    membership = next(f for f in derive_facts(_data(people), AS_OF) if f["kind"] == "membership" and f["person"] == "p5")
    assert "voting" not in membership


def test_voting_from_role_group_when_person_silent():
    people = VOTERS[:4] + [{"id": "p5", "name": "Person 5", "role_group": "ned"}]
    fact = _meeting(_data(people, {p["id"]: "present" for p in people}))
    assert fact["voting_unknown"] == 0 and fact["present_voting"] == 5


def test_quorate_for_part_of_meeting():
    fact = _meeting(_data(VOTERS, {"p1": "present"}, quoracy_confirmed=True, quoracy_scope="part",
                          quoracy_text="quorate for the second half only"))
    assert fact["quorate_part_only"] is True
    assert _meeting(_data(VOTERS, {"p1": "present"}))["quorate_part_only"] is False


def test_head_count_without_names():
    fact = _meeting(_data(VOTERS, present_count=9, stated_quorum=10))
    assert fact["present_voting"] == 9 and fact["quorum_min_present"] == 10
    with pytest.raises(ValidationError):
        _data(VOTERS, present_count=-1)


def test_score_stated_without_likelihood_and_consequence():
    assert RiskScore(period="Q1", score=15).lxc is None
    assert RiskScore(period="Q1", likelihood=3, consequence=5).lxc == 15
    for bad in ({"period": "Q1"}, {"period": "Q1", "likelihood": 3, "score": 15}):
        with pytest.raises(ValidationError):
            RiskScore.model_validate(bad)
    data = GovernanceData.model_validate({"organisation": {"name": "S"},
                                          "risks": [{"id": "r1", "title": "Taxi Procurement", "scores": [{"period": "Q1", "score": 15}]}]})
    risk = next(f for f in derive_facts(data, AS_OF) if f["kind"] == "risk")
    assert risk["stated_score"] == 15 and "score" not in risk


def test_redated_action_and_unknown_status():
    data = GovernanceData.model_validate({"organisation": {"name": "S"}, "actions": [
        {"ref": "85.6", "description": "Report back", "due": "2024-03-01", "revised_due": "2024-09-01"},
        {"ref": "PUB22/3/45", "description": "Review", "status": "unknown"}]})
    facts = {f["ref"]: f for f in derive_facts(data, AS_OF) if f["kind"] == "action"}
    assert facts["85.6"]["redated"] is True and facts["85.6"]["revised_due"] != facts["85.6"]["due"]
    assert facts["PUB22/3/45"]["redated"] is False
    assert "status" not in facts["PUB22/3/45"] and "open" not in facts["PUB22/3/45"]


def test_attendance_summary_possible_actual():
    base = {"organisation": {"name": "S"}, "people": [{"id": "d1", "name": "D", "voting": True}],
            "bodies": [{"id": "board", "name": "Board"}]}
    data = GovernanceData.model_validate({**base, "attendance_summaries": [
        {"id": "d1-2023", "person": "d1", "body": "board", "year": "2023", "possible": 8, "actual": 7}]})
    assert data.attendance_summaries[0].actual == 7
    with pytest.raises(ValidationError, match="more than possible"):
        GovernanceData.model_validate({**base, "attendance_summaries": [
            {"id": "x", "person": "d1", "body": "board", "year": "2023", "possible": 7, "actual": 8}]})


def test_director_disclosures_and_committee_chair():
    data = GovernanceData.model_validate({"organisation": {"name": "S plc"}, "people": [
        {"id": "d1", "name": "D", "voting": True, "independent": True, "appointed": "2016-05",
         "financial_experience": True, "last_elected": "2024-05-02"}],
        "bodies": [{"id": "audit", "name": "Audit Committee", "kind": "committee",
                    "members": [{"person": "d1", "role": "chair"}]}]})
    assert data.people[0].appointed == "2016-05" and data.bodies[0].members[0].role == "chair"


def test_stray_comma_in_yaml_names_the_likely_cause(tmp_path):
    (tmp_path / "organisation.yaml").write_text("name: Synthetic\n")
    (tmp_path / "people.yaml").write_text("people:\n  - {id: a, name: A, voting: true, note: joined late, see minutes}\n")
    with pytest.raises(DatasetError) as err:
        load_dataset(tmp_path)
    text = "\n".join(str(i) for i in err.value.issues)
    assert len(err.value.issues) == 1 and "(got None)" not in text
    assert "see minutes" in text and "unquoted comma or colon" in text and "quote the text" in text
