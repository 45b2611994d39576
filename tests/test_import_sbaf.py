"""Assurance framework reader: summary table (pack lines 3441-3450) and detail sections."""

import datetime as dt

from import_helpers import excerpt

from compliance.importers.boardpack.sbaf import find_details, find_summary, parse_detail, parse_summary, split_committees

D = dt.date


def test_summary_rows_read_by_pattern_across_collapsed_quarters():
    pack, report = excerpt("sbaf-summary")
    rows = parse_summary(pack, find_summary(pack), report)
    assert [r.risk_id for r in rows] == [f"SBAF{n}" for n in range(1, 9)]
    s3 = rows[2]
    assert [(s.likelihood, s.consequence, s.score, s.band) for s in s3.scores] == [(3, 5, 15, "High")] * 2
    assert (s3.target.likelihood, s3.target.consequence, s3.target.score, s3.target_date) == (2, 4, 8, D(2024, 3, 31))
    assert (s3.movement, s3.assurance) == ("→", "Partial Assurance")
    assert report.issues == []


def test_run_together_heading_split_with_a_committee_named_elsewhere():
    pack, report = excerpt("sbaf1-detail")
    d1 = parse_detail(pack, 3468, 3567, "SBAF1", find_details(pack, 3400)[0][2], report)
    assert d1.run_together and d1.owner == "Chief Delivery Officer"
    other = parse_detail(*excerpt("sbaf3-4-detail")[:1], 3742, 3837, "SBAF4", "Reducing Health Inequalities", report)
    assert other.committee == "Quality & Safety Committee"
    from compliance.importers.boardpack.sbaf import Detail
    fp = Detail(1, 2, "X", "Y", committee="Finance & Performance Committee")
    split_committees([d1, fp], report)
    assert (d1.title, d1.committee) == ("Responsive Patient Care – Urgent & Emergency Care", "Finance & Performance Committee")


def test_detail_scoring_tolerance_and_actions():
    pack, report = excerpt("sbaf1-detail")
    d = parse_detail(pack, 3468, 3567, "SBAF1", "T | L", report)
    assert d.tolerance_statement.startswith("The consequence of not having the correct capacity")
    assert d.linked_risks == ["Low 0 ↓", "Mod 2 ↓", "High 5 ↑"]
    assert [(a.number, a.progress, a.due.first) for a in d.actions][:2] == [("1", "at_risk", D(2024, 9, 30)), ("2", "on_track", D(2025, 3, 31))]


def test_date_chains_and_open_ended_chain_reported():
    pack, report = excerpt("sbaf3-4-detail")
    d3 = parse_detail(pack, 3637, 3742, "SBAF3", "Proactive", report)
    a = {x.number: x for x in d3.actions}
    assert (a["4"].due.first, a["4"].due.last, a["4"].progress) == (D(2024, 9, 30), D(2024, 10, 31), "delayed")
    assert (a["2"].due.first, a["2"].due.last) == (D(2023, 11, 30), D(2024, 9, 30))
    assert [i.line for i in report.issues if "chain" in i.expected] == [3733]


def test_actions_table_broken_across_a_page_is_joined():
    pack, report = excerpt("sbaf3-4-detail")
    d4 = parse_detail(pack, 3742, 3837, "SBAF4", "Reducing Health Inequalities", report)
    assert [x.number for x in d4.actions] == ["1", "2", "3", "4"]
    assert d4.actions[1].progress_text.endswith("Workshop 3 'Deliver' Oct 2024.")  # continued on line 3833
    assert all(x.progress == "blank" for x in d4.actions)  # BRAG cells present and empty in the text


def test_empty_brag_cell_is_blank_and_a_row_without_one_is_unknown():
    """An empty rating cell is a value (not rated); a row that stops before the BRAG column was not read."""
    from compliance.importers.boardpack.sbaf import Detail, _action_row
    from compliance.importers.report import ImportReport
    detail, report = Detail(1, 9, "SBAF9", "T"), ImportReport("test.txt")
    _action_row(2, ["1", "Empty BRAG cell", "outcome", "Lead", "30/09/24", "update", ""], detail, report)
    _action_row(3, ["2", "No BRAG column", "outcome", "Lead", "30/09/24", "update"], detail, report)
    _action_row(4, ["3", "Rated", "outcome", "Lead", "30/09/24", "update", "On Track"], detail, report)
    assert [a.progress for a in detail.actions] == ["blank", "unknown", "on_track"]
    assert report.issues == []


def test_action_counts_the_narrative_states_one_per_named_risk_or_all_in_one():
    from import_helpers import pack_of

    from compliance.importers.boardpack.sbaf import reported_counts
    text = ("Assessment\n"
            "\tThere are in total 2 actions which are 'Problematic' at this stage within SBAF 3: Proactive. "
            "There are in total 3 actions that are 'Delayed' ; within SBAF 1: UEC, SBAF 3: Proactive and SBAF 4: Inequalities.\n")
    pack, report = pack_of(text)
    counts, line = reported_counts(pack, 1, 3, report)
    assert line == 2 and report.issues == []
    assert counts == {"at_risk": {"SBAF3": 2}, "delayed": {"SBAF1": 1, "SBAF3": 1, "SBAF4": 1}}
    pack, report = pack_of("There are in total 3 actions that are 'Delayed' within SBAF 1 and SBAF 2.\n")
    assert reported_counts(pack, 1, 2, report) == ({}, 1)  # 3 over 2 risks: the split is not stated
    assert [i.found for i in report.issues] == ["SBAF1, SBAF2"]
    pack, report = pack_of("No counts here.\n")
    assert reported_counts(pack, 1, 2, report) == ({}, None) and report.issues == []
