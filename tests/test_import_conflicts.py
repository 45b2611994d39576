"""Conflicts register reader (pack lines 119-171) and the period / removal / mitigation readers."""

import datetime as dt

import pytest
from import_helpers import excerpt, pack_of

from compliance.importers.boardpack.conflicts import find_registers, parse_interest, parse_register, split_numbered
from compliance.importers.boardpack.periods import PeriodError, mitigation_codes, parse_period, partial
from compliance.importers.report import ImportReport


def register():
    pack, report = excerpt("conflicts")
    return report, parse_register(pack, 128, report)


def test_header_repeated_after_page_break_is_one_register_of_24_rows():
    pack, report = excerpt("conflicts")
    assert find_registers(pack) == [128]
    reg = parse_register(pack, 128, report)
    assert len(reg.rows) == 24
    assert reg.rows[11].line == 142  # first row after the repeated header on line 141
    assert reg.on_register == "ICB 2024-25" and reg.as_at == dt.date(2024, 10, 4)


def test_row_fields_categories_and_nil_return():
    _, reg = register()
    rows = {r.line: r for r in reg.rows}
    aw = rows[132]
    assert (aw.forename, aw.surname, aw.declared_on) == ("Jack", "Aw", dt.date(2024, 6, 25))
    assert [(i.category, i.number) for i in aw.interests][:2] == [("financial", 1), ("financial", 2)]
    assert sum(i.category == "indirect" for i in aw.interests) == 3
    assert aw.mitigation_codes == list("abcdefgh")
    axon = rows[133]
    assert axon.nil_return and axon.interests == [] and axon.mitigation_codes == []


def test_period_forms_from_the_issue():
    _, reg = register()
    rows = {r.line: r for r in reg.rows}
    aw1 = rows[132].interests[0]
    assert (aw1.period_text, aw1.start, aw1.ongoing) == ("(2012 - present)", "2012", True)
    brown1 = rows[134].interests[0]
    assert (brown1.start, brown1.end, brown1.ongoing) == ("2014-01", "2017-03", False)
    pearson = rows[149].interests[0]
    assert (pearson.period_text, pearson.start, pearson.end) == ("(2018- 31st March 2024 retired)", "2018", "2024-03-31")
    assert "retired" in pearson.notes[0]


def test_removal_note_and_missing_closing_bracket_are_read_and_reported():
    report, reg = register()
    spencer = {r.line: r for r in reg.rows}[152]
    fin2 = spencer.interests[1]
    assert fin2.period_text == "(December - 31/05/2024"
    assert (fin2.start, fin2.end) == (None, "2024-05-31")  # no year for December: not assumed
    assert (fin2.removal_note, fin2.remove_by) == ("(To be removed from register November 2024)", "2024-11")
    found = [i.found for i in report.issues if i.line == 152]
    assert "(December - 31/05/2024" in found


def test_truncated_period_is_reported_not_dropped():
    report, reg = register()
    brown3 = {r.line: r for r in reg.rows}[134].interests[2]
    assert brown3.period_text == "(June" and brown3.start is None and not brown3.ongoing
    assert brown3.description.endswith("move to a trading status.")
    assert any(i.line == 134 and i.found == "(June" for i in report.issues)


def test_remark_bracket_stays_in_description_and_period_before_it_is_read():
    report = ImportReport("t")
    i = parse_interest(1, "Chair of DCHFT (January 2023 - ongoing) (Non-Executive since October 2018)", "non_financial_professional", 1, report)
    assert i.description == "Chair of DCHFT (Non-Executive since October 2018)"
    assert (i.start, i.ongoing, i.period_text) == ("2023-01", True, "(January 2023 - ongoing)")
    honorary = parse_interest(3, "Doctor of Science Keele University (Honorary) (ongoing)", "non_financial_personal", 1, report)
    assert honorary.description == "Doctor of Science Keele University (Honorary)" and honorary.ongoing


def test_numbering_splits_only_on_the_next_number():
    items = split_numbered("1. Employed (0.1 wte) by MPFT (June 2024 - ongoing) 2. Fellow 3. of 5. things (2019)")
    assert [n for n, _ in items] == [1, 2, 3]
    assert items[2][1] == "of 5. things (2019)"


def test_date_without_year_takes_the_as_at_year_and_is_reported():
    header = "Date of Declaration\tTitle\tForename\tSurname\tRole\tOrganisation\t1. Financial Interest\t2. Non-financial professional interests\t3. Non-financial personal interests\t4. Indirect interests\t5. Actions taken to mitigate"
    text = "CONFLICTS OF INTEREST REGISTER 2024-2025\nAS AT 04 OCTOBER 2024\n" + header + "\n26 th September\tMr\tA\tB\tNED\tICB\tNothing to declare\tNothing to declare\tNothing to declare\tNothing to declare\tNo action required\n"
    pack, report = pack_of(text)
    row = parse_register(pack, 3, report).rows[0]
    assert row.declared_on == dt.date(2024, 9, 26)
    assert "2024 assumed" in row.notes[0]
    assert [(i.line, i.severity) for i in report.issues] == [(4, "info")]


def test_partial_dates_and_bad_ones():
    assert partial("January 2014") == "2014-01"
    assert partial("31/05/2024") == "2024-05-31"
    with pytest.raises(PeriodError, match="a year with the month"):
        partial("December")
    assert parse_period("ongoing").ongoing
    assert parse_period("March 2017-November 2018").end == "2018-11"


def test_mitigation_code_ranges():
    assert mitigation_codes("(a) to (g) inclusive ... (h) recorded") == list("abcdefgh")
    assert mitigation_codes("(h) interest recorded") == ["h"]
    assert mitigation_codes("No action required") == []
