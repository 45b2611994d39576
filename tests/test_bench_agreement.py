"""The benchmark's paths agree outcome by outcome, relations included, at small scale (not timed).

bench/run compares the plain-Python limit (bench/plain.py), the reference evaluator, durable-rules
and the peers at >= 1,000,000 outcomes; these tests check the same agreement, and that no outcome
is lost or duplicated, on a small generated data set, so a change that breaks the bench's limit is
seen without running it.
"""

import copy
import sys
from collections import Counter

import pytest

from compliance.engine.evaluate import decide, plan
from compliance.facts import derive_facts
from compliance.rules import load_rules
from compliance.rules.conditions import COMPUTED, Relation, is_computed, walk_deep
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import peers  # noqa: E402
import plain  # noqa: E402
from generate import as_of_for, generate, outcomes  # noqa: E402

RULES = load_rules(["nhs-icb", "nhs-performance"]).rules
RELATION_RULES = {r.id for r in RULES
                  if any(is_computed(l.field) and isinstance(COMPUTED[l.field], Relation)
                         for l in walk_deep(r.when_condition, r.require_condition))}


@pytest.fixture(scope="module")
def data_set():
    data = generate(3, years=2, seed=11)
    as_of = as_of_for(2)
    return derive_facts(data, as_of), as_of, data.organisation.rule_params


def _engine_rows(facts, as_of, params, engine):
    rows = []
    for kind_plan in plan(RULES, facts, as_of, params):
        decided, errors = decide(kind_plan, engine)
        assert not errors
        ids = [f["id"] for f in kind_plan.facts]
        for i, (rule, _, _, _) in enumerate(kind_plan.rules):
            rows.extend(((rule.id, s), o) for s, o in zip(ids, decided[i]))
    return rows


def _plain_rows(facts, as_of, params):
    return [((rule_id, s), o) for rule_id, ids, outs in plain.decide(RULES, facts, as_of, params) for s, o in zip(ids, outs)]


def _one_each(rows, expected):
    """The rows as a dict, after checking there is exactly one per (rule, subject) and no other."""
    keys = Counter(k for k, _ in rows)
    assert not [k for k, n in keys.items() if n > 1], "duplicated outcomes"
    assert len(keys) == expected, "lost or extra outcomes"
    return dict(rows)


def test_plain_reference_and_durable_agree_outcome_by_outcome_relations_included(data_set):
    facts, as_of, params = data_set
    expected = outcomes(RULES, facts, as_of)
    reference = _one_each(_engine_rows(facts, as_of, params, "reference"), expected)
    durable = _one_each(_engine_rows(facts, as_of, params, "durable"), expected)
    limit = _one_each(_plain_rows(facts, as_of, params), expected)
    assert set(limit) == set(reference) == set(durable)
    assert [k for k in reference if limit[k] != reference[k]] == []
    assert [k for k in reference if durable[k] != reference[k]] == []
    # the comparison covers relations: rules joining registers decide both ways on this data set
    relation_outcomes = Counter(o for (rule_id, _), o in reference.items() if rule_id in RELATION_RULES)
    assert len(RELATION_RULES) >= 10
    assert relation_outcomes["pass"] > 0 and relation_outcomes["fail"] > 0


def test_every_rule_is_written_out_by_the_plain_limit():
    # a rule the limit cannot compute would be left out of the ratio; bench/run names it, and
    # today none is (if one appears, this says which, so the exclusion is a decision, not a drift)
    assert {r.id: why for r in RULES if (why := plain.supported(r, r.params, as_of_for(2)))} == {}


def test_the_plain_limit_follows_the_related_records(data_set):
    # the limit joins on the data, not on anything cached: removing every declaration changes the
    # relation rules' outcomes exactly as the reference evaluator's change
    facts, as_of, params = data_set
    fewer = [f for f in copy.deepcopy(facts) if f["kind"] != "declaration"]
    before = dict(_plain_rows(facts, as_of, params))
    after = dict(_plain_rows(fewer, as_of, params))
    reference = dict(_engine_rows(fewer, as_of, params, "reference"))
    assert after == {k: v for k, v in reference.items()}
    changed = {k[0] for k in after if after[k] != before.get(k)}
    assert changed and changed <= RELATION_RULES | {r.id for r in RULES if r.applies_to == "declaration"}


@pytest.mark.parametrize("peer", ["polars", "cel", "rule-engine"])
def test_peers_agree_with_the_reference_on_the_rules_they_express(data_set, peer):
    pytest.importorskip({"polars": "polars", "cel": "cel", "rule-engine": "rule_engine"}[peer])
    facts, as_of, params = data_set
    reference = dict(_engine_rows(facts, as_of, params, "reference"))
    rows = [((rule_id, s), o) for rule_id, ids, outs in peers.decide(peer, RULES, facts, as_of, params) for s, o in zip(ids, outs)]
    left_out = peers.skipped(peer)
    mine = _one_each(rows, sum(1 for k in reference if k[0] not in left_out))
    assert [k for k in mine if mine[k] != reference[k]] == []
    assert not left_out  # every rule of the real packs is expressible on the computed fields


def test_the_agreement_check_sees_a_wrong_outcome(tmp_path):
    # bench.agreement must fail on one changed outcome and on one lost one, not only on digests
    import pickle

    import bench

    good = [("r1", "s1", "pass"), ("r1", "s2", "fail"), ("r2", "s1", "error")]
    for path, rows in {"reference": good, "plain": [good[0], (*good[1][:2], "pass"), good[2]],
                       "durable": good[:2]}.items():
        (tmp_path / path).mkdir()
        (tmp_path / path / "d.pkl").write_bytes(pickle.dumps(rows))
    table, failures = bench.agreement(tmp_path, ["plain", "reference", "durable"], [tmp_path / "d.pkl"], {})
    by_path = {row[0]: row for row in table}
    assert by_path["plain"][3] == 1 and by_path["plain"][4] == 0
    assert by_path["durable"][4] == 1  # a rule's outcomes missing are lost unless the path declared it left out
    assert [f.split()[0] for f in failures] == ["plain", "durable"]
    # declared left out (a peer that cannot express r2): named, not counted as lost, not a failure
    table, failures = bench.agreement(tmp_path, ["reference", "durable"], [tmp_path / "d.pkl"], {"durable": {"r2"}})
    assert table[0][4] == 0 and table[0][6] == "r2" and failures == []
