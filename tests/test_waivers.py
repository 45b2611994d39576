"""Waivers: every state, the fail-only property, loading errors and the exit code end to end."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.cli import main
from compliance.io import DatasetError, load_dataset
from compliance.outcomes import apply_waivers
from conftest import AS_OF
from outcome_helpers import DROP, finding, rule, waiver, waiver_yaml


def _resolve(findings, waivers, rules=None, as_of=AS_OF):
    return apply_waivers(findings, waivers, rules if rules is not None else [rule()], as_of)


def test_applied_waiver_turns_the_failure_into_waived_and_carries_the_waiver():
    res = _resolve([finding(outcome="fail")], [waiver(id="W-1")])
    (f,) = res.findings
    assert f.outcome == "waived"
    assert f.message == "it failed"  # reported, never hidden: the failure's own message stays
    assert f.waiver["key"] == "W-1" and f.waiver["state"] == "applied" and f.waiver["effective_expires"] == "2025-03-31"
    assert [s["key"] for s in res.section()["applied"]] == ["W-1"]


def test_waiver_applies_on_its_first_and_last_day():
    for day in (dt.date(2024, 9, 1), dt.date(2025, 3, 31)):
        assert _resolve([finding()], [waiver()], as_of=day).findings[0].outcome == "waived"


def test_expired_waiver_stops_applying_and_is_reported():
    res = _resolve([finding()], [waiver(expires="2024-10-16")])
    assert res.findings[0].outcome == "fail" and res.findings[0].waiver is None
    (entry,) = res.section()["expired"]
    assert entry["state"] == "expired" and "2024-10-16" in entry["detail"]
    assert res.section()["applied"] == []


def test_not_yet_valid_waiver_does_not_apply():
    res = _resolve([finding()], [waiver(valid_from="2024-11-01")])
    assert res.findings[0].outcome == "fail"
    assert [s.state for s in res.statuses] == ["not_yet_valid"]


def test_orphaned_waiver_for_an_unknown_subject_or_rule():
    res = _resolve([finding(subject="s1")], [waiver(subject="nobody"), waiver(rule_id="nhs-icb.test.gone")])
    assert res.findings[0].outcome == "fail"
    orphaned = res.section()["orphaned"]
    assert [o["subject"] for o in orphaned] == ["nobody", "s1"]
    assert "no subject 'nobody'" in orphaned[0]["detail"] and "no rule nhs-icb.test.gone" in orphaned[1]["detail"]
    assert all(o["finding_outcome"] is None for o in orphaned)


def test_capped_waiver_expires_at_the_rules_limit_while_in_force():
    res = _resolve([finding()], [waiver(valid_from="2024-10-01", expires="2025-09-30")], rules=[rule(max_waiver_days=30)])
    assert res.findings[0].outcome == "waived"
    (entry,) = res.section()["capped"]
    assert entry["effective_expires"] == "2024-10-31" and entry["expires"] == "2025-09-30" and entry["capped"] is True
    assert entry["state"] == "applied" and "capped to 2024-10-31" in entry["detail"] and "30 days" in entry["detail"]


def test_capped_waiver_past_its_cap_has_expired_though_its_own_date_has_not():
    res = _resolve([finding()], [waiver(valid_from="2024-08-01", expires="2025-09-30")], rules=[rule(max_waiver_days=30)])
    assert res.findings[0].outcome == "fail"
    section = res.section()
    assert [e["state"] for e in section["capped"]] == ["expired"]
    assert section["expired"][0]["effective_expires"] == "2024-08-31"


def test_waiver_within_the_cap_is_not_capped():
    res = _resolve([finding()], [waiver(valid_from="2024-10-01", expires="2024-10-20")], rules=[rule(max_waiver_days=30)])
    assert res.section()["capped"] == [] and res.findings[0].outcome == "waived"


def test_waiver_never_changes_an_error():
    res = _resolve([finding(outcome="error", message="insufficient data: present_voting missing")], [waiver()])
    assert res.findings[0].outcome == "error" and res.findings[0].waiver is None
    (entry,) = res.section()["on_error"]
    assert entry["finding_outcome"] == "error" and "never changes an error" in entry["detail"]


def test_waiver_on_a_passing_finding_is_not_needed():
    res = _resolve([finding(outcome="pass")], [waiver()])
    assert res.findings[0].outcome == "pass"
    assert [s.state for s in res.statuses] == ["not_needed"]


def test_a_second_waiver_of_the_same_failure_is_not_needed():
    res = _resolve([finding()], [waiver(id="W-1"), waiver(id="W-2")])
    assert res.findings[0].waiver["key"] == "W-1"
    assert [(s.waiver.key, s.state) for s in res.statuses] == [("W-1", "applied"), ("W-2", "not_needed")]
    assert "already waived by W-1" in res.statuses[1].detail


def test_input_findings_are_not_modified():
    original = [finding()]
    _resolve(original, [waiver()])
    assert original[0].outcome == "fail" and original[0].waiver is None


OUTCOMES = ["pass", "fail", "error", "not_applicable"]
DAYS = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2025, 12, 31))


@st.composite
def _waiver_cases(draw):
    subjects = [f"s{i}" for i in range(4)]
    rule_ids = ["nhs-icb.test.a", "nhs-icb.test.b"]
    findings = [finding(rule_id=r, subject=s, outcome=draw(st.sampled_from(OUTCOMES)))
                for r in rule_ids for s in subjects if draw(st.booleans())]
    waivers = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(DAYS)
        end = start + dt.timedelta(days=draw(st.integers(0, 400)))
        waivers.append(waiver(rule_id=draw(st.sampled_from(rule_ids + ["nhs-icb.test.unknown"])),
                              subject=draw(st.sampled_from(subjects + ["nobody"])), valid_from=start, expires=end))
    rules = [rule(r, max_waiver_days=draw(st.none() | st.integers(1, 200))) for r in rule_ids]
    return findings, waivers, rules, draw(DAYS)


@settings(max_examples=300, deadline=None)
@given(_waiver_cases())
def test_applying_waivers_only_turns_fail_into_waived(case):
    findings, waivers, rules, as_of = case
    res = apply_waivers(findings, waivers, rules, as_of)
    assert len(res.findings) == len(findings) and len(res.statuses) == len(waivers)
    for before, after in zip(findings, res.findings):
        if after.outcome == before.outcome:
            assert after == before
        else:
            assert (before.outcome, after.outcome) == ("fail", "waived")
            assert after.model_copy(update={"outcome": "fail", "waiver": None}) == before
            assert after.waiver["state"] == "applied"
            assert dt.date.fromisoformat(after.waiver["valid_from"]) <= as_of <= dt.date.fromisoformat(after.waiver["effective_expires"])
    assert sum(f.outcome == "waived" for f in res.findings) == len(res.by_state("applied"))


# --- loading -----------------------------------------------------------------------------------

def test_waiver_register_loads_from_the_data_set(dataset):
    (dataset / "waivers.yaml").write_text(waiver_yaml([{"id": "W-1", "rule_id": "nhs.risk.within-tolerance", "subject": "SBAF2"}]))
    (w,) = load_dataset(dataset).data.waivers
    assert (w.id, w.subject, w.expires) == ("W-1", "SBAF2", dt.date(2025, 3, 31))


@pytest.mark.parametrize("change, field, words", [
    ({"expires": DROP}, "expires", "Field required"),
    ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
    ({"expires": "31/02/2025"}, "expires", "not a real date"),
    ({"valid_from": "2025-04-01"}, "", "is before valid_from"),
])
def test_malformed_waiver_is_a_load_error_naming_file_line_and_field(dataset, change, field, words):
    good = {"rule_id": "nhs.risk.within-tolerance", "subject": "SBAF2"}
    (dataset / "waivers.yaml").write_text(waiver_yaml([good, {"rule_id": "nhs.risk.within-tolerance", "subject": "SBAF3", **change}]))
    with pytest.raises(DatasetError) as exc:
        load_dataset(dataset)
    (issue,) = exc.value.issues
    assert issue.file == "waivers.yaml" and issue.location == "line 10" and issue.field == field and words in issue.message


def test_overlapping_waivers_for_the_same_finding_are_a_load_error(dataset):
    same = {"rule_id": "nhs.risk.within-tolerance", "subject": "SBAF2"}
    (dataset / "waivers.yaml").write_text(waiver_yaml([{**same, "id": "W-1"}, {**same, "id": "W-2", "valid_from": "2025-03-01", "expires": "2025-06-30"}]))
    with pytest.raises(DatasetError) as exc:
        load_dataset(dataset)
    (issue,) = exc.value.issues
    assert issue.record_id == "W-2" and "overlaps waiver W-1" in issue.message


def test_a_renewal_after_expiry_is_not_an_overlap(dataset):
    same = {"rule_id": "nhs.risk.within-tolerance", "subject": "SBAF2"}
    (dataset / "waivers.yaml").write_text(waiver_yaml([{**same, "expires": "2024-12-31"}, {**same, "valid_from": "2025-01-01"}]))
    assert len(load_dataset(dataset).data.waivers) == 2


# --- end to end --------------------------------------------------------------------------------

def _check(dataset, *args):
    return CliRunner().invoke(main, ["check", str(dataset), "--as-of", AS_OF.isoformat(), *args])


def test_cli_malformed_waiver_exits_2_without_traceback(dataset):
    (dataset / "waivers.yaml").write_text(waiver_yaml([{"rule_id": "nhs.risk.within-tolerance", "subject": "SBAF2", "owner": DROP}]))
    result = _check(dataset)
    assert result.exit_code == 2
    assert "waivers.yaml:line 2: field 'owner' Field required" in result.output
    assert "Traceback" not in result.output


def test_waiving_every_high_failure_clears_the_gate_and_no_waivers_restores_it(dataset):
    raw = json.loads(_check(dataset, "--format", "json", "--fail-on", "never").output)
    high = [f for f in raw["findings"] if f["outcome"] == "fail" and f["severity"] in ("high", "critical")]
    assert high, "the real pack has high-severity failures"
    (dataset / "waivers.yaml").write_text(waiver_yaml(
        [{"id": f"W-{i}", "rule_id": f["rule_id"], "subject": f["subject"]["id"]} for i, f in enumerate(high)]
        + [{"id": "W-orphan", "rule_id": high[0]["rule_id"], "subject": "no-such-subject"}]))
    waived = _check(dataset, "--format", "json")
    assert waived.exit_code == 0, waived.output
    doc = json.loads(waived.output)
    assert doc["summary"]["by_outcome"]["waived"] == len(high)
    assert doc["summary"]["by_outcome"]["fail"] == raw["summary"]["by_outcome"]["fail"] - len(high)
    assert [w["key"] for w in doc["waivers"]["orphaned"]] == ["W-orphan"]
    assert len(doc["waivers"]["applied"]) == len(high)
    raw_again = _check(dataset, "--format", "json", "--no-waivers")
    assert raw_again.exit_code == 1
    again = json.loads(raw_again.output)
    assert again["waivers"] is None and again["summary"] == raw["summary"]


def test_table_output_lists_waived_findings(dataset):
    raw = json.loads(_check(dataset, "--format", "json", "--fail-on", "never").output)
    target = next(f for f in raw["findings"] if f["outcome"] == "fail")
    (dataset / "waivers.yaml").write_text(waiver_yaml([{"rule_id": target["rule_id"], "subject": target["subject"]["id"]}]))
    table = _check(dataset, "--fail-on", "never").output
    assert any(line.startswith("waived") and target["subject"]["id"] in line for line in table.splitlines())


def test_table_output_says_which_waivers_expired_or_match_nothing(dataset):
    raw = json.loads(_check(dataset, "--format", "json", "--fail-on", "never").output)
    target = next(f for f in raw["findings"] if f["outcome"] == "fail")
    (dataset / "waivers.yaml").write_text(waiver_yaml([
        {"id": "W-old", "rule_id": target["rule_id"], "subject": target["subject"]["id"], "expires": "2024-10-01"},
        {"id": "W-lost", "rule_id": target["rule_id"], "subject": "no-such-subject"},
    ]))
    table = _check(dataset, "--fail-on", "never").output
    assert f"waiver W-old ({target['rule_id']} / {target['subject']['id']}) expired: expired 2024-10-01" in table
    assert "waiver W-lost" in table and "orphaned: rule" in table
    assert not any(line.startswith("waived ") and target["rule_id"] in line for line in table.splitlines())
