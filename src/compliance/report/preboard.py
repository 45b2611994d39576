"""The pre-board check as text (one screen) and as Markdown (a document for the meeting's papers).

Both read the same sections, built once from ``PreboardResult.to_dict()``: the fixes (most severe
first), then quorum, declarations, papers, actions, the committees' business (items awaiting the
Board's ratification and the committee reports due) and the standards off trajectory. The text
output fits ``SCREEN`` lines: the other sections are written first and the fixes fill what is
left, the rest counted ("and 28 more findings"); nothing is cut inside a word, and both
``--format json`` and ``--format markdown`` list everything in full.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..rules.messages import plural
from .text import markdown_text, one_line, shorten

if TYPE_CHECKING:  # the check imports the report layer, not the other way round
    from ..preboard import Fix, PreboardResult

WIDTH = 140  # one screen: lines wrap here (--format json and markdown have everything)
SCREEN = 50  # lines the text output fits in: the fixes fill what the other sections leave
QUORACY = {"yes": "quorate", "no": "inquorate", "not stated": "quoracy not stated", "not in pack": "report not in the pack"}
STANDARDS_SHOWN = 2  # standards off trajectory named in the text output; the other outputs list all


@dataclass
class Section:
    """One part of the check: a heading with its counts, then the things it lists in full."""

    title: str
    head: str
    items: list[str] = field(default_factory=list)
    shown: int | None = None  # the text output names this many items on one line and counts the rest
    brief: list[str] | None = None  # the items as the text output names them, when shorter than in full


def render_text(result: PreboardResult, screen: int = SCREEN) -> str:
    """A one-screen summary: verdict, fixes (most severe first, as many as fit), then each area in brief."""
    d = result.to_dict()
    head = _wrap_all(_title(d) + [f"Verdict: {_verdict(result)}", ""])
    tail = _wrap_all([line for s in _sections(d) for line in _section_text(s)] + [f"Note: {n}" for n in d["notes"]])
    if not result.fixes:
        return "\n".join(head + tail) + "\n"
    groups = _grouped(result.fixes)
    budget = screen - len(head) - len(tail) - 3  # the heading, the "and N more" line, a blank line
    blocks: list[list[str]] = []
    for i, group in enumerate(groups, start=1):
        block = _wrap_all(_fix_text(i, group))
        if blocks and sum(map(len, blocks)) + len(block) > budget:
            break
        blocks.append(block)
    shown = groups[:len(blocks)]
    heading = (f"Fix before the meeting ({plural(len(shown), 'item')}" + (f" of {len(groups)}" if len(groups) > len(shown) else "")
               + f", {plural(sum(len(g) for g in shown), 'finding')}):")
    lines = head + [heading] + [line for b in blocks for line in b]
    if len(groups) > len(shown):
        lines.append(f"    ... and {plural(sum(len(g) for g in groups[len(shown):]), 'more finding')} "
                     "(--format markdown or json lists all)")
    return "\n".join(lines + [""] + tail) + "\n"


def render_markdown(result: PreboardResult) -> str:
    """The whole check as Markdown for a board paper: every fix and every listed item, in full, escaped."""
    d = result.to_dict()
    title, as_of = _title(d)[0].split(", as of ")
    out = [f"# {markdown_text(title)}", "", f"As of {as_of}. **Verdict:** {markdown_text(_verdict(result))}", ""]
    if result.fixes:
        groups = _grouped(result.fixes)
        out += [f"## Fix before the meeting ({plural(len(groups), 'item')}, {plural(len(result.fixes), 'finding')})", ""]
        for i, group in enumerate(groups, start=1):
            f = group[0]
            subjects = "; ".join(markdown_text(g.subject) for g in group)
            what = markdown_text(f.problem) if len(group) == 1 else markdown_text(f.title)
            out.append(f"{i}. **{_tag(f)}**, {f.area}: {subjects}: {what}")
            if f.advice:
                out.append(f"   Action: {markdown_text(f.advice)}")
        out.append("")
    for s in _sections(d):
        out += [f"## {markdown_text(s.title)}", "", markdown_text(s.head[:1].upper() + s.head[1:]) + ".", ""]
        if s.items:
            out += [f"- {markdown_text(item)}" for item in s.items] + [""]
    if d["notes"]:
        out += ["## Notes", ""] + [f"- {markdown_text(n)}" for n in d["notes"]] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def _title(d: dict[str, Any]) -> list[str]:
    m = d["meeting"]
    return [one_line(f"Pre-board check: {m['body_name']} {m['kind']} meeting {m['date']} ({m['id']}), as of {d['as_of']}")]


def _verdict(result: PreboardResult) -> str:
    fails = sum(1 for f in result.fixes if f.outcome == "fail")
    if not result.fixes:
        return "READY"
    return f"{plural(fails, 'finding')} to fix, {plural(len(result.fixes) - fails, 'finding')} to confirm (missing data)"


def _tag(f: Fix) -> str:
    return f.severity if f.outcome == "fail" else f"{f.severity}, error"


def _fix_text(i: int, group: list[Fix]) -> list[str]:
    """One numbered fix (or several of one rule with the same advice) for the terminal."""
    f = group[0]
    if len(group) == 1:
        lines = [f"{i:>2}. [{_tag(f)}] {f.area}: {_clip(f.subject, 110)}: {_clip(f.problem, 90)}"]
        return lines + ([f"      -> {_clip(f.advice, 110)}"] if f.advice else [])
    return [f"{i:>2}. [{_tag(f)}] {f.area}: {'; '.join(_clip(g.subject, 110) for g in group)}",
            f"      {f.title}" + (f" -> {f.advice}" if f.advice else "")]


def _section_text(s: Section) -> list[str]:
    """A section for the terminal: 'Title: head', then its items (clipped at a word), or a few on one line."""
    items = s.items if s.brief is None else s.brief
    if s.shown is None:
        return [f"{s.title}: {s.head}"] + [f"  - {x}" for x in items]  # wrapped, never cut: a brief is already short
    hidden = len(s.items) - s.shown
    lines = [f"{s.title}: {s.head}" + (" (--format markdown or json lists all)" if hidden > 0 else "")]
    return lines + (["  " + "; ".join(_clip(x, 48) for x in items[:s.shown]) + (f"; and {hidden} more" if hidden > 0 else "")]
                    if s.shown and items else [])


def _sections(d: dict[str, Any]) -> list[Section]:
    """Every area of the check after the fixes, in the order both outputs show them."""
    q, dec, pap, act = d["quorum"], d["declarations"], d["papers"], d["actions"]
    binding = [p for p in q["parts"] if not p["advisory"]]
    ok = sum(1 for p in binding if p["outcome"] in ("pass", "waived"))
    quorum = Section("Quorum", f"{q['expected_voting']} of {plural(q['voting_members'], 'voting member')} expected (head count needs "
                               f"{q['head_count_needed']}); {ok} of {plural(len(binding), 'requirement')} met; "
                               f"apologies: {', '.join(q['apologies']) or 'none'}")
    if q["must_attend"]:
        quorum.items = ["must attend (quorum fails without them): "
                        + "; ".join(f"{c['person']} ({', '.join(c['quorum_fails_without_them'])})" for c in q["must_attend"])]
    sections = [
        quorum,
        Section("Declarations", f"{dec['expected_attendees'] - len(dec['with_problems'])} of "
                                f"{plural(dec['expected_attendees'], 'expected attendee')} without a problem"),
        Section("Papers", f"{pap['papers'] - len(pap['with_problems'])} of {plural(pap['papers'], 'paper')} complete "
                          f"(cover sheet and {plural(pap['impact_assessments'], 'impact assessment')} checked)"),
        Section("Actions", f"{len(act['overdue'])} overdue, {len(act['due_by_meeting'])} due by the meeting"
                + (": " + ", ".join(a["ref"] for a in act["due_by_meeting"]) if act["due_by_meeting"] else ""),
                [f"{a['label']} (owner {a['owner'] or 'not named'}; due {a['due']}, {when})"
                 for when, key in (("overdue", "overdue"), ("due by the meeting", "due_by_meeting")) for a in act[key]], brief=[]),
    ]
    sections += _committee_sections(d.get("committees") or {})
    if d["waived"]:
        sections.append(Section("Waived (accepted, still reported)", str(len(d["waived"])),
                                [f"{w['rule_id']} {w['subject']} until {w['expires']}" for w in d["waived"]], shown=3))
    std = d["standards"]
    if std.get("listed"):
        off = std["off_trajectory"]
        sections.append(Section("Standards off trajectory (latest period, for information)",
                                plural(len(off), "measure"),
                                [f"{r['name']} ({r['scope']}, {r['period']}): {r['value_text']}; national: {r['national_cell']}; "
                                 f"plan: {r['plan_cell']}" for r in off], shown=STANDARDS_SHOWN,
                                brief=[f"{_clip(r['name'], 32)} {r['value_text']}" for r in off]))
    elif std:
        sections.append(Section("Standards off trajectory", f"not listed: {std['reason']}"))
    return sections


def _committee_sections(c: dict[str, Any]) -> list[Section]:
    """Items awaiting the Board's ratification and the committee reports due, named as the reports name them."""
    if not c:
        return []
    rat, due = c["ratification"], c["reports_due"]
    not_r = sum(1 for r in rat if r["coded_r"] is not True)
    since = c["previous_meeting"] or "the start of the records"
    met = sum(1 for r in due if any(m["met_since_previous"] for m in r["meetings"]))
    reports = [r for r in due if r["report"] is not None]
    missing = sum(1 for r in reports if not r["on_agenda"])
    unreported = len(due) - len(reports)
    where = [_where(r["agenda_item"], r["on_agenda"], r["coded_r"]) for r in rat]
    reported = ["no report of it is among the committee reports" if r["report"] is None
                else _where(r["agenda_item"], r["on_agenda"], None) if r["addressed_to_meeting"]
                else "its report is addressed to another meeting" for r in due]
    without = f", {unreported} with no report" if unreported else ""
    return [
        # the terminal names a decision by the start of its text: where it stands is what must show
        Section("Awaiting Board ratification", f"{plural(len(rat), 'decision')}, {not_r} not on this meeting's agenda coded R",
                [f"{r['text']} ({_committee(r['committee'])}; {r['status']}): {w}" for r, w in zip(rat, where)],
                brief=[f"{_clip(r['text'], 80)}: {w}" for r, w in zip(rat, where)]),
        Section("Committee reports due", f"{plural(len(reports), 'report')}, {missing} not on this meeting's agenda; "
                                         f"{plural(met, 'committee')} met since the last meeting ({since}){without}",
                [f"{_committee(r['committee'])}: {_meetings(r['meetings'])}; {w}" for r, w in zip(due, reported)],
                brief=[f"{_clip(_committee(r['committee']), 60)}: {_meetings(r['meetings'])}; {w}" for r, w in zip(due, reported)]),
    ]


