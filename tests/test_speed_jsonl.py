"""`--format jsonl`: one finding per line, then the rest of the document; and the real pack's JSON
written by the fast encoder byte for byte as the standard one writes it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.io.writer import dumps_json
from compliance.report.machine import iter_jsonl
from conftest import AS_OF, REAL


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The real data set as json and jsonl (stdout), and jsonl through --out."""
    out = tmp_path_factory.mktemp("jsonl") / "report.jsonl"
    base = ["check", str(REAL), "--as-of", AS_OF.isoformat(), "--fail-on", "never"]
    runs = {"json": CliRunner().invoke(main, base + ["--format", "json"]),
            "jsonl": CliRunner().invoke(main, base + ["--format", "jsonl"]),
            "file": CliRunner().invoke(main, base + ["-q", "--out", str(out)])}
    assert all(r.exit_code == 0 for r in runs.values()), {k: r.output[-300:] for k, r in runs.items()}
    return {"json": runs["json"].output, "jsonl": runs["jsonl"].output, "file": out.read_text(encoding="utf-8")}


def test_every_finding_appears_once_then_the_document_line(outputs):
    doc = json.loads(outputs["json"])
    lines = outputs["jsonl"].split("\n")
    assert lines[-1] == ""  # every line ends in a newline, the last one too
    records = [json.loads(line) for line in lines[:-1]]
    assert [r.pop("record") for r in records] == ["finding"] * len(doc["findings"]) + ["document"]
    assert records[:-1] == doc["findings"]  # each finding once, in document order, unchanged
    assert len({(f["rule_id"], f["subject"]["id"]) for f in records[:-1]}) == len(doc["findings"]) == doc["summary"]["total"]
    assert {**records[-1], "findings": records[:-1]} == doc  # the document is rebuilt from the lines


def test_out_file_by_extension_holds_the_same_lines(outputs):
    assert outputs["file"] == outputs["jsonl"]


def test_lines_are_produced_one_at_a_time(outputs):
    doc = json.loads(outputs["json"])
    lines = iter_jsonl(doc)
    assert next(lines) == dumps_json({"record": "finding", **doc["findings"][0]}, indent=False) + "\n"
    assert "".join(lines).count("\n") == len(doc["findings"])


def test_jsonl_is_for_one_data_set(tmp_path):
    result = CliRunner().invoke(main, ["check", str(REAL), str(REAL), "--as-of", AS_OF.isoformat(), "--format", "jsonl"])
    assert result.exit_code == 2 and "--format jsonl works on one data set at a time" in result.output


def test_real_pack_json_is_byte_identical_to_the_standard_encoder(outputs):
    doc = json.loads(outputs["json"])
    assert dumps_json(doc) + "\n" == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == outputs["json"]
