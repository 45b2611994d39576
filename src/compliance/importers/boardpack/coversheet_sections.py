"""The prose sections of a paper cover sheet: Purpose, History, Implications, Executive Summary,
Recommendations, and the risks the BAF block prints.

Text is kept as written (placeholders such as 'Click or tap here to enter text.' included) so that
rules can test it with text predicates; only the running page footer is dropped. The sheets number
their sections differently (the People Metrics sheet prints '(8) Executive Summary'), so headings
are found by their words, not their numbers.
"""

from __future__ import annotations

import re
from typing import Any

from ...model.dates import parse_date
from .text import Pack, plain

FOOTER = "NHS Staffordshire and Stoke-on-Trent Integrated Care Board"
_HEADINGS = {
    "purpose": re.compile(r"^\(\d+\)\s*Purpose of the Paper:"),
    "history": re.compile(r"^\(\d+\)\s*History of the paper"),
    "implications": re.compile(r"^\(\d+\)\s*Implications:"),
    "statutory": re.compile(r"^\(\d+\)\s*Statutory Dependencies"),
    "baf": re.compile(r"^\(\d+\)\s*Integration with the (S?BAF)"),
    "summary": re.compile(r"^\(\d+\)\s*Executive Summary"),
    "recommendations": re.compile(r"^\(\d+\)\s*Recommendations to (.*?):"),
}
_IMPLICATIONS = {
    "legal": "legal_regulatory", "cqc": "cqc_patient_safety", "financial": "financial", "sustainability": "sustainability",
    "workforce": "workforce_training", "equality": "equality_diversity", "due regard: inequalities": "inequalities",
    "due regard: wider effect": "wider_effect",
}
_DATE_CELL = re.compile(r"^(\d{1,2}\s*(st|nd|rd|th)?\s*[A-Za-z]+\s*\d{4}|\d{1,2}/\d{1,2}/\d{2,4}.*|Click or tap to enter a date\.?)$")
_PURPOSE_WORDS = {"information": "I", "discussion": "D", "assurance": "S", "approval": "A", "ratification": "R"}
_CODES = re.compile(r"\(([ARSDI](?:\s*[,/]\s*[ARSDI])*)\)")
# a recommendation paragraph: a list item or a sentence; the paper's own body begins at the first
# line that is neither (a title such as 'Performance and Finance Report', a heading '1.0 ...')
_RECOMMENDATION = re.compile(r"^(\s*[-•]|\s*\d+\.\s)|([.:;]|\basked to)\s*$")


def find_headings(pack: Pack, start: int, stop: int) -> dict[str, tuple[int, re.Match[str]]]:
    """The line and match of each section heading between ``start`` and ``stop`` (first of each)."""
    found: dict[str, tuple[int, re.Match[str]]] = {}
    for n in range(start, stop):
        first = pack.cells(n)[0]
        for key, pattern in _HEADINGS.items():
            if key not in found and (m := pattern.match(first)):
                found[key] = (n, m)
    return found


def _body(pack: Pack, first: int, last: int, footers: bool = False) -> list[tuple[int, str]]:
    """Non-blank lines from ``first`` to ``last`` inclusive, with their numbers; the page footer
    only when ``footers`` (a History row broken by a page continues after it)."""
    return [(n, pack.line(n).strip()) for n in range(first, last + 1)
            if pack.line(n).strip() and (footers or pack.line(n).strip() != FOOTER)]


def _text(lines: list[tuple[int, str]]) -> str | None:
    return "\n".join(plain(t) for _, t in lines if plain(t)) or None


def _section(pack: Pack, heads: dict[str, tuple[int, re.Match[str]]], key: str, stop: int,
             footers: bool = False) -> list[tuple[int, str]]:
    if key not in heads:
        return []
    line, m = heads[key]
    later = [n for n, _ in heads.values() if n > line]
    end = min(later) - 1 if later else stop - 1
    rest = pack.line(line)[m.end():].split("\t", 1)
    # '(1) Purpose of the Paper:\t(2)' carries the next section's number in the same row
    head = [(line, rest[1])] if len(rest) > 1 and rest[1].strip() and not re.fullmatch(r"\(\d+\)|Date", rest[1].strip()) else []
    return head + _body(pack, line + 1, end, footers)


def _purposes(route: str) -> list[str]:
    codes = [c for m in _CODES.finditer(route) for c in re.findall(r"[ARSDI]", m.group(1))]
    words = re.findall(r"\b(Information|Discussion|Assurance|Approval|Ratification)\b", route, re.I)
    for w in words:
        codes.append(_PURPOSE_WORDS[w.lower()])
    return list(dict.fromkeys(codes))


def _history(lines: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """Rows 'route<TAB>date', or routes and dates in separate paragraphs paired in order."""
    entries: list[dict[str, Any]] = []
    routes: list[str] = []
    dates: list[str] = []
    after_footer = False
    for _, raw in lines:
        cells = [plain(c) for c in raw.split("\t") if plain(c)]
        if raw == FOOTER:
            after_footer = True
            continue
        continued, after_footer = after_footer, False
        if cells in (["Date"], []):
            continue
        if len(cells) >= 2 and _DATE_CELL.match(cells[-1]):
            routes.append(" ".join(cells[:-1]))
            dates.append(cells[-1])
        elif len(cells) == 1 and _DATE_CELL.match(cells[0]):
            dates.append(cells[0])
        elif continued and routes:
            routes[-1] += " " + " ".join(cells)  # a route broken across a page: one route, not two
        else:
            routes.append(" ".join(cells))
    for k, route in enumerate(routes):
        text = dates[k] if k < len(dates) else None
        entry: dict[str, Any] = {"route": route, "date_text": text, "purposes": _purposes(route)}
        try:
            entry["date"] = parse_date(re.sub(r"(\d)\s*(st|nd|rd|th)\b", r"\1", text)).isoformat() if text else None
        except ValueError:
            entry["date"] = None
        entries.append(entry)
    return entries


def _implications(lines: list[tuple[int, str]]) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for _, raw in lines:
        cells = raw.split("\t")
        label = plain(cells[0]).lower()
        key = next((v for k, v in _IMPLICATIONS.items() if label.startswith(k)), None)
        if key and key not in out:
            out[key] = plain(" ".join(cells[1:]))
    return out or None


def _recommendations(lines: list[tuple[int, str]]) -> str | None:
    kept: list[tuple[int, str]] = []
    previous = None
    for n, text in lines:
        if previous is not None and n - previous > 3:
            break  # a run of blank lines: the paper's own pages follow
        if not _RECOMMENDATION.search(text):
            break
        kept.append((n, text))
        previous = n
    return _text(kept)


def read_sections(pack: Pack, start: int, stop: int) -> dict[str, Any]:
    """The record fields the prose sections give, for the sheet from ``start`` to ``stop``."""
    heads = find_headings(pack, start, stop)
    record: dict[str, Any] = {}
    if "baf" in heads:
        record["template"] = heads["baf"][1].group(1)
    record["purpose_text"] = _text(_section(pack, heads, "purpose", stop))
    history = _section(pack, heads, "history", stop, footers=True)
    record["history_text"] = _text([(n, t) for n, t in history if t != FOOTER])
    record["history"] = _history(history)
    record["implications"] = _implications(_section(pack, heads, "implications", stop))
    record["executive_summary"] = _text(_section(pack, heads, "summary", stop))
    if "recommendations" in heads:
        line, m = heads["recommendations"]
        record["recommendations_to"] = m.group(1).strip()
        record["recommendations"] = _recommendations(_body(pack, line + 1, min(stop, line + 40) - 1))
    return record