def _committee(name: str) -> str:
    """A committee as its report names it, without the parts of the meeting it covers ('...: Parts A + B')."""
    return name.split(": ")[0]


def _where(item: dict[str, Any] | None, on_agenda: bool, coded_r: bool | None) -> str:
    """Where this meeting's agenda carries a report: 'agenda item 16, Enc 14, coded I/R'."""
    if item is None or not on_agenda:
        return "not on this meeting's agenda"
    ref = ", ".join(x for x in (f"agenda item {item['number']}" if item["number"] else "agenda", item["enclosure"]) if x)
    codes = f"coded {item['purposes_text']}" if item["purposes_text"] and item["purposes"] else "no purpose code"
    return f"{ref}, {codes}" + ("" if coded_r is None or coded_r else ", not R")


def _meetings(meetings: list[dict[str, Any]]) -> str:
    """'met 2024-10-01, after the last meeting (quorate)': each meeting the report covers."""
    if not meetings:
        return "no meeting recorded"
    return "met " + "; ".join(f"{m['date'] or m['date_text'] or 'on a date not stated'}"
                              + (", after the last meeting" if m["met_since_previous"] else "") + f" ({QUORACY[m['quorate']]})"
                              for m in meetings)


def _grouped(fixes: list[Fix]) -> list[list[Fix]]:
    """Fixes of the same rule with the same advice together, in the order of their first one."""
    groups: dict[tuple[str, ...], list[Fix]] = {}
    for f in fixes:
        groups.setdefault((f.area, f.severity, f.outcome, f.rule_id, f.advice), []).append(f)
    return list(groups.values())


def _wrap_all(lines: list[str]) -> list[str]:
    return [part for line in lines for part in _wrapped(line).split("\n")]


def _wrapped(line: str) -> str:
    """A line longer than WIDTH wrapped at spaces (never inside a word or name), continued indented."""
    line = one_line(line)
    if len(line) <= WIDTH:
        return line
    indent = " " * (len(line) - len(line.lstrip()) + 6)
    return "\n".join(textwrap.wrap(line, WIDTH, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False))


def _clip(text: str, width: int) -> str:
    """Text on one line, cut at a word boundary with '…' when longer than width (JSON keeps it whole)."""
    return shorten(" ".join(one_line(text).split()), width, at_word=True)
