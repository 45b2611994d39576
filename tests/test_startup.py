"""Start-up (issue 17): derived facts are made as plain dicts without validating each against its
model (``facts.kinds.fact_of``), so the models must still hold them exactly: every derived fact's
derived fields are what validating them gives, value for value and type for type."""

from __future__ import annotations

import sys

import pytest

from compliance.facts import FACT_MODELS, derive_facts
from compliance.facts.kinds import MeetingFact, fact_of
from compliance.io import load_dataset
from conftest import AS_OF, REAL, ROOT

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402  (bench/generate.py: generated data sets)


@pytest.mark.parametrize("source", ["real", "generated"])
def test_derived_facts_are_what_their_models_validate_to(source):
    data, as_of = (load_dataset(REAL).data, AS_OF) if source == "real" else (generate.generate(0, 2, seed=3), generate.as_of_for(2))
    checked = 0
    for fact in derive_facts(data, as_of):
        model = FACT_MODELS.get(fact["kind"])
        if model is None:
            continue
        own = {k: v for k, v in fact.items() if k in model.model_fields}
        validated = model.model_validate(own).model_dump(exclude_none=True)
        assert [(k, type(v), v) for k, v in own.items()] == [(k, type(v), v) for k, v in validated.items()], fact["id"]
        checked += 1
    assert checked > 200


def test_a_fact_with_an_undeclared_or_missing_field_is_refused():
    with pytest.raises(TypeError, match="no field colour"):
        fact_of(MeetingFact, kind="meeting", id="m", label="m", as_of=1, body="b", date=1, meeting_kind="public",
                held=True, colour="red")
    with pytest.raises(TypeError, match="needs a value for held"):
        fact_of(MeetingFact, kind="meeting", id="m", label="m", as_of=1, body="b", date=1, meeting_kind="public")
    row = fact_of(MeetingFact, kind="meeting", id="m", label="m", as_of=1, body="b", date=1, meeting_kind="public",
                  held=False, voting_members=None)
    assert row == MeetingFact(**row).model_dump(exclude_none=True) and "voting_members" not in row


def test_references_read_off_their_fields_are_what_pydantic_dumps():
    """``findings._dump_flat`` (no serializer built) gives ``model_dump(exclude_none=True)`` for
    every reference of every shipped pack, and leaves a model with a nested value to pydantic."""
    from compliance.engine.findings import _dump_flat
    from compliance.rules import load_rules
    from compliance.rules.packs import resolve
    from compliance.rules.schema import Reference
    from compliance.model.people import Person

    refs = [ref for name in ("nhs-icb", "nhs-trust", "uk-company", "nhs-performance") for rule in load_rules([resolve(name)]).rules
            for ref in rule.references]
    assert len(refs) > 100 and any(r.clause is None for r in refs)
    for ref in refs:
        dumped = _dump_flat(ref)
        assert dumped == ref.model_dump(exclude_none=True) and list(dumped) == list(ref.model_dump(exclude_none=True))
    assert _dump_flat(Reference(authority="Act", clause="s.1")) == {"authority": "Act", "clause": "s.1"}
    person = next(iter(load_dataset(REAL).data.people))
    assert _dump_flat(person) == person.model_dump(exclude_none=True)
