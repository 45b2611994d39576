"""The attendance matrix: one row per person, one column per meeting, the quoracy clause verbatim.

Awkward rows this reader handles: the Chair's row carries the quoracy clause in its second cell;
a sub-heading row ('Participant Members:'); a page-break title line between rows; a repeated
header row after a page break; a mark that falls under a column for a meeting not yet held.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ...model.dates import parse_date
from ..report import ImportReport
from .agenda import heading_date
from .text import Pack, continues_table, plain

# marks the pack uses, and the status each means; anything else is kept verbatim as 'unclear'
MARKS = {"✓": "present", "✔": "present", "A": "apologies", "X": "absent", "D": "deputy"}

_PERSON = re.compile(r"^(?P<name>[^(,]+?)\s*,?\s*\((?P<initials>[A-Za-z][A-Za-z-]*)\)\s*,?\s*(?P<rest>.*)$")
_TITLE = re.compile(r"^(Dr|Mr|Mrs|Ms|Miss|Prof|Professor|Sir|Dame|Cllr)\.?\s+")


@dataclass
class MatrixRow:
    line: int
    name: str
    title: str | None
    initials: str | None
    role_text: str  # everything after the name, as written
    role: str | None
    organisation: str | None
    section: str  # 'members', 'participant' or 'unlabelled' (after a page break)
    marks: dict[dt.date, str] = field(default_factory=dict)


@dataclass
class Matrix:
    header_line: int
    meeting_date: dt.date | None
    meeting_kind: str  # public | agm | private
    heading_line: int | None
    columns: dict[int, dt.date]
    quoracy_text: str | None = None
    quoracy_line: int | None = None
    rows: list[MatrixRow] = field(default_factory=list)
    end_line: int = 0


def is_matrix_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0].rstrip(":").lower() == "members" and any(c.lower() == "quoracy" for c in cells)


def find_matrices(pack: Pack) -> list[int]:
    """Lines of every attendance-matrix header ('Members:  Quoracy  18/04/24 ...') that starts a table."""
    return [n for n in range(1, len(pack) + 1) if is_matrix_header(pack.cells(n)) and not continues_table(pack, n, _is_person_cells)]


def _is_person_cells(cells: list[str]) -> bool:
    return bool(cells[0]) and not re.fullmatch(r"\d+\.?", cells[0])


def _page_title(line: str) -> bool:
    return bool(line.strip()) and "\t" not in line and len(line) < 90 and not line.rstrip().endswith(":")


def split_person(text: str) -> tuple[str, str | None, str | None, str]:
    """'Dr Jack Aw (JA) Primary Care Partner Member, ...' -> (name, title, initials, role text)."""
    text = plain(text)
    m = _PERSON.match(text)
    if m:
        name, initials, rest = m.group("name"), m.group("initials"), m.group("rest")
    else:
        name, _, rest = text.partition(",")
        initials = None
    name = name.strip().rstrip(",")
    title = None
    t = _TITLE.match(name)
    if t:
        title, name = t.group(1), name[t.end():]
    return name.strip(), title, initials, rest.strip().lstrip(",").strip()


_ORGANISATION = re.compile(r"\b(Trust|Council|Healthwatch|NHS|ICB|Board|Directorate|Foundation|Hospitals?|University|Authority)\b")


_POST = re.compile(r"\b(Member|Officer|Director|Manager|Lead|Chair|Executive|Head|Assistant|Secretary)\b")


def split_role(role_text: str) -> tuple[str | None, str | None]:
    """'Chief Finance Officer, Staffordshire & Stoke-on-Trent ICB' -> (role, organisation).

    The part after the first comma is the organisation only when it names one (Trust, Council,
    ICB, ...): 'Director of Nursing, All Age Continuing Care' is one role. Text with no comma that
    names an organisation ('Stoke-on-Trent Healthwatch') is the organisation, not a role.
    """
    if not role_text:
        return None, None
    role, sep, org = (p.strip() for p in role_text.partition(", "))
    if sep and _ORGANISATION.search(org):
        if org.startswith("(") and org.endswith(")"):
            org = org[1:-1]
        return role or None, org or None
    if not sep and _ORGANISATION.search(role) and not _POST.search(role):
        return None, role
    return role_text, None


def parse_matrix(pack: Pack, header: int, report: ImportReport) -> Matrix:
    """Read one attendance matrix starting at its header row."""
    heading_line, date, kind = None, None, "public"
    for n in range(header - 1, max(header - 12, 0), -1):
        line = pack.line(n)
        if date is None and (day := heading_date(line)):
            date, heading_line = day, n
        if "annual general meeting" in line.lower():
            kind = "agm"
        elif "private" in line.lower() and kind != "agm":
            kind = "private"
    columns = {}
    for i, cell in enumerate(pack.cells(header)):
        if i >= 2 and cell:
            try:
                columns[i] = parse_date(cell)
            except ValueError:
                report.add(header, "attendance", "a meeting date such as 18/04/24 in the header", cell)
    if date is None:
        report.add(header, "attendance", "a meeting heading with a date above the matrix", pack.line(header - 1))
    matrix = Matrix(header, date, kind, heading_line, columns)
    section = "members"
    n = header + 1
    while n <= len(pack):
        line = pack.line(n)
        if not pack.is_row(n):
            if not line.strip():
                n += 1
                continue
            if _page_title(line) and _next_is_person_row(pack, n):
                section = "unlabelled"  # the pack gives no heading for the rows after a page break
                n += 1
                continue
            break
        cells = pack.cells(n)
        if is_matrix_header(cells):
            n += 1  # header repeated after a page break
            continue
        if not _is_person_cells(cells):
            break  # the minutes' 'Action' table or a numbered minute: the matrix has ended
        if cells[0].endswith(":") and not any(cells[1:]):
            section = "participant" if "participant" in cells[0].lower() else slug_section(cells[0])
            n += 1
            continue
        matrix.rows.append(_row(pack, n, cells, matrix, section, report))
        n += 1
    matrix.end_line = matrix.rows[-1].line if matrix.rows else header
    return matrix


def slug_section(text: str) -> str:
    return re.sub(r"[^a-z]+", "-", text.lower()).strip("-")


def _next_is_person_row(pack: Pack, n: int) -> bool:
    for m in range(n + 1, min(n + 4, len(pack) + 1)):
        if pack.line(m).strip():
            cells = pack.cells(m)
            return pack.is_row(m) and bool(cells[0]) and not re.fullmatch(r"\d+\.?", cells[0])
    return False


def _row(pack: Pack, n: int, cells: list[str], matrix: Matrix, section: str, report: ImportReport) -> MatrixRow:
    name, title, initials, role_text = split_person(cells[0])
    role, organisation = split_role(role_text)
    row = MatrixRow(n, name, title, initials, role_text, role, organisation, section)
    if len(cells) > 1 and cells[1]:
        if len(cells[1]) > 3 and matrix.quoracy_text is None:
            matrix.quoracy_text, matrix.quoracy_line = plain(cells[1]), n
        elif len(cells[1]) > 3:
            report.add(n, "attendance", "one quoracy clause per matrix", cells[1])
        else:
            report.add(n, "attendance", "a mark under a meeting date, not in the Quoracy column", cells[1])
    for i, cell in enumerate(cells[2:], start=2):
        if not cell:
            continue
        if i not in matrix.columns:
            report.add(n, "attendance", "a mark under a dated column", f"{cell!r} in column {i + 1}, past the last date")
            continue
        row.marks[matrix.columns[i]] = cell
        if cell not in MARKS:
            report.add(n, "attendance", f"an attendance mark ({', '.join(MARKS)})", cell)
    return row


_QUORATE = re.compile(r"\b(was|were|is|being|confirmed as|declared)\s+quorate\b|\bquoracy\s+(was\s+)?confirmed\b", re.I)
_INQUORATE = re.compile(r"\b(not|in)\s*quorate\b", re.I)


def minutes_span(pack: Pack, matrix: Matrix, next_start: int) -> tuple[int, int] | None:
    """Lines of the minutes that follow a matrix (its 'Action' table), up to the last table row
    before ``next_start`` (the next section); None when no minutes follow."""
    first = None
    for n in range(matrix.end_line + 1, min(next_start, matrix.end_line + 6)):
        cells = pack.cells(n)
        if pack.is_row(n) and (cells[-1] == "Action" or re.fullmatch(r"1\.?", cells[0])):
            first = n
            break
    if first is None:
        return None
    last = next_start - 1
    # step back over page titles, blank lines and the next table's own heading row ('CLOSED Actions')
    while last > first and (not pack.is_row(last) or not any(pack.cells(last)[1:])):
        last -= 1
    return first, last


def quoracy_recorded(pack: Pack, span: tuple[int, int]) -> bool:
    """True when the minutes say the meeting was quorate; saying nothing (or inquorate) is False."""
    text = " ".join(plain(pack.line(n)) for n in range(span[0], span[1] + 1))
    return bool(_QUORATE.search(text)) and not _INQUORATE.search(text)


_APOLOGIES = re.compile(r"apologies were received from", re.I)
_REPRESENTED = re.compile(r"\(represented by ([^)]+)\)", re.I)


def apologies(pack: Pack, span: tuple[int, int]) -> list[tuple[int, str, str | None]]:
    """(line, entry, deputy) for each name in the minutes' 'Apologies were received from:' item."""
    found = []
    for n in range(span[0], span[1] + 1):
        cell = next((c for c in pack.cells(n) if _APOLOGIES.search(c)), None)
        if cell is None:
            continue
        parts = [plain(p) for p in re.split(r"</p>\s*<p>|<br\s*/?>", cell)]
        for part in parts:
            if part and not _APOLOGIES.search(part):
                m = _REPRESENTED.search(part)
                found.append((n, part, m.group(1).strip() if m else None))
    return found
