"""`compliance check` over several data sets: parallel equals serial, one combined report."""

import json
import shutil
import subprocess
import sys

import pytest

from compliance.batch import BatchError, check_many, combine, expand
from conftest import AS_OF, REAL, ROOT


def _run(*args):
    return subprocess.run([sys.executable, "-m", "compliance", *args], capture_output=True, text=True, cwd=ROOT)


def make_many(root):
    """A directory of three data sets: the real pack, a copy with a missing declaration, and one
    with an unknown person in a meeting (does not load); and a directory holding no data set."""
    shutil.copytree(REAL, root / "a-real")
    shutil.copytree(REAL, root / "b-changed")
    decl = root / "b-changed" / "declarations.yaml"
    decl.write_text(decl.read_text().replace("declared_on: '2024-09-20'", "declared_on: '2023-09-20'", 1))
    shutil.copytree(REAL, root / "c-broken")
    (root / "c-broken" / "people.yaml").write_text("people:\n  - id: x\n")
    (root / "not-a-data-set").mkdir()
    return root


@pytest.fixture
def many(tmp_path):
    """``make_many`` in a temporary directory."""
    return make_many(tmp_path / "sets")


def test_parallel_and_serial_give_the_same_combined_report(many):
    datasets = expand([many])
    assert [d.name for d in datasets] == ["a-real", "b-changed", "c-broken"]
    serial = combine(check_many(datasets, ["nhs-icb", "nhs-performance"], AS_OF, jobs=1), AS_OF, "d")
    parallel = combine(check_many(datasets, ["nhs-icb", "nhs-performance"], AS_OF, jobs=2), AS_OF, "d")
    assert serial == parallel
    entries = serial["datasets"]
    assert entries[2]["document"] is None and any("people.yaml" in p for p in entries[2]["problems"])
    a, b = entries[0]["document"], entries[1]["document"]
    assert serial["summary"]["total"] == a["summary"]["total"] + b["summary"]["total"]
    assert a["findings"] != b["findings"]  # each data set evaluated on its own data


def test_cli_jobs_output_is_byte_identical_to_serial_and_names_the_bad_data_set(many):
    serial = _run("check", str(many), "--as-of", "2024-10-17", "--format", "json")
    parallel = _run("check", str(many), "--as-of", "2024-10-17", "--format", "json", "--jobs", "2")
    assert serial.returncode == parallel.returncode == 2  # c-broken did not load
    assert serial.stdout == parallel.stdout
    assert "c-broken: " in parallel.stderr and "problem(s) loading the data set" in parallel.stderr
    doc = json.loads(parallel.stdout)
    assert doc["kind"] == "batch" and doc["summary"]["datasets"] == 3 and doc["summary"]["not_evaluated"] == 1


def test_each_data_set_in_the_combined_report_equals_its_single_run(many):
    single = json.loads(_run("check", str(many / "a-real"), "--as-of", "2024-10-17", "--format", "json", "--fail-on", "never").stdout)
    listed = _run("check", str(many / "a-real"), str(many / "b-changed"), "--as-of", "2024-10-17", "--format", "json", "--jobs", "2")
    assert listed.returncode == 1  # the real pack's high-severity quoracy failures
    combined = json.loads(listed.stdout)
    assert combined["datasets"][0]["document"] == single
    table = _run("check", str(many / "a-real"), str(many / "b-changed"), "--as-of", "2024-10-17")
    assert "a-real" in table.stdout and "b-changed" in table.stdout and "total" in table.stdout


def test_a_path_that_holds_no_data_set_is_refused(many):
    with pytest.raises(BatchError, match="not-a-data-set"):
        expand([many / "a-real", many / "not-a-data-set"])
    result = _run("check", str(many / "a-real"), str(many / "not-a-data-set"), "--as-of", "2024-10-17")
    assert result.returncode == 2 and "neither a data set" in result.stderr and "Traceback" not in result.stderr


def test_out_dir_writes_each_document_and_keeps_only_summaries(many, tmp_path):
    sets = [many / "a-real", many / "b-changed"]
    kept = combine(check_many(sets, ["nhs-icb", "nhs-performance"], AS_OF), AS_OF, "d")
    written = combine(check_many(sets, ["nhs-icb", "nhs-performance"], AS_OF, jobs=2, out_dir=tmp_path / "out"), AS_OF, "d")
    assert written["summary"] == kept["summary"]
    for entry, full in zip(written["datasets"], kept["datasets"]):
        assert entry["document"] is None and entry["summary"] == full["document"]["summary"]
        assert json.loads((tmp_path / "out" / entry["output"]).read_text()) == full["document"]
