"""Pre-board check: quorum forecast with apologies, who must attend, declarations, papers, actions."""

import json

import pytest
import yaml
from click.testing import CliRunner

from compliance.cli import main
from compliance.io import load_dataset
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
