"""The (System) Board Assurance Framework: the summary table and each risk's detail section.

Summary rows are read by pattern, not by column: the export collapses blank quarters, so the
header's columns do not line up with the cells. Each 'L C Band-score' triple is a score; the
last triple before the target date is the target and the ones before it are Q1, Q2, ... in order.
Detail sections give committee | lead, the tolerance statement, linked-risk counts and the
further-actions table (rows broken across a page are joined; due cells may be date chains).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ...model.dates import parse_date
from ..report import ImportReport
from .actions import DateChain, date_chain
from .text import Pack, plain

_RISK_ID = re.compile(r"^(S?BAF)\s?(\d+)$")
_BANDED = re.compile(r"^(Low|Mod|Moderate|High|Extreme|Very High|Significant)\s+(\d{1,2})$", re.I)
_HEADING = re.compile(r"^(S?BAF)\s?(\d+):\s*(.+)$")
_ARROWS = set("→↑↓←↔⬆⬇➡")
PROGRESS = {"complete/bau": "complete", "complete": "complete", "on track": "on_track", "delayed": "delayed", "problematic": "at_risk"}


@dataclass
class Score:
    likelihood: int
    consequence: int
    score: int | None
    band: str | None


@dataclass
class SummaryRow:
    line: int
    risk_id: str
    title: str
    scores: list[Score]
    target: Score | None
    target_date: dt.date | None
    target_date_text: str | None
    movement: str | None
    assurance: str | None


@dataclass
class DetailAction:
    line: int
    number: str
    description: str
    owner: str | None
    due: DateChain
    progress: str
    progress_text: str | None


@dataclass
class Detail:
    line: int
    end_line: int
    risk_id: str
    title: str
    committee: str | None = None
    owner: str | None = None
    tolerance_statement: str | None = None
    linked_risks: list[str] = field(default_factory=list)
    actions: list[DetailAction] = field(default_factory=list)
    run_together: bool = False


def find_summary(pack: Pack) -> int | None:
    for n in range(1, len(pack) + 1):
        cells = pack.cells(n)
        if cells[0] == "No." and "Strategic Risk Title" in cells:
            return n
    return None


def banded(cell: str) -> tuple[str, int] | None:
    m = _BANDED.match(cell.strip())
    return (m.group(1), int(m.group(2))) if m else None


def parse_summary_row(n: int, cells: list[str], report: ImportReport) -> SummaryRow | None:
    m = _RISK_ID.match(cells[0])
    if not m:
        return None
    risk_id = f"{m.group(1)}{m.group(2)}"
    values = [c for c in cells[2:] if c]
    scores: list[Score] = []
    date, date_text, movement, assurance = None, None, None, None
    i = 0
    while i < len(values):
        v = values[i]
        if v.isdigit() and i + 2 < len(values) and values[i + 1].isdigit() and banded(values[i + 2]):
            band, score = banded(values[i + 2])
            scores.append(Score(int(v), int(values[i + 1]), score, band))
            i += 3
            continue
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2,4}", v) and date is None:
            date_text = v
            try:
                date = parse_date(v)
            except ValueError:
                report.add(n, "sbaf", "a target date such as 31/03/2025", v)
        elif set(v) <= _ARROWS:
            movement = v
        elif "assurance" in v.lower():
            assurance = v
        elif not re.fullmatch(r"(SA\d\s*)+", v):
            report.add(n, "sbaf", "L, C and 'Band score' triples, a target date, a movement arrow, an assurance rating", v)
        i += 1
    target = scores.pop() if scores else None
    if target is None:
        report.add(n, "sbaf", "at least a target 'L C Band score' triple", " | ".join(values))
    for s in scores + ([target] if target else []):
        if s.score is not None and s.likelihood * s.consequence != s.score:
            report.add(n, "sbaf", f"a stated score equal to L x C ({s.likelihood} x {s.consequence})", str(s.score))
    return SummaryRow(n, risk_id, plain(cells[1]), scores, target, date, date_text, movement, assurance)


def parse_summary(pack: Pack, header: int, report: ImportReport) -> list[SummaryRow]:
    rows = []
    n = header + 1
    while n <= len(pack):
        cells = pack.cells(n)
        if not pack.is_row(n):
            if pack.line(n).strip():
                break
            n += 1
            continue
        row = parse_summary_row(n, cells, report)
        if row is not None:
            rows.append(row)
        elif any(cells) and not all(c in ("", "L", "C", "S", "Date") for c in cells):
            report.add(n, "sbaf", "a summary row starting 'SBAF n'", pack.line(n))
        n += 1
    return rows


def find_details(pack: Pack, after: int) -> list[tuple[int, str, str]]:
    """(line, risk id, heading text) of each 'SBAF n: Title' heading after the summary table."""
    found = []
    for n in range(after, len(pack) + 1):
        m = _HEADING.match(pack.line(n).strip())
        if m and not pack.is_row(n):
            found.append((n, f"{m.group(1)}{m.group(2)}", m.group(3).strip()))
    return found


def parse_detail(pack: Pack, start: int, stop: int, risk_id: str, heading: str, report: ImportReport) -> Detail:
    """Read one risk's detail section, lines ``start`` to ``stop`` - 1."""
    detail = Detail(start, stop - 1, risk_id, heading)
    if " | " in heading:  # title, committee and lead run together; split_committees() splits them
        head, _, owner = heading.rpartition(" | ")
        detail.title, detail.owner, detail.run_together = head.strip(), owner.strip(), True
    for n in range(start + 1, min(start + 6, stop)):
        line = pack.line(n).strip()
        if " | " in line and not pack.is_row(n) and detail.committee is None:
            detail.committee, _, owner = (p.strip() for p in line.partition(" | "))
            detail.owner = owner
    n = start
    in_actions = False
    while n < stop:
        cells = pack.cells(n)
        if cells[0] == "Quarter / Score":
            _scoring(pack, n, detail)
        elif cells[0] == "No." and len(cells) > 4 and cells[1].startswith("Action"):
            in_actions = True
        elif in_actions and pack.is_row(n):
            _action_row(n, cells, detail, report)
        elif in_actions and pack.line(n).strip() and not pack.line(n).startswith("Further Actions"):
            in_actions = False
        n += 1
    if not detail.actions:
        report.add(start, "sbaf", f"a further-actions table in the {risk_id} section", "none", "info")
    return detail


