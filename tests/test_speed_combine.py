"""`compliance combine`: the per-data-set documents of `check --out-dir` merged into the very
report `check D1 D2 ...` writes."""

import json

import pytest
from click.testing import CliRunner

from compliance.cli import main
from conftest import AS_OF
from test_batch import many  # noqa: F401  (the fixture: the same three data sets)


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def run(many, tmp_path):
    """The data sets of ``test_batch.many`` (two load, one does not), checked whole and with --out-dir."""
    root = tmp_path
    sets = many
    common = ["check", sets, "--as-of", AS_OF.isoformat(), "--format", "json"]
    whole = _invoke(*common, "--out", root / "full.json")
    split = _invoke(*common, "--out-dir", root / "out", "--out", root / "summary.json")
    assert whole.exit_code == split.exit_code == 2, (whole.output[-300:], split.output[-300:])  # c does not load
    return root


def test_combine_gives_the_bytes_of_the_whole_report(run):
    inputs = sorted((run / "out").glob("*.json"))
    assert [p.name for p in inputs] == ["0000-a-real.json", "0001-b-changed.json", "batch.json"]
    result = _invoke("combine", run / "combined.json", *inputs)
    assert result.exit_code == 0, result.output
    assert (run / "combined.json").read_bytes() == (run / "full.json").read_bytes()
    combined = json.loads((run / "combined.json").read_text())
    assert [d["path"] for d in combined["datasets"]] == [str(run / "sets" / n) for n in ("a-real", "b-changed", "c-broken")]
    assert combined["datasets"][2]["document"] is None and combined["datasets"][2]["problems"]


def test_without_the_index_documents_are_taken_in_order_under_their_names(run):
    result = _invoke("combine", run / "two.json", run / "out" / "0001-b-changed.json", run / "out" / "0000-a-real.json")
    assert result.exit_code == 0, result.output
    combined = json.loads((run / "two.json").read_text())
    full = json.loads((run / "full.json").read_text())
    assert [d["path"] for d in combined["datasets"]] == ["b-changed", "a-real"]
    assert [d["document"] for d in combined["datasets"]] == [full["datasets"][1]["document"], full["datasets"][0]["document"]]
    assert combined["summary"]["total"] == full["summary"]["total"]


def test_every_problem_is_listed_and_exits_2(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"x":\n')
    other = tmp_path / "other.json"
    doc = json.loads((run / "out" / "0000-a-real.json").read_text())
    other.write_text(json.dumps({**doc, "as_of": "2020-01-01"}))
    result = _invoke("combine", tmp_path / "o.json", run / "out" / "batch.json", bad, other)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "bad.json: line 2, column 1" in result.output
    result = _invoke("combine", tmp_path / "o.json", run / "out" / "batch.json", run / "out" / "0000-a-real.json", other)
    assert result.exit_code == 2
    assert "0001-b-changed.json, which is not among the inputs" in result.output and "other.json: not named in" in result.output
    assert "other.json: as of 2020-01-01" in result.output
    assert not (tmp_path / "o.json").exists()
