"""Start-up (issue 17): derived facts are made as plain dicts without validating each against its
model (``facts.kinds.fact_of``), so the models must still hold them exactly: every derived fact's
derived fields are what validating them gives, value for value and type for type."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings

from compliance.facts import FACT_MODELS, derive_facts
from compliance.facts.kinds import MeetingFact, fact_of
from compliance.io import load_dataset
from compliance.testing.strategies import governance_data
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


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COMPLIANCE_NO_CACHE": "1"}


def _python(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=_child_env(), cwd=ROOT, capture_output=True)


def test_the_console_entry_point_exits_with_mains_code_and_whole_output():
    """``cli.run`` (the quick exit) ends with the code ``main`` gives and everything written:
    the JSON document is byte for byte the one ``main`` writes in-process."""
    from click.testing import CliRunner

    from compliance.cli import main

    args = ["check", str(REAL), "--as-of", AS_OF.isoformat(), "--format", "json"]
    inside = CliRunner().invoke(main, args)
    run = _python("-m", "compliance", *args)
    assert (run.returncode, run.stdout.decode()) == (inside.exit_code, inside.stdout) == (1, inside.stdout)
    assert _python("-m", "compliance", "check", str(ROOT / "no-such-data-set")).returncode == 2
    assert _python("-m", "compliance", "--version").returncode == 0


def test_the_quick_exit_still_runs_exit_handlers(tmp_path):
    marker = tmp_path / "ran"
    script = ("import atexit, sys\nfrom pathlib import Path\nfrom compliance.cli import run\n"
              f"atexit.register(lambda: Path({str(marker)!r}).write_text('yes'))\n"
              "sys.argv = ['compliance', '--version']\nrun()\n")
    done = _python("-c", script)
    assert done.returncode == 0 and b"version" in done.stdout and marker.read_text() == "yes"


def test_a_reader_closing_the_output_early_is_not_an_internal_error():
    """``compliance check ... | head``: exit 141 (as a shell reports SIGPIPE), nothing on stderr."""
    child = subprocess.Popen([sys.executable, "-m", "compliance", "check", str(REAL), "--as-of", AS_OF.isoformat(),
                              "--format", "jsonl"], env=_child_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.read(10)
    child.stdout.close()  # as `head -c 10` does once it has its bytes
    stderr = child.stderr.read()
    assert (child.wait(), stderr) == (141, b"")


def _every_record(data):
    for register in type(data).model_fields:
        value = getattr(data, register)
        yield from value if isinstance(value, list) else [value]


@pytest.mark.parametrize("source", ["real", "generated"])
def test_content_json_is_what_pydantic_writes_for_every_record(source):
    """Records sharing a key (actions with one ref) are ordered by ``content_json``: it must be
    ``model_dump_json`` byte for byte, or an upgrade would renumber them (ref#1, ref#2)."""
    from compliance.model.base import content_json

    data = load_dataset(REAL).data if source == "real" else generate.generate(0, 2, seed=3)
    records = list(_every_record(data))
    assert len(records) > 300
    for record in records:
        assert content_json(record) == record.model_dump_json(), record


def test_content_json_leaves_other_values_to_pydantic():
    from compliance.model.base import content_json
    from compliance.model.performance import Metric

    metric = next(iter(load_dataset(REAL).data.metrics))
    assert content_json(metric) == metric.model_dump_json()
    fields = {name for name, info in Metric.model_fields.items() if "float" in str(info.annotation)}
    assert fields, "a model with a number with a fraction, which content_json hands to pydantic"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=governance_data())
def test_content_json_is_what_pydantic_writes_for_generated_records(data):
    from compliance.model.base import content_json

    for record in _every_record(data):
        assert content_json(record) == record.model_dump_json()
