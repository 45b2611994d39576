"""Cover sheet reader: Enc 06 (pack lines 417-477), Enc 09 (2011-2067), Enc 12 (2844-2892)."""

import datetime as dt

from import_helpers import excerpt, pack_of

from compliance.importers.boardpack.coversheets import answer_and_detail, find_cover_sheets, parse_cover_sheet


def sheet(stem, start):
    pack, report = excerpt(stem)
    return parse_cover_sheet(pack, start, len(pack) + 1, report), report


def test_enc06_placeholders_answers_and_no_linked_risks():
    s, report = sheet("cover-enc06", 417)
    assert s.title == "Chair and Chief Executive Officer Report"
    assert s.purposes == ["I"]
    assert s.sofd == "unanswered"  # 'Choose an item.'
    assert s.conflict == ("no", "If Y, the mitigation recommendations – Click or tap here to enter text.")
    assert {k: a.answer for k, a in s.assessments.items()} == {"dpia": "n_a", "eia": "n_a", "qia": "n_a"}
    assert s.assessments["dpia"].justification == "Click or tap here to enter text."
    assert s.linked_risks == [] and s.end_line == 477
    assert report.issues == []


def test_enc09_label_and_box_in_one_cell_and_baf_ticks():
    s, report = sheet("cover-enc09", 2011)
    assert s.purposes == ["S"]  # 'Assurance (S) <input checked ...>' in one cell (line 2017)
    assert s.linked_risks == ["BAF3", "BAF4", "BAF5"]
    assert report.issues == []


def test_enc12_wrapped_boxes_pair_with_waiting_labels_and_are_reported():
    s, report = sheet("cover-enc12", 2844)
    assert s.purposes == ["I", "D"]
    assert s.financial[0] == "yes" and s.financial[1].startswith("If Y, are those signed off by and date: The workforce")
    assert s.linked_risks == ["SBAF4", "SBAF5", "SBAF6", "SBAF7", "SBAF8"]
    lines = sorted((i.line, i.severity) for i in report.issues)
    assert lines == [(2852, "info"), (2852, "warning"), (2853, "info")]
    assert any("(S)" in i.expected for i in report.issues)  # Assurance (S) has no box at all


def test_answer_forms():
    assert answer_and_detail("YES <i>If Y, ...:</i> As above") == ("yes", "If Y, ...: As above")
    assert answer_and_detail("Choose an item. If Y, the mitigation recommendations – No") == ("unanswered", "If Y, the mitigation recommendations – No")
    assert answer_and_detail("NO") == ("no", None)


def test_missing_impact_rows_and_baf_block_are_reported():
    pack, report = pack_of("Report to:\tBoard\nTitle:\tX\nDate:\t1st May 2024\n\nnext paper text\n")
    assert find_cover_sheets(pack) == [1]
    s = parse_cover_sheet(pack, 1, len(pack) + 1, report)
    assert s.title == "X"
    expected = " ".join(i.expected for i in report.issues)
    assert "DPIA" in expected and "QIA" in expected and "Integration with the BAF" in expected


def test_approval_date_after_if_y():
    pack, report = pack_of("Report to:\tBoard\n\tQIA\t<input checked=\"\" type=\"checkbox\"/>\t<input type=\"checkbox\"/>\t<input type=\"checkbox\"/>\t<i>If Y, Approved by QIA Panel on</i> 03/09/2024\n")
    s = parse_cover_sheet(pack, 1, len(pack) + 1, report)
    assert s.assessments["qia"].answer == "yes" and s.assessments["qia"].approved_on == dt.date(2024, 9, 3)
