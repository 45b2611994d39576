"""Several data sets, each checked with its own compliance.yaml (profile, packs, rule_params) when
--rules is not given, and rule selection (--rule, --skip-rule, --family, --min-severity) applied
to each data set's own rules."""

import json
import shutil

import pytest
from click.testing import CliRunner

from compliance.cli import main
from conftest import REAL, ROOT

TRUST = ROOT / "fixtures" / "southern-health-2017-04-25"
COMPANY = ROOT / "fixtures" / "vesuvius-2013"
AS_OF = "2024-10-17"


def _check(*args):
    return CliRunner().invoke(main, ["check", *map(str, args), "--as-of", AS_OF])


def _json(*args):
    result = _check(*args, "--format", "json")
    return result, json.loads(result.stdout)


@pytest.fixture
def three(tmp_path):
    """An ICB, an NHS trust and a listed company: three profiles (copies, so a test may edit them)."""
    for name, src in (("icb", REAL), ("trust", TRUST), ("company", COMPANY)):
        shutil.copytree(src, tmp_path / name)
    return [tmp_path / n for n in ("icb", "trust", "company")]


def test_each_data_set_is_checked_with_its_own_profile(three):
    result, combined = _json(*three, "--fail-on", "never")
    assert result.exit_code == 0, result.output[-500:]
    entries = combined["datasets"]
    assert [e["profile"] for e in entries] == ["nhs-icb", "nhs-trust", "uk-company"]
    assert entries[2]["rules"] == ["uk-company"]
    for entry, path in zip(entries, three):  # byte for byte what checking it alone gives
        single = _json(path, "--fail-on", "never")[1]
        assert entry["document"] == single and entry["rules_digest"] == single["rules_digest"]
    assert len({e["rules_digest"] for e in entries}) == 3 and combined["rules_digest"] is None
    rules = {f["rule_id"].split(".")[0] for f in entries[2]["document"]["findings"]}
    assert rules == {"uk-company"}  # the company is not checked against an ICB's constitution
    table = _check(*three, "--fail-on", "never").stdout
    assert "rules differ between data sets" in table and "nhs-trust" in table and "uk-company" in table


def test_rules_given_apply_to_every_data_set(three):
    combined = _json(*three, "--rules", "uk-company", "--fail-on", "never")[1]
    assert [e["profile"] for e in combined["datasets"]] == [None] * 3
    assert [e["rules"] for e in combined["datasets"]] == [["uk-company"]] * 3
    assert combined["rules_digest"] == combined["datasets"][0]["document"]["rules_digest"]


def test_a_data_sets_own_rule_params_apply_to_it_alone(three):
    # its only body is the board: make the audit-committee size rule read it, and ask for 30 members
    params = "{name_pattern: Board, min_members: 30}"
    (three[1] / "compliance.yaml").write_text(f"profile: nhs-trust\nrule_params:\n  nhs-trust.audit.minimum-members: {params}\n")
    combined = _json(*three, "--fail-on", "never")[1]
    findings = [f for f in combined["datasets"][1]["document"]["findings"] if f["rule_id"] == "nhs-trust.audit.minimum-members"]
    assert findings and {f["outcome"] for f in findings} == {"fail"}  # (not applicable without the override)
    assert combined["datasets"][1]["document"] == _json(three[1], "--fail-on", "never")[1]


def test_a_bad_compliance_yaml_stops_that_data_set_only(three):
    (three[1] / "compliance.yaml").write_text("profile: nhs-hospice\n")
    result, combined = _json(*three)
    assert result.exit_code == 2
    bad = combined["datasets"][1]
    assert bad["document"] is None and len(bad["problems"]) == 1
    assert "compliance.yaml" in bad["problems"][0] and "nhs-hospice" in bad["problems"][0]
    assert combined["datasets"][0]["document"] and combined["datasets"][2]["document"]
    assert "trust: 1 problem(s) loading the data set" in result.stderr


def test_out_dir_and_combine_rebuild_a_mixed_profile_report(three, tmp_path):
    whole = _check(*three, "--format", "json", "--fail-on", "never", "--out", tmp_path / "full.json")
    split = _check(*three, "--format", "json", "--fail-on", "never", "--out-dir", tmp_path / "out")
    assert whole.exit_code == split.exit_code == 0, split.output[-500:]
    combined = CliRunner().invoke(main, ["combine", str(tmp_path / "c.json"), *map(str, sorted((tmp_path / "out").glob("*.json")))])
    assert combined.exit_code == 0, combined.output
    assert (tmp_path / "c.json").read_bytes() == (tmp_path / "full.json").read_bytes()


def test_rule_selection_works_on_each_data_set(three):
    icb, other = three[0], three[0].with_name("icb-2")
    shutil.copytree(icb, other)
    picked = ["--rule", "nhs-icb.quoracy.*", "--skip-rule", "nhs-icb.quoracy.head-count", "--min-severity", "medium"]
    result, combined = _json(icb, other, *picked, "--fail-on", "never")
    assert result.exit_code == 0, result.output[-500:]
    for entry, path in zip(combined["datasets"], (icb, other)):
        assert entry["document"] == _json(path, *picked, "--fail-on", "never")[1]
    ids = {f["rule_id"] for e in combined["datasets"] for f in e["document"]["findings"]}
    assert ids and all(i.startswith("nhs-icb.quoracy.") for i in ids) and "nhs-icb.quoracy.head-count" not in ids


def test_a_family_only_some_profiles_have_leaves_the_others_not_evaluated(three):
    result, combined = _json(*three, "--family", "board-composition")
    assert result.exit_code == 2
    icb, trust, company = combined["datasets"]
    assert company["document"] and {f["rule_id"].split(".")[1] for f in company["document"]["findings"]} >= {"board"}
    for entry in (icb, trust):
        assert entry["document"] is None and "the rule selection leaves none of its rules" in entry["problems"][0]


def test_a_selection_that_matches_nothing_anywhere_is_refused(three):
    result = _check(*three, "--rule", "no.such.rule", "--family", "nonesuch")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--rule 'no.such.rule' matches no rule" in result.output and "--family 'nonesuch' is not a family" in result.output
