"""Explanations shared by findings (issue 17): a not-applicable finding's message and evidence (and
a pass's, when the rule words none) depend only on the values of the fields its conditions read, so
facts with the same values share one explanation (``engine.evaluate._ExplanationMemo``). Shared
explanations must be exactly the ones a fresh walk gives each finding, and each finding keeps its
own evidence dicts."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from pathlib import Path

import pytest

from compliance.engine.evaluate import evaluate
from compliance.facts import derive_facts
from compliance.rules import load_rules
from compliance.rules.loader import fields_needed, template_names
from conftest import AS_OF, REAL, ROOT

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402  (bench/generate.py: generated data sets)

evaluate_module = sys.modules["compliance.engine.evaluate"]
RULES = load_rules(["nhs-icb", "nhs-performance"])


def _findings(data, as_of):
    facts = derive_facts(data, as_of, fields_needed(RULES.rules))
    return evaluate(RULES.rules, facts, as_of)


def _fresh(finding):
    """The finding's explanation from a walk of its own, without the memo."""
    explain = finding._explain
    assert isinstance(explain, functools.partial)
    *args, memo = explain.args
    return evaluate_module._explain(*args), memo


@pytest.mark.parametrize("source", ["real", "generated"])
def test_shared_explanations_are_the_fresh_ones(source):
    if source == "real":
        from compliance.io import load_dataset

        data, as_of = load_dataset(REAL).data, AS_OF
    else:
        data, as_of = generate.generate(0, 2, seed=3), dt.date(2025, 3, 31)
    findings = _findings(data, as_of)
    shared = 0
    for finding in findings:
        if not isinstance(finding._explain, functools.partial):
            continue  # not checked, or made with its explanation
        (message, evidence), memo = _fresh(finding)
        shared += memo is not None and finding.outcome in memo.outcomes
        assert (finding.message, finding.evidence) == (message, evidence), (finding.rule_id, finding.subject.id)
    assert shared > 100  # the memo is used: not-applicable findings of plain conditions are most of a run


def test_findings_sharing_an_explanation_have_their_own_evidence():
    findings = [f for f in _findings(generate.generate(0, 1, seed=1), dt.date(2025, 3, 31))
                if f.outcome == "not_applicable"]
    by_rule: dict[str, list] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    a, b = next(group[:2] for group in by_rule.values() if len(group) > 1 and group[0].evidence == group[1].evidence)
    assert a.evidence is not b.evidence and all(x is not y for x, y in zip(a.evidence, b.evidence))
    a.evidence[0]["actual"] = "changed"
    assert b.evidence[0]["actual"] != "changed"


def test_values_are_keyed_with_their_types():
    memo = evaluate_module._ExplanationMemo({"not_applicable": ("flag",)})
    keys = {memo.key("not_applicable", fact) for fact in ({"flag": True}, {"flag": 1}, {"flag": 1.0}, {"flag": None}, {})}
    assert len(keys) == 5  # True, 1 and 1.0 are shown differently; None is not an absent field


def test_no_memo_where_an_explanation_reads_more_than_the_fact():
    plain = {r.id: evaluate_module._ExplanationMemo.of(r, r.when_condition, r.require_condition) for r in RULES.rules}
    # a rule with a relation in its when (its evidence names the related records) shares nothing not applicable
    from compliance.rules.conditions import COMPUTED, Relation, walk

    relational = 0
    for rule in RULES.rules:
        memo = plain[rule.id]
        if rule.when_condition is not None and any(isinstance(COMPUTED.get(leaf.field), Relation)
                                                   for leaf in walk(rule.when_condition)):
            relational += 1
            assert memo is None or "not_applicable" not in memo.outcomes, rule.id
        if memo is not None and rule.pass_message and "pass" in memo.fields:  # the message's fields are in the key
            assert template_names(rule.pass_message) <= set(memo.fields["pass"]), rule.id
    assert relational and any(m is not None for m in plain.values())


def test_an_outcome_seldom_shared_is_explained_one_by_one_after_the_trial():
    memo = evaluate_module._ExplanationMemo({"pass": ("id",), "not_applicable": ("kind",)})
    made = []

    def explain(text):
        made.append(text)
        return text, [{"field": "id", "actual": text}]

    trial = memo.TRIAL
    for n in range(trial + 10):
        fact = {"id": f"s{n}", "kind": "meeting"}
        # as engine.evaluate._explain asks: through the memo while the outcome is in it
        said = memo.explained("pass", fact, lambda: explain(fact["id"])) if "pass" in memo.outcomes else explain(fact["id"])
        assert said[0] == fact["id"]
        memo.explained("not_applicable", fact, lambda: explain("na"))
    assert "pass" not in memo.outcomes and "not_applicable" in memo.outcomes  # every pass was new; n/a always shared
    assert made.count("na") == 1 and len(memo.entries) == trial + 1 and len(made) == trial + 10 + 1
