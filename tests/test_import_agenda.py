"""Agenda reader: meeting heading, numbered items, sub-items, purposes (pack lines 3-44)."""

import datetime as dt

from import_helpers import excerpt, pack_of

from compliance.importers.boardpack.agenda import find_agenda, heading_date, parse_agenda


def test_agenda_heading_gives_date_and_public_kind():
    pack, report = excerpt("agenda")
    agenda = parse_agenda(pack, find_agenda(pack), report)
    assert agenda.meeting_date == dt.date(2024, 10, 17)
    assert agenda.date_line == 6
    assert agenda.kind == "public"


def test_items_keep_enclosure_lead_and_purposes():
    pack, report = excerpt("agenda")
    items = {i.line: i for i in parse_agenda(pack, 11, report).items}
    assert (items[32].number, items[32].enclosure, items[32].lead, items[32].purposes) == ("15", "Enc 13", "CC", ["D", "S"])
    assert items[30].purposes == ["I", "S", "D"]
    assert items[12].enclosure is None and items[12].purposes == []  # '---' cells


def test_unnumbered_row_is_a_sub_item_of_the_item_above():
    pack, report = excerpt("agenda")
    items = {i.line: i for i in parse_agenda(pack, 11, report).items}
    assert items[29].number is None and items[29].parent == "13"
    assert items[29].enclosure == "Enc 11"


def test_section_headings_and_ruled_rows_are_not_items_and_not_reported():
    pack, report = excerpt("agenda")
    agenda = parse_agenda(pack, 11, report)
    titles = [i.title for i in agenda.items]
    assert "Strategic and System Development" not in titles and "Any Other Business" not in titles
    assert [i.number for i in agenda.items if i.number] == [str(n) for n in range(1, 23)]
    assert report.issues == []
    assert agenda.end_line < 46  # the Leadership Compact that follows is not agenda


def test_unknown_purpose_code_is_reported_with_its_line():
    pack, report = pack_of("Board 1st May 2024\n\tAgenda Item\tLead(s)\tEnc\tA/R/ S/D/I\n1.\tBudget\tCFO\tEnc 01\tA/X\n")
    agenda = parse_agenda(pack, find_agenda(pack), report)
    assert agenda.items[0].purposes == ["A"]
    assert [(i.line, i.found) for i in report.issues] == [(3, "A/X")]


def test_heading_date_reads_weekday_and_bold_markers():
    assert heading_date("**Thursday 26th September 2024") == dt.date(2024, 9, 26)
    assert heading_date("1.00pm – 3.00pm") is None