def _scoring(pack: Pack, header: int, detail: Detail) -> None:
    cols = pack.cells(header)
    tol_col = next((i for i, c in enumerate(cols) if "Tolerance" in c), None)
    link_col = next((i for i, c in enumerate(cols) if "Linked" in c), None)
    for n in range(header + 1, header + 4):
        cells = pack.cells(n)
        if tol_col is not None and tol_col < len(cells) and cells[tol_col] and detail.tolerance_statement is None:
            detail.tolerance_statement = plain(cells[tol_col])
        if link_col is not None and link_col < len(cells) and cells[link_col]:
            detail.linked_risks.append(plain(cells[link_col]))


def _action_row(n: int, cells: list[str], detail: Detail, report: ImportReport) -> None:
    if cells[0] == "No." or cells[0].startswith("Further Actions"):
        return  # header repeated after a page break
    if not cells[0]:
        text = " ".join(c for c in cells if c and c not in ("Delayed", "Problematic", "Complete/BAU", "On Track"))
        if text and detail.actions:  # a row broken across a page: its text continues here
            last = detail.actions[-1]
            last.progress_text = f"{last.progress_text or ''} {plain(text)}".strip()
        return
    if not cells[0].isdigit():
        report.add(n, "sbaf", "an action row numbered 1, 2, ...", cells[0])
        return
    get = lambda i: plain(cells[i]) if i < len(cells) else ""  # noqa: E731
    brag = get(6)
    # An empty BRAG cell the row holds is a value ("blank": not rated); a row without the column
    # was not read for a rating ("unknown"). Rules fail the first and cannot decide the second.
    progress = PROGRESS.get(brag.lower(), "unknown") if brag else ("blank" if len(cells) > 6 else "unknown")
    if brag and progress == "unknown":
        report.add(n, "sbaf", "a BRAG rating: Complete/BAU, On Track, Delayed or Problematic", brag)
    due = date_chain(get(4))
    if get(4) and due.first is None:
        report.add(n, "sbaf", "a due date such as 30/09/24", get(4))
    if due.open_ended:
        report.add(n, "sbaf", "a date for every revision in the due-date chain", f"{due.text}: revised due read as the last date written, {due.last.isoformat()}")
    detail.actions.append(DetailAction(n, cells[0], get(1), get(3) or None, due, progress, get(5) or None))


def split_committees(details: list[Detail], report: ImportReport) -> None:
    """Split 'Title Committee Name | Lead' headings using the committee names the other sections
    write on their own line; a heading no known name ends is reported and kept whole."""
    known = sorted({d.committee for d in details if d.committee}, key=len, reverse=True)
    for d in details:
        if not d.run_together:
            continue
        name = next((c for c in known if d.title.endswith(" " + c)), None)
        if name:
            d.title, d.committee = d.title[: -len(name)].strip(), name
            report.add(d.line, "sbaf", "the 'Committee | Lead' line under the heading", "heading, committee and lead on one line; split at a committee named elsewhere", "info")
        else:
            report.add(d.line, "sbaf", "a committee name known from another section before ' | lead'", d.title)


_TOTAL = re.compile(r"There are in total (\d+) actions? (?:which|that) (?:are|is) '([^']+)'(.*?)(?=There are in total|$)", re.I)
_NAMED = re.compile(r"\b(S?BAF)\s?(\d+)\b")


def reported_counts(pack: Pack, start: int, stop: int, report: ImportReport) -> tuple[dict[str, dict[str, int]], int | None]:
    """Action counts by rating the report's narrative states, per risk, from the last paragraph in
    lines ``start``..``stop`` - 1 that says "There are in total N actions that are 'Rating' ... within
    SBAF a, SBAF b ...". Risks it does not name get 0 for that rating (the sentence gives the total);
    N spread over several named risks is read only when it is one each (N equal to the number named)
    or all in one; any other split is reported and that rating is left unread."""
    for n in range(stop - 1, start - 1, -1):
        matches = list(_TOTAL.finditer(pack.line(n)))
        if not matches:
            continue
        counts: dict[str, dict[str, int]] = {}
        for m in matches:
            total, rating = int(m.group(1)), PROGRESS.get(m.group(2).strip().lower())
            if rating is None:
                report.add(n, "sbaf", "a rating of the key: Complete/BAU, On Track, Delayed or Problematic", m.group(2))
                continue
            named = list(dict.fromkeys(f"{a}{b}" for a, b in _NAMED.findall(m.group(3))))
            if len(named) == total or len(named) == 1:
                split = {r: (1 if len(named) == total else total) for r in named}
            else:
                report.add(n, "sbaf", f"{total} '{m.group(2)}' actions one per named risk, or all in one", ", ".join(named) or "no risk named")
                continue
            counts[rating] = split
        return counts, n
    return {}, None
