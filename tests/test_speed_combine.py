"""`compliance combine`: the per-data-set documents of `check --out-dir` merged into the very
report `check D1 D2 ...` writes."""

import json
import shutil

import pytest
from click.testing import CliRunner

from compliance.cli import main
from conftest import AS_OF, REAL


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Two data sets that load (one changed) and one that does not; checked whole and with --out-dir."""
    root = tmp_path_factory.mktemp("combine")
    sets = root / "sets"
    shutil.copytree(REAL, sets / "a")
    shutil.copytree(REAL, sets / "b")
    decl = sets / "b" / "declarations.yaml"
    decl.write_text(decl.read_text().replace("declared_on: '2024-09-20'", "declared_on: '2023-09-20'", 1))
    shutil.copytree(REAL, sets / "c")
    (sets / "c" / "people.yaml").write_text("people:\n  - id: x\n")
    common = ["check", sets, "--as-of", AS_OF.isoformat(), "--format", "json"]
    whole = _invoke(*common, "--out", root / "full.json")
    split = _invoke(*common, "--out-dir", root / "out", "--out", root / "summary.json")
    assert whole.exit_code == split.exit_code == 2, (whole.output[-300:], split.output[-300:])  # c does not load
    return root


def test_combine_gives_the_bytes_of_the_whole_report(run):
    inputs = sorted((run / "out").glob("*.json"))
    assert [p.name for p in inputs] == ["0000-a.json", "0001-b.json", "batch.json"]
    result = _invoke("combine", run / "combined.json", *inputs)
    assert result.exit_code == 0, result.output
    assert (run / "combined.json").read_bytes() == (run / "full.json").read_bytes()
    combined = json.loads((run / "combined.json").read_text())
    assert [d["path"] for d in combined["datasets"]] == [str(run / "sets" / n) for n in "abc"]
    assert combined["datasets"][2]["document"] is None and combined["datasets"][2]["problems"]


def test_without_the_index_documents_are_taken_in_order_under_their_names(run):
    result = _invoke("combine", run / "two.json", run / "out" / "0001-b.json", run / "out" / "0000-a.json")
    assert result.exit_code == 0, result.output
    combined = json.loads((run / "two.json").read_text())
    full = json.loads((run / "full.json").read_text())
    assert [d["path"] for d in combined["datasets"]] == ["b", "a"]
    assert [d["document"] for d in combined["datasets"]] == [full["datasets"][1]["document"], full["datasets"][0]["document"]]
    assert combined["summary"]["total"] == full["summary"]["total"]


def test_every_problem_is_listed_and_exits_2(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"x":\n')
    other = tmp_path / "other.json"
    doc = json.loads((run / "out" / "0000-a.json").read_text())
    other.write_text(json.dumps({**doc, "as_of": "2020-01-01"}))
    result = _invoke("combine", tmp_path / "o.json", run / "out" / "batch.json", bad, other)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "bad.json: line 2, column 1" in result.output
    result = _invoke("combine", tmp_path / "o.json", run / "out" / "batch.json", run / "out" / "0000-a.json", other)
    assert result.exit_code == 2
    assert "0001-b.json, which is not among the inputs" in result.output and "other.json: not named in" in result.output
    assert "other.json: as of 2020-01-01" in result.output
    assert not (tmp_path / "o.json").exists()
