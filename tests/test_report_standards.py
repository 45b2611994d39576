"""The report's standards table and trend charts, read back from the HTML and Markdown, on the letter's and the pack's data."""

from __future__ import annotations

from collections import defaultdict

import pytest
import yaml
from bs4 import BeautifulSoup

from compliance.report.html import render_html
from compliance.report.markdown import render_markdown
from compliance.report.standards import VERDICT_ORDER, VERDICT_WORDS, off_trajectory
from compliance.report.view import build_view
from report_fixture import REAL, ROOT, real_run

LETTER = ROOT / "fixtures" / "ssot-2024-25-assessment"
WORDS = {"met": "met", "not_met": "not met"}


def _view(dataset, as_of):
    ruleset, run, document = real_run(dataset, as_of)
    return run, document, build_view(document, ruleset.rules, run.loaded.data, run.facts)


@pytest.fixture(scope="module")
def letter():
    return _view(LETTER, "2025-07-30")


@pytest.fixture(scope="module")
def pack():
    return _view(REAL, "2024-10-17")


def _rows(html: str) -> dict[str, dict[str, str]]:
    soup = BeautifulSoup(html, "html.parser")
    out = {}
    for tr in soup.select("#standards-table tbody tr"):
        cells = tr.find_all("td")
        out[tr["data-metric"]] = {"measure": cells[0].get_text(strip=True), "scope": cells[1].get_text(strip=True),
                                  "period": cells[2].get_text(strip=True), "value": cells[3].get_text(strip=True),
                                  "national": cells[4].get_text(" ", strip=True), "national_ids": cells[4]["data-standards"].split(),
                                  "plan": cells[5].get_text(" ", strip=True), "plan_id": cells[5]["data-standard"],
                                  "verdict": cells[6].get_text(strip=True)}
    return out


def _performance_outcomes(document) -> dict[str, dict[str, str]]:
    by_metric: dict[str, dict[str, str]] = defaultdict(dict)
    for f in document["findings"]:
        if f["subject"]["kind"] == "metric" and f["rule_id"].startswith("nhs-performance."):
            by_metric[f["subject"]["id"]][f["rule_id"].rsplit(".", 1)[1]] = f["outcome"]
    return by_metric


def test_letter_table_gives_each_of_its_11_standards_the_letters_verdict_by_name(letter):
    run, _, view = letter
    rows = _rows(render_html(view))
    data = run.loaded.data
    metrics = {m.id: m for m in data.metrics}
    assert set(rows) == {m.id for m in data.metrics}  # every one of the 14 values is checked (7 plan, 4 national, 4 info; 1 both)
    verdicts = yaml.safe_load((LETTER / "letter-verdicts.yaml").read_text(encoding="utf-8"))
    assert len(verdicts["standards"]) == 11
    for v in verdicts["standards"]:
        row = rows[v["metric"]]
        column = "plan" if row["plan_id"] == v["standard"] else "national"
        assert v["standard"] in (row["national_ids"] if column == "national" else [row["plan_id"]]), v
        assert row[column].endswith(f"({WORDS[v['verdict']]})"), (v["line"], row)
        assert row["measure"] == metrics[v["metric"]].label and v["metric"] not in row["measure"]  # a name, not an id
    assert rows["ae-4-hour-2025-03"] | {"national_ids": None} == {
        "measure": "proportion of 4-hour (all types)", "scope": "system", "period": "March 2025", "value": "64.6%",
        "national": "≥ 78% (not met)", "national_ids": None, "plan": "–", "plan_id": "", "verdict": "not met"}
    assert rows["cancer-28-day-fds-2024-25"]["verdict"] == "met" and "own plan (met)" in rows["cancer-28-day-fds-2024-25"]["plan"]
    for v in verdicts["information"]:
        assert rows[v["metric"]]["verdict"] == "information only"


@pytest.mark.parametrize("which", ["letter", "pack"])
def test_each_row_is_a_checked_metric_and_its_verdict_is_the_worst_finding(which, request):
    run, document, view = request.getfixturevalue(which)
    rows = _rows(render_html(view))
    outcomes = _performance_outcomes(document)
    checked = {m for m, o in outcomes.items() if set(o.values()) != {"not_applicable"}}
    assert set(rows) == checked and view["standards"]["unchecked"] == len(run.loaded.data.metrics) - len(checked)
    for metric, row in rows.items():
        found = [o for rule, o in outcomes[metric].items() if rule != "information-only" and o != "not_applicable"]
        want = VERDICT_WORDS[min(found, key=VERDICT_ORDER.index)] if found else "information only"
        assert row["verdict"] == want, metric
        # the national column shows a threshold exactly when a national rule applied to the metric
        national_applied = any(outcomes[metric].get(r, "not_applicable") != "not_applicable" for r in ("national", "national-advisory"))
        assert bool(row["national_ids"]) == national_applied or outcomes[metric].get("forecast", "not_applicable") != "not_applicable", metric
        assert (row["plan"] != "–") == bool(row["plan_id"])


