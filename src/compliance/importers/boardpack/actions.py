"""The action log: live and closed sections, one row per action.

Awkward rows this reader handles: the header repeated after a page break; a due cell holding a
date chain such as '31/03/24 delayed 30/09/24' (the first date is the due date, the chain is kept
verbatim); status written only in the update text ('COMPLETE: Response shared on 26/09/2023').
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ...model.dates import parse_date
from ..report import ImportReport
from .text import Pack, continues_table, is_page_title, plain

_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
_SECTION = re.compile(r"^(live|open|closed|completed?)\s+actions?\b", re.I)
_COMPLETE = re.compile(r"\bCOMPLETE(?:D)?\b")
_COMPLETED_ON = re.compile(r"\bCOMPLETE(?:D)?\b[^0-9]{0,40}?(\d{1,2}/\d{1,2}/\d{2,4})")


@dataclass
class DateChain:
    first: dt.date | None
    last: dt.date | None
    text: str
    open_ended: bool = False  # the chain ends with a further delay that has no date ('delay (3) unknown')


@dataclass
class ActionRow:
    line: int
    ref: str
    section: str
    meeting_date: dt.date | None
    agenda_item: str | None
    agenda_no: str | None
    description: str
    due: DateChain
    owner: str | None
    update: str | None
    status: str
    completed_on: dt.date | None
    notes: list[str] = field(default_factory=list)
    log_date: dt.date | None = None  # the 'Date of Meeting' of the log the row is on


@dataclass
class ActionLog:
    header_line: int
    title: str | None
    rows: list[ActionRow] = field(default_factory=list)
    end_line: int = 0
    date: dt.date | None = None  # the log's own 'Date of Meeting' (a stale one is a finding, so it is kept)
    date_line: int | None = None


def is_action_header(cells: list[str]) -> bool:
    return len(cells) > 3 and cells[0].lower().startswith(("reference number", "ref no", "action ref", "ref."))


def date_chain(text: str) -> DateChain:
    """'31/03/24 delayed 30/09/24' -> first 2024-03-31, last 2024-09-30, the text kept verbatim."""
    days = []
    matches = list(_DATE.finditer(text))
    open_ended = bool(matches) and bool(re.search(r"delay", text[matches[-1].end():], re.I))
    for m in matches:
        try:
            days.append(parse_date(m.group(0)))
        except ValueError:
            pass
    if not days:
        try:
            days = [parse_date(text)]
        except ValueError:
            days = []
    return DateChain(days[0] if days else None, days[-1] if days else None, text, open_ended)


def find_action_logs(pack: Pack) -> list[int]:
    """Header line of each action log (a section line such as 'CLOSED Actions' may precede it)."""
    found: list[int] = []
    for n in range(1, len(pack) + 1):
        if is_action_header(pack.cells(n)) and not continues_table(pack, n, lambda cells: bool(re.search(r"\d", cells[0]))):
            found.append(n)
    return found


def status_of(update: str) -> tuple[str, dt.date | None]:
    """Status from the update text: 'COMPLETE' (capitals) means complete; a date after it is the completion date."""
    if _COMPLETE.search(update or ""):
        m = _COMPLETED_ON.search(update)
        try:
            return "complete", parse_date(m.group(1)) if m else None
        except ValueError:
            return "complete", None
    return "open", None


def parse_action_log(pack: Pack, header: int, report: ImportReport) -> ActionLog:
    """Read the log whose header row is at ``header``; section lines switch live/closed."""
    title = None
    section = "live"
    for n in range(header - 1, max(header - 10, 0), -1):
        first = pack.cells(n)[0] if pack.line(n).strip() else ""
        if m := _SECTION.match(first):
            section = "live" if m.group(1).lower() in ("live", "open") else "closed"
            break
    for n in range(header - 1, max(header - 10, 0), -1):
        if "meeting" in pack.line(n).lower() and not pack.is_row(n) and not pack.line(n).lower().startswith("date of"):
            title = pack.line(n).strip()
            break
    log = ActionLog(header, title)
    log.date, log.date_line = _log_date(pack, header, report)
    cols = _columns(pack.cells(header))
    n = header + 1
    while n <= len(pack):
        line = pack.line(n)
        if not line.strip():
            n += 1
            continue
        cells = pack.cells(n)
        if m := _SECTION.match(cells[0]):
            section = "live" if m.group(1).lower() in ("live", "open") else "closed"
            n += 1
            continue
        if not pack.is_row(n):
            if is_page_title(pack, n) and not pack.cells(n)[0].startswith(("Report to", "ACTION STATUS")):
                n += 1
                continue
            break
        if is_action_header(cells):
            n += 1
            continue
        if cells[0] and not re.search(r"\d", cells[0]):
            break  # the next table (e.g. a cover sheet's 'Report to:') begins
        if not cells[0]:
            report.add(n, "actions", "a reference number in the first cell", pack.line(n))
            n += 1
            continue
        log.rows.append(_row(n, cells, cols, section, report))
        log.rows[-1].log_date = log.date
        n += 1
    log.end_line = n - 1
    return log


_LOG_DATE = re.compile(r"^date of meeting:?\s*(\S.*)$", re.I)


def _log_date(pack: Pack, header: int, report: ImportReport) -> tuple[dt.date | None, int | None]:
    """The 'Date of Meeting DD/MM/YYYY' line the log prints above its header (within ten lines)."""
    for n in range(header - 1, max(header - 10, 0), -1):
        if m := _LOG_DATE.match(pack.line(n).strip()):
            try:
                return parse_date(m.group(1).strip()), n
            except ValueError:
                report.add(n, "actions", "the log's 'Date of Meeting' as a date such as 17/10/2024", m.group(1).strip())
                return None, n
    return None, None


def _columns(header: list[str]) -> dict[str, int]:
    names = {
        "ref": ("reference", "ref"), "meeting_date": ("meeting date",), "agenda_item": ("agenda item",),
        "agenda_no": ("agenda no",), "description": ("action",), "due": ("due date", "due"),
        "owner": ("responsible", "owner", "lead"), "update": ("outcome", "update", "progress"),
    }
    cols: dict[str, int] = {}
    for i, cell in enumerate(header):
        low = cell.lower()
        for key, prefixes in names.items():
            if key not in cols and low.startswith(prefixes) and not (key == "description" and low != "action"):
                cols[key] = i
                break
    return cols


def _row(n: int, cells: list[str], cols: dict[str, int], section: str, report: ImportReport) -> ActionRow:
    get = lambda key: plain(cells[cols[key]]) if key in cols and cols[key] < len(cells) else ""  # noqa: E731
    ref = get("ref")
    if not ref:
        report.add(n, "actions", "a reference number in the first cell", "\t".join(cells)[:80], "error")
    meeting_text = get("meeting_date")
    try:
        meeting_date = parse_date(meeting_text) if meeting_text else None
    except ValueError:
        meeting_date = None
        report.add(n, "actions", "a meeting date such as 20/07/2023", meeting_text)
    due = date_chain(get("due"))
    notes = []
    if get("due") and due.first is None:
        report.add(n, "actions", "a due date such as 21/09/2023", get("due"))
    elif due.first is not None and due.first != due.last:
        notes.append(f"Due cell '{due.text}' is a date chain: due read as the first date, {due.first.isoformat()}; latest date {due.last.isoformat()}.")
        report.add(n, "actions", "one due date", due.text, "info")
    update = get("update") or None
    status, completed_on = status_of(update or "")
    return ActionRow(
        line=n, ref=ref, section=section, meeting_date=meeting_date, agenda_item=get("agenda_item") or None,
        agenda_no=get("agenda_no") or None, description=get("description"), due=due, owner=get("owner") or None,
        update=update, status=status, completed_on=completed_on, notes=notes,
    )
