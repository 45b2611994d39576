"""The conflicts-of-interest register: one row per declaration, numbered interests per column.

Awkward rows this reader handles: the header repeated after a page break; dates written
'20th September 2024' or '26 th September' (no year: the register's 'as at' year is assumed and
reported); interests numbered '1. ... 2. ...' inside one cell, each with a trailing period
bracket; remarks and removal notes in further brackets; a bracket that is never closed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ...model.dates import parse_date
from ..report import ImportReport
from .periods import PeriodError, is_removal, mitigation_codes, parse_period, removal_month
from .text import Pack, TableRows, continues_table, plain

NOTHING = re.compile(r"^(nothing to declare|nil|none|n/?a)\.?$", re.I)
CATEGORY_COLUMNS = (
    ("financial", "financial interest"),
    ("non_financial_professional", "non-financial professional"),
    ("non_financial_personal", "non-financial personal"),
    ("indirect", "indirect"),
)
_NUMBER = re.compile(r"(?:^|(?<=\s))(\d{1,2})\.\s+")
_AS_AT = re.compile(r"AS AT\s+(.+?)\**$", re.I)
_REGISTER_YEARS = re.compile(r"REGISTER\s+(\d{4})\s*[-/–]\s*(\d{2,4})", re.I)


@dataclass
class ParsedInterest:
    number: int | None
    category: str
    description: str
    period_text: str | None = None
    start: str | None = None
    end: str | None = None
    ongoing: bool = False
    removal_note: str | None = None
    remove_by: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class DeclarationRow:
    line: int
    declared_on: dt.date | None
    declared_on_text: str
    title: str
    forename: str
    surname: str
    role: str
    organisation: str
    interests: list[ParsedInterest]
    nil_return: bool
    mitigation: str | None
    mitigation_codes: list[str]
    notes: list[str] = field(default_factory=list)


@dataclass
class Register:
    header_line: int
    on_register: str | None
    as_at: dt.date | None
    rows: list[DeclarationRow] = field(default_factory=list)
    end_line: int = 0


def is_register_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0].lower().startswith("date of declaration")


def find_registers(pack: Pack) -> list[int]:
    """First header line of each conflicts register (repeats after page breaks are not new registers)."""
    found: list[int] = []
    for n in range(1, len(pack) + 1):
        if is_register_header(pack.cells(n)) and not continues_table(pack, n, lambda cells: bool(parse_declared_on(cells[0], None)[0])):
            found.append(n)
    return found


def parse_register(pack: Pack, header: int, report: ImportReport) -> Register:
    """Read the register whose (first) header row is at ``header``."""
    on_register, as_at = None, None
    for n in range(max(1, header - 15), header):
        line = pack.line(n).strip().strip("*")
        if m := _REGISTER_YEARS.search(line):
            body = next((re.search(r"\(([A-Z]{2,})\)", pack.line(k)) for k in range(n, header) if re.search(r"\(([A-Z]{2,})\)", pack.line(k))), None)
            on_register = f"{body.group(1) + ' ' if body else ''}{m.group(1)}-{m.group(2)[-2:]}"
        if m := _AS_AT.search(line):
            try:
                as_at = parse_date(m.group(1).strip("* ").title())
            except ValueError:
                report.add(n, "conflicts", "an 'AS AT' date", m.group(1))
    register = Register(header, on_register, as_at)
    columns = _columns(pack.cells(header))
    rows = TableRows(pack, header + 1)
    for n in rows:
        cells = pack.cells(n)
        if is_register_header(cells):
            continue  # header repeated after a page break
        register.rows.append(_row(n, cells, columns, register, report))
    register.end_line = rows.end
    return register


def _columns(header: list[str]) -> dict[str, int]:
    cols = {}
    for i, name in enumerate(header):
        low = name.lower()
        for key, words in (("date", "date of declaration"), ("title", "title"), ("forename", "forename"), ("surname", "surname"), ("role", "role"), ("organisation", "organisation")):
            if low == words or low.startswith(words) and key == "date":
                cols.setdefault(key, i)
        for category, words in CATEGORY_COLUMNS:
            if words in low and category not in cols:
                if category == "financial" and "non-financial" in low:
                    continue
                cols[category] = i
        if "mitigat" in low:
            cols["mitigation"] = i
    return cols


def parse_declared_on(text: str, as_at: dt.date | None) -> tuple[dt.date | None, str | None]:
    """The declaration date, and a note when the year had to be assumed from the register's 'as at' date."""
    try:
        return parse_date(text), None
    except ValueError:
        pass
    if as_at is not None:
        for year in (as_at.year, as_at.year - 1):
            try:
                day = parse_date(f"{text} {year}")
            except ValueError:
                return None, None
            if day <= as_at:
                return day, f"no year written; {year} assumed (latest not after the register's 'as at' date {as_at.isoformat()})"
    return None, None