def test_pack_table_rows_name_plan_and_trajectory_with_their_verdicts(pack):
    _, _, view = pack
    rows = _rows(render_html(view))
    assert len(rows) == 29
    assert rows["cancer-fds-uhnm-2024-07"] | {"national_ids": None} == {
        "measure": "final July position for 28-day Faster Diagnosis standard", "scope": "provider: UHNM", "period": "July",
        "value": "75.37%", "national": "–", "national_ids": None, "plan": "≥ 75.26% trajectory (met)",
        "plan_id": rows["cancer-fds-uhnm-2024-07"]["plan_id"], "verdict": "met"}
    assert rows["rtt-65-week-2024-09-30"]["national"] == "≤ 0 patients (not met)"
    assert rows["bed-occupancy-uhnm-2024-08"]["plan"] == "≤ 80.53% trajectory (not met)"


def test_a_trend_chart_for_each_measure_with_two_or_more_periods_with_its_values_and_thresholds(pack, letter):
    run, _, view = pack
    soup = BeautifulSoup(render_html(view), "html.parser")
    charts = soup.select("#standards svg.standard-chart")
    rows = view["standards"]["rows"]
    periods = defaultdict(set)
    for r in rows:
        if r["value"] is not None and not r["forecast"]:
            periods[(r["measure"], r["scope"])].add(r["end"])
    want = {f"{m}|{s}" for (m, s), ends in periods.items() if len(ends) >= 2}
    assert {c["data-series"] for c in charts} == want and len(want) == 4
    metrics = {m.id: m for m in run.loaded.data.metrics}
    for chart in charts:
        points = chart.select("circle.point")
        assert len(points) >= 2 and all(float(p["data-value"]) == metrics[p["data-metric"]].value for p in points)
    fds = soup.select_one('svg[data-series="cancer-28-day-faster-diagnosis|provider: UHNM"]')
    assert sorted(float(t["data-threshold"]) for t in fds.select("g.threshold")) == [75.0, 75.26]
    y = {p["data-metric"]: float(p["cy"]) for p in fds.select("circle.point")}
    assert y["cancer-fds-uhnm-2024-07"] < y[next(k for k in y if k != "cancer-fds-uhnm-2024-07")]  # 75.37 above 75
    # an open dot is a value that fails a threshold
    by_metric = {r["metric"]: r for r in rows}
    dots = {p["data-metric"]: p["fill"] == "#ffffff" for c in charts for p in c.select("circle.point")}
    assert dots == {m: "fail" in (by_metric[m]["national_outcome"], by_metric[m]["plan_outcome"]) for m in dots}
    assert dots["cancer-62-day-uhnm-2024-07"] and not dots["cancer-62-day-uhnm-2024-08"]
    _, _, letter_view = letter  # the letter states one period per measure: a table, no charts
    assert letter_view["standards"]["series"] == [] and not BeautifulSoup(render_html(letter_view), "html.parser").select("svg.standard-chart")


def test_no_standards_section_without_metrics(pack):
    run, document, _ = pack
    data = run.loaded.data.model_copy(update={"metrics": []})
    view = build_view(document, [], data, run.facts)
    assert view["standards"] is None
    assert 'id="standards"' not in render_html(view) and "Performance against standards" not in render_markdown(view)


def test_markdown_has_the_same_rows_and_a_trend_table_per_chart(pack, letter):
    for run, _, view in (pack, letter):
        md = render_markdown(view)
        section = md.split("## Performance against standards", 1)[1].split("\n## ", 1)[0]
        table = [line for line in section.split("### Trend")[0].splitlines() if line.startswith("| ")]
        assert table[0] == "| measure | scope | period | value | national standard | own plan or trajectory | verdict |"
        assert [line.rsplit("|", 2)[1].strip() for line in table[1:]] == [r["verdict"] for r in view["standards"]["rows"]]
        assert section.count("### Trend: ") == len(view["standards"]["series"])
    md = render_markdown(pack[2])
    assert "| value | 75.37% | 75% (provisional) |" in md and "| verdict | not met | met |" in md


