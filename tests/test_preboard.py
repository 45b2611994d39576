"""Pre-board check: quorum forecast with apologies, who must attend, declarations, papers, actions."""

import json
import re

import pytest
import yaml
from click.testing import CliRunner

from compliance.cli import main
from compliance.io import load_dataset
from compliance.report.text import markdown_text
from conftest import REAL
from outcome_helpers import waiver_yaml

MEETING = "board-2024-10-17"  # the meeting the real pack was prepared for: no attendance recorded yet


def _preboard(dataset, *args):
    return CliRunner().invoke(main, ["preboard", str(dataset), "--meeting", MEETING, *args])


def _json(dataset, *args):
    result = _preboard(dataset, "--format", "json", "--fail-on", "never", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _set_attendance(dataset, marks):
    """Record apologies etc. for MEETING in the copy of the data set."""
    path = dataset / "meetings.yaml"
    doc = yaml.safe_load(path.read_text())
    meeting = next(m for m in doc["meetings"] if m["id"] == MEETING)
    meeting["attendance"] = [{"person": p, "status": s} for p, s in marks.items()]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def _board():
    data = load_dataset(REAL).data
    meeting = next(m for m in data.meetings if m.id == MEETING)
    body = next(b for b in data.bodies if b.id == meeting.body)
    members = {m.person for m in body.members if m.active_on(meeting.date)}
    people = {p.id: p for p in data.people if p.id in members}
    return people


def test_real_pack_meeting_fits_one_screen_with_fixes_first():
    result = _preboard(REAL)
    lines = result.output.splitlines()
    assert result.exit_code == 1  # members without any declaration are high-severity failures
    assert len(lines) <= 50 and max(len(line) for line in lines) <= 140  # long lines wrap, never cut
    assert lines[0].startswith("Pre-board check: Integrated Care Board") and MEETING in lines[0]
    fix_start = next(i for i, l in enumerate(lines) if l.startswith("Fix before the meeting ("))
    assert fix_start < next(i for i, l in enumerate(lines) if l.startswith("Quorum:"))
    severities = [l.split("[")[1].split("]")[0].split(",")[0] for l in lines if l[:3].strip().rstrip(".").isdigit()]
    order = ["critical", "high", "medium", "low", "info"]
    assert severities and severities == sorted(severities, key=order.index)
    assert "no attendance or apologies recorded yet" in result.output


def test_everyone_expected_the_quorum_holds_and_sole_holders_must_attend():
    doc = _json(REAL)
    people = _board()
    q = doc["quorum"]
    assert q["apologies"] == [] and set(q["expected_ids"]) == set(people)
    assert all(p["outcome"] == "pass" for p in q["parts"])
    ceos = [p.name for p in people.values() if "CEO" in p.roles]
    assert len(ceos) == 1
    must = {m["person"]: m["quorum_fails_without_them"] for m in q["must_attend"]}
    assert must[ceos[0]] == ["the Chief Executive"]
    assert not [f for f in doc["fixes"] if f["area"] == "quorum"]


def test_apologies_from_the_chief_executive_break_the_quorum_and_name_the_fix(dataset):
    people = _board()
    (ceo,) = [pid for pid, p in people.items() if "CEO" in p.roles]
    _set_attendance(dataset, {ceo: "apologies"})
    result = _preboard(dataset, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    (fix,) = [f for f in doc["fixes"] if f["area"] == "quorum"]
    assert fix["subject"] == "the Chief Executive" and fix["severity"] == "high" and fix["problem"] == "0 expected to attend, 1 required"
    assert people[ceo].name in fix["advice"]
    assert doc["fixes"][0]["area"] == "quorum" or doc["fixes"][0]["severity"] == "high"
    part = next(p for p in doc["quorum"]["parts"] if p["subject"].endswith("/ceo"))
    assert part["could_fix"] == [people[ceo].name]
    assert doc["quorum"]["apologies"] == [people[ceo].name]


def test_partner_shortfall_lists_the_partners_who_sent_apologies(dataset):
    people = _board()
    partners = sorted(pid for pid, p in people.items() if p.role_group == "partner")
    assert len(partners) > 3
    away = partners[2:]  # two left: one short of the three required
    _set_attendance(dataset, {p: "apologies" for p in away})
    doc = _json(dataset)
    part = next(p for p in doc["quorum"]["parts"] if p["subject"].endswith("/partner-members"))
    assert (part["outcome"], part["expected"], part["required"]) == ("fail", 2, 3)
    assert sorted(part["could_fix"]) == sorted(people[p].name for p in away)
    (fix,) = [f for f in doc["fixes"] if f["area"] == "quorum" and f["subject"] == part["requirement"]]
    assert fix["advice"].startswith("1 more needed from: ")


def test_with_exactly_the_required_partners_each_of_them_must_attend(dataset):
    people = _board()
    partners = sorted(pid for pid, p in people.items() if p.role_group == "partner")
    _set_attendance(dataset, {p: "apologies" for p in partners[3:]})
    doc = _json(dataset)
    must = {m["person"] for m in doc["quorum"]["must_attend"] if "three Partner Members" in m["quorum_fails_without_them"]}
    assert must == {people[p].name for p in partners[:3]}


def test_declarations_are_checked_for_expected_attendees_only(dataset):
    doc = _json(dataset)
    without = [f for f in doc["fixes"] if f["area"] == "declarations"]
    assert any("Jon Rouse" in f["subject"] for f in without)
    _set_attendance(dataset, {"jon-rouse": "apologies"})
    doc = _json(dataset)
    assert not any("Jon Rouse" in f["subject"] for f in doc["fixes"] if f["area"] == "declarations")


def test_papers_of_other_meetings_are_left_out(dataset):
    doc = _json(dataset)
    paper_fixes = [f for f in doc["fixes"] if f["area"] == "papers"]
    assert paper_fixes and doc["papers"]["papers"] > 0
    path = dataset / "papers.yaml"
    papers = yaml.safe_load(path.read_text())
    for paper in papers["papers"]:
        paper["meeting"] = "board-2024-09-26"
    path.write_text(yaml.safe_dump(papers, sort_keys=False))
    moved = _json(dataset)
    assert moved["papers"]["papers"] == 0 and not [f for f in moved["fixes"] if f["area"] == "papers"]


def test_actions_due_by_the_meeting_and_overdue(dataset):
    doc = _json(dataset)
    assert [a["ref"] for a in doc["actions"]["overdue"]] == ["2024-24/001"]
    early = _json(dataset, "--as-of", "2024-09-20")  # the action is due 26/09: not overdue yet, due by the meeting
    assert early["actions"]["overdue"] == [] and [a["ref"] for a in early["actions"]["due_by_meeting"]] == ["2024-24/001"]
    assert early["as_of"] == "2024-09-20"


def test_a_waived_failure_is_listed_as_waived_not_as_a_fix(dataset):
    doc = _json(dataset)
    target = next(f for f in doc["fixes"] if f["area"] == "declarations" and f["outcome"] == "fail")
    subject = next(f["subject"]["id"] for f in json.loads(CliRunner().invoke(
        main, ["check", str(dataset), "--as-of", "2024-10-17", "--format", "json", "--fail-on", "never"]).output)["findings"]
        if f["rule_id"] == target["rule_id"] and f["subject"]["label"].startswith(target["subject"] + " ("))
    (dataset / "waivers.yaml").write_text(waiver_yaml([{"id": "W-9", "rule_id": target["rule_id"], "subject": subject}]))
    after = _json(dataset)
    assert not [f for f in after["fixes"] if (f["rule_id"], f["subject"]) == (target["rule_id"], target["subject"])]
    assert [w["waiver"] for w in after["waived"]] == ["W-9"]


def test_fail_on_never_exits_0():
    assert _preboard(REAL, "--fail-on", "never").exit_code == 0


@pytest.mark.parametrize("spec, words", [
    ("board-2099-01-01", "no meeting with id 'board-2099-01-01'"),
    ("2025-01-01", "no meeting on 2025-01-01"),
    ("26/09/2024", "2 meetings on 2024-09-26"),
])
def test_unknown_or_ambiguous_meeting_exits_2_listing_meetings(spec, words):
    result = CliRunner().invoke(main, ["preboard", str(REAL), "--meeting", spec])
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output
    assert "board-2024-09-26" in result.output


def test_meeting_by_its_date():
    doc = json.loads(CliRunner().invoke(main, ["preboard", str(REAL), "--meeting", "17/10/2024", "--format", "json", "--fail-on", "never"]).output)
    assert doc["meeting"]["id"] == MEETING and doc["as_of"] == "2024-10-17"


def test_fix_heading_counts_the_items_it_lists_and_nouns_agree_with_numbers():
    import re
    lines = _preboard(REAL).output.splitlines()
    heading = next(l for l in lines if l.startswith("Fix before the meeting ("))
    shown = int(re.match(r"Fix before the meeting \((\d+) items?", heading).group(1))
    listed = [l for l in lines if re.match(r"^\s*\d+\. \[", l)]
    assert shown == len(listed)
    assert not re.search(r"\b1 (findings|items|days)\b", "\n".join(lines))


def test_long_lines_wrap_at_spaces_so_no_word_is_cut():
    from compliance.report.preboard import WIDTH, _clip, _wrapped
    names = ", ".join(f"Person Number{i} Surname{i}" for i in range(12))
    wrapped = _wrapped("apologies: " + names).splitlines()
    assert len(wrapped) > 1 and all(len(l) <= WIDTH for l in wrapped)
    assert " ".join(l.strip() for l in wrapped) == "apologies: " + names  # nothing lost
    cut = _clip(names, 40)
    assert cut.endswith(" …") and names.startswith(cut[:-2]) and names[len(cut) - 2] in " ,"


def test_out_writes_the_same_document_to_a_file(tmp_path):
    target = tmp_path / "pre.json"
    written = _preboard(REAL, "--format", "json", "--out", str(target))
    printed = _preboard(REAL, "--format", "json")
    assert written.exit_code == printed.exit_code == 1
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(printed.stdout)
    assert str(target) in written.stderr and target.name not in written.stdout
def test_board_meeting_lists_the_standards_off_trajectory_in_their_latest_period():
    doc = _json(REAL)
    std = doc["standards"]
    assert std["listed"] and "no committee" in std["reason"]
    off = {r["metric"]: r for r in std["off_trajectory"]}
    assert len(off) == 15 and all(r["verdict"] == "not met" for r in off.values())
    assert off["rtt-65-week-2024-09-30"]["national_cell"] == "≤ 0 patients (not met)"  # 191 breaches against zero
    assert off["bed-occupancy-uhnm-2024-08"]["plan_cell"] == "≤ 80.53% trajectory (not met)"
    # 62-day: July missed its trajectory, August (the latest) met it; 28-day FDS met both months
    assert not {"cancer-62-day-uhnm-2024-07", "cancer-62-day-uhnm-2024-08", "cancer-fds-uhnm-2024-08"} & set(off)
    text = _preboard(REAL, "--fail-on", "never").output.splitlines()
    line = next(i for i, l in enumerate(text) if l.startswith("Standards off trajectory"))
    assert text[line].startswith("Standards off trajectory (latest period, for information): 15")
    assert "11970 adults" in text[line + 1]  # by name and value: adult mental health access, June 2024


def test_a_committee_meeting_says_why_no_standards_are_listed(dataset):
    path = dataset / "bodies.yaml"
    doc = yaml.safe_load(path.read_text())
    board = next(b for b in doc["bodies"] if b["id"] == "icb-board")
    board["kind"] = "committee"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    std = _json(dataset)["standards"]
    assert not std["listed"] and std["off_trajectory"] == [] and "listed for Board meetings" in std["reason"]
    assert "Standards off trajectory: not listed: the standards register names no committee" in _preboard(dataset, "--fail-on", "never").output


def test_a_data_set_without_metrics_lists_no_standards(dataset):
    (dataset / "metrics.yaml").unlink()
    std = _json(dataset)["standards"]
    assert std == {"listed": False, "reason": "the data set has no metrics register", "off_trajectory": []}


# ---- committees' business: items awaiting ratification, committee reports due (issue 18, item 4) ----------


def test_real_pack_lists_the_decisions_awaiting_ratification_and_whether_coded_r():
    doc = _json(REAL)
    rat = {r["decision"]: r for r in doc["committees"]["ratification"]}
    assert set(rat) == {"fpc-2024-10-01-decision-3", "senate-2024-09-12-decision-1", "senate-2024-09-12-decision-2"}
    nhs111 = rat["fpc-2024-10-01-decision-3"]
    # the F&PC report is Enc 11 under item 13b, coded I/S (seed lines 2787, 2841): on the agenda, not for ratification
    assert nhs111["on_agenda"] and nhs111["coded_r"] is False and nhs111["agenda_item"]["enclosure"] == "Enc 11"
    assert nhs111["committee"].startswith("Finance & Performance Committee") and "NHS111 Midlands Governance Framework" in nhs111["text"]
    assert all(rat[d]["coded_r"] is True for d in ("senate-2024-09-12-decision-1", "senate-2024-09-12-decision-2"))  # item 16, I/R
    # the verdict is the run's finding, among the fixes, named by the decision's text
    (fix,) = [f for f in doc["fixes"] if f["rule_id"] == "nhs-icb.committees.ratification-on-agenda"]
    assert fix["area"] == "committees" and fix["severity"] == "high" and fix["subject"] == nhs111["text"]


def test_real_pack_lists_the_committee_reports_due_with_their_agenda_items():
    doc = _json(REAL)
    c = doc["committees"]
    assert c["previous_meeting"] == "2024-09-26"
    due = {r["report"]: r for r in c["reports_due"] if r["report"]}
    assert set(due) == {"fpc-report-2024-10", "senate-report-2024-10", "remcom-report-2024-10"}
    assert all(r["addressed_to_meeting"] and r["on_agenda"] for r in due.values())
    # the Audit Committee (7/10, Enc 13's history, line 3308) and the Quality and Safety Committee (9/10,
    # lines 728-731) met since the last Board with no report in the pack; the Senate (10/10) and the PCI
    # Committee (16/10) met too late for this Board, which the rule decides (not applicable), so are not listed
    unreported = {r["meetings"][0]["id"] for r in c["reports_due"] if r["report"] is None}
    assert unreported == {"audit-2024-10-07", "qsc-2024-10-09"}
    reported_fixes = {f["subject"] for f in doc["fixes"] if f["rule_id"] == "nhs-icb.committees.meeting-reported"}
    assert len(reported_fixes) == 2 and all(f["area"] == "committees" for f in doc["fixes"] if f["rule_id"] == "nhs-icb.committees.meeting-reported")
    assert [m["met_since_previous"] for m in due["fpc-report-2024-10"]["meetings"]] == [True]  # 1 October 2024
    assert [m["met_since_previous"] for m in due["senate-report-2024-10"]["meetings"]] == [False]  # 12 September
    text = _preboard(REAL, "--fail-on", "never").output
    assert "Awaiting Board ratification: 3 decisions, 1 not on this meeting's agenda coded R" in text
    assert ("Committee reports due: 3 reports, 0 not on this meeting's agenda; 3 committees met since the last meeting (2024-09-26), "
            "2 with no report") in text
    assert "  - Audit Committee: met 2024-10-07, after the last meeting (report not in the pack); no report of it is among the committee reports" in text
    assert "NHS111 Midlands" in text and "agenda, Enc 11, coded I/S, not R" in text
    assert "fpc-report-2024-10" not in text and "senate-2024-09-12-decision-2" not in text  # names, not ids


def _committee_registers(dataset, reports, meetings, decisions):
    """Replace the committee registers of the copy with small synthetic ones (no escalations)."""
    for name, rows in (("committee_reports", reports), ("committee_meetings", meetings), ("committee_decisions", decisions),
                       ("committee_escalations", [])):
        (dataset / f"{name}.yaml").write_text(yaml.safe_dump({name: rows}, sort_keys=False))


def test_synthetic_committees_each_case_of_ratification_and_reports_due(dataset):
    _committee_registers(dataset, reports=[
        {"id": "r-coded-r", "meeting": MEETING, "agenda_item": "board-2024-10-17-item-16", "committee": "Audit Committee", "title": "Audit report"},
        {"id": "r-not-r", "meeting": MEETING, "agenda_item": "board-2024-10-17-item-13b", "committee": "Quality Committee", "title": "Quality report"},
        {"id": "r-off-agenda", "meeting": MEETING, "committee": "People Committee", "title": "People report"},
        {"id": "r-next", "meeting": "board-2024-09-26", "committee": "Digital Committee", "title": "Digital report"},
        {"id": "r-old", "meeting": "board-2024-09-26", "committee": "Estates Committee", "title": "Estates report"},
    ], meetings=[
        {"id": "m-audit", "report": "r-coded-r", "committee": "Audit Committee", "date": "2024-10-02", "quorate": "yes"},
        {"id": "m-quality", "report": "r-not-r", "committee": "Quality Committee", "date": "2024-09-10", "quorate": "no"},
        {"id": "m-digital", "report": "r-next", "committee": "Digital Committee", "date": "2024-10-08", "quorate": "yes"},
        {"id": "m-estates", "report": "r-old", "committee": "Estates Committee", "date": "2024-09-01", "quorate": "yes"},
    ], decisions=[
        {"id": "d-audit", "report": "r-coded-r", "text": "Approved the counter-fraud plan", "for_ratification": True},
        {"id": "d-quality", "report": "r-not-r", "text": "Approved the falls policy", "for_ratification": True},
        {"id": "d-people", "report": "r-off-agenda", "text": "Approved the flexible working policy", "for_ratification": True},
        {"id": "d-noted", "report": "r-coded-r", "text": "Noted the internal audit plan"},
        {"id": "d-old", "report": "r-old", "text": "Approved the estates strategy", "for_ratification": True},
    ])
    c = _json(dataset)["committees"]
    rat = {r["decision"]: (r["on_agenda"], r["coded_r"]) for r in c["ratification"]}
    assert rat == {"d-audit": (True, True), "d-quality": (True, False), "d-people": (False, None)}  # not d-noted, not d-old
    due = {r["report"]: (r["addressed_to_meeting"], r["on_agenda"]) for r in c["reports_due"]}
    # the Digital Committee met after the last Board (8 October) though its report went elsewhere; Estates did not
    assert due == {"r-coded-r": (True, True), "r-not-r": (True, True), "r-off-agenda": (True, False), "r-next": (False, False)}
    text = _preboard(dataset, "--fail-on", "never").output
    assert "Awaiting Board ratification: 3 decisions, 2 not on this meeting's agenda coded R" in text
    assert "  - Approved the flexible working policy: not on this meeting's agenda" in text
    assert "  - Approved the falls policy: agenda, Enc 11, coded I/S, not R" in text
    assert "Committee reports due: 4 reports, 2 not on this meeting's agenda; 2 committees met since the last meeting (2024-09-26)" in text
    assert "  - Digital Committee: met 2024-10-08, after the last meeting (quorate); its report is addressed to another meeting" in text
    assert "  - Quality Committee: met 2024-09-10 (inquorate); agenda, Enc 11, coded I/S" in text


def test_a_committee_meeting_with_no_report_is_due_when_the_rule_finds_it_unreported(dataset):
    _committee_registers(dataset, reports=[
        {"id": "r-audit", "meeting": MEETING, "agenda_item": "board-2024-10-17-item-16", "committee": "Audit Committee", "title": "Audit report"},
    ], meetings=[
        {"id": "m-audit", "report": "r-audit", "committee": "Audit Committee", "date": "2024-10-02", "quorate": "yes"},
        # met after the last Board, more than a week before this one, and no report covers it: due, missing
        {"id": "m-people", "committee": "People Committee", "date": "2024-10-03", "quorate": "not_in_pack"},
        # met two days before this Board: its report goes to the next one (the rule does not apply), not listed
        {"id": "m-digital", "committee": "Digital Committee", "date": "2024-10-15", "quorate": "not_in_pack"},
        # met before the last Board (26/09): not this meeting's business
        {"id": "m-estates", "committee": "Estates Committee", "date": "2024-09-01", "quorate": "not_in_pack"},
    ], decisions=[])
    doc = _json(dataset)
    due = [(r["report"], [m["id"] for m in r["meetings"]]) for r in doc["committees"]["reports_due"]]
    assert due == [("r-audit", ["m-audit"]), (None, ["m-people"])]
    fixes = [f for f in doc["fixes"] if f["rule_id"] == "nhs-icb.committees.meeting-reported"]
    assert len(fixes) == 1 and fixes[0]["area"] == "committees" and "People Committee met on 2024-10-03" in fixes[0]["problem"]
    text = _preboard(dataset, "--fail-on", "never").output
    assert "Committee reports due: 1 report, 0 not on this meeting's agenda; 2 committees met since the last meeting (2024-09-26), 1 with no report" in text
    assert "  - People Committee: met 2024-10-03, after the last meeting (report not in the pack); no report of it is among the committee reports" in text


def test_a_data_set_without_committee_registers_lists_none(dataset):
    for name in ("committee_reports", "committee_meetings", "committee_decisions", "committee_escalations"):
        (dataset / f"{name}.yaml").unlink()
    c = _json(dataset)["committees"]
    assert c["ratification"] == [] and c["reports_due"] == []
    assert "Awaiting Board ratification: 0 decisions, 0 not on this meeting's agenda coded R" in _preboard(dataset, "--fail-on", "never").output


# ---- --format markdown --------------------------------------------------------------------------------------


def test_markdown_lists_every_fix_and_item_in_full_with_counted_headings():
    md = _preboard(REAL, "--format", "markdown", "--fail-on", "never").output
    doc = _json(REAL)
    lines = md.splitlines()
    assert lines[0] == "# Pre-board check: Integrated Care Board public meeting 2024-10-17 (board-2024-10-17)"
    heading = next(l for l in lines if l.startswith("## Fix before the meeting ("))
    items, findings = map(int, re.match(r"## Fix before the meeting \((\d+) items?, (\d+) findings?\)", heading).groups())
    numbered = [l for l in lines if re.match(r"^\d+\. \*\*", l)]
    assert items == len(numbered) and findings == len(doc["fixes"])  # nothing left out, unlike the one-screen text
    for section in ("## Quorum", "## Declarations", "## Papers", "## Actions", "## Awaiting Board ratification",
                    "## Committee reports due", "## Standards off trajectory (latest period, for information)"):
        assert section in lines
    nhs111 = next(r for r in doc["committees"]["ratification"] if r["decision"] == "fpc-2024-10-01-decision-3")
    assert markdown_text(nhs111["text"]) in md  # the whole decision, no ellipsis
    standards = md.split("## Standards off trajectory")[1].split("\n## ")[0]
    assert len([l for l in standards.splitlines() if l.startswith("- ")]) == 15
    assert "…" not in md and "lists all" not in md
    assert not re.search(r"\b1 (findings|items|days|decisions|reports)\b", md)


def test_markdown_escapes_register_text(dataset):
    path = dataset / "committee_decisions.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["committee_decisions"][1]["text"] = "Approved <b>the</b> *plan*\n# not a heading"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    md = _preboard(dataset, "--format", "markdown", "--fail-on", "never").output
    assert "Approved &lt;b&gt;the&lt;/b&gt; \\*plan\\* \\# not a heading" in md
    assert "\n# not a heading" not in md


def test_markdown_out_writes_the_file(tmp_path):
    target = tmp_path / "pre.md"
    result = _preboard(REAL, "--format", "markdown", "--out", str(target), "--fail-on", "never")
    assert result.exit_code == 0 and target.read_text(encoding="utf-8").startswith("# Pre-board check: ")
    assert "(markdown, " in result.stderr
