"""The board pack's record families (issue 18) in the reports: committees, agenda and minutes,
with their subjects named (names and texts, not ids), and labels never cut silently (issue 16).
"""

from __future__ import annotations

import re

import pytest

from compliance.facts import derive_facts
from compliance.io import load_dataset
from compliance.report.render import render_table
from compliance.report.text import markdown_text
from report_fixture import AS_OF, REAL, md, real, report  # noqa: F401 (fixtures)

RECORD_KINDS = ("agenda_item", "committee_report", "committee_meeting", "committee_decision", "committee_escalation",
                "minute_item", "minuted_action", "minuted_apology", "minute_speaker")
FAMILIES = {"agenda": "Agenda", "committees": "Committees", "minutes": "Minutes"}


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    code, text, output = report(tmp_path_factory.mktemp("html"), fmt="html")
    assert code == 0, output
    return text


def test_every_record_subject_is_named_not_by_its_id(real):
    _, _, document = real
    mine = [f for f in document["findings"] if f["subject"]["kind"] in RECORD_KINDS]
    assert {f["subject"]["kind"] for f in mine} >= {"agenda_item", "committee_decision", "minuted_apology", "minute_speaker"}
    assert [f["subject"]["id"] for f in mine if f["subject"]["label"] == f["subject"]["id"]] == []
    labels = {f["subject"]["id"]: f["subject"]["label"] for f in mine}
    # an apology and a speaker have no text of their own: named by the person and the meeting (seed lines 227, 305)
    assert labels["board-2024-09-26-apology-buki-adeyemo"] == "Buki Adeyemo, Integrated Care Board public meeting 2024-09-26"
    assert labels["agm-2024-09-26-minute-3-pauline-grant"].startswith("Pauline Grant, Integrated Care Board agm meeting 2024-09-26")


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_markdown_report_has_each_record_family_with_named_subjects(md, family, real):
    _, _, document = real
    sections = {p.split("\n", 1)[0].strip(): p for p in re.split(r"^## ", md, flags=re.M)[1:]}
    block = sections[FAMILIES[family]]
    fails = [f for f in document["findings"] if f["family"] == family and f["outcome"] == "fail"]
    assert fails and re.search(rf"\b{len(fails)} fail\b", block)
    for f in fails:
        row = _row(block, f)
        assert row.startswith("| " + markdown_text(f["subject"]["label"].split()[0]))  # named first, the id after


def _row(md: str, finding: dict) -> str:
    """The table row of a failing subject: 'label (id)' in its first cell."""
    marker = f"({markdown_text(finding['subject']['id'])})"
    return next(l for l in md.splitlines() if l.startswith("| ") and marker in l.split(" | ")[0])


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_html_report_has_each_record_family(html, family):
    assert re.search(rf"<h2[^>]*>\s*{FAMILIES[family]}\b", html)
    assert "Buki Adeyemo, Integrated Care Board public meeting 2024-09-26" in html


# ---- labels are whole in the data; displays cut at a word or wrap (issue 16: "Oliver McGo") -----------------

def test_labels_keep_the_whole_description_in_the_json(real):
    _, _, document = real
    data = load_dataset(REAL).data
    long_action = next(a for a in data.actions if len(a.description) > 80)
    finding = next(f for f in document["findings"] if f["subject"]["kind"] == "action" and f["subject"]["label"].startswith(long_action.ref))
    assert finding["subject"]["label"] == f"{long_action.ref}: {long_action.description}"
    facts = derive_facts(data, __import__("datetime").date.fromisoformat(AS_OF))
    long_interest = [f for f in facts if f["kind"] == "interest" and len(f["label"]) > 90]
    assert long_interest, "the real pack has interests described in more than 60 characters"


def test_the_terminal_table_wraps_a_long_label_and_loses_no_word(real):
    _, _, document = real
    data = load_dataset(REAL).data
    long_action = max(data.actions, key=lambda a: len(a.description))
    shown = {**document, "findings": [f for f in document["findings"]
                                      if f["subject"]["kind"] == "action" and f["subject"]["label"].startswith(long_action.ref + ":")]}
    text = render_table(shown, show_passes=True, width=100)
    assert max(len(l) for l in text.splitlines()) <= 100
    words = " ".join(text.split())
    for word in long_action.description.split():
        assert word in words  # wrapped over lines, never cut


def test_markdown_cuts_a_long_label_only_at_a_word_with_an_ellipsis(md, real):
    _, _, document = real
    long = [f for f in document["findings"] if f["outcome"] == "fail" and len(f["subject"]["label"]) > 60]
    assert long
    for f in long:
        row = _row(md, f)
        shown = row[2:row.index(f" ({markdown_text(f['subject']['id'])})")]
        assert shown.endswith(" …"), shown
        kept = shown[:-2].replace("\\", "")
        assert f["subject"]["label"].startswith(kept) and f["subject"]["label"][len(kept)] in " ,;"


def test_minutes_messages_name_people_and_items_not_their_ids(real):
    _, run, document = real
    data = run.loaded.data
    ids = {p.id for p in data.people} | {m.id for m in data.minute_items} | {m.id for m in data.meetings}
    fails = [f for f in document["findings"] if f["family"] == "minutes" and f["outcome"] == "fail"]
    assert fails
    for f in fails:
        words = set(re.findall(r"[a-z0-9][a-z0-9-]+", f["message"]))
        assert not words & ids, (f["rule_id"], f["message"])
    speaker = next(f for f in fails if f["rule_id"] == "nhs-icb.minutes.speaker-attended")
    assert "PG (Pauline Grant)" in speaker["message"]  # seed line 305: the AGM minutes name PG
