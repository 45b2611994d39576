"""The transcribed trust and company fixtures give exactly the findings in their expected.yaml, on both engines."""

import datetime as dt

import pytest
import yaml

from compliance.pipeline import run_check
from compliance.rules import load_rules

from conftest import ROOT

FIXTURES = ["vesuvius-2013", "southern-health-2017-04-25", "hey-2012-07-04", "eeast-2023-11-08"]


def _expected(name):
    return yaml.safe_load((ROOT / "fixtures" / name / "expected.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("engine", ["durable", "reference"])
@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_matches_expected_findings_exactly(name, engine):
    exp = _expected(name)
    run = run_check(ROOT / "fixtures" / name, load_rules(exp["rules"]), dt.date.fromisoformat(str(exp["as_of"])), engine=engine)
    assert not run.loaded.issues
    actual = {(f.rule_id, f.subject.id): f.outcome for f in run.findings}
    expected = {(r, s): (v if isinstance(v, str) else v["outcome"]) for r, subs in exp["findings"].items() for s, v in subs.items()}
    assert actual == expected


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fail_and_error_has_a_sourced_reason(name):
    for subjects in _expected(name)["findings"].values():
        for value in subjects.values():
            assert value in ("pass", "not_applicable", "not_checked") or ("http" in value["reason"] and value["outcome"] in ("fail", "error"))


@pytest.mark.parametrize("name", FIXTURES)
def test_every_value_carries_its_source(name):
    for path in (ROOT / "fixtures" / name).glob("*.yaml"):
        if path.name in ("expected.yaml", "organisation.yaml", "compliance.yaml"):  # settings, not records
            continue
        (register, records), = yaml.safe_load(path.read_text(encoding="utf-8")).items()
        assert all(str(r["source"]["file"]).startswith("http") and r["source"]["note"] for r in records), path
