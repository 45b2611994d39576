"""Machine formats of `compliance check`: JUnit XML and CSV, read back with standard parsers."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.report.machine import CSV_COLUMNS, render_csv, render_junit
from conftest import AS_OF
from outcome_helpers import waiver_yaml


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """json, junit and csv of the real data set with one failure waived."""
    import shutil

    from conftest import REAL

    ds = tmp_path_factory.mktemp("formats") / "ds"
    shutil.copytree(REAL, ds)
    run = lambda fmt: CliRunner().invoke(main, ["check", str(ds), "--as-of", AS_OF.isoformat(), "--fail-on", "never", "--format", fmt])
    raw = json.loads(run("json").output)
    target = next(f for f in raw["findings"] if f["outcome"] == "fail")
    (ds / "waivers.yaml").write_text(waiver_yaml([{"id": "W-1", "rule_id": target["rule_id"], "subject": target["subject"]["id"]}]))
    out = {fmt: run(fmt) for fmt in ("json", "junit", "csv")}
    assert all(r.exit_code == 0 for r in out.values()), {k: r.output[-300:] for k, r in out.items()}
    return {"doc": json.loads(out["json"].output), "junit": out["junit"].output, "csv": out["csv"].output, "target": target}


def test_junit_has_one_testcase_per_finding_with_matching_counts(outputs):
    doc, root = outputs["doc"], ET.fromstring(outputs["junit"].encode())
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == doc["summary"]["total"] == len(doc["findings"])
    assert len({(c.get("classname"), c.get("name")) for c in cases}) == len(cases)
    by = doc["summary"]["by_outcome"]
    assert len(root.findall(".//testcase/failure")) == by["fail"] == int(root.get("failures"))
    assert len(root.findall(".//testcase/error")) == by["error"] == int(root.get("errors"))
    assert len(root.findall(".//testcase/skipped")) == by["not_applicable"] + by["waived"] == int(root.get("skipped"))
    assert int(root.get("tests")) == len(cases)
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))


def test_junit_failure_carries_message_severity_and_remediation(outputs):
    root = ET.fromstring(outputs["junit"].encode())
    doc_fail = next(f for f in outputs["doc"]["findings"] if f["outcome"] == "fail")
    suite = root.find(f"./testsuite[@name='{doc_fail['rule_id']}']")
    case = next(c for c in suite.findall("testcase") if c.get("name") == doc_fail["subject"]["id"])
    failure = case.find("failure")
    assert failure.get("message") == doc_fail["message"] and failure.get("type") == doc_fail["severity"]
    assert doc_fail["remediation"] in failure.text


def test_junit_reports_a_waived_failure_as_skipped_naming_the_waiver(outputs):
    t = outputs["target"]
    root = ET.fromstring(outputs["junit"].encode())
    case = next(c for c in root.find(f"./testsuite[@name='{t['rule_id']}']").findall("testcase") if c.get("name") == t["subject"]["id"])
    skipped = case.find("skipped")
    assert case.find("failure") is None and skipped.get("message").startswith("waived until 2025-03-31")
    assert "W-1: recovery plan agreed" in skipped.text


def test_csv_has_one_row_per_finding_in_document_order(outputs):
    doc = outputs["doc"]
    reader = csv.DictReader(io.StringIO(outputs["csv"]))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    rows = list(reader)
    assert [(r["rule_id"], r["subject_id"], r["outcome"]) for r in rows] == [
        (f["rule_id"], f["subject"]["id"], f["outcome"]) for f in doc["findings"]]
    waived = [r for r in rows if r["outcome"] == "waived"]
    assert len(waived) == 1 and waived[0]["waiver"].startswith("W-1:") and waived[0]["waiver_expires"] == "2025-03-31"
    assert all(json.loads(r["evidence"]) == f["evidence"] for r, f in zip(rows, doc["findings"]))


def test_csv_survives_commas_quotes_and_newlines_in_text(outputs):
    doc = json.loads(json.dumps(outputs["doc"]))
    doc["findings"] = doc["findings"][:1]
    doc["findings"][0]["message"] = 'a, "quoted"\nsecond line'
    (row,) = list(csv.DictReader(io.StringIO(render_csv(doc))))
    assert row["message"] == 'a, "quoted"\nsecond line'


def test_renderers_are_deterministic(outputs):
    assert render_junit(outputs["doc"]) == render_junit(outputs["doc"]) == outputs["junit"]
    assert render_csv(outputs["doc"]) == outputs["csv"]


def test_csv_cells_cannot_become_spreadsheet_formulas(outputs):
    doc = json.loads(json.dumps(outputs["doc"]))
    doc["findings"] = doc["findings"][:1]
    doc["findings"][0]["subject"]["label"] = '=HYPERLINK("http://example.invalid","x")'
    doc["findings"][0]["message"] = "-1 members present"
    (row,) = list(csv.DictReader(io.StringIO(render_csv(doc))))
    assert row["subject_label"].startswith("'=") and row["message"] == "'-1 members present"
