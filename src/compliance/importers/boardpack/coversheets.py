"""Paper cover sheets: purpose ticks, SOFD / conflict / finance answers, DPIA / EIA / QIA, linked risks.

Awkward rows this reader handles: a purpose checkbox that sits on the next row, before its label
(it is paired with the oldest label still waiting for a box, and reported); a label and its box
in one cell; 'Choose an item.' and 'Click or tap here' placeholders (kept verbatim, read as
unanswered); an impact-assessment row with or without the 'Completion of Impact Assessments:' cell.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ...model.base import is_placeholder
from ...model.dates import parse_date
from ..report import ImportReport
from .text import Pack, checkbox, plain

_PURPOSE_LABEL = re.compile(r"\((A|R|S|D|I)\)")
_TOKEN = re.compile(r"<input\b[^>]*/?>|[☒☑☐]|\[[ xX]\]|\((?:A|R|S|D|I)\)", re.I)
_ANSWER = re.compile(r"^\s*(yes|no|y|n)\b[.:,]?\s*", re.I)
_BAF_CODE = re.compile(r"^S?BAF\s?\d+$", re.I)
_ENCLOSURE = re.compile(r"^Enclosure\s+No\.?:?\s*(\d+)", re.I)


@dataclass
class Assessment:
    answer: str  # yes | no | n_a | unanswered
    raw: str
    justification: str | None
    approved_on: dt.date | None
    line: int


@dataclass
class CoverSheet:
    line: int
    end_line: int
    fields: dict[str, str] = field(default_factory=dict)  # raw cells by label, verbatim
    purposes: list[str] = field(default_factory=list)
    sofd: str = "unanswered"
    conflict: tuple[str, str | None] = ("unanswered", None)
    financial: tuple[str, str | None] = ("unanswered", None)
    assessments: dict[str, Assessment] = field(default_factory=dict)
    linked_risks: list[str] = field(default_factory=list)
    baf_options: list[dict[str, object]] = field(default_factory=list)  # code, title and tick, as printed
    enclosure_hint: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return plain(self.fields.get("Title:", ""))


def find_cover_sheets(pack: Pack) -> list[int]:
    return [n for n in range(1, len(pack) + 1) if pack.cells(n)[0] == "Report to:"]


def answer_and_detail(cell: str) -> tuple[str, str | None]:
    """'NO If Y, the mitigation ... – Click or tap here' -> ('no', 'If Y, the mitigation ... – Click or tap here')."""
    text = plain(cell)
    m = _ANSWER.match(text)
    if m:
        answer = "yes" if m.group(1).lower().startswith("y") else "no"
        return answer, text[m.end():].strip() or None
    if text.lower().startswith("choose an item"):
        text = text[len("choose an item."):].strip()
    return "unanswered", text or None


def parse_cover_sheet(pack: Pack, start: int, stop: int, report: ImportReport) -> CoverSheet:
    """Read the sheet from its 'Report to:' row up to the end of its BAF block (or ``stop``)."""
    sheet = CoverSheet(line=start, end_line=start)
    for n in range(start - 1, max(start - 3, 0), -1):
        if m := _ENCLOSURE.match(pack.line(n).strip()):
            sheet.enclosure_hint = f"Enc {int(m.group(1)):02d}"
            sheet.fields["Enclosure No:"] = m.group(1)
    in_purpose = False
    pending: list[tuple[str, int]] = []
    ticks: dict[str, bool] = {}
    baf_seen = False
    n = start
    while n < stop:
        cells = pack.cells(n)
        label = cells[0]
        if baf_seen and not _BAF_CODE.match(label) and pack.line(n).strip():
            break
        kind = next((c for c in cells[:3] if c in ("DPIA", "EIA", "QIA")), None)
        if label.startswith("Action Required"):
            in_purpose = True
        elif (label or kind) and in_purpose:
            in_purpose = False
            for code, line in pending:
                report.add(line, "cover-sheet", f"a checkbox for purpose ({code})", "no checkbox beside or below the label")
        if in_purpose:
            _purpose_tokens(pack.line(n), n, pending, ticks, sheet, report)
        elif label.startswith("Is the decision within SOFD"):
            sheet.fields[label] = _value(cells, skip_yes_no=True)
            sheet.sofd = answer_and_detail(sheet.fields[label])[0]
        elif label.startswith("Any potential / actual Conflict"):
            sheet.fields[label] = _value(cells, skip_yes_no=True)
            sheet.conflict = answer_and_detail(sheet.fields[label])
        elif label.startswith("Any financial impacts"):
            sheet.fields[label] = _value(cells, skip_yes_no=True)
            sheet.financial = answer_and_detail(sheet.fields[label])
        elif kind:
            sheet.assessments[kind.lower()] = _assessment(cells, cells.index(kind), n, report)
        elif _BAF_CODE.match(label):
            for i, cell in enumerate(cells):
                if _BAF_CODE.match(cell):
                    box = next((checkbox(c) for c in cells[i + 1 : i + 4] if checkbox(c) is not None), None)
                    if box is None:
                        report.add(n, "cover-sheet", f"a checkbox for {cell}", pack.line(n))
                    else:
                        sheet.baf_options.append({"code": cell, "title": plain(cells[i + 1]) if i + 1 < len(cells) else "", "ticked": box})
                    if box:
                        sheet.linked_risks.append(cell.replace(" ", ""))
        elif re.search(r"Integration with the S?BAF", label):
            baf_seen = True
        elif label.startswith("Any impacts"):
            sheet.fields[label] = _value(cells, skip_yes_no=True)
        elif label.startswith("Has there been Public"):
            boxes = [checkbox(c) for c in cells[1:] if checkbox(c) is not None]
            ticked = [name for name, box in zip(("Yes", "No", "N/A"), boxes) if box]
            sheet.fields[f"{label} (box ticked)"] = ", ".join(ticked)
            sheet.fields[f"{label} (Details)"] = " ".join(c for c in cells[1:] if c and checkbox(c) is None)
        elif label.endswith(":") and len(cells) > 1 and label.startswith(("Report to", "Date", "Title", "Presenting", "Author", "Document Type", "Appendices")):
            sheet.fields[label] = _value(cells)
            for cell in cells[2:]:
                if cell.startswith("If Other:"):
                    sheet.fields["If Other:"] = cell[len("If Other:"):].strip()
        n += 1
    sheet.end_line = n - 1
    if not baf_seen:
        report.add(start, "cover-sheet", "a '(5) Integration with the BAF & Key Risks' block ending the sheet", f"none before line {stop}")
    sheet.purposes = [code for code, ticked in ticks.items() if ticked]
    sheet.baf_options.sort(key=lambda o: int(re.sub(r"\D", "", str(o["code"]))))
    sheet.linked_risks.sort(key=lambda code: int(re.sub(r"\D", "", code)))
    for key, name in (("Title:", "a title"), ("Date:", "a date")):
        if not sheet.fields.get(key):
            report.add(start, "cover-sheet", name, "nothing")
    for kind in ("dpia", "eia", "qia"):
        if kind not in sheet.assessments:
            report.add(start, "cover-sheet", f"a {kind.upper()} row with Yes / No / N/A boxes", "no such row")
    return sheet


def _value(cells: list[str], skip_yes_no: bool = False) -> str:
    rest = [c for c in cells[1:] if c]
    if skip_yes_no and rest and rest[0].replace(" ", "").lower() == "yes/no":
        rest = rest[1:]
    return rest[0] if rest else ""


def _purpose_tokens(line: str, n: int, pending: list[tuple[str, int]], ticks: dict[str, bool], sheet: CoverSheet, report: ImportReport) -> None:
    """Pair each purpose label with the checkbox after it; a box before any label on its row
    goes to the oldest label still waiting for one (the Word layout wrapped)."""
    last_label = None
    for m in _TOKEN.finditer(line):
        token = m.group(0)
        if token.startswith("("):
            if last_label is not None:
                pending.append((last_label, n))
            last_label = token[1]
            continue
        ticked = checkbox(token)
        if last_label is not None:
            ticks[last_label] = bool(ticked)
            last_label = None
        elif pending:
            code, label_line = pending.pop(0)
            ticks[code] = bool(ticked)
            if ticked:
                sheet.notes.append(f"Purpose ({code}): its ticked box is on line {n}, not beside the label on line {label_line}; paired by order.")
            report.add(n, "cover-sheet", f"the checkbox for ({code}) beside its label on line {label_line}", "a box on the next row, paired by order", "info")
        else:
            report.add(n, "cover-sheet", "a purpose label before each checkbox", "a checkbox with no label waiting for it")
    if last_label is not None:
        pending.append((last_label, n))


def _assessment(cells: list[str], at: int, n: int, report: ImportReport) -> Assessment:
    boxes = [checkbox(c) for c in cells[at + 1 : at + 4]]
    details = " ".join(c for c in cells[at + 4 :] if c)
    ticked = [name for name, box in zip(("yes", "no", "n_a"), boxes) if box]
    if None in boxes:
        report.add(n, "cover-sheet", f"three Yes / No / N/A checkboxes for {cells[at]}", " | ".join(cells[at + 1 : at + 4]))
    if len(ticked) > 1:
        report.add(n, "cover-sheet", f"one box ticked for {cells[at]}", ", ".join(ticked))
    answer = ticked[0] if len(ticked) == 1 else "unanswered"
    text = plain(details)
    justification = text
    m = re.search(r"If N,? why:?\s*(.*?)(?:\s*If Y\b.*)?$", text)
    if m:
        justification = m.group(1).strip()
    approved_on = None
    m = re.search(r"If Y\b.*?\bon:?\s*(.+)$", text)
    if m and not is_placeholder(m.group(1)):
        try:
            approved_on = parse_date(m.group(1).strip().rstrip("."))
        except ValueError:
            report.add(n, "cover-sheet", f"an approval date for {cells[at]}", m.group(1), "info")
    return Assessment(answer, details, justification or None, approved_on, n)
