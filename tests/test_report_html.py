"""The HTML audit committee report, read back by parsing it: counts, failing subjects, pictures."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from bs4 import BeautifulSoup

from compliance.report.html import render_html
from compliance.report.svg import heat_map
from compliance.report.text import shorten
from compliance.report.view import KEY_POINT_LABEL, build_view
from report_fixture import check_json, real_run, report


@pytest.fixture(scope="module")
def real():
    return real_run()


@pytest.fixture(scope="module")
def html(real, tmp_path_factory):
    code, text, output = report(tmp_path_factory.mktemp("html"))
    assert code == 0, output
    return text


@pytest.fixture(scope="module")
def soup(html):
    return BeautifulSoup(html, "html.parser")


def _num(cell) -> int:
    return int(cell.get_text(strip=True))


def test_headline_counts_equal_the_document_summary(real, soup):
    _, _, document = real
    summary = document["summary"]
    by_outcome = {tr["data-outcome"]: _num(tr.find_all("td")[1]) for tr in soup.select("#counts-by-outcome tbody tr")}
    assert by_outcome == summary["by_outcome"]
    assert _num(soup.select_one("#counts-by-outcome [data-total]")) == summary["total"] == len(document["findings"])
    by_severity = {tr["data-severity"]: _num(tr.find_all("td")[1]) for tr in soup.select("#failures-by-severity tbody tr")}
    assert by_severity == summary["failures_by_severity"]
    matrix = Counter((f["severity"], f["outcome"]) for f in document["findings"])
    for tr in soup.select("#outcome-by-severity tbody tr"):
        for td in tr.select("td[data-outcome]"):
            assert _num(td) == matrix[(tr["data-severity"], td["data-outcome"])]


def test_rag_is_red_for_a_high_severity_failure_and_states_its_rule(real, soup):
    _, _, document = real
    assert document["summary"]["failures_by_severity"].get("high", 0) > 0  # the real pack's quoracy failures
    assert soup.select_one("[data-rag]")["data-rag"] == "red"
    assert "Red: any failure of high or critical severity" in soup.select_one("#rag-rule").get_text()


def test_every_failing_subject_appears_in_its_family_section(real, soup):
    _, _, document = real
    failing = [f for f in document["findings"] if f["outcome"] == "fail"]
    assert failing
    for f in failing:
        section = soup.select_one(f'section.family[data-family="{f["family"]}"]')
        assert section is not None, f["family"]
        rows = section.select(f'tr[data-outcome="fail"][data-rule="{f["rule_id"]}"]')
        assert f["subject"]["id"] in {r["data-subject"] for r in rows}, (f["rule_id"], f["subject"]["id"])
    shown = sum(len(s.select('tr[data-outcome="fail"]')) for s in soup.select("section.family"))
    assert shown == len(failing)


def test_failing_row_carries_message_evidence_citation_and_remediation(real, soup):
    _, _, document = real
    f = next(f for f in document["findings"] if f["rule_id"] == "nhs.risk.within-tolerance" and f["subject"]["id"] == "SBAF3")
    row = soup.select_one('tr[data-rule="nhs.risk.within-tolerance"][data-subject="SBAF3"]')
    text = row.find_parent("div", class_="rule-block").get_text(" ", strip=True)
    assert f["message"] in text
    assert "score 15; required ≤ 8" in text  # the evidence, in words
    assert f["references"][0]["authority"] in text
    assert f["remediation"] in text


def test_passes_are_counted_in_their_family_and_listed_by_name_in_a_printed_appendix(real, soup):
    _, _, document = real
    passes = Counter(f["family"] for f in document["findings"] if f["outcome"] == "pass")
    assert not soup.select("details")  # collapsed content does not print
    for family, n in passes.items():
        note = soup.select_one(f'section.family[data-family="{family}"] .passes-note')
        assert int(note["data-pass"]) == n
        block = soup.select_one(f'#passes div.passes[data-family="{family}"]')
        listed = sum(_num(tr.find_all("td")[1]) for tr in block.select("tbody tr[data-rule]"))
        assert listed == n
    f = next(f for f in document["findings"] if f["outcome"] == "pass" and f["subject"]["kind"] == "membership")
    assert f["subject"]["label"] in soup.select_one(f'#passes tr[data-rule="{f["rule_id"]}"]').get_text()


def test_report_leads_with_the_organisation_rating_reason_and_high_failures_by_name(real, soup):
    ruleset, run, document = real
    assert soup.title.get_text().startswith(run.loaded.data.organisation.name)
    assert soup.h1.get_text() == run.loaded.data.organisation.name
    assert "17 October 2024" in soup.select_one("#period").get_text()
    n_high = sum(f["outcome"] == "fail" and f["severity"] in ("high", "critical") for f in document["findings"])
    assert f"{n_high} failures of high or critical severity" in soup.select_one("#rag-reason").get_text()
    points = soup.select_one("#key-points").get_text(" ")
    high = [f for f in document["findings"] if f["outcome"] == "fail" and f["severity"] == "high"]
    for f in high:
        assert shorten(f["subject"]["label"], KEY_POINT_LABEL, at_word=True) in points  # whole, or cut at a word with "…"
        assert f["subject"]["id"] not in points
    order = [s["id"] for s in soup.select("body > section")]
    assert order.index("changes") < order.index("family-conflicts")  # change since last time comes early
    header = soup.select_one("header").get_text()
    assert "sha256" not in header and document["rules_digest"] not in header
    assert "rules digest " + document["rules_digest"] in soup.select_one("#provenance").get_text()


def test_failing_subjects_are_named_and_the_citation_is_said_once_per_rule(real, soup):
    _, _, document = real
    block = soup.select_one('div.rule-block[data-rule="nhs.conflicts.member-has-declaration"]')
    assert "Elizabeth Disney (Integrated Care Board)" in block.select_one("span.subject").get_text()
    assert len(block.select("dd.citation")) == 1
    assert not soup.select("td[rowspan]")  # a cell spanning every row makes a table unbreakable in print


def test_errors_section_lists_each_error_with_its_missing_data(real, soup):
    _, _, document = real
    errors = [f for f in document["findings"] if f["outcome"] == "error"]
    rows = soup.select("#errors tbody tr")
    assert len(rows) == len(errors)
    for f in errors:
        row = soup.select_one(f'#errors tr[data-rule="{f["rule_id"]}"][data-subject="{f["subject"]["id"]}"]')
        assert row is not None
        for e in f["evidence"]:
            if e.get("missing"):
                assert str(e["missing"]) in row.get_text()


def test_appendix_lists_every_rule_with_its_outcome_counts(real, soup):
    ruleset, _, document = real
    rows = {tr["data-rule"]: tr for tr in soup.select("#rules-evaluated tbody tr[data-rule]")}
    assert set(rows) >= {r.id for r in ruleset.rules}
    counts = Counter((f["rule_id"], f["outcome"]) for f in document["findings"])
    for rule_id, tr in rows.items():
        for td in tr.select("td[data-outcome]"):
            assert _num(td) == counts[(rule_id, td["data-outcome"])]
    assert sum(int(tr["data-subjects"]) for tr in rows.values()) == document["summary"]["total"]


def test_heat_map_places_each_risk_at_its_fact_position_with_its_target(real, soup):
    _, run, _ = real
    facts = {f["id"]: f for f in run.facts if f["kind"] == "risk"}
    targets = {r.id: r.target for r in run.loaded.data.risks}
    heat = soup.select_one("svg.heat-map")
    markers = {g["data-risk"]: g for g in heat.select("g.risk")}
    assert set(markers) == set(facts)
    for rid, fact in facts.items():
        g = markers[rid]
        assert (int(g["data-likelihood"]), int(g["data-consequence"])) == (fact["likelihood"], fact["consequence"])
        assert int(g["data-tolerance"]) == fact["tolerance_score"]
        cell = heat.select_one(f'rect.cell[data-likelihood="{fact["likelihood"]}"][data-consequence="{fact["consequence"]}"]')
        assert rid in cell["data-risks"].split()
        ring = heat.select_one(f'g.target[data-risk="{rid}"]')
        assert (int(ring["data-likelihood"]), int(ring["data-consequence"])) == (targets[rid].likelihood, targets[rid].consequence)
        at_target = (fact["likelihood"], fact["consequence"]) == (targets[rid].likelihood, targets[rid].consequence)
        assert (heat.select_one(f'line.arrow[data-risk="{rid}"]') is None) == at_target
    # as transcribed in fixtures/ssot-2024-10-17/risks.yaml
    assert (markers["SBAF2"]["data-likelihood"], markers["SBAF2"]["data-consequence"]) == ("4", "3")
    assert (markers["SBAF2"]["data-target-likelihood"], markers["SBAF2"]["data-target-consequence"]) == ("2", "3")
    assert heat.select_one('line.arrow[data-risk="SBAF1"]') is None  # SBAF1 already sits at its target
    assert len(heat.select("rect.cell")) == 25


def test_tolerance_maps_shade_exactly_the_cells_within_each_risks_tolerance(real, soup):
    _, run, _ = real
    for fact in (f for f in run.facts if f["kind"] == "risk"):
        svg = soup.select_one(f'svg.tolerance-map[data-risk="{fact["id"]}"]')
        shaded = {(int(c["data-likelihood"]), int(c["data-consequence"])) for c in svg.select('rect.cell[data-within-tolerance="true"]')}
        assert shaded == {(l, c) for l in range(1, 6) for c in range(1, 6) if l * c <= fact["tolerance_score"]}
    sbaf4 = soup.select_one('svg.tolerance-map[data-risk="SBAF4"]')
    assert len(sbaf4.select('rect.cell[data-within-tolerance="true"]')) == 8  # tolerance 4: 1x1..1x4, 2x1, 2x2, 3x1, 4x1


def test_attendance_matrix_marks_match_the_fixture(real, soup):
    _, run, _ = real
    data = run.loaded.data
    body = data.bodies[0]
    svg = soup.select_one(f'svg.attendance[data-body="{body.id}"]')
    members = {m.person for m in body.members}
    cells = {(g["data-person"], g["data-meeting"]): g for g in svg.select("g.mark")}
    checked = 0
    for meeting in (m for m in data.meetings if m.body == body.id):
        for a in meeting.attendance:
            if a.person not in members or not any(s.active_on(meeting.date) for s in body.members if s.person == a.person):
                continue
            g = cells[(a.person, meeting.id)]
            assert g["data-status"] == a.status
            if a.mark:
                assert g["data-mark"] == a.mark
            checked += 1
    assert checked > 100
    assert cells[("david-pearson", "board-2024-04-18")]["data-mark"] == "✓"
    assert cells[("steve-grange", "board-2024-04-18")]["data-mark"] == "A"
    assert cells[("elizabeth-disney", "board-2024-04-18")]["data-status"] == "not_member"  # joined 1 September 2024


def test_attendance_matrix_quorate_row_follows_the_quorum_findings(real, soup):
    _, _, document = real
    verdict = {g["data-meeting"]: g["data-quorate"] for g in soup.select("svg.attendance g.quorate")}
    failed_meetings = {
        f["subject"]["id"].split("/")[0] for f in document["findings"]
        if f["rule_id"] in ("nhs-icb.quoracy.head-count", "nhs-icb.quoracy.role-requirement") and f["outcome"] == "fail"
    }
    assert "board-2024-05-16" in failed_meetings  # the CEO was absent on 16 May 2024
    assert verdict["board-2024-05-16"] == "no"
    for meeting, v in verdict.items():
        assert (v == "no") == (meeting in failed_meetings), meeting
    assert "yes" in verdict.values()


def test_report_loads_nothing_from_the_network(html, soup):
    assert soup.find("script") is None
    assert soup.find("link") is None
    assert soup.find("iframe") is None and soup.find("img") is None
    for tag in soup.find_all(src=True):
        pytest.fail(f"{tag.name} loads {tag['src']}")
    assert "@import" not in html
    assert not re.search(r"url\((?!#)", html), "only in-document url(#id) references are allowed"
    for tag in soup.find_all(href=True):  # links may point out, but nothing is fetched by them
        assert tag.name == "a" or tag["href"].startswith("#")


def test_prints_on_a4(html):
    assert "@page { size: A4" in html
    assert "@media print" in html


def test_waivers_and_change_sections_say_when_there_is_nothing_to_show(tmp_path, soup):
    assert soup.select_one('#waivers [data-waivers="none"]') is not None
    assert "No baseline given" in soup.select_one("#changes").get_text()
    code, text, _ = report(tmp_path, "--no-waivers")
    assert code == 0
    assert BeautifulSoup(text, "html.parser").select_one('#waivers [data-waivers="off"]') is not None


def test_waived_failure_is_shown_with_its_waiver_not_hidden(tmp_path, dataset):
    (dataset / "waivers.yaml").write_text(
        "waivers:\n"
        "- rule_id: nhs.risk.within-tolerance\n  subject: SBAF3\n  reason: Elective recovery plan agreed\n"
        "  approved_by: audit-committee\n  approval_ref: AC 2024/31\n  owner: Chief Delivery Officer\n"
        "  valid_from: '2024-10-01'\n  expires: '2024-12-31'\n", encoding="utf-8")
    code, text, output = report(tmp_path, dataset=dataset)
    assert code == 0, output
    page = BeautifulSoup(text, "html.parser")
    section = page.select_one('section.family[data-family="risk"]')
    assert section.select_one('tr[data-outcome="fail"][data-subject="SBAF3"][data-rule="nhs.risk.within-tolerance"]') is None
    waived = section.select_one('tr[data-outcome="waived"][data-subject="SBAF3"]')
    assert "Elective recovery plan agreed" in waived.get_text() and "AC 2024/31" in waived.get_text()
    applied = page.select('#waivers table[data-state="applied"] tbody tr')
    assert [(r["data-rule"], r["data-subject"]) for r in applied] == [("nhs.risk.within-tolerance", "SBAF3")]
    assert _num(page.select_one('#counts-by-outcome tr[data-outcome="waived"] td.num')) == 1


def test_change_section_counts_equal_the_baseline_comparison(tmp_path):
    baseline = check_json(tmp_path, "2024-06-01", "june")
    code, text, output = report(tmp_path, "--baseline", str(baseline))
    assert code == 0, output
    page = BeautifulSoup(text, "html.parser")
    _, run, _ = real_run()
    from compliance.outcomes import finalise, load_baseline
    from compliance.rules import load_rules
    from report_fixture import RULES

    changes = finalise(run, load_rules(RULES), baseline=load_baseline(baseline))["changes"]
    counts = {tr["data-change"]: _num(tr.select_one("td.num")) for tr in page.select("#change-counts tbody tr")}
    assert counts == {k: len(changes[k]) for k in ("new", "persisting", "resolved")}
    assert counts["new"] > 0  # findings a June run could not have (e.g. meetings after June)
    for entry in changes["new"]:
        row = page.select_one(f'tr[data-outcome="fail"][data-rule="{entry["rule_id"]}"][data-subject="{entry["subject"]["id"]}"]')
        if entry["outcome"] == "fail":
            assert row.select_one(".badge-new") is not None


def test_trend_chart_plots_failures_per_family_for_each_history_document(tmp_path):
    older = [check_json(tmp_path, d, f"h{i}") for i, d in enumerate(("2024-05-01", "2024-08-01"))]
    code, text, output = report(tmp_path, *[a for p in older for a in ("--history", str(p))])
    assert code == 0, output
    page = BeautifulSoup(text, "html.parser")
    points = {(c["data-family"], c["data-as-of"]): int(c["data-failures"]) for c in page.select("svg.trend circle.point")}
    import json

    for path in older:
        doc = json.loads(path.read_text(encoding="utf-8"))
        per_family = Counter(f["family"] for f in doc["findings"] if f["outcome"] == "fail")
        for (family, as_of), n in points.items():
            if as_of == doc["as_of"]:
                assert n == per_family.get(family, 0), (family, as_of)
    assert {a for _, a in points} == {"2024-05-01", "2024-08-01", "2024-10-17"}


def test_unusable_history_or_baseline_is_exit_2_naming_every_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text('{"schema_version": "0", "findings": []}', encoding="utf-8")
    code, text, output = report(tmp_path, "--history", str(bad), "--baseline", str(other))
    assert code == 2
    assert text == ""
    assert "bad.json: line 1" in output and "other.json" in output and "schema_version" in output
    assert "Traceback" not in output


def test_same_input_gives_byte_identical_html(real, html):
    ruleset, run, document = real
    view = build_view(document, ruleset.rules, run.loaded.data, run.facts)
    assert render_html(view) == render_html(build_view(document, ruleset.rules, run.loaded.data, run.facts)) == html


def test_svg_labels_are_escaped():
    svg = heat_map([{"id": "<b>R1&", "title": "x</title><script>", "likelihood": 2, "consequence": 3, "score": 6,
                     "target_likelihood": None, "target_consequence": None, "target_score": None, "tolerance": 4,
                     "within_tolerance": False}])
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;b&gt;R1&amp;" in svg



@pytest.mark.parametrize("by_outcome, by_severity, expected", [
    ({"fail": 0, "error": 0}, {}, "green"),
    ({"fail": 0, "error": 2}, {}, "amber"),
    ({"fail": 3, "error": 0}, {"low": 2, "medium": 1}, "amber"),
    ({"fail": 1, "error": 0}, {"critical": 1}, "red"),
])
def test_rag_follows_its_stated_rule(by_outcome, by_severity, expected):
    from compliance.report.view import rag

    assert rag({"by_outcome": {"waived": 4, **by_outcome}, "failures_by_severity": by_severity}) == expected
