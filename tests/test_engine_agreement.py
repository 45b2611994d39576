"""durable-rules and the reference evaluator agree on random conditions and facts."""

from hypothesis import HealthCheck, given, settings, strategies as st

from compliance.engine import durable_engine, reference
from compliance.rules.conditions import All, AnyOf, FieldRef, Leaf, Not, to_nnf

FIELDS = ("a", "b", "c")
TEXT = "t"
ints = st.integers(min_value=-3, max_value=3)

leaves = st.one_of(
    st.builds(Leaf, st.sampled_from(FIELDS), st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]), ints),
    st.builds(Leaf, st.sampled_from(FIELDS), st.sampled_from(["lt", "ge", "eq"]), st.builds(FieldRef, st.sampled_from(FIELDS))),
    st.builds(Leaf, st.sampled_from(FIELDS), st.sampled_from(["in", "not_in"]), st.lists(ints, min_size=1, max_size=3)),
    st.builds(Leaf, st.sampled_from(FIELDS), st.sampled_from(["exists", "missing"])),
    st.builds(Leaf, st.just(TEXT), st.sampled_from(["eq", "ne"]), st.sampled_from(["ab", "b"])),
)
def trees(of, max_leaves: int):
    """Conditions of ``all``/``any``/``not`` over the leaves ``of`` draws."""
    return st.recursive(
        of,
        lambda inner: st.one_of(
            st.builds(lambda xs: All(tuple(xs)), st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda xs: AnyOf(tuple(xs)), st.lists(inner, min_size=1, max_size=3)),
            st.builds(Not, inner),
        ),
        max_leaves=max_leaves,
    )


conditions = trees(leaves, 6)
facts = st.lists(
    st.fixed_dictionaries({}, optional={**{f: ints for f in FIELDS}, TEXT: st.sampled_from(["ab", "xaby", "b", "12", "AB", ""])}),
    min_size=1, max_size=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conds=st.lists(conditions, min_size=1, max_size=3), raw_facts=facts)
def test_engine_and_reference_agree(conds, raw_facts):
    rows = [{"id": str(i), **f} for i, f in enumerate(raw_facts)]
    compiled = [durable_engine.CompiledRule(i, None, None, to_nnf(c), to_nnf(c, negate=True)) for i, c in enumerate(conds)]
    result = durable_engine.run("probe", compiled, rows)
    assert not result.errors
    for i, cond in enumerate(conds):
        for j, fact in enumerate(rows):
            expected, _ = reference.evaluate(cond, fact)
            passed = j in result.matched.get((i, "pass"), set())
            failed = j in result.matched.get((i, "fail"), set())
            engine_says = True if passed and not failed else False if failed and not passed else None if not (passed or failed) else "both"
            assert engine_says == expected, (cond, fact)


def test_fnv_collision_partitioning_loses_no_fact():
    # ids whose engine hashes collide must still all be evaluated
    compiled = [durable_engine.CompiledRule(0, None, None, Leaf("a", "ge", 0), Leaf("a", "lt", 0))]
    rows = [{"id": str(i), "a": i % 3 - 1} for i in range(3000)]
    result = durable_engine.run("bulk", compiled, rows)
    assert not result.errors
    assert result.seen == set(range(3000))
    assert result.matched[(0, "pass")] | result.matched[(0, "fail")] == set(range(3000))


# ---------------------------------------------------------------- the compiled conditions

from compliance.engine import computed  # noqa: E402
from compliance.rules.conditions import SubjectRef  # noqa: E402

mixed = st.one_of(ints, st.booleans(), st.sampled_from(["ab", "b", "1"]), st.just(1.0))
compiled_leaves = st.one_of(
    leaves,
    st.builds(Leaf, st.sampled_from(FIELDS), st.sampled_from(["eq", "ne", "lt", "ge"]), mixed),
    st.builds(Leaf, st.sampled_from(FIELDS), st.sampled_from(["in", "not_in"]), st.lists(mixed, min_size=0, max_size=3)),
    st.builds(Leaf, st.sampled_from(FIELDS), st.sampled_from(["eq", "ne", "le", "gt"]), st.builds(SubjectRef, st.sampled_from(FIELDS))),
)
compiled_conditions = trees(compiled_leaves, 8)
mixed_facts = st.fixed_dictionaries({}, optional={**{f: mixed for f in FIELDS}, TEXT: st.sampled_from(["ab", "b", ""])})


@settings(max_examples=300, deadline=None)
@given(cond=compiled_conditions, fact=mixed_facts, subject=st.one_of(st.none(), mixed_facts))
def test_compiled_conditions_decide_as_the_walk(cond, fact, subject):
    # the decisions (cross-check and relations' where) use the compiled closures; the evidence
    # still comes from the walk: both must give the same Kleene value on every fact
    ctx = computed.Context({}, {})
    walked = reference._walk(cond, fact, None, ctx, subject)
    assert reference.truth(cond, fact, ctx, subject) == walked
    assert reference.truth(cond, fact, ctx, subject) == walked  # and again, from the compiled cache


@settings(max_examples=300, deadline=None)
@given(cond=compiled_conditions, fact=mixed_facts)
def test_compiled_explanations_are_the_walks(cond, fact):
    # a finding's evidence comes from the compiled explanation: the same leaves, in the same
    # order, with the same values as the walk gives
    ctx = computed.Context({}, {})
    walked: list = []
    value = reference._walk(cond, fact, walked, ctx)
    assert reference.evaluate(cond, fact, ctx) == (value, walked)
    assert [list(e) for e in reference.evaluate(cond, fact, ctx)[1]] == [list(e) for e in walked]  # key order too


# ---------------------------------------------------------------- relations decided once per join key

import datetime as _dt  # noqa: E402

from compliance.rules.conditions import is_computed, walk  # noqa: E402
from compliance.rules.parse_conditions import parse_condition  # noqa: E402

RELATIONS = [
    # the where reads only the related record: decided once per (body) key
    {"related": "meeting", "on": {"body": "body"}, "where": {"field": "day", "ge": 2}, "count": {"ge": 1}},
    {"related": "meeting", "on": {"body": "body"}, "where": {"field": "day", "lt": 3}, "exists": True},
    # the where reads the subject: decided per subject
    {"related": "meeting", "on": {"body": "body"}, "where": {"field": "day", "gt": {"subject": "day"}}, "exists": True},
]
meetings = st.lists(st.fixed_dictionaries({"id": st.text("m", min_size=1, max_size=3), "body": st.sampled_from(["a", "b", True, 1])},
                                          optional={"day": st.integers(0, 4)}), max_size=6)
subjects = st.lists(st.fixed_dictionaries({"id": st.just("s")}, optional={"body": st.sampled_from(["a", "b", True, 1]),
                                                                            "day": st.integers(0, 4)}), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(raw=st.sampled_from(RELATIONS), related=meetings, subjects_=subjects)
def test_relations_decided_once_per_key_answer_as_per_subject(raw, related, subjects_):
    leaf = next(walk(parse_condition(raw, "require.", "probe")))
    assert is_computed(leaf.field)
    specs = computed.resolve_specs([leaf], {}, _dt.date(2024, 1, 1))
    resolved = specs[leaf.field]
    assert resolved.by_key is ("subject" not in str(raw))
    shared = computed.Context({"meeting": related}, specs)
    for subject in subjects_:
        alone = computed.Context({"meeting": related}, specs)  # nothing cached from another subject
        assert computed.relation_value(resolved, subject, shared) == computed.relation_value(resolved, subject, alone)
        assert computed.related_ids(resolved, subject, shared) == computed.related_ids(resolved, subject, alone)
