"""The agenda: meeting heading (date, public/private) and items with enclosure, purpose and lead."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ...model.dates import parse_date
from ..report import ImportReport
from .text import Pack, TableRows, plain

PURPOSE_CODES = ("A", "R", "S", "D", "I")
_WEEKDAY = re.compile(r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+", re.I)


@dataclass
class AgendaItem:
    number: str | None  # None for a sub-item listed under the item above it
    title: str
    lead: str | None
    enclosure: str | None  # 'Enc 06', 'Verbal' or None
    purposes: list[str]
    line: int
    parent: str | None = None
    # the cells as written, for the agenda_items register
    purposes_text: str | None = None
    time: str | None = None
    pages: str | None = None
    section: str | None = None


@dataclass
class Agenda:
    header_line: int
    items: list[AgendaItem] = field(default_factory=list)
    meeting_date: dt.date | None = None
    date_line: int | None = None
    kind: str = "public"
    end_line: int = 0


def heading_date(text: str) -> dt.date | None:
    """A date written alone on a heading line ('Thursday 26th September 2024', '**17th October 2024'), else None."""
    text = _WEEKDAY.sub("", text.strip().strip("*").strip())
    try:
        return parse_date(text)
    except ValueError:
        return None


def find_agenda(pack: Pack) -> int | None:
    """Line of the agenda header row (cells 'Agenda Item' ... 'Enc'), or None."""
    for n in range(1, len(pack) + 1):
        cells = pack.cells(n)
        if "Agenda Item" in cells and any(c.startswith("Enc") for c in cells):
            return n
    return None


def parse_purposes(cell: str, line: int, report: ImportReport, table: str) -> list[str]:
    """'I/S/D' -> ['I', 'S', 'D']; '---' or blank -> []; an unknown code is reported, not kept."""
    text = cell.replace(" ", "").strip("-")
    if not text:
        return []
    codes = []
    for code in text.split("/"):
        if code in PURPOSE_CODES:
            codes.append(code)
        else:
            report.add(line, table, "purpose codes A, R, S, D or I separated by '/'", cell)
    return codes


def parse_agenda(pack: Pack, header: int, report: ImportReport) -> Agenda:
    """Read the meeting heading above ``header`` and the item rows below it."""
    agenda = Agenda(header_line=header)
    for n in range(1, header):
        line = pack.line(n)
        if agenda.meeting_date is None and (day := heading_date(line)):
            agenda.meeting_date, agenda.date_line = day, n
        if "private" in line.lower():
            agenda.kind = "private"
    columns = {name: i for i, name in enumerate(pack.cells(header))}
    col = {
        "title": columns.get("Agenda Item", 1),
        "lead": columns.get("Lead(s)", 2),
        "enc": next((i for name, i in columns.items() if name.startswith("Enc")), 3),
        "purpose": next((i for name, i in columns.items() if "S/D/I" in name.replace(" ", "")), 4),
        "time": columns.get("Time", 5),
        "pages": columns.get("Pages", 6),
    }
    last_number = None
    section = None
    rows = TableRows(pack, header + 1)
    previous = header
    for n in rows:
        # a heading on a line of its own between rows ('Any Other Business') starts a section too
        between = [pack.line(k).strip() for k in range(previous + 1, n) if pack.line(k).strip()]
        section, previous = (plain(between[-1]) if between else section), n
        cells = pack.cells(n)
        if all(set(c) <= {"-"} for c in cells):  # a ruled separator row
            continue
        get = lambda key: cells[col[key]] if col[key] < len(cells) else ""  # noqa: E731
        number = cells[0].rstrip(".") or None
        title = plain(get("title"))
        if cells[0] and not re.fullmatch(r"\d+[a-z]?\.?", cells[0]) and not any(cells[1:]):
            section = plain(cells[0])
            continue  # a section heading inside the table ('Strategic and System Development')
        if not title:
            if any(cells):
                report.add(n, "agenda", "an agenda item with a title", pack.line(n))
            continue
        if number is not None and not re.fullmatch(r"\d+[a-z]?", number):
            report.add(n, "agenda", "an item number such as '12.'", cells[0])
            number = None
        enc = get("enc").strip()
        agenda.items.append(
            AgendaItem(
                number=number,
                title=title,
                lead=(get("lead") or None) if get("lead") not in ("", "---") else None,
                enclosure=enc if enc and set(enc) != {"-"} else None,
                purposes=parse_purposes(get("purpose"), n, report, "agenda"),
                line=n,
                parent=None if number else last_number,
                purposes_text=get("purpose").strip() or None,
                time=get("time").strip() or None,
                pages=get("pages").strip() or None,
                section=section,
            )
        )
        last_number = number or last_number
    agenda.end_line = rows.end
    return agenda

