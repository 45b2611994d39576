"""Minutes and committee-report readers: items and resolutions, speakers, actions, apologies; the two
report templates and the reports a minute records (the real pack end to end is test_import_boardpack)."""

import datetime as dt

from import_helpers import pack_of

from compliance.importers.boardpack import committees as c
from compliance.importers.boardpack import minutes as m

MINUTES = "\n".join([
    "\t\tAction",
    "1.\tWelcome\t",
    "\t<p>DP welcomed members.</p>\t",
    "A paragraph that broke out of the table, longer than a page title can be, and naming JH, who did not speak here at all.",
    "2.\tApologies\t",
    "\t<p>Apologies were received from:</p> <p>Ann Lee Director (represented by Bob Ray)</p> <p>Cy Doe Member</p>\t",
    "3.\tFinance Report\t",
    "\t<p>PB presented the report on behalf of MN and agreed to bring back a plan.</p> <p>The risk is led by PEJ. He will circulate the"
    " detail.</p> <p>The Board:</p> <p>• Noted the report</p> <p>• Approved the plan</p>\t<p>PB</p> <p>TS</p>",
    "4.\tClose\t",
    "\tThere being no further business, the Chair closed the meeting.\t",
])
PEOPLE = [{"id": "dp", "name": "Dan Page", "initials": "DP", "roles": ["Chair"]}, {"id": "pb", "name": "Pat Bell", "initials": "PB"},
          {"id": "mn", "name": "Mo Nye", "initials": "MN"}, {"id": "pej", "name": "Pia Ellis-Jones", "initials": "PE-J"},
          {"id": "jho", "name": "Jo Howe", "initials": "JHo"}, {"id": "ann", "name": "Ann Lee"}, {"id": "bob", "name": "Bob Ray"},
          {"id": "cy", "name": "Cy Doe"}, {"id": "ts", "name": "Tess Sims", "initials": "TS"}]


def _items():
    pack, _ = pack_of(MINUTES)
    return pack, m.parse_minutes(pack, (1, len(pack)), len(pack) + 1)


def test_items_resolution_and_outcomes():
    _, items = _items()
    assert [(i.number, i.title) for i in items] == [("1", "Welcome"), ("2", "Apologies"), ("3", "Finance Report"), ("4", "Close")]
    assert m.resolution(items[2]) == "The Board: • Noted the report • Approved the plan"
    assert m.outcomes(m.resolution(items[2])) == ["noted", "approved"]
    assert m.resolution(items[3]) == "There being no further business, the Chair closed the meeting."  # one short paragraph
    assert items[0].paragraphs[-1][0] == 4  # prose between rows stays with its item


def test_speakers_by_matrix_initials_not_as_objects_and_the_chair_as_subject():
    _, items = _items()
    resolve = m.initials_resolver(PEOPLE, {"dp", "pb"})
    assert [(n, p) for _, n, p in m.speakers(items[2], resolve, "dp")] == [("PB", "pb")]  # 'on behalf of MN', 'led by PEJ'
    assert [(n, p) for _, n, p in m.speakers(items[3], resolve, "dp")] == [("the Chair", "dp")]
    assert resolve("PEJ") == "pej" and resolve("JH") == "jho"  # 'PE-J' read as PEJ; 'JH' a unique prefix of 'JHo'


def test_action_text_is_the_owners_committing_sentence_or_none():
    _, items = _items()
    assert m.commitments(items[2], "PB", 1) == ["PB presented the report on behalf of MN and agreed to bring back a plan."]
    assert m.commitments(items[2], "TS", 1) == []
    pack, _ = pack_of("")
    out = {"agenda_items": [], "minute_items": [], "minute_speakers": [], "minuted_actions": [], "minuted_apologies": []}
    rows = [type("Row", (), {"name": n, "person": i})() for n, i in (("Ann Lee", "ann"), ("Cy Doe", "cy"))]
    m.build_minutes(pack, "b-1", items, PEOPLE, rows, {"dp", "pb"}, "dp", set(), out, None)
    assert [(a["owner"], a["person"], a["text"] is None) for a in out["minuted_actions"]] == [("PB", "pb", False), ("TS", "ts", True)]
    assert [(a["person"], a["represented_by"], a.get("deputy_voting")) for a in out["minuted_apologies"]] == [
        ("ann", ["bob"], "not_stated"), ("cy", [], None)]
    assert [a["id"] for a in out["agenda_items"]] == ["b-1-item-1", "b-1-item-2", "b-1-item-3", "b-1-item-4"]  # no agenda: from the minutes


AAA = "\n".join([
    "AAA Escalation & Assurance Report from Board Assurance Committee",
    "Reporting Committee: Finance & Performance Committee (F&PC): Parts A + B",
    "Date of Meeting: 1 October 2024",
    "Meeting Quorate Y/N? NO",
    "Presenter: Meg Nye, Non-Executive Member & Committee Chair",
    "ADVISE",
    "Chair's Action in respect of a letter of support. More detail.",
    "The Committee approved the plan; after a discussion. Prior to Board ratification, the Committee approved the framework.",
    "Decisions to be Escalated to ICB Board or other Committees:",
    "- Cross-boundary issues to be examined by the Quality & Safety Committee.",
])


