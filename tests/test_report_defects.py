"""Each defect issue 16's "Why" names, with the test that shows it fixed.

Tests elsewhere (named here) already cover most of them; this file adds the rest. The index:

HTML report
- title is the directory name, no plain-words summary, change near the end, header leads with a hash:
  test_report_html::test_report_leads_with_the_organisation_rating_reason_and_high_failures_by_name
- families in rule-id order, low-severity first: test_families_come_in_the_order_of_their_worst_failure (here)
- subjects shown by id (doi-neil-carr/non_financial_personal/3, paper-enc06): test_failing_subjects_are_shown_by_name (here),
  test_report_records::test_every_record_subject_is_named_not_by_its_id
- overlap at 1280 px, sideways scroll and a clipped column at 390 px, 45% of a wide screen empty:
  test_report_browser::test_no_text_overlaps_and_nothing_scrolls_sideways, ::test_page_uses_the_width_of_a_wide_screen
- heat map hides targets, labels touch, 7 px fonts: test_report_browser::test_every_heat_map_label_and_target_is_visible_and_readable
- printed: half-blank pages, no page numbers or running header: test_report_browser::test_printed_a4_has_page_numbers_and_no_half_blank_page;
  orphaned headings, clipped waived column header, collapsed passes:
  test_report_browser::test_printed_headings_stay_with_their_content_headers_repeat_and_nothing_is_clipped,
  ::test_no_printed_page_ends_with_a_heading, test_report_html::test_passes_are_counted_in_their_family_and_listed_by_name_in_a_printed_appendix;
  the spanning citation cell: test_report_html::test_failing_subjects_are_named_and_the_citation_is_said_once_per_rule
- attendance legend lacks '*', two greys alike: test_attendance_legend_explains_every_mark_and_no_two_fills_are_alike (here)
Markdown report
- 2,379-character rows, citation on every row, five columns, ids, no organisation:
  test_report_markdown::test_markdown_fits_a_board_paper_names_short_rows_one_citation_per_rule
Terminal and preboard
- 224 columns whatever COLUMNS, messages cut at 110 and labels at 60: test_cli_output::test_table_wraps_to_the_terminal_width_and_cuts_nothing,
  test_report_records::test_the_terminal_table_wraps_a_long_label_and_loses_no_word, ::test_labels_keep_the_whole_description_in_the_json
- preboard lines cut mid-name: test_preboard::test_long_lines_wrap_at_spaces_so_no_word_is_cut
- "14 to fix" heading a 9-item list: test_preboard (the fix heading counts the items it lists)
- "1 days overdue": test_report_messages::test_a_rule_message_says_1_day_and_21_days, ::test_the_shipped_overdue_rule_says_1_day
Conventions
- SARIF, several outputs, --quiet, closing summary line, NO_COLOR, rule selection: test_cli_output (one test each)
- a data set's config read from the data set: test_packs::test_compliance_yaml_rule_params_override_and_are_checked
- citations to ../shared/seeds that do not exist in an installed copy: test_every_pack_citation_resolves_to_a_shipped_file_and_line (here)
- the rules digest printed as if it were the data set's: test_cli_output (first line says "rules digest sha256:")
- the README tour's bare `compliance`: test_readme_commands_run_from_the_venv_not_a_bare_name (here)
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from compliance.report.svg import STATUS_FILL
from compliance.rules.schema import SEVERITY_ORDER
from report_fixture import ROOT, md, real, report, shipped_rules  # noqa: F401 (fixtures)



@pytest.fixture(scope="module")
def soup(tmp_path_factory):
    code, text, output = report(tmp_path_factory.mktemp("html"))
    assert code == 0, output
    return BeautifulSoup(text, "html.parser")


def _worst(document) -> dict[str, int]:
    worst: dict[str, int] = {}
    for f in document["findings"]:
        if f["outcome"] == "fail":
            worst[f["family"]] = max(worst.get(f["family"], 0), SEVERITY_ORDER[f["severity"]])
    return worst


def test_families_come_in_the_order_of_their_worst_failure(real, soup, md):
    _, _, document = real
    worst = _worst(document)
    html_order = [s["data-family"] for s in soup.select("section.family")]
    assert set(worst) <= set(html_order)
    ranks = [worst.get(f, -1) for f in html_order]
    assert ranks == sorted(ranks, reverse=True), list(zip(html_order, ranks))
    assert html_order[0] in {f for f, r in worst.items() if r == max(worst.values())}
    titles = {s["data-family"]: s.h2.get_text(" ", strip=True) for s in soup.select("section.family")}
    md_order = [h[3:].strip() for h in md.splitlines() if h.startswith("## ")]
    positions = [next(i for i, h in enumerate(md_order) if titles[f].startswith(h)) for f in html_order if f in worst]
    assert positions == sorted(positions)  # the Markdown report in the same order


def test_failing_subjects_are_shown_by_name(real, soup):
    _, _, document = real
    fails = [f for f in document["findings"] if f["outcome"] == "fail"]
    for f in fails:
        row = soup.select_one(f'table.failing tr[data-rule="{f["rule_id"]}"][data-subject="{f["subject"]["id"]}"]')
        assert row is not None, (f["rule_id"], f["subject"]["id"])
        assert row.select_one("span.subject").get_text() == f["subject"]["label"]
    labels = {f["subject"]["id"]: f["subject"]["label"] for f in document["findings"]}
    # the two the issue named: an interest (now passing, listed in the appendix) and a paper
    assert labels["doi-neil-carr/non_financial_personal/3"].startswith("Neil Carr: ")
    assert labels["doi-neil-carr/non_financial_personal/3"] in soup.select_one("#passes").get_text()
    assert labels["paper-enc06"] == "Enc 06: Chair and Chief Executive Officer Report"
    assert "paper-enc06" in {f["subject"]["id"] for f in fails}


def test_attendance_legend_explains_every_mark_and_no_two_fills_are_alike(soup):
    figure = soup.select_one("figure.attendance-figure")
    caption = figure.figcaption.get_text(" ", strip=True)
    marks = {g["data-mark"] for g in figure.select("g.mark")} - {""}
    assert "*" in marks  # the real pack has one mark recorded as unclear
    for mark in marks:
        assert re.search(rf"(^|\s){re.escape(mark)} \w", caption), f"the legend does not explain {mark!r}"
    assert "blank not recorded" in caption and "hatched grey" in caption and "dotted border" in caption
    # statuses drawn differently: each coloured fill is used by one status (white ones differ by border or mark)
    coloured = {s: c for s, c in STATUS_FILL.items() if c.lower() != "#ffffff"}
    assert len(set(coloured.values())) == len(coloured), coloured


def test_every_pack_citation_resolves_to_a_shipped_file_and_line():
    local = []
    for _, rule in shipped_rules():
        for ref in rule.get("references", []) or []:
            url = ref.get("url") or ""
            if url and not re.match(r"https?://", url):
                local.append((rule["id"], url))
    assert local, "the shipped packs cite their source pack by line"
    for rule_id, url in local:
        assert not url.startswith(".."), (rule_id, url)
        file, _, anchor = url.partition("#L")
        target = ROOT / file
        assert target.is_file(), (rule_id, url)
        if anchor:
            assert 1 <= int(anchor) <= target.read_text(encoding="utf-8").count("\n") + 1, (rule_id, url)


def test_readme_commands_run_from_the_venv_not_a_bare_name():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash|console|shell)?\n(.*?)```", text, re.S)
    commands = [l.strip() for b in blocks for l in b.splitlines() if l.strip() and not l.strip().startswith("#")]
    bare = [c for c in commands if re.match(r"(\$ )?compliance\b", c) or re.search(r"(&&|;|\|)\s*compliance\b", c)]
    assert commands and bare == []
