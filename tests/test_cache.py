"""The loaded-rules and data-set cache (compliance.cache): a hit gives what a fresh load gives,
a changed input misses, a broken entry is a miss, and a problem is never stored."""

import os
import pickle
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from compliance import cache
from compliance.cli import main
from compliance.io import DatasetError, load_dataset
from compliance.rules import RuleSetError, load_rules
from compliance.rules.packs import SHIPPED
from conftest import AS_OF, REAL, ROOT

PACKS = ["nhs-icb", "nhs-performance"]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty cache of this test's own, which stores inputs written under tmp_path too."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(directory))
    monkeypatch.delenv("COMPLIANCE_NO_CACHE", raising=False)
    monkeypatch.setattr(cache, "TRANSIENT_ROOTS", [])
    return directory


def entries(directory, kind):
    return sorted(directory.glob(f"{kind}-*.pickle"))


def _rules_state(ruleset):
    return ([(r.model_dump(), r.source_file, repr(r.when_condition), repr(r.require_condition), [d.name for d in r._derived])
             for r in ruleset.rules], ruleset.digest, [(d.name, d.kind, d.expr, d.type, d.inputs) for d in ruleset.derived])


def test_cached_rule_set_is_the_loaded_one(cache_dir):
    fresh = load_rules(PACKS)
    assert len(entries(cache_dir, "rules")) == 1
    cached = load_rules(PACKS)
    assert cached is not fresh and _rules_state(cached) == _rules_state(fresh)
    assert all(r._derived is cached.derived for r in cached.rules)
    # a derived value compiled again on load computes what the original does
    fact = {name: 1 for d in fresh.derived for name in d.inputs}
    assert [d.value(fact) for d in cached.derived] == [d.value(fact) for d in fresh.derived]


