"""Performance summary table reader (pack lines 2248-2351): metrics as variances, standards from labels."""

import shutil

import pytest
import yaml
from import_compare import SUMMARY_TABLE_LINES, differences

from compliance.importers.boardpack.performance import read_performance_tables, slug
from compliance.importers.boardpack.text import Pack
from compliance.importers.report import ImportReport

from conftest import REAL, ROOT

PACK = ROOT / "fixtures" / "packs" / "ssot-icb-board-pack-2024-10-17.txt"


@pytest.fixture(scope="module")
def read():
    pack = Pack.read(PACK)
    report = ImportReport(pack.name)
    metrics, standards = read_performance_tables(pack, (4, 1), report)
    return {m["id"]: m for m in metrics}, {s["id"]: s for s in standards}, report


def test_every_row_with_a_number_is_a_variance_metric_with_its_table_line(read):
    metrics, standards, _ = read
    assert (len(metrics), len(standards)) == (64, 16)
    assert all(m["basis"] == "variance" and m["source"]["line"] in SUMMARY_TABLE_LINES for m in metrics.values())
    ae = metrics["accident-emergency-4-hour-wait-2024-08-variance"]  # line 2257: '... (UHNM) (August) | 2.2% | ▲'
    assert (ae["value"], ae["unit"], ae["scope"], ae["organisation"], ae["period"]["start"]) == (2.2, "%", "provider", "UHNM", "2024-08-01")
    assert metrics["category-2-response-target-30m-2024-07-variance"]["value"] == 410  # '6 mins 50 secs', line 2256
    q1 = metrics["workforce-gp-full-time-equivalent-2024-06-variance"]["period"]  # '3.8% (Q1)', line 2279
    assert (q1["start"], q1["end"]) == ("2024-04-01", "2024-06-30")


def test_labels_that_state_a_threshold_become_standards_with_comparison_and_deadline(read):
    _, standards, _ = read
    ae = standards["accident-emergency-4-hour-wait-target-2024-25"]  # '(78% target by March 25)'
    assert (ae["comparison"], ae["threshold"], ae["deadline"], ae["effective_to"]) == ("ge", 78, "2025-03-31", "2025-03-31")
    assert standards["adult-general-acute-g-a-bed-occupancy-92-target-2024-25"]["comparison"] == "le"  # '≤92%'
    assert standards["reduce-number-of-discharges-on-pathway-3-to-below-1-target-2024-25"]["comparison"] == "lt"
    cat2 = standards["category-2-response-target-30m-target-2024-25"]  # 'target < 30m'
    assert (cat2["comparison"], cat2["threshold"], cat2["unit"]) == ("lt", 30, "minutes")
    wait = standards["eliminate-65-week-waits-by-september-2024-target-2024-25"]
    assert (wait["comparison"], wait["threshold"], wait["deadline"]) == ("le", 0, "2024-09-30")
    gp = standards["general-practice-appointments-in-2-weeks-target-2024-25"]  # '<2 weeks' is the measure, not a threshold
    assert (gp["comparison"], gp["threshold"]) == ("ge", 85)
    # 'QRISK 20% or more' (line 2317) and '(target)' with no number (line 2282) state no threshold
    assert not any("cholesterol" in k or "diagnostic-test" in k for k in standards)


def test_a_cell_with_two_values_is_reported_not_guessed(read):
    metrics, _, report = read
    assert [(i.line, i.found) for i in report.issues] == [(2268, "23/ 34")]
    assert not any(k.startswith("median-week-wait-to-start-autism-assessment-north") for k in metrics)


def test_measure_keys_drop_month_provider_and_target_brackets_but_keep_the_rest():
    assert slug("Accident & Emergency 4-hour wait (78% target by March 25) (UHNM) (August)") == "accident-emergency-4-hour-wait"
    assert slug("Learning disability & Autism reliance on inpatient care (<18 of age)") == "learning-disability-autism-reliance-on-inpatient-care-18-of-age"


def test_a_changed_value_in_the_hand_transcription_shows_as_a_difference(tmp_path):
    hand = tmp_path / "hand"
    shutil.copytree(REAL, hand)
    doc = yaml.safe_load((hand / "metrics.yaml").read_text(encoding="utf-8"))
    doc["metrics"][1]["value"] = 2.3
    (hand / "metrics.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    diffs = differences(REAL, hand)
    assert [line.split(":")[0] for line in diffs["metrics"]] == ["accident-emergency-4-hour-wait-2024-08-variance"]
