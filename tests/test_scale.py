"""The engine never loses an outcome and does not grow with the number of runs (small scale).

bench/run checks the same invariant at >= 1,000,000 outcomes; these run in a few seconds.
"""

import resource
import sys

from compliance.engine import durable_engine
from compliance.engine.evaluate import decide, plan
from compliance.facts import derive_facts
from compliance.rules import load_rules
from compliance.rules.conditions import AnyOf, Leaf
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from generate import as_of_for, generate, outcomes  # noqa: E402

RULES = load_rules(["nhs-icb", "nhs-performance"]).rules


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def test_exactly_one_outcome_per_rule_and_subject_on_generated_data_sets():
    total = 0
    for org in range(2):
        data = generate(org, years=2, seed=7)
        as_of = as_of_for(2)
        facts = derive_facts(data, as_of)
        expected = outcomes(RULES, facts, as_of)
        seen = 0
        for kind_plan in plan(RULES, facts, as_of, data.organisation.rule_params):
            durable, errors = decide(kind_plan, "durable")
            reference, _ = decide(kind_plan, "reference")
            assert not errors
            assert set(durable) == set(range(len(kind_plan.rules)))
            for i in durable:
                assert len(durable[i]) == len(kind_plan.facts)
                assert durable[i] == reference[i], kind_plan.rules[i][0].id
                seen += len(durable[i])
        assert seen == expected
        total += seen
    assert total > 5000  # big enough to span several engine sessions per run


def test_many_sessions_and_duplicate_cases_lose_nothing():
    # 5,000 facts over 2,500 distinct cases: three engine sessions, every case asserted once
    rules = [durable_engine.CompiledRule(0, None, None, Leaf("a", "ge", 1000), Leaf("a", "lt", 1000)),
             durable_engine.CompiledRule(1, None, None, AnyOf((Leaf("b", "eq", 1), Leaf("b", "eq", 1))),
                                         Leaf("b", "ne", 1))]
    facts = [{"id": str(j), "a": j % 2500, **({"b": j % 2500 % 3} if j % 2500 % 7 else {})} for j in range(5000)]
    result = durable_engine.run("probe", rules, facts)
    assert not result.errors
    assert result.distinct == 2500
    assert result.seen == set(range(5000))
    assert result.outcomes[0] == ["pass" if f["a"] >= 1000 else "fail" for f in facts]
    assert result.outcomes[1] == ["error" if "b" not in f else "pass" if f["b"] == 1 else "fail" for f in facts]


def test_a_bool_and_an_int_with_equal_values_are_different_cases():
    rules = [durable_engine.CompiledRule(0, None, None, Leaf("a", "eq", True), Leaf("a", "ne", True))]
    # True == 1 in Python, so a key of values alone would merge them; the engine must see both
    # (durable-rules itself matches `a == true` on 1: the reference cross-check reports that)
    result = durable_engine.run("probe", rules, [{"id": "x", "a": True}, {"id": "y", "a": 1}, {"id": "z", "a": True}])
    assert result.distinct == 2
    assert result.outcomes[0][0] == result.outcomes[0][2] == "pass"


def test_memory_stays_flat_over_many_runs_and_as_of_dates():
    data = generate(0, years=1, seed=3)
    as_of = as_of_for(1)
    facts = derive_facts(data, as_of)
    kind_plans = plan(RULES, facts, as_of, {})
    for kind_plan in kind_plans:  # warm: compile each kind's ruleset once
        decide(kind_plan, "durable")
    before = _rss_mb()
    for _ in range(25):
        for kind_plan in kind_plans:
            assert not decide(kind_plan, "durable")[1]
    assert _rss_mb() - before < 25  # facts are deleted with their session (~7.5 KB each otherwise)
    # different as_of dates compile different rulesets: the cache is bounded and evicts in C
    for days in range(durable_engine._MAX_RULESETS + 5):
        shifted = as_of.fromordinal(as_of.toordinal() + days)
        for kind_plan in plan(RULES, derive_facts(data, shifted), shifted, {})[:1]:
            assert not decide(kind_plan, "durable")[1]
    assert len(durable_engine._compiled) <= durable_engine._MAX_RULESETS


def test_a_fact_the_engine_drops_silently_is_reported_not_lost():
    # durable-rules stops reading a batch at a float written in exponent form and reports success
    rules = [durable_engine.CompiledRule(0, None, None, Leaf("a", "ge", 0), Leaf("a", "lt", 0))]
    facts = [{"id": "x", "a": 1}, {"id": "y", "a": 1e-05}, {"id": "z", "a": 2}]
    result = durable_engine.run("probe", rules, facts)
    assert result.errors and "never reached the engine" in result.errors[-1]
    assert result.seen != {0, 1, 2}
