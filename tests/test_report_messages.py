"""Rule messages say counts with their noun in the right number ("1 day overdue", never "1 days").

The ``plural:`` format spec is a generic rule-language capability (docs/rule-language.md, "A rule");
the shipped packs use it wherever a message counts days, months or members.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from compliance.engine.evaluate import evaluate
from compliance.facts import derive_facts
from compliance.model import GovernanceData
from compliance.rules import RuleSetError, load_rules
from compliance.rules.loader import fields_needed
from compliance.rules.messages import plural, render
from report_fixture import shipped_rules

AS_OF = dt.date(2024, 10, 17)
PACKS = Path(__file__).resolve().parents[1] / "src" / "compliance" / "packs"


@pytest.mark.parametrize("count, forms, expected", [
    (1, "day", "1 day"), (0, "day", "0 days"), (21, "day", "21 days"), (-1, "day", "-1 day"),
    (1.0, "month", "1.0 month"), (2, "person/people", "2 people"), (1, "person/people", "1 person"),
    (True, "day", "True days"), ("<due missing>", "day", "<due missing> days"),
])
def test_plural_puts_the_noun_in_the_number_of_the_count(count, forms, expected):
    assert plural(count, forms) == expected


def test_render_keeps_ordinary_format_specs_beside_plural():
    values = {"score": 7, "n": 1, "ref": "A/1"}
    assert render("{ref}: {score:>3} in {n:plural:day}; {{braces}} {ref!r}", values.__getitem__) == "A/1:   7 in 1 day; {braces} 'A/1'"


def _rule(message: str) -> dict:
    return {"id": "t.actions.overdue", "family": "actions", "title": "open action not overdue", "severity": "medium",
            "applies_to": "action", "when": {"field": "open", "eq": True}, "require": {"field": "due", "ge": {"as_of": {}}},
            "message": message}


def _messages(tmp_path: Path, rules: list[dict]) -> dict[str, str]:
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}))
    ruleset = load_rules(path)
    data = GovernanceData.model_validate({
        "organisation": {"name": "Test ICB", "financial_year_start": "04-01"},
        "actions": [{"ref": "A1", "description": "one day late", "due": "2024-10-16"},
                    {"ref": "A2", "description": "three weeks late", "due": "2024-09-26"}]})
    facts = derive_facts(data, AS_OF, fields_needed(ruleset.rules))
    out = {}
    for engine in ("durable", "reference"):
        out[engine] = {f.subject.id: f.message for f in evaluate(ruleset.rules, facts, AS_OF, {}, engine=engine) if f.outcome == "fail"}
    assert out["durable"] == out["reference"]
    return out["durable"]


def test_a_rule_message_says_1_day_and_21_days(tmp_path):
    msgs = _messages(tmp_path, [_rule("{ref} due {due}: {days_overdue:plural:day} overdue")])
    assert msgs == {"A1": "A1 due 2024-10-16: 1 day overdue", "A2": "A2 due 2024-09-26: 21 days overdue"}


@pytest.mark.parametrize("spec", ["plural:", "plural:day/", "plural:a/b/c", "plural: day"])
def test_a_plural_spec_without_a_usable_noun_is_a_load_error(tmp_path, spec):
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump({"rules": [_rule("{days_overdue:%s} overdue" % spec)]}))
    with pytest.raises(RuleSetError) as exc:
        load_rules(path)
    text = "\n".join(str(i) for i in exc.value.issues)
    assert "message: placeholder {days_overdue}: plural spec" in text and "expected plural:NOUN" in text


def test_the_shipped_overdue_rule_says_1_day(tmp_path):
    ruleset = load_rules(PACKS / "nhs-common" / "actions.yaml")
    (rule,) = [r for r in ruleset.rules if r.id == "nhs.actions.not-overdue"]
    assert "{days_past_effective_due:plural:day}" in rule.message
    data = GovernanceData.model_validate({"organisation": {"name": "Test ICB", "financial_year_start": "04-01"},
                                          "actions": [{"ref": "2024-25/001", "description": "late", "due": "2024-10-16"}]})
    facts = derive_facts(data, AS_OF, fields_needed([rule]))
    (finding,) = [f for f in evaluate([rule], facts, AS_OF, {}, engine="reference") if f.outcome == "fail"]
    assert finding.message.endswith(": 1 day overdue")


# a number placeholder followed by a plural noun, written without the plural spec ("{n} days")
COUNTED = re.compile(r"\{[a-z_.]+\} (days|months|members|voting members|weeks|years)\b")


def test_no_shipped_message_writes_a_count_before_a_plural_noun_by_hand():
    found = []
    for path, rule in shipped_rules():
        for key in ("message", "pass_message"):
            if COUNTED.search(str(rule.get(key, ""))):
                found.append(f"{path.name}: {rule['id']} {key}")
    assert found == []
