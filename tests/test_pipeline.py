"""The pipeline end to end on the real data set and on small synthetic cases."""

import json
import subprocess
import sys

from compliance.engine import evaluate
from compliance.facts import derive_facts
from compliance.io import load_dataset
from compliance.rules import load_rules
from conftest import AS_OF, REAL, ROOT

RULES = ["nhs-icb", "nhs-performance"]  # the nhs-icb profile


def _run(*args):
    return subprocess.run([sys.executable, "-m", "compliance", *args], capture_output=True, text=True, cwd=ROOT)


def test_every_rule_subject_pair_has_exactly_one_outcome():
    rules = load_rules(RULES).rules
    facts = derive_facts(load_dataset(REAL).data, AS_OF)
    findings = evaluate(rules, facts, AS_OF)
    expected = sum(1 for r in rules for f in facts if f["kind"] == r.applies_to)
    assert len(findings) == expected
    assert len({(f.rule_id, f.subject.id) for f in findings}) == expected


def test_json_output_is_byte_identical_across_runs():
    first = _run("check", str(REAL), "--as-of", "2024-10-17", "--format", "json", "--fail-on", "never")
    second = _run("check", str(REAL), "--as-of", "2024-10-17", "--format", "json", "--fail-on", "never")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    doc = json.loads(first.stdout)
    assert doc["schema_version"] == "2" and doc["summary"]["total"] == len(doc["findings"])


def test_real_pack_findings_a_board_secretary_would_raise():
    result = _run("check", str(REAL), "--as-of", "2024-10-17", "--format", "json")
    assert result.returncode == 1  # high-severity quoracy failures
    doc = json.loads(result.stdout)
    outcome = {(f["rule_id"], f["subject"]["id"]): f["outcome"] for f in doc["findings"]}
    # 2023-24/003 is listed twice in the action log (pack lines 412-413)
    assert outcome[("nhs.actions.unique-reference", "2023-24/003#1")] == "fail"
    # 2024-24/001 was due 26/09/2024 and is not complete
    assert outcome[("nhs.actions.not-overdue", "2024-24/001")] == "fail"
    # Patrick Flaherty's declaration (4 January 2024) predates the 2024/25 financial year
    assert outcome[("nhs.conflicts.declaration-current", "icb-board/patrick-flaherty")] == "fail"
    assert outcome[("nhs.conflicts.declaration-current", "icb-board/david-pearson")] == "pass"
    # Tracey Shewan's ceased interest should have been removed in September 2024
    assert outcome[("nhs.conflicts.ceased-removed", "doi-tracey-shewan/indirect/1")] == "fail"
    # SBAF3 scores 15 against a tolerance (target) of 8 whose target date, 31/03/2024, has passed;
    # SBAF6 (20 against 12) is still before its target date: status, not failure (issue 19)
    assert outcome[("nhs.risk.within-tolerance", "SBAF3")] == "fail"
    assert outcome[("nhs.risk.within-tolerance", "SBAF6")] == "pass"
    # the 17 October meeting is the one this pack is for: on the day it is still to be held
    assert outcome[("nhs-icb.quoracy.head-count", "board-2024-10-17")] == "not_applicable"
    assert outcome[("nhs-icb.quoracy.head-count", "board-2024-09-26")] == "pass"


def test_bad_input_exits_2_with_the_list(dataset):
    (dataset / "people.yaml").write_text("people:\n  - id: x\n")
    result = _run("check", str(dataset), "--as-of", "2024-10-17")
    assert result.returncode == 2
    assert "people.yaml:line 2: field 'name' Field required" in result.stderr


def test_rules_validate_rejects_unknown_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: t.x.y\n    title: bad rule\n    severity: low\n    applies_to: meeting\n"
                   "    require: {field: presnt_voting, ge: 1}\n    message: m\n")
    result = _run("rules", "validate", str(bad))
    assert result.returncode == 2
    assert "rule t.x.y: require: unknown field 'presnt_voting' for subject kind 'meeting'" in result.stderr


def test_rules_list_and_explain():
    listed = _run("rules", "list", "nhs-icb")
    assert listed.returncode == 0 and "nhs-icb.quoracy.head-count" in listed.stdout
    explained = _run("rules", "explain", "nhs.conflicts.ceased-removed")
    assert explained.returncode == 0
    assert "end_latest is at least as_of minus 6 (keep_months) months" in explained.stdout
    assert "Reference: SSOT ICB Conflicts of Interest Register 2024-2025" in explained.stdout


def test_keep_going_reports_a_bad_record_as_an_error_finding_and_keeps_the_rest(dataset):
    text = (dataset / "actions.yaml").read_text().replace("due: '2024-09-26'", "due: someday", 1)
    text = text.replace("due: 2024-09-26", "due: someday", 1)
    (dataset / "actions.yaml").write_text(text)
    strict = _run("check", str(dataset), "--as-of", "2024-10-17")
    assert strict.returncode == 2 and "field 'due'" in strict.stderr
    result = _run("check", str(dataset), "--as-of", "2024-10-17", "--format", "json", "--keep-going", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    errors = [f for f in doc["findings"] if f["rule_id"] == "load.actions"]
    assert len(errors) == 1 and errors[0]["outcome"] == "error" and "someday" in errors[0]["message"]
    unique = [f for f in doc["findings"] if f["rule_id"] == "nhs.actions.unique-reference"]
    # the five valid actions are decided; the dropped one keeps an error naming it (no lost outcome)
    assert len(unique) == 6 and [f["outcome"] for f in unique].count("error") == 1
    assert "actions record" in next(f["message"] for f in unique if f["outcome"] == "error")


def test_meeting_held_without_attendance_is_an_error_not_a_pass():
    # the day after, the 17 October meeting has been held but no attendance is recorded
    result = _run("check", str(REAL), "--as-of", "2024-10-18", "--format", "json", "--fail-on", "never")
    outcome = {(f["rule_id"], f["subject"]["id"]): f for f in json.loads(result.stdout)["findings"]}
    finding = outcome[("nhs-icb.quoracy.head-count", "board-2024-10-17")]
    assert finding["outcome"] == "error" and "present_voting missing" in finding["message"]
