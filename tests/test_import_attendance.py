"""Attendance matrix reader (26/09/2024 Board matrix, pack lines 182-221; AGM matrix 305-346)."""

import datetime as dt

from import_helpers import excerpt, pack_of

from compliance.importers.boardpack.attendance import apologies, find_matrices, minutes_span, parse_matrix, quoracy_recorded, split_person, split_role

D = dt.date


def board():
    pack, report = excerpt("matrix-board")
    return pack, report, parse_matrix(pack, 182, report)


def test_matrix_heading_date_and_columns():
    _, _, m = board()
    assert m.meeting_date == D(2024, 9, 26) and m.meeting_kind == "public"
    assert m.columns[2] == D(2024, 4, 18) and m.columns[12] == D(2025, 3, 20)


def test_quoracy_clause_kept_verbatim_from_the_chairs_row():
    _, _, m = board()
    assert m.quoracy_line == 183
    assert m.quoracy_text.startswith("Over 50% of the quantum (nine out of seventeen members)")
    chair = m.rows[0]
    assert chair.name == "David Pearson" and chair.marks[D(2024, 9, 26)] == "✓"


def test_marks_by_column_and_undefined_mark_reported():
    _, report, m = board()
    axon = next(r for r in m.rows if r.name == "Peter Axon")
    assert axon.marks[D(2024, 5, 16)] == "*"
    assert [(i.line, i.found) for i in report.issues] == [(184, "*")]


def test_participant_heading_and_page_break_title_set_sections():
    _, _, m = board()
    by_name = {r.name: r for r in m.rows}
    assert by_name["Steve Grange"].section == "members"
    assert by_name["Simon Fogell"].section == "participant"  # under 'Participant Members:' (line 202)
    assert by_name["Tracey Shewan"].section == "unlabelled"  # after the page-break title (line 206)
    assert "Participant Members" not in by_name
    assert m.end_line == 221


def test_person_cell_variants():
    assert split_person("Patrick Flaherty, (PF) Chief Executive, Staffordshire County Council") == ("Patrick Flaherty", None, "PF", "Chief Executive, Staffordshire County Council")
    assert split_person("Dr Paul Edmondson-Jones (PE-J) Chief Medical Officer, X")[:3] == ("Paul Edmondson-Jones", "Dr", "PE-J")
    assert split_person("Lisa Ellis, Executive Support Officer, Staffordshire & Stoke on Trent ICB")[:3] == ("Lisa Ellis", None, None)


def test_header_repeated_after_a_page_break_is_one_table():
    header = "Members:\tQuoracy\t18/04/24\t16/05/24"
    text = "Board meeting 16th May 2024\n" + header + "\nAnn Bee (AB) Chair, X\t9 of 12\t✓\tA\n\nNHS Example Board\n\n" + header + "\nCid Dee (CD) CEO, X\t\tA\t✓\n"
    pack, report = pack_of(text)
    assert find_matrices(pack) == [2]
    m = parse_matrix(pack, 2, report)
    assert [r.name for r in m.rows] == ["Ann Bee", "Cid Dee"]
    assert m.rows[1].marks == {D(2024, 4, 18): "A", D(2024, 5, 16): "✓"}


def test_agm_matrix_found_as_its_own_table_with_marks_under_other_columns():
    pack, report = excerpt("matrix-agm-and-actions")
    m = parse_matrix(pack, 305, report)
    assert m.meeting_kind == "agm" and m.meeting_date == D(2024, 9, 26)
    brown = next(r for r in m.rows if r.name == "Paul Brown")
    assert brown.marks == {D(2024, 10, 17): "✓"}  # line 308: one column to the right


def test_minutes_span_and_no_quoracy_statement():
    pack, report, m = board()
    span = minutes_span(pack, m, 298)
    assert span == (223, 294)
    assert quoracy_recorded(pack, span) is False


def test_quorate_statement_is_read():
    pack, _ = pack_of("x\n\t\tAction\n1.\tApologies\n\tThe meeting was quorate.\n")
    assert quoracy_recorded(pack, (2, 4)) is True


def test_apologies_in_the_minutes_name_deputies():
    pack, report, m = board()
    found = apologies(pack, minutes_span(pack, m, 298))
    assert [(line, deputy) for line, _, deputy in found] == [(227, None), (227, None), (227, "Gemma Treanor and Helen Conway"), (227, "Nicky Harkness"), (227, None), (227, "Eric Gardiner")]
    assert found[3][1].startswith("Elizabeth Disney Chief Transformation Officer")


def test_role_and_organisation_split():
    assert split_role("Chief Finance Officer, Staffordshire & Stoke-on-Trent ICB") == ("Chief Finance Officer", "Staffordshire & Stoke-on-Trent ICB")
    assert split_role("Director of Nursing, All Age Continuing Care") == ("Director of Nursing, All Age Continuing Care", None)
    assert split_role("Midlands Partnership NHS University Foundation Trust") == (None, "Midlands Partnership NHS University Foundation Trust")
    assert split_role("Dental Participant Board Member") == ("Dental Participant Board Member", None)
    assert split_role("Head of ICS People Function, (People Directorate, MPFT)") == ("Head of ICS People Function", "People Directorate, MPFT")
