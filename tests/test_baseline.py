"""Change since the last run: new / persisting / resolved keyed on rule id + subject id."""

import json

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.outcomes import BaselineError, check_baseline, compare, load_baseline
from compliance.report import build_document
from conftest import AS_OF
from outcome_helpers import finding


def _doc(findings, as_of="2024-07-18"):
    return build_document("previous", as_of, "sha256:x", findings)


def test_failures_are_new_or_persisting_and_old_failures_resolved():
    before = _doc([finding(subject="a"), finding(subject="b"), finding(subject="c"), finding(subject="gone")])
    now = [finding(subject="a"), finding(subject="b", outcome="pass"), finding(subject="c", outcome="error"), finding(subject="d")]
    result = compare(now, before)
    changes = {f.subject.id: f.change for f in result.findings}
    assert changes == {"a": "persisting", "b": None, "c": None, "d": "new"}
    assert [(e["subject"]["id"], e["now"]) for e in result.resolved] == [("b", "pass"), ("c", "error"), ("gone", "absent")]
    assert [e["subject"]["id"] for e in result.new] == ["d"] and [e["subject"]["id"] for e in result.persisting] == ["a"]
    assert result.section()["baseline_as_of"] == "2024-07-18"


def test_matching_ignores_message_wording_and_order():
    before = _doc([finding(subject="b", message="old wording"), finding(subject="a", message="x")])
    before["findings"].reverse()
    result = compare([finding(subject="a", message="new wording"), finding(subject="b", message="also new")], before)
    assert [f.change for f in result.findings] == ["persisting", "persisting"] and result.resolved == []


def test_same_subject_under_another_rule_is_new():
    before = _doc([finding(rule_id="nhs-icb.test.one", subject="a")])
    result = compare([finding(rule_id="nhs-icb.test.two", subject="a")], before)
    assert result.findings[0].change == "new" and [e["rule_id"] for e in result.resolved] == ["nhs-icb.test.one"]


def test_a_waived_failure_is_still_failing_so_not_resolved():
    before = _doc([finding(subject="a")])
    result = compare([finding(subject="a", outcome="waived")], before)
    assert result.findings[0].change == "persisting" and result.resolved == []


@pytest.mark.parametrize("document, words", [
    ([], "not a compliance document"),
    ({"findings": []}, "not a compliance document"),
    ({"schema_version": "0", "findings": []}, "schema_version '2'"),
    ({"schema_version": "2", "findings": {}}, "'findings' is not a list"),
    ({"schema_version": "2", "findings": [{"rule_id": "r", "outcome": "fail"}, {"rule_id": 3, "subject": {"id": "s"}, "outcome": "fail"}]},
     "2 malformed finding(s): findings[0]: field 'subject.id'"),
])
def test_unusable_baselines_are_rejected_with_the_reason(document, words):
    with pytest.raises(BaselineError) as exc:
        check_baseline(document, "prev.json")
    assert words in str(exc.value) and str(exc.value).startswith("prev.json")


def test_load_baseline_names_the_file_and_line_of_bad_json(tmp_path):
    path = tmp_path / "prev.json"
    path.write_text('{"schema_version": "2",\n "findings": [,]}')
    with pytest.raises(BaselineError, match=r"prev.json: line 2: not valid JSON"):
        load_baseline(path)
    with pytest.raises(BaselineError, match="no such file"):
        load_baseline(tmp_path / "missing.json")


def _check(dataset, *args):
    return CliRunner().invoke(main, ["check", str(dataset), "--as-of", AS_OF.isoformat(), "--fail-on", "never", *args])


def test_cli_baseline_of_another_schema_version_exits_2(tmp_path, dataset):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"schema_version": "0", "findings": []}))
    result = _check(dataset, "--baseline", str(path))
    assert result.exit_code == 2 and "schema_version" in result.output and "Traceback" not in result.output


def test_cli_baseline_end_to_end(tmp_path, dataset):
    previous = json.loads(_check(dataset, "--format", "json").output)
    fails = [f for f in previous["findings"] if f["outcome"] == "fail"]
    fixed, kept = fails[0], fails[1:]
    # the baseline did not have the first failure (so it is new now) and had one that is gone now
    previous["findings"].remove(fixed)
    previous["findings"].append({**kept[0], "subject": {**kept[0]["subject"], "id": "retired-subject"}, "message": "reworded"})
    path = tmp_path / "prev.json"
    path.write_text(json.dumps(previous))
    doc = json.loads(_check(dataset, "--format", "json", "--baseline", str(path)).output)
    changes = doc["changes"]
    assert [(e["rule_id"], e["subject"]["id"]) for e in changes["new"]] == [(fixed["rule_id"], fixed["subject"]["id"])]
    assert len(changes["persisting"]) == len(kept)
    assert [(e["subject"]["id"], e["now"]) for e in changes["resolved"]] == [("retired-subject", "absent")]
    by_key = {(f["rule_id"], f["subject"]["id"]): f["change"] for f in doc["findings"] if f["outcome"] == "fail"}
    assert by_key[(fixed["rule_id"], fixed["subject"]["id"])] == "new"
    assert all(by_key[(f["rule_id"], f["subject"]["id"])] == "persisting" for f in kept)


def test_without_baseline_changes_is_null(dataset):
    doc = json.loads(_check(dataset, "--format", "json").output)
    assert doc["changes"] is None and all(f["change"] is None for f in doc["findings"])


def test_table_shows_change_column_and_resolved_failures(tmp_path, dataset):
    previous = json.loads(_check(dataset, "--format", "json").output)
    fail = next(f for f in previous["findings"] if f["outcome"] == "fail")
    previous["findings"].append({**fail, "subject": {**fail["subject"], "id": "retired-subject"}})
    path = tmp_path / "prev.json"
    path.write_text(json.dumps(previous))
    table = _check(dataset, "--baseline", str(path)).output
    header = next(line for line in table.splitlines() if line.startswith("outcome") and "rule" in line)
    assert header.split()[-1] == "change"
    assert f"resolved: {fail['rule_id']} / retired-subject (now absent)" in table
    assert "0 new," in table and "1 resolved failures" in table
