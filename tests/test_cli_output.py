"""`compliance check` as CI and people use it: SARIF, several outputs, --quiet, the summary line,
colour, rule selection, wrapping to the terminal, and bad --out / --as-of values."""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from compliance.cli import _use_colour, main
from report_fixture import AS_OF, REAL, ROOT, RULE_OPTIONS

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-2.1.0-core.schema.json").read_text(encoding="utf-8"))


def check(*args, env=None, dataset=REAL):
    return CliRunner().invoke(main, ["check", str(dataset), "--as-of", AS_OF, *RULE_OPTIONS, *args], env=env or {})


def _expected_outcomes() -> list[str]:
    """Every outcome the real pack's expected.yaml lists (no waivers are in force there)."""
    import yaml

    expected = yaml.safe_load((Path(__file__).parent.parent / "fixtures/ssot-2024-10-17/expected.yaml").read_text())
    return [v if isinstance(v, str) else v["outcome"] for subjects in expected["findings"].values() for v in subjects.values()]


def _expected_problems() -> int:
    return sum(o in ("fail", "error") for o in _expected_outcomes())


def _expected_summary() -> str:
    """The closing line's counts for the real pack, as expected.yaml has them."""
    n = {o: _expected_outcomes().count(o) for o in ("fail", "error", "pass", "not_applicable")}
    words = {"fail": "failed", "error": "errors", "pass": "passed", "not_applicable": "not applicable"}
    # the line leaves out an outcome with none (the real pack has had no errors since issue 19)
    return ", ".join(f"{n[o]} {w}" for o, w in words.items() if n[o]) + " in "


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("outs")
    result = check("--out", str(out / "c.sarif"), "--out", f"junit:{out / 'c.out'}", "--out", str(out / "c.json"), "--quiet")
    assert result.exit_code == 1, result.output
    return out, result


def test_sarif_is_valid_2_1_0_with_one_result_per_failure_error_and_waiver(outputs):
    out, _ = outputs
    log = json.loads((out / "c.sarif").read_text(encoding="utf-8"))
    jsonschema.validate(log, SCHEMA, format_checker=jsonschema.FormatChecker())
    document = json.loads((out / "c.json").read_text(encoding="utf-8"))
    problems = [f for f in document["findings"] if f["outcome"] in ("fail", "error", "waived")]
    results = log["runs"][0]["results"]
    assert len(results) == len(problems) == _expected_problems()
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    high = next(r for r in results if r["ruleId"] == "nhs.conflicts.member-has-declaration")
    assert high["level"] == "error" and high["message"]["text"].startswith("Elizabeth Disney")


def test_a_broken_sarif_log_fails_the_schema():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}, SCHEMA)


def test_out_is_repeatable_with_a_format_per_file_and_quiet_prints_only_the_summary(outputs):
    out, result = outputs
    ET.fromstring((out / "c.out").read_text(encoding="utf-8"))  # junit: by its prefix, despite the extension
    assert json.loads((out / "c.json").read_text(encoding="utf-8"))["schema_version"]
    assert result.output.strip().splitlines() == [result.output.strip()]  # one line: the summary
    assert result.output.startswith(_expected_summary())


def test_closing_summary_line_follows_the_table():
    result = check(env={"COLUMNS": "100"})
    assert result.output.rstrip().splitlines()[-1].startswith(_expected_summary())
    assert "rules digest sha256:" in result.output.splitlines()[0]  # said to be the rules', not the data's


@pytest.mark.parametrize("columns", [80, 132, 200])
def test_table_wraps_to_the_terminal_width_and_cuts_nothing(columns):
    result = check("--fail-on", "never", env={"COLUMNS": str(columns)})
    lines = result.output.splitlines()[:-1]
    assert max(len(l) for l in lines) <= columns
    words = set(result.output.split())
    message = "Elizabeth Disney is a member but has no declaration on the register"  # wrapped, not cut
    assert set(message.split()) <= words and "Elizabeth" in words and "…" not in result.output


