"""The real October 2024 pack gives exactly the findings committed in expected.yaml."""

import datetime as dt

import pytest
import yaml

from compliance.pipeline import run_check
from compliance.rules import load_rules

from conftest import REAL, ROOT

EXPECTED = yaml.safe_load((REAL / "expected.yaml").read_text(encoding="utf-8"))


def _expected_outcomes() -> dict[tuple[str, str], str]:
    out = {}
    for rule_id, subjects in EXPECTED["findings"].items():
        for subject, value in subjects.items():
            out[(rule_id, subject)] = value if isinstance(value, str) else value["outcome"]
    return out


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_real_pack_matches_expected_findings_exactly(engine):
    ruleset = load_rules(EXPECTED["rules"])
    run = run_check(REAL, ruleset, dt.date.fromisoformat(str(EXPECTED["as_of"])), engine=engine)
    assert not run.loaded.issues, "the real data set must load clean"
    actual = {(f.rule_id, f.subject.id): f.outcome for f in run.findings}
    expected = _expected_outcomes()
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted((k, expected[k], actual[k]) for k in set(expected) & set(actual) if expected[k] != actual[k])
    assert not (missing or extra or changed), (
        f"{len(missing)} expected finding(s) not produced: {missing[:10]}\n"
        f"{len(extra)} finding(s) not in expected.yaml: {extra[:10]}\n"
        f"{len(changed)} outcome(s) differ (subject, expected, actual): {changed[:10]}"
    )


def test_every_fail_and_error_is_explained():
    unexplained = [
        (rule_id, subject)
        for rule_id, subjects in EXPECTED["findings"].items()
        for subject, value in subjects.items()
        if not isinstance(value, str) and not str(value.get("reason", "")).strip()
        or isinstance(value, str) and value in ("fail", "error")
    ]
    assert not unexplained, f"fail/error findings need a one-line reason: {unexplained}"


def test_every_rule_of_the_pack_appears():
    ruleset = load_rules(EXPECTED["rules"])
    assert {r.id for r in ruleset.rules} <= set(EXPECTED["findings"]), "a rule produced no finding on the real pack"
