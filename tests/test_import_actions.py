"""Action log reader (pack lines 399-415) and date chains."""

import datetime as dt

from import_helpers import excerpt, pack_of

from compliance.importers.boardpack.actions import date_chain, find_action_logs, parse_action_log, status_of

D = dt.date
HEADER = "Reference Number\tMeeting Date\tAgenda Item\tAgenda No\tAction\tDue Date\tResponsible Officer\tOutcome/update"


def test_closed_section_rows_and_end_before_the_next_table():
    pack, report = excerpt("matrix-agm-and-actions")
    assert find_action_logs(pack) == [409]
    log = parse_action_log(pack, 409, report)
    assert [r.line for r in log.rows] == list(range(410, 416))
    assert {r.section for r in log.rows} == {"closed"}
    assert log.title == "Staffordshire and Stoke-on-Trent ICB Board Meeting"
    assert report.issues == []


def test_status_and_completion_date_from_the_update_text():
    pack, report = excerpt("matrix-agm-and-actions")
    rows = {r.line: r for r in parse_action_log(pack, 409, report).rows}
    assert (rows[412].status, rows[412].completed_on) == ("complete", D(2023, 9, 26))
    assert (rows[410].status, rows[410].completed_on) == ("complete", None)
    assert rows[415].status == "open"  # 'verbal update to be provided ...'
    assert rows[415].ref == "2024-24/001" and rows[415].due.first == D(2024, 9, 26)
    assert rows[412].ref == rows[413].ref  # the duplicate row is kept: a duplicate is a finding


def test_live_and_closed_sections_and_repeated_header():
    text = "\n".join([
        "LIVE Actions", HEADER,
        "2024-25/001\t18/04/2024\tFinance\t5\tPB to report\t31/03/24 delayed 30/09/24\tPB\tIn progress",
        "", "Board pack page 3", "", HEADER,
        "2024-25/002\t18/04/2024\tQuality\t6\tHJ to report\t30/06/24\tHJ\tUpdate given",
        "CLOSED Actions",
        "2023-24/009\t18/01/2024\tAOB\t9\tDP to write\t01/02/24\tDP\tCOMPLETED 02/02/2024",
        "", "Report to:\tIntegrated Care Board",
    ])
    pack, report = pack_of(text)
    assert find_action_logs(pack) == [2]
    rows = parse_action_log(pack, 2, report).rows
    assert [(r.ref, r.section, r.status) for r in rows] == [
        ("2024-25/001", "live", "open"), ("2024-25/002", "live", "open"), ("2023-24/009", "closed", "complete")]
    assert rows[2].completed_on == D(2024, 2, 2)
    chained = rows[0]
    assert (chained.due.first, chained.due.last, chained.due.text) == (D(2024, 3, 31), D(2024, 9, 30), "31/03/24 delayed 30/09/24")
    assert "date chain" in chained.notes[0]
    assert [(i.line, i.severity) for i in report.issues] == [(3, "info")]


def test_unreadable_dates_are_reported_with_line_and_value():
    pack, report = pack_of(HEADER + "\n2024-25/001\t31/02/2024\tX\t1\tDo it\tsoon\tPB\t\n")
    row = parse_action_log(pack, 1, report).rows[0]
    assert row.meeting_date is None and row.due.first is None
    assert sorted((i.line, i.found) for i in report.issues) == [(2, "31/02/2024"), (2, "soon")]


def test_date_chain_forms():
    chain = date_chain("30/11/23 delayed (1) 30/06/24 delayed (2) 30/09/2024 delay (3) unknown end")
    assert (chain.first, chain.last, chain.open_ended) == (D(2023, 11, 30), D(2024, 9, 30), True)
    assert date_chain("31/03/25").open_ended is False
    assert date_chain("").first is None
    assert status_of("Live and ongoing action and in AI now. COMPLETE") == ("complete", None)
    assert status_of("complete the form")[0] == "open"  # only the capitalised status word counts


def test_the_logs_own_meeting_date_is_read_and_carried_on_each_row():
    pack, report = excerpt("matrix-agm-and-actions")
    log = parse_action_log(pack, 409, report)
    assert (log.date, log.date_line) == (D(2023, 10, 19), 406)  # 'Date of Meeting 19/10/2023', stale but kept
    assert {r.log_date for r in log.rows} == {D(2023, 10, 19)}
    assert report.issues == []


def test_an_unreadable_log_date_is_reported_and_a_log_without_one_has_none():
    pack, report = pack_of("Date of Meeting: next week\n" + HEADER + "\n2024-25/001\t18/04/2024\tX\t1\tDo it\t30/06/24\tPB\t\n")
    log = parse_action_log(pack, 2, report)
    assert log.date is None and log.rows[0].log_date is None
    assert [(i.line, i.found) for i in report.issues] == [(1, "next week")]
    pack, report = pack_of(HEADER + "\n2024-25/001\t18/04/2024\tX\t1\tDo it\t30/06/24\tPB\t\n")
    assert parse_action_log(pack, 1, report).date is None and report.issues == []
