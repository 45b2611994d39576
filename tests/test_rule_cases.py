"""The shipped rule test cases, and `compliance test` itself (exit codes, diff, coverage)."""

import shutil
import subprocess
import sys

import pytest

from compliance.testing.cases import run_suite
from compliance.testing.plugin import check_case, rule_cases
from conftest import ROOT

RULES = ROOT / "rules"


@pytest.mark.parametrize("case", rule_cases(RULES), ids=str)
def test_shipped_rule_case(case):
    check_case(case)


def test_shipped_pack_has_full_outcome_coverage():
    suite = run_suite([RULES], engine="reference")
    gaps = [(row["rule"], row["missing"]) for row in suite.coverage() if row["missing"]]
    assert not gaps, f"rules without a passing, failing or not-applicable case: {gaps}"


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "compliance", *args], capture_output=True, text=True, cwd=cwd)


CASE = """\
base:
  organisation: {{name: Example}}
cases:
  - name: an open action due yesterday
    as_of: 2024-10-17
    data:
      actions:
        - {{ref: 2024-25/001, description: Late, owner: HJ, due: 2024-10-16}}
    expect:
      nhs.actions.not-overdue: {{2024-25/001: {outcome}}}
"""


def _suite(tmp_path, text):
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "case.yaml").write_text(text)
    (tmp_path / "rules.yaml").symlink_to(RULES / "nhs-icb" / "actions.yaml")
    return tmp_path


def test_matching_case_exits_0(tmp_path):
    result = _cli("test", str(_suite(tmp_path, CASE.format(outcome="fail"))))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 of 1 cases passed" in result.stdout


def test_mismatch_exits_1_with_the_diff(tmp_path):
    result = _cli("test", str(_suite(tmp_path, CASE.format(outcome="pass"))))
    assert result.returncode == 1
    assert "nhs.actions.not-overdue 2024-25/001: expected pass, got fail" in result.stdout


def test_malformed_case_exits_2_naming_the_problem(tmp_path):
    result = _cli("test", str(_suite(tmp_path, CASE.format(outcome="passed"))))
    assert result.returncode == 2
    assert "case.yaml" in result.stderr and "'passed' is not one of" in result.stderr


def test_unknown_rule_in_a_case_exits_2(tmp_path):
    text = CASE.format(outcome="fail").replace("nhs.actions.not-overdue", "nhs-icb.actions.no-such-rule")
    result = _cli("test", str(_suite(tmp_path, text)))
    assert result.returncode == 2 and "no rule with id nhs-icb.actions.no-such-rule" in result.stderr


def test_coverage_below_threshold_exits_1(tmp_path):
    # one case covers only the fail outcome of one of the eight action rules
    result = _cli("test", str(_suite(tmp_path, CASE.format(outcome="fail"))), "--min-coverage", "50")
    assert result.returncode == 1
    assert "below --min-coverage 50%" in result.stderr


def test_pytest_plugin_runs_the_cases_as_items(tmp_path):
    shutil.copytree(RULES, tmp_path / "rules")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["compliance.testing.plugin"]\n')
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "rules"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    assert f"{len(rule_cases(RULES))} passed" in result.stdout


def test_pytest_plugin_reports_a_mismatch(tmp_path):
    folder = _suite(tmp_path, CASE.format(outcome="pass"))
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["compliance.testing.plugin"]\n')
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "tests")],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert "expected pass, got fail" in result.stdout
