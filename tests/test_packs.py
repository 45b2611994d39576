"""Rule packs by name, extends:, profiles, a data set's compliance.yaml, formerly: ids, from any directory."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compliance.outcomes import finalise
from compliance.outcomes.baseline import compare
from compliance.pipeline import run_check
from compliance.rules import RuleSetError, load_rules
from compliance.rules.packs import SHIPPED, load_profiles, shipped_packs
from conftest import REAL, ROOT

ICB = ["nhs-icb", "nhs-performance"]
MAP = ROOT / "scripts" / "rule-id-map-s4.yaml"
EXAMPLE_PACK = ROOT / "docs" / "examples" / "our-pack"


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "compliance", *args], capture_output=True, text=True, cwd=cwd, env=env)


def _pack(root: Path, name: str, extends=(), rules=()) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "pack.yaml").write_text(yaml.safe_dump({"name": name, "title": name, "extends": list(extends)}))
    if rules:
        (folder / "rules.yaml").write_text(yaml.safe_dump({"rules": list(rules)}))
    return folder


def _rule(rule_id: str, **extra) -> dict:
    return {"id": rule_id, "title": "a test rule", "severity": "low", "applies_to": "action",
            "require": {"field": "owner", "exists": True}, "message": "no owner", **extra}


def test_shipped_packs_and_profiles():
    assert {"nhs-common", "nhs-icb", "nhs-performance"} <= set(shipped_packs())
    profiles = load_profiles()
    assert profiles["nhs-icb"] == ["nhs-icb", "nhs-performance"]
    assert profiles["nhs-trust"] == ["nhs-trust"] and profiles["uk-company"] == ["uk-company"]


def test_a_pack_by_name_loads_what_it_extends_first():
    common = load_rules("nhs-common")
    icb = load_rules("nhs-icb")
    assert {r.id for r in common.rules} < {r.id for r in icb.rules}
    assert all(r.id.startswith("nhs.") for r in common.rules)
    assert not any(r.id.startswith("nhs.") for r in icb.rules if r.source_file.startswith(str(SHIPPED / "nhs-icb")))
    # named twice (directly and through extends) it loads once: no duplicate-id error
    assert len(load_rules(["nhs-common", "nhs-icb"]).rules) == len(icb.rules)
    # the whole packs directory is the same as naming its packs
    assert load_rules(SHIPPED).digest == load_rules(sorted(shipped_packs())).digest


def test_the_icb_profile_is_every_rule_of_its_packs_and_nothing_else():
    """The profile loads nhs-icb, what it extends (nhs-common) and nhs-performance: each rule of their files once."""
    ruleset = load_rules(ICB)
    packs = Path(__file__).parent.parent / "src/compliance/packs"
    in_files = [r["id"] for name in ("nhs-icb", "nhs-common", "nhs-performance")
                for f in sorted((packs / name).glob("*.yaml")) if f.name != "pack.yaml"
                for r in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("rules", [])]
    assert sorted(r.id for r in ruleset.rules) == sorted(in_files)
    assert len(in_files) == len(set(in_files))


def test_extends_cycle_unknown_name_and_duplicate_id_are_errors_naming_the_file(tmp_path):
    _pack(tmp_path, "a", ["b"], [_rule("org.a.one")])
    _pack(tmp_path, "b", ["a"], [_rule("org.b.one")])
    with pytest.raises(RuleSetError) as cycle:
        load_rules(tmp_path / "a")
    assert any("cycle" in i.message and i.file.endswith("pack.yaml") for i in cycle.value.issues)

    _pack(tmp_path, "c", ["no-such-pack"], [_rule("org.c.one")])
    with pytest.raises(RuleSetError) as unknown:
        load_rules(tmp_path / "c")
    assert [i.file for i in unknown.value.issues] == [str(tmp_path / "c" / "pack.yaml")]
    assert "unknown pack 'no-such-pack'" in unknown.value.issues[0].message

    _pack(tmp_path, "d", ["nhs-common"], [_rule("nhs.actions.not-overdue")])
    with pytest.raises(RuleSetError) as twice:
        load_rules(tmp_path / "d")
    assert any("duplicate rule id" in i.message for i in twice.value.issues)

    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "pack.yaml").write_text("name: e\nextend: [nhs-common]\n")
    with pytest.raises(RuleSetError) as typo:
        load_rules(tmp_path / "e")
    assert "unknown key 'extend'" in typo.value.issues[0].message


def test_cli_extends_error_exits_2_naming_the_file(tmp_path):
    _pack(tmp_path, "a", ["a"], [_rule("org.a.one")])
    result = _cli("rules", "validate", str(tmp_path / "a"), cwd=tmp_path)
    assert result.returncode == 2 and "pack.yaml" in result.stderr and "cycle" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_documented_own_pack_extends_a_shipped_one():
    ruleset = load_rules(EXAMPLE_PACK)
    ids = {r.id for r in ruleset.rules}
    assert "our-trust.actions.owner-named" in ids and "nhs.actions.not-overdue" in ids
    assert len(ids) == len(load_rules("nhs-common").rules) + 1


def test_every_command_works_from_another_directory(tmp_path):
    data = str(REAL)
    assert _cli("check", data, "--as-of", "2024-10-17", "-q", cwd=tmp_path).returncode == 1
    assert _cli("check", data, "--as-of", "2024-10-17", "-q", "--rules", "nhs-icb", cwd=tmp_path).returncode == 1
    assert _cli("report", data, "--as-of", "2024-10-17", "--format", "markdown", "--out", "r.md", cwd=tmp_path).returncode == 0
    assert _cli("preboard", data, "--meeting", "board-2024-10-17", cwd=tmp_path).returncode in (0, 1)
    listed = _cli("rules", "list", cwd=tmp_path)
    assert listed.returncode == 0 and f"{len(load_rules(ICB).rules)} rules" in listed.stdout
    assert _cli("rules", "validate", "nhs-performance", cwd=tmp_path).returncode == 0
    assert "Reference:" in _cli("rules", "explain", "nhs.conflicts.ceased-removed", cwd=tmp_path).stdout
    assert _cli("rules", "fields", "action", cwd=tmp_path).returncode == 0
    tested = _cli("test", "nhs-performance", "-q", cwd=tmp_path)
    assert tested.returncode == 0 and "cases passed" in tested.stdout
    baseline = _cli("check", data, "--as-of", "2024-10-17", "--format", "json", "--out", "b.json", cwd=tmp_path)
    assert baseline.returncode == 1
    assert _cli("check", data, "--as-of", "2024-10-17", "-q", "--baseline", "b.json", cwd=tmp_path).returncode == 1
    imported = _cli("import", "boardpack", str(ROOT / "fixtures/packs/ssot-icb-board-pack-2024-10-17.txt"), "--out", "imp",
                    "--mapping", str(ROOT / "fixtures/ssot-2024-10-17.mapping.yaml"), cwd=tmp_path)
    assert imported.returncode in (0, 1), imported.stderr[-500:]


def test_a_dataset_profile_chooses_the_packs(tmp_path):
    assessment = ROOT / "fixtures" / "ssot-2024-25-assessment"
    result = _cli("check", str(assessment), "--as-of", "2025-07-30", "--format", "json", "--fail-on", "never", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {f["rule_id"].split(".")[0] for f in json.loads(result.stdout)["findings"]} == {"nhs-performance"}
    real = _cli("check", str(REAL), "--as-of", "2024-10-17", "--format", "json", cwd=tmp_path)
    assert {f["rule_id"].split(".")[0] for f in json.loads(real.stdout)["findings"]} == {"nhs", "nhs-icb", "nhs-performance"}


def _copy_real(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "data"
    shutil.copytree(REAL, target)
    return target


def test_compliance_yaml_is_validated_with_file_line_and_field(tmp_path):
    data = _copy_real(tmp_path)
    (data / "compliance.yaml").write_text("profile: nhs-icb\nrule_parms: {}\n")
    result = _cli("check", str(data), "--as-of", "2024-10-17", cwd=tmp_path)
    assert result.returncode == 2
    assert "compliance.yaml:line 2" in result.stderr and "rule_parms" in result.stderr and "unknown key" in result.stderr
    (data / "compliance.yaml").write_text("profile: nhs-hospital\n")
    result = _cli("check", str(data), "--as-of", "2024-10-17", cwd=tmp_path)
    assert result.returncode == 2 and "unknown profile 'nhs-hospital'" in result.stderr


def test_compliance_yaml_rule_params_override_and_are_checked(tmp_path):
    data = _copy_real(tmp_path)
    rule = "nhs-icb.actions.reference-format"
    (data / "compliance.yaml").write_text(f"profile: nhs-icb\nrule_params:\n  {rule}: {{shapes: ['999.9']}}\n")
    before = run_check(REAL, load_rules(ICB), __import__("datetime").date(2024, 10, 17))
    after = run_check(data, load_rules(ICB), __import__("datetime").date(2024, 10, 17))
    count = lambda run: sum(1 for f in run.findings if f.rule_id == rule and f.outcome == "fail")
    assert count(after) == sum(1 for f in after.findings if f.rule_id == rule) > count(before)
    (data / "compliance.yaml").write_text(f"rule_params:\n  {rule}: {{shape: ['999.9']}}\n")
    result = _cli("check", str(data), "--as-of", "2024-10-17", cwd=tmp_path)
    assert result.returncode == 2 and "compliance.yaml:rule_params" in result.stderr and "shape: unknown parameter" in result.stderr


def test_formerly_lets_old_waivers_and_baselines_match(tmp_path):
    from outcome_helpers import waiver_yaml

    mapping = yaml.safe_load(MAP.read_text())
    ruleset = load_rules(ICB)
    for old, new in mapping.items():
        assert ruleset.by_id(old).id == new and old in ruleset.by_id(new).formerly
    data = _copy_real(tmp_path)
    as_of = __import__("datetime").date(2024, 10, 17)
    run = run_check(data, ruleset, as_of)
    failing = next(f for f in run.findings if f.outcome == "fail" and f.rule_id in mapping.values())
    old_id = next(o for o, n in mapping.items() if n == failing.rule_id)
    (data / "waivers.yaml").write_text(waiver_yaml([{"id": "W-1", "rule_id": old_id, "subject": failing.subject.id}]))
    document = finalise(run_check(data, ruleset, as_of), ruleset)
    waived = [f for f in document["findings"] if f["outcome"] == "waived"]
    assert [(f["rule_id"], f["subject"]["id"]) for f in waived] == [(failing.rule_id, failing.subject.id)]
    # a baseline written before the rename: its failures persist, they are not "resolved" and "new"
    old_doc = finalise(run, ruleset)
    for f in old_doc["findings"]:
        f["rule_id"] = next((o for o, n in mapping.items() if n == f["rule_id"]), f["rule_id"])
    comparison = compare(run.findings, old_doc, ruleset.renamed())
    assert not comparison.new and not comparison.resolved and comparison.persisting
    unmapped = compare(run.findings, old_doc)
    assert unmapped.new and unmapped.resolved  # without formerly: the rename would look like churn


def test_a_formerly_id_may_not_be_another_rules_id(tmp_path):
    _pack(tmp_path, "a", [], [_rule("org.a.one"), _rule("org.a.two", formerly=["org.a.one"])])
    with pytest.raises(RuleSetError) as exc:
        load_rules(tmp_path / "a")
    assert "formerly: 'org.a.one' is the id of a rule" in exc.value.issues[0].message


def test_rename_script_renames_whole_ids_and_adds_formerly(tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text("rules:\n  - id: nhs-icb.risk.within-tolerance\n    title: t\n"
                     "# see nhs-icb.risk.within-tolerance-extra and nhs-icb.risk.within-tolerance.\n")
    expected = tmp_path / "expected.yaml"
    expected.write_text("findings:\n  nhs-icb.risk.within-tolerance:\n    SBAF1: pass\n")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "rename-rule-ids"), str(MAP), str(rules), str(expected)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert rules.read_text() == ("rules:\n  - id: nhs.risk.within-tolerance\n    formerly: [nhs-icb.risk.within-tolerance]\n    title: t\n"
                                 "# see nhs-icb.risk.within-tolerance-extra and nhs.risk.within-tolerance.\n")
    assert expected.read_text() == "findings:\n  nhs.risk.within-tolerance:\n    SBAF1: pass\n"
    again = subprocess.run([sys.executable, str(ROOT / "scripts" / "rename-rule-ids"), str(MAP), str(rules)], capture_output=True, text=True)
    assert again.stdout == "" and rules.read_text().count("formerly") == 1  # idempotent


def test_package_data_ships_every_pack_file():
    config = __import__("tomllib").loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["compliance.packs"]
    files = [p.relative_to(SHIPPED) for p in SHIPPED.rglob("*.yaml")]
    assert files and all(any(p.match(g) and len(p.parts) == len(Path(g).parts) for g in globs) for p in files)


def test_the_built_package_carries_the_packs_and_checks_from_another_directory(tmp_path):
    # setuptools' build_py copies exactly what a wheel holds (packages + package-data) into lib/;
    # the check then runs on that copy alone, from an unrelated working directory
    lib, meta = tmp_path / "lib", tmp_path / "meta"
    meta.mkdir()
    build = ("import sys, setuptools; sys.argv = ['setup.py', '-q', 'egg_info', '--egg-base', sys.argv[1], "
             "'build_py', '--build-lib', sys.argv[2]]; setuptools.setup()")
    subprocess.run([sys.executable, "-c", build, str(meta), str(lib)], cwd=ROOT, check=True, capture_output=True)
    shipped = sorted(p.relative_to(SHIPPED) for p in SHIPPED.rglob("*.yaml"))
    assert sorted(p.relative_to(lib / "compliance" / "packs") for p in (lib / "compliance" / "packs").rglob("*.yaml")) == shipped
    env = {**os.environ, "PYTHONPATH": str(lib)}
    run = subprocess.run([sys.executable, "-m", "compliance", "check", str(REAL), "--as-of", "2024-10-17", "--format", "json"],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 1, run.stderr
    assert json.loads(run.stdout)["summary"]["total"] == len(run_check(REAL, load_rules(ICB), __import__("datetime").date(2024, 10, 17)).findings)


@pytest.mark.parametrize("pack", ["uk-company", "nhs-trust"])
def test_code_citations_name_their_source_and_say_when_unverified(pack):
    """Each uk-company / nhs-trust rule cites a published source by address; no clause claims the
    Code's own wording, since neither the FRC's nor NHS England's text of the Code was among the
    stored copies: each says it is not verified (words are quoted only as a stored page shows them)."""
    own = [r for r in load_rules(pack).rules if r.id.startswith(pack + ".")]
    assert own
    for rule in own:
        codes = [ref for ref in rule.references if "Code" in ref.authority]
        assert codes or rule.id == "nhs-trust.quoracy.throughout", rule.id  # that one rests on standing orders
        for ref in codes:
            assert (ref.url or "").startswith("https://"), rule.id
            assert "not verified" in ref.clause, (rule.id, ref.clause)


def test_new_board_composition_rules_are_in_the_profiles_packs():
    assert {"uk-company.board.half-independent", "uk-company.nomination.majority-independent",
            "uk-company.chair.tenure"} <= {r.id for r in load_rules("uk-company").rules}
    trust = {r.id for r in load_rules("nhs-trust").rules}
    assert {"nhs-trust.board.half-independent", "nhs-trust.tenure.nine-years"} <= trust
    # board balance is the provider trusts' Code, not a rule every NHS body shares
    assert not any("half-independent" in r.id for r in load_rules("nhs-common").rules)