def test_colour_follows_the_flag_and_no_color():
    assert _use_colour("auto", True, {}) is True
    assert _use_colour("auto", True, {"NO_COLOR": "1"}) is False
    assert _use_colour("auto", False, {}) is False
    assert _use_colour("always", False, {"NO_COLOR": "1"}) is True
    assert _use_colour("never", True, {}) is False
    coloured = CliRunner().invoke(main, ["check", str(REAL), "--as-of", AS_OF, "--color", "always"], color=True)
    assert "\x1b[" in coloured.output
    plain = CliRunner().invoke(main, ["check", str(REAL), "--as-of", AS_OF], color=True, env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain.output


def test_rule_selection_options(tmp_path):
    out = tmp_path / "c.json"
    result = check("--family", "conflicts", "--min-severity", "medium", "--skip-rule", "*.declaration-current", "--out", str(out))
    assert result.exit_code == 1, result.output
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    assert findings and {f["family"] for f in findings} == {"conflicts"}
    assert {f["severity"] for f in findings} <= {"medium", "high", "critical"}
    assert not any(f["rule_id"].endswith("declaration-current") for f in findings)
    only = check("--rule", "nhs.risk.within-tolerance", "--out", str(out))
    assert {f["rule_id"] for f in json.loads(out.read_text(encoding="utf-8"))["findings"]} == {"nhs.risk.within-tolerance"}
    assert only.exit_code in (0, 1)
    bad = check("--rule", "no.such.rule", "--family", "nofamily")
    assert bad.exit_code == 2 and "'no.such.rule' matches no rule" in bad.output and "expected one of: actions" in bad.output


@pytest.mark.parametrize("target, words", [
    ("missing-dir/x.json", "does not exist"),
    ("afile/x.json", "is a file, not a directory"),
    ("adir", "is a directory"),
])
def test_out_that_cannot_be_written_is_exit_2_not_a_traceback(tmp_path, target, words):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    (tmp_path / "adir").mkdir()
    result = check("--out", str(tmp_path / target))
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output


def test_unwritable_out_is_exit_2(tmp_path):
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root): the permission cannot be tested")
        result = check("--out", str(locked / "x.json"))
        assert result.exit_code == 2 and "cannot be written" in result.output
    finally:
        locked.chmod(0o700)


def test_as_of_at_the_edge_of_the_calendar_is_a_usage_error():
    result = CliRunner().invoke(main, ["check", str(REAL), "--as-of", "0001-01-01"])
    assert result.exit_code == 2 and "expected a date from 0002-01-01" in result.output


@pytest.fixture()
def evil_dataset(tmp_path):
    dataset = tmp_path / "d"
    shutil.copytree(REAL, dataset)
    path = dataset / "people.yaml"
    people = yaml.safe_load(path.read_text(encoding="utf-8"))
    ids = {p["id"] for p in people["people"]}
    person = next(p for p in people["people"] if p["id"] == "elizabeth-disney")
    person["name"] = "Eliz\x01abeth\x1b[31m\u2028## X\x0b\x0cDisney"
    path.write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    assert "elizabeth-disney" in ids
    return dataset


def test_control_characters_do_not_reach_the_terminal_or_break_junit_xml(evil_dataset, tmp_path):
    table = check(dataset=evil_dataset, env={"COLUMNS": "200"})
    assert table.exit_code == 1, table.output
    assert not any(ch in table.output for ch in "\x01\x1b\u2028\x0b\x0c")
    assert "\\x01" in table.output  # shown, not silently dropped
    out = tmp_path / "c.xml"
    assert check("--format", "junit", "--out", str(out), dataset=evil_dataset).exit_code == 1
    ET.fromstring(out.read_text(encoding="utf-8").encode("utf-8"))  # well formed


def test_rules_list_counts_in_the_right_number():
    """'7 rules in 1 family', not '1 families' (the nhs-performance pack has one family)."""
    result = CliRunner().invoke(main, ["rules", "list", "nhs-performance"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("rules in 1 family")