def _row(n: int, cells: list[str], cols: dict[str, int], register: Register, report: ImportReport) -> DeclarationRow:
    get = lambda key: plain(cells[cols[key]]) if key in cols and cols[key] < len(cells) else ""  # noqa: E731
    if len(cells) < len(cols):
        report.add(n, "conflicts", f"{len(cols)} cells as in the header", f"{len(cells)} cells")
    date_text = get("date")
    declared_on, assumed = parse_declared_on(date_text, register.as_at)
    notes = []
    if declared_on is None:
        report.add(n, "conflicts", "a declaration date such as '20th September 2024'", date_text)
    elif assumed:
        report.add(n, "conflicts", "a declaration date with its year", date_text, "info")
        notes.append(f"Declaration date '{date_text}': {assumed}.")
    interests: list[ParsedInterest] = []
    for category, _ in CATEGORY_COLUMNS:
        text = get(category)
        if text and not NOTHING.match(text):
            interests += parse_interests(text, category, n, report)
    mitigation = get("mitigation") or None
    return DeclarationRow(
        line=n, declared_on=declared_on, declared_on_text=date_text, title=get("title"), forename=get("forename"),
        surname=get("surname"), role=get("role"), organisation=get("organisation"), interests=interests,
        nil_return=not interests, mitigation=mitigation, mitigation_codes=mitigation_codes(mitigation or ""), notes=notes,
    )


def split_numbered(text: str) -> list[tuple[int | None, str]]:
    """'1. A (2012 - present) 2. B (ongoing)' -> [(1, 'A (2012 - present)'), (2, 'B (ongoing)')].

    Only the next number in sequence starts a new item, so '0.1 wte' or '3. ' inside a
    description does not split it.
    """
    starts = []
    expected = 1
    for m in _NUMBER.finditer(text):
        if int(m.group(1)) == expected:
            starts.append((m.start(), m.end(), expected))
            expected += 1
    if not starts or starts[0][0] != 0:
        return [(None, text.strip())]
    items = []
    for i, (_, body_start, number) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        items.append((number, text[body_start:end].strip()))
    return items


def _last_bracket(text: str) -> tuple[int, str, bool] | None:
    """(start, inside, closed) of the bracket group ending the text, or of an unclosed '(' at its end."""
    text = text.rstrip()
    if text.endswith(")"):
        depth = 0
        for i in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                return i, text[i + 1 : -1], True
        return None
    opening = text.rfind("(")
    if opening >= 0 and ")" not in text[opening:]:
        return opening, text[opening + 1 :], False
    return None


def parse_interests(text: str, category: str, line: int, report: ImportReport) -> list[ParsedInterest]:
    """Every numbered interest of one register cell, with its period and removal note."""
    items = []
    for number, body in split_numbered(text):
        if number is None:
            report.add(line, "conflicts", "interests numbered '1. ... 2. ...'", body, "info")
        items.append(parse_interest(number, body, category, line, report))
    return items


def parse_interest(number: int | None, body: str, category: str, line: int, report: ImportReport) -> ParsedInterest:
    """One interest: description, then brackets read from the end (removal note, remarks, period)."""
    interest = ParsedInterest(number, category, body)
    remarks: list[str] = []
    rest = body
    while (found := _last_bracket(rest)) is not None:
        start, inside, closed = found
        shown = f"({inside})" if closed else f"({inside}"
        if is_removal(inside):
            interest.removal_note = shown
            try:
                interest.remove_by = removal_month(inside)
            except ValueError:
                report.add(line, "conflicts", "a removal month such as 'November 2024'", shown)
            rest = rest[:start].rstrip()
            continue
        try:
            period = parse_period(inside)
            readable = not period.notes or all("read as the end" in note for note in period.notes)
        except PeriodError:
            period, readable = None, False
        if closed and not readable and not re.match(r"^\s*(\w+\s+)?\d{4}\b|^\s*(ongoing|present)", inside, re.I) and not (period and (period.end or period.ongoing)):
            remarks.insert(0, shown)  # a remark such as '(Non-Executive since October 2018)'
            rest = rest[:start].rstrip()
            continue
        interest.period_text = shown
        rest = rest[:start].rstrip()
        if not closed:
            report.add(line, "conflicts", "a period in brackets, closed with ')'", shown)
            interest.notes.append(f"Period '{shown}' has no closing bracket in the source.")
        if period is None:
            report.add(line, "conflicts", "a period such as '(2012 - present)' or '(January 2014 - March 2017)'", shown)
            interest.notes.append(f"Period '{shown}' cannot be read: start, end and ongoing left unset.")
            break
        interest.start, interest.end, interest.ongoing = period.start, period.end, period.ongoing
        for note in period.notes:
            if "read as the end" in note:
                interest.notes.append(f"{note}.")
            else:
                report.add(line, "conflicts", f"a readable period ({note})", shown)
                interest.notes.append(f"Period '{shown}': {note}; left unset.")
        break
    else:
        report.add(line, "conflicts", "a period in brackets at the end of the interest", body, "info")
    interest.description = " ".join([rest] + remarks).strip()
    return interest