def test_off_trajectory_is_each_measures_latest_failing_outturn(pack):
    _, _, view = pack
    rows = view["standards"]["rows"]
    off = off_trajectory(rows)
    latest = {}
    for r in sorted((r for r in rows if not r["forecast"]), key=lambda r: r["end"]):
        latest[(r["measure"], r["scope"])] = r
    assert [r["metric"] for r in off] == [r["metric"] for r in latest.values() if r["verdict"] == "not met"]
    # 62-day: July failed its trajectory, August met it: the latest period is not off trajectory
    assert "cancer-62-day-uhnm-2024-07" not in {r["metric"] for r in off}
    assert len(off) == 15


# ---- the table reads the pack's tags and the findings' evidence, not rule ids or criteria in Python ---------


def test_every_standards_rule_tags_its_column_and_every_tag_names_a_column():
    from compliance.report.standards import COLUMN_TAG, COLUMNS, columns_of
    from compliance.rules import load_rules

    rules = load_rules(["nhs-performance"]).rules
    tagged = [(r.id, t) for r in rules for t in r.tags if t.startswith(COLUMN_TAG)]
    assert all(t[len(COLUMN_TAG):] in COLUMNS for _, t in tagged), tagged  # a misspelt column would be ignored
    metric_rules = {r.id for r in rules if r.applies_to == "metric" and r.id.startswith("nhs-performance.standards.")}
    assert set(columns_of(rules)) == metric_rules


def test_the_national_column_shows_the_standards_the_findings_evidence_chose(pack):
    run, document, _ = pack
    from compliance.report.standards import standards_rows
    from compliance.rules import load_rules

    rules = load_rules(["nhs-icb", "nhs-performance"]).rules
    rows = {r["metric"]: r for r in standards_rows(run.loaded.data, document["findings"], rules)}
    national = next(f for f in document["findings"] if f["rule_id"] == "nhs-performance.standards.national" and f["outcome"] == "fail")
    chosen = {i for e in national["evidence"] for i in e.get("related") or []}
    assert chosen and {s["id"] for s in rows[national["subject"]["id"]]["national"]} == chosen
    # without the evidence's record of what was chosen, the table cannot say which standard was in force
    stripped = [{**f, "evidence": [{k: v for k, v in e.items() if k != "related"} for e in f["evidence"]]} for f in document["findings"]]
    again = {r["metric"]: r for r in standards_rows(run.loaded.data, stripped, rules)}
    assert again[national["subject"]["id"]]["national"] == [] and again[national["subject"]["id"]]["national_outcome"] == "fail"
    # and without the tags, no rule fills a column: nothing here knows the rule ids
    untagged = [r.model_copy(update={"tags": []}) for r in rules]
    assert standards_rows(run.loaded.data, document["findings"], untagged) == []


def test_a_relations_evidence_names_exactly_the_records_its_where_kept(tmp_path):
    import datetime as dt

    from compliance.engine.evaluate import evaluate
    from compliance.facts import derive_facts
    from compliance.model import GovernanceData
    from compliance.rules import load_rules
    from compliance.rules.loader import fields_needed

    rule = {"id": "t.declarations.current", "family": "test", "title": "a current declaration", "severity": "low",
            "applies_to": "person", "message": "{label} has none",
            "require": {"related": "declaration", "on": {"declaration.person": "id"},
                        "where": {"field": "declaration.on_register", "eq": "ICB 2024-25"}, "exists": True}}
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump({"rules": [rule]}))
    ruleset = load_rules(path)
    data = GovernanceData.model_validate({
        "organisation": {"name": "Test ICB", "financial_year_start": "04-01"},
        "people": [{"id": "p1", "name": "Ann"}, {"id": "p2", "name": "Bob"}],
        "declarations": [{"id": "d-new", "person": "p1", "on_register": "ICB 2024-25"},
                         {"id": "d-old", "person": "p1", "on_register": "ICB 2023-24"},
                         {"id": "d-bob", "person": "p2", "on_register": "ICB 2023-24"}]})
    as_of = dt.date(2024, 10, 17)
    facts = derive_facts(data, as_of, fields_needed(ruleset.rules))
    related = {f.subject.id: [e.get("related") for e in f.evidence] for f in evaluate(ruleset.rules, facts, as_of, {}, engine="reference")}
    assert related == {"p1": [["d-new"]], "p2": [[]]}  # joined on the person, kept by the register; none for Bob
