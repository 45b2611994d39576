"""The Markdown audit committee report: same content as the HTML, tables a board paper can take."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from compliance.report.markdown import table
from compliance.report.text import markdown_text, shorten
from report_fixture import md, real, report  # noqa: F401 (fixtures)


def _sections(md: str, level: str = "## ") -> dict[str, str]:
    parts = re.split(rf"^{level}", md, flags=re.M)
    return {p.split("\n", 1)[0].strip(): p for p in parts[1:]}


def _table(block: str, first_header: str) -> list[list[str]]:
    """The rows of the GitHub table whose header starts with ``first_header``."""
    lines = block.splitlines()
    start = next(i for i, l in enumerate(lines) if re.match(rf"\|\s*{re.escape(first_header)}\s*\|", l))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_headline_counts_equal_the_document_summary(real, md):
    _, _, document = real
    headline = _sections(md)["Summary"]
    counts = {o: int(n) for o, n in _table(headline, "outcome")}
    assert counts == {o.replace("_", " "): n for o, n in document["summary"]["by_outcome"].items()}
    severities = {s: int(n) for s, n in _table(headline, "severity")}  # the first severity table: failures
    assert severities == document["summary"]["failures_by_severity"]
    assert "Overall rating: **RED**" in headline


def test_every_failing_subject_appears_under_its_family_heading(real, md):
    _, _, document = real
    sections = {name.lower(): text for name, text in _sections(md).items()}
    failing = [f for f in document["findings"] if f["outcome"] == "fail"]
    for f in failing:
        family = sections[f["family"]]
        rule_block = family.split(f"Rule `{f['rule_id']}`.", 1)[1].split("\n#### ", 1)[0]
        subjects = [row[0] for row in _table(rule_block, "subject")]
        # a long name is cut with "…" in a board paper's row (the JSON has it whole)
        label = markdown_text(shorten(f["subject"]["label"], 60, at_word=True))  # cut at a word
        assert any(s.startswith(label) for s in subjects), (f["rule_id"], f["subject"]["id"])


def test_heat_map_grid_puts_each_risk_in_its_fact_cell(real, md):
    _, run, _ = real
    grid = _table(_sections(md, "### ")["Risk heat map"], "L ↓ / C →")
    assert [row[0] for row in grid] == ["**L5**", "**L4**", "**L3**", "**L2**", "**L1**"]
    for fact in (f for f in run.facts if f["kind"] == "risk"):
        cell = grid[5 - fact["likelihood"]][fact["consequence"]]
        assert fact["id"] in cell.split(), (fact["id"], cell)
    assert "(SBAF2)" in grid[5 - 2][3].split()  # SBAF2's target: likelihood 2 x consequence 3


def test_attendance_table_marks_match_the_fixture(real, md):
    _, run, _ = real
    data = run.loaded.data
    body = data.bodies[0]
    block = _sections(md, "### ")[f"Attendance: {body.name}"]
    rows = {r[0]: r[1:] for r in _table(block, "member")}
    meetings = sorted((m for m in data.meetings if m.body == body.id), key=lambda m: (m.date, m.id))
    people = {p.id: p.name for p in data.people}
    pearson = rows[people["david-pearson"]]
    assert pearson[0] == "✓"
    assert rows[people["steve-grange"]][0] == "A"
    assert rows[people["elizabeth-disney"]][0] == "·"  # not yet a member on 18 April 2024
    for j, meeting in enumerate(meetings):
        for a in meeting.attendance:
            if a.person in people and people[a.person] in rows and a.mark and a.status != "not_recorded":
                assert rows[people[a.person]][j] == markdown_text(a.mark), (a.person, meeting.id)
    quorate = rows["**quorate**"]
    assert quorate[[m.id for m in meetings].index("board-2024-05-16")] == "**no**"


def test_appendix_has_one_row_per_rule_with_outcome_counts(real, md):
    ruleset, _, document = real
    rows = _table(_sections(md)["Appendix A: every rule evaluated"], "rule")
    ids = [re.search(r"\(`([^`]+)`\)$", r[0]).group(1) for r in rows]
    assert set(ids) >= {r.id for r in ruleset.rules}
    assert sum(int(r[2]) for r in rows) == document["summary"]["total"]
    fails = Counter(f["rule_id"] for f in document["findings"] if f["outcome"] == "fail")
    for rule_id, r in zip(ids, rows):
        said = re.search(r"(\d+) fail", r[3])
        assert (int(said.group(1)) if said else 0) == fails[rule_id]


def test_markdown_fits_a_board_paper_names_short_rows_one_citation_per_rule(real, md):
    _, _, document = real
    tables = [l for l in md.splitlines() if l.startswith("|")]
    assert max(len(l) for l in tables) <= 360, max(tables, key=len)[:120]
    assert "# NHS Staffordshire and Stoke-on-Trent Integrated Care Board" in md.splitlines()[0]
    citation = "SSOT ICB Conflicts of Interest Register 2024-2025, ANY CONFLICT DECLARED"
    failing_ceased = sum(1 for f in document["findings"] if f["rule_id"] == "nhs.conflicts.ceased-removed" and f["outcome"] == "fail")
    assert failing_ceased > 1 and md.count(citation) == 1
    assert "Elizabeth Disney (Integrated Care Board)" in _sections(md)["Summary"]
    assert "| subject | finding |" in md  # two columns, not five


@pytest.mark.parametrize("evil, absent", [
    ("<script>alert(1)</script>", "<script>"),
    ("<img src=x onerror=alert(1)>", "<img"),
    ("Ann\n## Injected heading", "\n## Injected"),
    ("Ann\u2028## X", "\u2028"),
    ("Ann\x0b\x0c\x1b[31mred", "\x1b"),
])
def test_names_from_the_registers_cannot_inject_markdown_html_or_control_characters(tmp_path, evil, absent):
    import shutil

    import yaml

    from report_fixture import REAL
    dataset = tmp_path / "d"
    shutil.copytree(REAL, dataset)
    people = yaml.safe_load((dataset / "people.yaml").read_text(encoding="utf-8"))
    people["people"][0]["name"] = evil
    (dataset / "people.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    code, text, output = report(tmp_path, dataset=dataset, fmt="markdown")
    assert code == 0, output
    assert absent not in text
    assert not any(ord(ch) < 32 and ch != "\n" for ch in text)
    assert not re.search(r"^#+ Injected", text, re.M)


def test_every_table_row_has_as_many_cells_as_its_header(md):
    width = None
    for line in md.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        cells = len(re.split(r"(?<!\\)\|", line)) - 2
        width = width or cells
        assert cells == width, line


def test_pipes_and_newlines_in_cells_do_not_break_a_table():
    text = table([["a|b", "line one\nline two"]], ["x", "y"])
    lines = text.splitlines()
    assert len(lines) == 3
    assert "a\\|b" in lines[2] and "line one line two" in lines[2]


def test_no_waivers_and_no_baseline_are_said_plainly(md):
    sections = _sections(md)
    assert "None in force" in sections["Waivers"]
    assert "No baseline given" in sections["Change since previous report"]