def test_a_changed_rule_file_is_loaded_again(cache_dir, tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(SHIPPED / "nhs-common", pack)
    first = load_rules([pack])
    rule_file = next(p for p in sorted(pack.rglob("*.yaml")) if p.name != "pack.yaml" and "tests" not in p.parts
                     and "title:" in p.read_text())
    text = rule_file.read_text()
    rule_file.write_text(text.replace("title: ", "title: Changed ", 1))
    second = load_rules([pack])
    assert len(entries(cache_dir, "rules")) == 2
    assert second.digest != first.digest
    assert sum(r.title.startswith("Changed ") for r in second.rules) == 1
    rule_file.write_text(text.replace("title: ", "title: ", 1).replace("\n", "\n  bad: [", 1))
    with pytest.raises(RuleSetError):  # a broken file is reported, never served from the cache
        load_rules([pack])
    assert len(entries(cache_dir, "rules")) == 2


def test_cached_data_set_is_the_loaded_one(cache_dir):
    fresh = load_dataset(REAL)
    assert len(entries(cache_dir, "dataset")) == 1
    cached = load_dataset(REAL)
    assert cached is not fresh
    assert cached == fresh  # every field: records, issues, locations, config, supplied, dropped, warnings


def test_a_data_set_with_problems_is_never_stored(cache_dir, dataset):
    load_dataset(dataset)
    people = dataset / "people.yaml"
    people.write_text(people.read_text() + "\n- {id: 'bad id with spaces', name: X}\n")
    for _ in range(2):
        with pytest.raises(DatasetError):
            load_dataset(dataset)
        loaded = load_dataset(dataset, strict=False)
        assert loaded.issues
    assert len(entries(cache_dir, "dataset")) == 1  # only the first, good load


def test_a_changed_data_set_file_is_loaded_again(cache_dir, dataset):
    before = load_dataset(dataset)
    organisation = dataset / "organisation.yaml"
    organisation.write_text(organisation.read_text().replace(before.data.organisation.name, "Renamed ICB", 1))
    assert load_dataset(dataset).data.organisation.name == "Renamed ICB"
    assert len(entries(cache_dir, "dataset")) == 2


@pytest.mark.parametrize("damage", [b"", b"not a pickle", pickle.dumps(("other", "shape"))])
def test_a_broken_entry_is_a_miss(cache_dir, damage):
    fresh_rules, fresh_data = load_rules(PACKS), load_dataset(REAL)
    for entry in entries(cache_dir, "rules") + entries(cache_dir, "dataset"):
        entry.write_bytes(damage)
    assert _rules_state(load_rules(PACKS)) == _rules_state(fresh_rules)
    assert load_dataset(REAL) == fresh_data


def test_no_cache_writes_nothing(cache_dir, monkeypatch):
    monkeypatch.setenv("COMPLIANCE_NO_CACHE", "1")
    load_rules(PACKS)
    load_dataset(REAL)
    assert not cache_dir.exists()


def test_an_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be made
    assert load_rules(PACKS).rules


def test_inputs_in_the_temporary_directory_are_not_stored(cache_dir, dataset, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "TRANSIENT_ROOTS", [tmp_path])
    pack = tmp_path / "pack"
    shutil.copytree(SHIPPED / "nhs-common", pack)
    assert load_rules([pack]).rules and load_dataset(dataset).data.people
    assert not entries(cache_dir, "rules") and not entries(cache_dir, "dataset")
    load_rules(PACKS)
    load_dataset(REAL)  # the repository's own files are kept
    assert len(entries(cache_dir, "rules")) == len(entries(cache_dir, "dataset")) == 1


def test_only_the_newest_entries_are_kept(cache_dir, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for i in range(5):
        cache.store(f"test-{i}", i)
        os.utime(cache_dir / f"test-{i}.pickle", ns=(i * 10**9, i * 10**9))  # an mtime per write, in order
    assert sorted(p.name for p in cache_dir.glob("*.pickle")) == ["test-2.pickle", "test-3.pickle", "test-4.pickle"]
    assert [cache.load(f"test-{i}") for i in range(5)] == [None, None, 2, 3, 4]


def test_the_cache_directory_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("COMPLIANCE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "compliance"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "compliance"


def test_a_hit_in_a_new_process_gives_the_same_bytes(cache_dir):
    """Every format, from a cold cache, a warm one (a new process: the computed fields the rules
    name are registered from the entry) and none."""
    outputs = {}
    for run, env in (("cold", {}), ("warm", {}), ("off", {"COMPLIANCE_NO_CACHE": "1"})):
        for fmt in ("json", "jsonl", "csv", "sarif", "junit", "table"):
            done = subprocess.run([sys.executable, "-m", "compliance", "check", str(REAL), "--as-of", AS_OF.isoformat(),
                                   "--format", fmt, "--all"], capture_output=True, cwd=ROOT,
                                  env={**_env(), "COMPLIANCE_CACHE_DIR": str(cache_dir), **env})
            assert done.returncode == 1, done.stderr
            outputs[run, fmt] = done.stdout
    assert entries(cache_dir, "rules") and entries(cache_dir, "dataset")
    for fmt in ("json", "jsonl", "csv", "sarif", "junit", "table"):
        assert outputs["cold", fmt] == outputs["warm", fmt] == outputs["off", fmt], fmt


def test_cli_with_cache_matches_without(cache_dir, monkeypatch):
    args = ["check", str(REAL), "--as-of", AS_OF.isoformat(), "--format", "json"]
    first, second = CliRunner().invoke(main, args), CliRunner().invoke(main, args)
    monkeypatch.setenv("COMPLIANCE_NO_CACHE", "1")
    off = CliRunner().invoke(main, args)
    assert first.output == second.output == off.output and first.exit_code == 1


def _env():
    # COMPLIANCE_CACHE_TEMP: the checkout itself may live under the temporary directory (a CI clone),
    # whose inputs a run would otherwise not store
    return {k: v for k, v in os.environ.items() if k not in ("COMPLIANCE_NO_CACHE", "COMPLIANCE_CACHE_DIR")} | {
        "PYTHONPATH": str(ROOT / "src"), "COMPLIANCE_CACHE_TEMP": "1"}



def test_a_settings_file_with_a_problem_is_reported_each_time(cache_dir, dataset):
    from compliance.io.config import read_config

    assert read_config(dataset) == read_config(dataset)  # the second from the cache
    (dataset / "compliance.yaml").write_text("profile: nhs-icb\nprofile: nhs-trust\n")
    with pytest.raises(DatasetError) as first:
        read_config(dataset)
    for _ in range(2):
        with pytest.raises(DatasetError) as raised:
            read_config(dataset)
        assert [str(i) for i in raised.value.issues] == [str(i) for i in first.value.issues] and "duplicate key 'profile'" in str(first.value.issues[0])


def test_a_run_served_from_the_cache_does_not_import_pyyaml_or_build_a_validator(cache_dir):
    """A cached run reads pickled records and rules: it needs neither PyYAML nor any pydantic
    validator or serializer (building the first also loads pydantic's plugins through
    importlib.metadata; each was tens of milliseconds of start-up)."""
    script = ("import sys\nfrom click.testing import CliRunner\nfrom compliance.cli import main\n"
              f"result = CliRunner().invoke(main, ['check', {str(REAL)!r}, '--as-of', '2024-10-17', '-q'])\n"
              "print(result.exit_code, 'yaml' in sys.modules, 'pydantic.plugin._loader' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                           env={**_env(), "COMPLIANCE_CACHE_DIR": str(cache_dir)}) for _ in range(2)]
    assert [r.stdout.split() for r in runs] == [["1", "True", "True"], ["1", "False", "False"]], [r.stderr for r in runs]


def test_a_data_sets_config_is_validated_once_per_content(cache_dir, tmp_path):
    from compliance.io.config import read_config

    data = tmp_path / "data"
    data.mkdir()
    (data / "compliance.yaml").write_text("profile: nhs-icb\n")
    first = read_config(data)
    assert len(entries(cache_dir, "config")) == 1
    again = read_config(data)
    assert again == first and again is not first  # from the entry, the same configuration
    (data / "compliance.yaml").write_text("profile: nhs-trust\n")
    assert read_config(data).profile == "nhs-trust"  # changed bytes: read afresh
    (data / "compliance.yaml").write_text("profile: nhs-icb\ncolour: red\n")
    with pytest.raises(DatasetError) as bad:
        read_config(data)
    assert "colour" in str(bad.value.issues)
    assert len(entries(cache_dir, "config")) == 2  # the bad file was not stored
