"""Boundaries on the real pack: a due date on as_of, exactly the quorum (synthetic cases: rules/nhs-icb/tests)."""

import datetime as dt

import yaml

from compliance.engine import evaluate
from compliance.facts import derive_facts
from compliance.io import load_dataset
from compliance.rules import load_rules
from conftest import AS_OF, REAL, ROOT

RULES = load_rules(ROOT / "rules").rules


def _outcomes(path, as_of):
    facts = derive_facts(load_dataset(path).data, as_of)
    return {(f.rule_id, f.subject.id): f.outcome for f in evaluate(RULES, facts, as_of)}


def test_action_due_on_as_of_is_not_overdue_but_a_day_later_is():
    # 2024-24/001 is due 26/09/2024 (pack line 415)
    assert _outcomes(REAL, dt.date(2024, 9, 26))[("nhs.actions.not-overdue", "2024-24/001")] == "pass"
    assert _outcomes(REAL, dt.date(2024, 9, 27))[("nhs.actions.not-overdue", "2024-24/001")] == "fail"


def _present_only(path, meeting_id, keep):
    """Keep the first ``keep`` voting members present at a meeting; mark the rest apologies."""
    people = {p["id"]: p for p in yaml.safe_load((path / "people.yaml").read_text())["people"]}
    doc = yaml.safe_load((path / "meetings.yaml").read_text())
    meeting = next(m for m in doc["meetings"] if m["id"] == meeting_id)
    kept = 0
    for att in meeting["attendance"]:
        if att["status"] == "present" and people[att["person"]].get("voting", True):
            kept += 1
            if kept > keep:
                att["status"], att["mark"] = "apologies", "A"
    (path / "meetings.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def test_exactly_the_quorum_passes_and_one_fewer_fails(dataset):
    _present_only(dataset, "board-2024-09-26", 9)
    assert _outcomes(dataset, AS_OF)[("nhs-icb.quoracy.head-count", "board-2024-09-26")] == "pass"
    _present_only(dataset, "board-2024-09-26", 8)
    assert _outcomes(dataset, AS_OF)[("nhs-icb.quoracy.head-count", "board-2024-09-26")] == "fail"