def test_aaa_report_header_decisions_and_escalations():
    pack, _ = pack_of(AAA)
    r = c.parse_report(pack, 1, len(pack) + 1, [])
    assert (r.committee, r.parts, r.date_text, r.quorate_text, r.chair) == (
        "Finance & Performance Committee (F&PC): Parts A + B", "Parts A + B", "1 October 2024", "NO", "Meg Nye")
    assert [(d["kind"], d["text"], d.get("for_ratification", False)) for d in r.decisions] == [
        ("chairs_action", "Chair's Action in respect of a letter of support.", False),
        ("approval", "The Committee approved the plan", False),
        ("approval", "Prior to Board ratification, the Committee approved the framework.", True)]
    assert [(e["to"], e["text"]) for e in r.escalations] == [("Quality & Safety Committee", "Cross-boundary issues to be examined by the Quality & Safety Committee.")]
    assert r.escalations_stated == "some"


SUMMARY = "\n".join([
    "Enclosure No: 14",
    "Title:\tSenate Summary and Escalation Report",
    "Presenting Officer:\tPia Ellis-Jones, Chief Medical Officer",
    "- Ratify the approvals made at the Senate meeting.",
    "Summary and Escalation Report",
    "Report of:\tHealth and Care Senate",
    "Chair:\tPia Ellis-Jones",
    "Date:\tMeeting held on 12 th September 2024",
    "Key Discussion Topics\tSummary of Item\tAction including referral to other committees and escalation to Board",
    "Policy\t<p>The Senate approved the policy.</p> <p>All approvals are subject to Committee sign off.</p>\tNo escalations.",
    "Issues for escalation",
    "No items for escalation.",
])


def test_summary_report_takes_title_presenter_and_ratification_from_its_cover_sheet():
    pack, _ = pack_of(SUMMARY)
    assert c.find_reports(pack) == [5]
    r = c.parse_report(pack, 5, len(pack) + 1, [1])
    assert (r.committee, r.title, r.presenter, r.enclosure, r.escalations_stated) == (
        "Health and Care Senate", "Senate Summary and Escalation Report", "Pia Ellis-Jones, Chief Medical Officer", "Enc 14", "none")
    assert c.date_in(r.date_text) == dt.date(2024, 9, 12)
    (d,) = r.decisions
    assert (d["status"], d["conditions"], d["for_ratification"]) == (
        "approved_subject_to_sign_off", "All approvals are subject to Committee sign off.", True)


def test_a_report_minuted_at_an_earlier_board():
    pack, _ = pack_of("\n".join([
        "\t\tAction",
        "12.\tHealth and Care Senate Summary and Escalation Report\t",
        "\t<p>PEJ presented the report on behalf of Rae Gill.</p> <p>PEJ wished to escalate to the Board the issue of shortages, which"
        " continue.</p> <p>He referred to the issues regarding quoracy and asked for assurance.</p> <p>Members of the Board:</p>"
        " <p>• Ratified the approvals made at the Senate meeting held on 11th July 2024.</p>\t",
    ]))
    items = m.parse_minutes(pack, (1, len(pack)), len(pack) + 1)
    out = {k: [] for k in ("committee_reports", "committee_meetings", "committee_decisions", "committee_escalations")}
    mapping = [type("C", (), {"id": "senate", "name": "Health and Care Senate", "aliases": []})()]
    c.build_minuted_reports(pack, "b-0926", dt.date(2024, 9, 26), items, mapping, out)
    (report,), (meeting,), (decision,), (escalation,) = (out[k] for k in out)
    assert (report["id"], report["presenter"], report["in_pack"], report["escalations_stated"]) == (
        "senate-jul-report-2024-09", "PEJ on behalf of Rae Gill", False, "some")
    assert (meeting["id"], meeting["quorate"], meeting["date"]) == ("senate-2024-07-11", "no", "2024-07-11")
    assert (decision["text"], decision["for_ratification"]) == ("the approvals made at the Senate meeting held on 11th July 2024", True)
    assert escalation["text"] == "PEJ wished to escalate to the Board the issue of shortages"


def test_a_report_naming_no_committee_is_an_error_with_its_line_not_a_record():
    pack, report = pack_of("AAA Escalation & Assurance Report from Board Assurance Committee\nMeeting Quorate Y/N? YES\n"
                           "The Committee approved the plan.\n")
    out = {k: [] for k in ("committee_reports", "committee_meetings", "committee_decisions", "committee_escalations", "agenda_items")}
    c.build_reports(pack, [], [], "b-1", dt.date(2024, 10, 17), [], out, report)
    assert not any(out.values())
    assert [(i.line, i.table, i.severity) for i in report.issues] == [(1, "committee-report", "error")]
    assert "'Reporting Committee:'" in report.issues[0].expected
