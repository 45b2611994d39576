"""Turn the tables found in a pack into data set records, one register at a time.

Each table kind has its own reader (agenda, attendance, conflicts, actions, coversheets, sbaf);
this module finds them, resolves people across tables (mapping first, then first initial +
surname), applies the mapping's organisation-level facts and validates every record against
the models, so what it returns is what ``compliance check`` will load.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import ValidationError

from ...model import REGISTERS
from ...model.dates import financial_year_start
from ..mapping import Mapping, PersonMapping, suggest_person
from ..report import ImportReport
from . import actions as actions_mod
from . import agenda as agenda_mod
from . import attendance as attendance_mod
from . import conflicts as conflicts_mod
from . import coversheets as cover_mod
from . import sbaf as sbaf_mod
from ..names import name_key, slug
from .text import Pack

Progress = Callable[[str], None]


class NotABoardPack(ValueError):
    """The input holds none of the tables a board pack has."""


@dataclass
class ImportResult:
    organisation: dict[str, Any]
    registers: dict[str, list[dict[str, Any]]]
    report: ImportReport
    suggested_mapping: dict[str, Any]
    meeting_date: dt.date | None = None


@dataclass
class _People:
    """People met in any table, keyed by id; a name resolves through the mapping, then by initial + surname."""

    mapping: Mapping
    file: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    suggestions: dict[str, dict[str, Any]] = field(default_factory=dict)
    mapped: dict[str, PersonMapping] = field(default_factory=dict)

    def resolve(self, name: str, line: int, **details: Any) -> str:
        mapped = self.mapping.find(name)
        key = name_key(name)
        pid = mapped.id if mapped else self.keys.get(key) or slug(name)
        if pid not in self.records:
            record = {"id": pid, "name": mapped.name if mapped else name}
            for k in ("initials", "title", "role", "organisation"):
                if details.get(k):
                    record[k] = details[k]
            if mapped:
                self.mapped[pid] = mapped
                for k in ("roles", "role_group", "cohort", "voting"):
                    value = getattr(mapped, k)
                    if value not in (None, []):
                        record[k] = value
            record["source"] = {"file": self.file, "line": line}
            self.records[pid] = record
            self.suggestions[pid] = suggest_person(record["name"], details.get("role"), details.get("organisation"), details.get("section", "unlabelled"), None)
            self.suggestions[pid]["id"] = pid
        self.keys.setdefault(key, pid)
        return pid


def import_boardpack(pack: Pack, mapping: Mapping, meeting_date: dt.date | None = None, progress: Progress | None = None) -> ImportResult:
    """Read every table of the pack into registers; problems go to the result's report, never lost."""
    report = ImportReport(pack.name)
    step = progress or (lambda label: None)
    agenda_line = agenda_mod.find_agenda(pack)
    matrices = attendance_mod.find_matrices(pack)
    registers = conflicts_mod.find_registers(pack)
    logs = actions_mod.find_action_logs(pack)
    sheets = cover_mod.find_cover_sheets(pack)
    summary = sbaf_mod.find_summary(pack)
    if not any([agenda_line, matrices, registers, logs, sheets, summary]):
        raise NotABoardPack(
            f"{pack.name} does not look like a board pack text export: found no agenda ('Agenda Item ... Enc' row), "
            "attendance matrix ('Members: Quoracy ...'), conflicts register ('Date of Declaration ...'), action log "
            "('Reference Number ...'), cover sheet ('Report to:') or assurance framework summary ('No. Strategic Risk Title ...')"
        )
    people = _People(mapping, pack.name)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in REGISTERS}
    body_id = mapping.body.id
    src = lambda line: {"file": pack.name, "line": line}  # noqa: E731

    step("agenda")
    agenda = agenda_mod.parse_agenda(pack, agenda_line, report) if agenda_line else None
    if agenda_line is None:
        report.add(1, "agenda", "an agenda table ('Agenda Item', 'Lead(s)', 'Enc', ...)", "none in the pack")
    date = meeting_date or (agenda.meeting_date if agenda else None)
    if agenda and meeting_date and agenda.meeting_date and agenda.meeting_date != meeting_date:
        report.add(agenda.date_line or 1, "agenda", f"the meeting date given with --meeting-date ({meeting_date.isoformat()})", agenda.meeting_date.isoformat())
    pack_meeting_id = None
    if date is not None:
        pack_meeting_id = f"{mapping.body.meeting_prefix}-{date.isoformat()}"
        meeting = {"id": pack_meeting_id, "body": body_id, "date": date.isoformat(), "kind": agenda.kind if agenda else "public", "attendance": [], "source": src(agenda.date_line or agenda_line) if agenda else src(1)}
        meeting["note"] = "The meeting this pack was prepared for: attendance is not known before it is held."
        out["meetings"].append(meeting)

    step("attendance")
    body = {"id": body_id, "name": mapping.body.name, "kind": mapping.body.kind, "members": []}
    starts = sorted({agenda_line or 0, *registers, *logs, *sheets, summary or 0, len(pack) + 1} - {0})
    _attendance(pack, matrices, people, mapping, body, out, date, starts, report)
    if matrices or mapping.body.quorum_requirements:
        out["bodies"].append(body)

    step("conflicts")
    for header in registers:
        _declarations(pack, conflicts_mod.parse_register(pack, header, report), people, out, report)

    step("actions")
    for header in logs:
        log = actions_mod.parse_action_log(pack, header, report)
        for row in log.rows:
            out["actions"].append(_action(row, body_id, src))

    step("cover sheets")
    _papers(pack, sheets, agenda, pack_meeting_id, out, report)

    step("assurance framework")
    if summary:
        fy = financial_year_start(date) if date else None
        _risks(pack, summary, fy, mapping, out, report)

    out["people"] = list(people.records.values())
    organisation = _organisation(pack, mapping)
    registers_out = _validated(out, report)
    report.counts = {name: len(records) for name, records in registers_out.items() if records}
    suggested = {
        "organisation": {"name": organisation["name"], "role_groups": organisation.get("role_groups") or _default_groups()},
        "body": {"id": body_id, "name": mapping.body.name, "meeting_prefix": mapping.body.meeting_prefix},
        "people": list(people.suggestions.values()),
    }
    return ImportResult(organisation, registers_out, report, suggested, date)


def _default_groups() -> list[dict[str, Any]]:
    return [
        {"id": "executive", "label": "Executive members"},
        {"id": "independent", "label": "Independent members (Chair and non-executives)"},
        {"id": "partner", "label": "Partner members", "cohorts": ["nhs_trusts", "local_authorities", "primary_care"]},
        {"id": "participant", "label": "Participant members (non-voting)", "voting": False},
        {"id": "attendee", "label": "In attendance (not members)", "voting": False},
    ]


def _organisation(pack: Pack, mapping: Mapping) -> dict[str, Any]:
    if mapping.organisation is not None:
        org = mapping.organisation.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        org.setdefault("name", mapping.organisation.name)
        return org
    # the page-title line a Word export repeats at every page break names the organisation
    counts: dict[str, int] = {}
    for line in pack.lines:
        text = line.strip()
        if "\t" not in text and 10 < len(text) < 90 and re.search(r"\b(Board|Trust|Council)$", text):
            counts[text] = counts.get(text, 0) + 1
    name = max(counts, key=counts.get) if counts else pack.name
    return {"name": name, "role_groups": _default_groups()}


_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}


def quorum_numbers(text: str) -> dict[str, Any]:
    """Head counts the quoracy clause states: 'Over 50% ... (nine out of seventeen members)'."""
    spec: dict[str, Any] = {}
    m = re.search(r"(\w+)\s+out\s+of\s+(\w+)\s+members", text, re.I)
    if m:
        a, b = (int(x) if x.isdigit() else _WORDS.get(x.lower()) for x in m.groups())
        if a:
            spec["min_present"] = a
        if b:
            spec["stated_members"] = b
    m = re.search(r"(over|at least|more than)\s+(\d+)%", text, re.I)
    if m:
        spec["min_fraction"] = int(m.group(2)) / 100
        spec["fraction_strict"] = m.group(1).lower() != "at least"
    return spec


def _attendance(pack, matrices, people: _People, mapping: Mapping, body, out, pack_date, starts, report) -> None:
    meetings: dict[str, dict[str, Any]] = {m["id"]: m for m in out["meetings"]}
    members: dict[str, dict[str, Any]] = {}
    parsed = [attendance_mod.parse_matrix(pack, header, report) for header in matrices]
    # membership is read from every matrix first, so blank cells of members can be told from non-members
    for matrix in parsed:
        for row in matrix.rows:
            pid = people.resolve(row.name, row.line, initials=row.initials, title=row.title, role=row.role, organisation=row.organisation, section=row.section)
            row.person = pid  # type: ignore[attr-defined]
            mapped = people.mapped.get(pid)
            is_member = mapped.member if mapped and mapped.member is not None else row.section in ("members", "participant")
            if is_member and pid not in members:
                seat: dict[str, Any] = {"person": pid}
                if mapped:
                    for key, field_name in (("from", "member_from"), ("to", "member_to")):
                        if getattr(mapped, field_name):
                            seat[key] = getattr(mapped, field_name).isoformat()
                    if mapped.member_voting is not None:
                        seat["voting"] = mapped.member_voting
                    if mapped.member_note:
                        seat["note"] = mapped.member_note
                members[pid] = seat
    body["members"] = list(members.values())
    if parsed:
        body["source"] = {"file": pack.name, "line": parsed[0].header_line, "note": "members: the Members and Participant Members blocks of the attendance matrices"}
    for matrix in parsed:
        if matrix.quoracy_text and "quorum" not in body:
            quorum = {**quorum_numbers(matrix.quoracy_text), "text": matrix.quoracy_text, "source": {"file": pack.name, "line": matrix.quoracy_line}}
            if mapping.body.quorum_requirements:
                quorum["requirements"] = [r.model_dump(mode="json", exclude_defaults=True) | {"id": r.id, "label": r.label} for r in mapping.body.quorum_requirements]
            quorum["deputies_count"] = mapping.body.deputies_count
            if not any(k in quorum for k in ("min_present", "min_fraction", "requirements")):
                report.add(matrix.quoracy_line, "attendance", "a quoracy clause with a head count ('nine out of seventeen members') or a percentage", matrix.quoracy_text)
            else:
                body["quorum"] = quorum
        if matrix.meeting_kind == "agm":
            _agm(pack, matrix, mapping, members, meetings, out, report)
        else:
            _columns(pack, matrix, mapping, members, meetings, out, pack_date, report)
    for k, matrix in enumerate(parsed):
        # the minutes run from the matrix to the next section: the next matrix's heading or another table
        following = [p.heading_line or p.header_line for p in parsed[k + 1 :]] + [n for n in starts if n > matrix.end_line]
        span = attendance_mod.minutes_span(pack, matrix, min(following))
        prefix = "agm" if matrix.meeting_kind == "agm" else mapping.body.meeting_prefix
        meeting = meetings.get(f"{prefix}-{matrix.meeting_date.isoformat()}") if matrix.meeting_date else None
        if span and meeting is not None:
            _deputies(pack, matrix, meeting, span, report)
            meeting["minutes"] = {"file": pack.name, "lines": f"{span[0]}-{span[1]}"}
            meeting["quoracy_confirmed"] = attendance_mod.quoracy_recorded(pack, span)
            if not meeting["quoracy_confirmed"]:
                report.add(span[0], "attendance", "the minutes to record that the meeting was quorate", f"no such statement in lines {span[0]}-{span[1]}", "info")


def _deputies(pack, matrix, meeting, span, report) -> None:
    """Deputies named in the minutes' apologies ('(represented by X)') go on the absent member's entry."""
    entries = {e["person"]: e for e in meeting["attendance"]}
    for line, text, deputy in attendance_mod.apologies(pack, span):
        row = next((r for r in matrix.rows if text.startswith(r.name)), None)
        if row is None:
            report.add(line, "attendance", "a name in the apologies that is a row of the matrix", text)
            continue
        entry = entries.get(row.person)
        if entry is None or entry["status"] != "apologies":
            found = f"{text!r} while the matrix (line {row.line}) marks {entry['mark'] if entry else 'nothing'!r}"
            report.add(line, "attendance", "apologies in the minutes to agree with an 'A' in the matrix", found)
        if deputy and entry is not None:
            entry["deputy"] = deputy


def _status(mark: str) -> tuple[str, str | None]:
    status = attendance_mod.MARKS.get(mark)
    if status:
        return status, None
    return "unclear", f"'{mark}' is not defined anywhere in the pack; status recorded as unclear."


def _active(seat: dict[str, Any] | None, day: dt.date) -> bool:
    if seat is None:
        return False
    return seat.get("from", "0000") <= day.isoformat() and day.isoformat() <= seat.get("to", "9999")


def _columns(pack, matrix, mapping, members, meetings, out, pack_date, report) -> None:
    """A board matrix: every dated column with at least one mark is a meeting."""
    dates = sorted({d for row in matrix.rows for d in row.marks})
    for day in dates:
        if pack_date and day >= pack_date:
            for row in matrix.rows:
                if day in row.marks:
                    report.add(row.line, "attendance", f"no mark for a meeting on or after the pack's own meeting ({pack_date.isoformat()})", f"{row.marks[day]!r} under {day.strftime('%d/%m/%y')}")
            continue
        mid = f"{mapping.body.meeting_prefix}-{day.isoformat()}"
        meeting = meetings.get(mid)
        if meeting is None:
            meeting = {"id": mid, "body": mapping.body.id, "date": day.isoformat(), "kind": matrix.meeting_kind, "attendance": [], "source": {"file": pack.name, "line": matrix.header_line}}
            meetings[mid] = meeting
            out["meetings"].append(meeting)
        _fill(meeting, matrix, members, day, lambda row: row.marks.get(day))


def _fill(meeting, matrix, members, day, mark_of) -> None:
    """Attendance from the matrix rows; a member with a seat on ``day`` and no mark is 'not_recorded'."""
    listed = set()
    for row in matrix.rows:
        listed.add(row.person)
        mark = mark_of(row)
        if mark:
            status, note = _status(mark)
            entry = {"person": row.person, "status": status, "mark": mark}
            if note:
                entry["note"] = note
        elif _active(members.get(row.person), day):
            entry = {"person": row.person, "status": "not_recorded", "mark": "", "note": f"Blank in the matrix (line {row.line})."}
        else:
            continue
        meeting["attendance"].append(entry)
    for pid, seat in members.items():
        if pid not in listed and _active(seat, day):
            meeting["attendance"].append({"person": pid, "status": "not_recorded", "note": f"A member on this date but not listed in the matrix (lines {matrix.header_line}-{matrix.end_line})."})


def _agm(pack, matrix, mapping, members, meetings, out, report) -> None:
    """A matrix headed by a single meeting (an AGM): each row's one mark is attendance at that meeting."""
    if matrix.meeting_date is None:
        return
    mid = f"agm-{matrix.meeting_date.isoformat()}"
    meeting = {"id": mid, "body": mapping.body.id, "date": matrix.meeting_date.isoformat(), "kind": "agm", "attendance": [], "source": {"file": pack.name, "line": matrix.heading_line or matrix.header_line}}
    meetings[mid] = meeting
    out["meetings"].append(meeting)
    notes: dict[str, str] = {}

    def mark_of(row):
        if not row.marks:
            return None
        if len(row.marks) > 1:
            report.add(row.line, "attendance", f"one mark per row in the matrix of the meeting of {matrix.meeting_date.isoformat()}", ", ".join(f"{m} under {d.strftime('%d/%m/%y')}" for d, m in row.marks.items()))
        day, mark = next(((d, m) for d, m in row.marks.items() if d == matrix.meeting_date), next(iter(row.marks.items())))
        if day != matrix.meeting_date:
            notes[row.person] = f"Mark falls under the \"{day.strftime('%d/%m/%y')}\" column (line {row.line}); read as attendance at this meeting (column offset in the source table)."
            report.add(row.line, "attendance", f"the mark under this meeting's column ({matrix.meeting_date.strftime('%d/%m/%y')})", f"{mark!r} under {day.strftime('%d/%m/%y')}; read as attendance at the meeting of {matrix.meeting_date.isoformat()}", "info")
        return mark

    _fill(meeting, matrix, members, matrix.meeting_date, mark_of)
    for entry in meeting["attendance"]:
        if entry["person"] in notes:
            entry["note"] = " ".join(filter(None, [entry.get("note"), notes[entry["person"]]]))


def _declarations(pack, register, people: _People, out, report) -> None:
    seen: dict[str, int] = {}
    for row in register.rows:
        name = f"{row.forename} {row.surname}".strip()
        if not name:
            report.add(row.line, "conflicts", "a forename and surname", "empty name cells", "error")
            continue
        pid = people.resolve(name, row.line, title=row.title, role=row.role, organisation=row.organisation, section="register")
        did = f"doi-{pid}"
        if did in seen:
            report.add(row.line, "conflicts", "one declaration per person", f"a second row for {name} (first on line {seen[did]})")
            did = f"{did}-{row.line}"
        seen[did] = row.line
        record: dict[str, Any] = {"id": did, "person": pid}
        if row.declared_on:
            record["declared_on"] = row.declared_on.isoformat()
        record["declared_on_text"] = row.declared_on_text
        record.update(role=row.role or None, organisation=row.organisation or None, on_register=register.on_register, nil_return=row.nil_return)
        record["interests"] = [_interest(i) for i in row.interests]
        record["mitigation"] = row.mitigation
        record["mitigation_codes"] = row.mitigation_codes
        record["source"] = {"file": pack.name, "line": row.line}
        if row.notes:
            record["note"] = " ".join(row.notes)
        out["declarations"].append({k: v for k, v in record.items() if v is not None})


def _interest(i) -> dict[str, Any]:
    record: dict[str, Any] = {"number": i.number, "category": i.category, "description": i.description, "period_text": i.period_text, "start": i.start, "end": i.end, "ongoing": i.ongoing, "removal_note": i.removal_note, "remove_by": i.remove_by}
    if i.notes:
        record["note"] = " ".join(i.notes)
    return {k: v for k, v in record.items() if v is not None}


def _action(row, body_id: str, src) -> dict[str, Any]:
    record: dict[str, Any] = {"ref": row.ref or f"line-{row.line}", "body": body_id}
    if row.meeting_date:
        record["meeting_date"] = row.meeting_date.isoformat()
    record.update(agenda_item=row.agenda_item, agenda_no=row.agenda_no, description=row.description, owner=row.owner)
    if row.due.first:
        record["due"] = row.due.first.isoformat()
    record["due_text"] = row.due.text or None
    record.update(status=row.status, update=row.update, section=row.section, source=src(row.line))
    if row.completed_on:
        record["completed_on"] = row.completed_on.isoformat()
    if row.notes:
        record["note"] = " ".join(row.notes)
    return {k: v for k, v in record.items() if v is not None}


_STOP = set("a an and the of for to on in icb ics report update & - – staffordshire stoke trent".split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP}


def match_agenda(title: str, presenter: str, items: list, after: int) -> Any:
    """The agenda item with an enclosure that best shares words with the sheet's title (and presenter),
    taken in pack order: a sheet is never matched to an item before the previous sheet's item."""
    best, best_score = None, 0.0
    for index, item in enumerate(items):
        if index <= after or not (item.enclosure or "").startswith("Enc"):
            continue
        overlap = len(_words(title) & _words(item.title))
        score = overlap / max(1, len(_words(title) | _words(item.title)))
        if item.lead and presenter and any(part and part in presenter for part in re.split(r"[/ ]", item.lead) if len(part) > 2):
            score += 0.1
        if score > best_score:
            best, best_score = (index, item), score
    return best


def _papers(pack, sheets, agenda, meeting_id, out, report) -> None:
    items = agenda.items if agenda else []
    last = -1
    for i, start in enumerate(sheets):
        stop = sheets[i + 1] if i + 1 < len(sheets) else len(pack) + 1
        sheet = cover_mod.parse_cover_sheet(pack, start, min(stop, start + 200), report)
        title = sheet.title
        presenter = cover_mod.plain(sheet.fields.get("Presenting Officer:", ""))
        hit = None
        if sheet.enclosure_hint:
            hit = next(((k, it) for k, it in enumerate(items) if it.enclosure == sheet.enclosure_hint), None)
        hit = hit or match_agenda(title, presenter, items, last)
        record: dict[str, Any] = {}
        if hit:
            last, item = hit
            enclosure = item.enclosure
            record.update(id=f"paper-{enclosure.replace(' ', '').lower()}", agenda_item=item.number or item.parent, enclosure=enclosure, agenda_purposes=item.purposes)
            note = f"Agenda match: sheet title {title!r} matched to agenda line {item.line} {item.title!r} ({enclosure})" + (" by its 'Enclosure No' line." if sheet.enclosure_hint else " by shared words, in pack order.")
        else:
            report.add(start, "cover-sheet", "an agenda item with an enclosure whose title matches the sheet's", title)
            record["id"] = f"paper-line-{start}"
            note = "No agenda item matched this sheet."
        if meeting_id:
            record["meeting"] = meeting_id
        record.update(title=title or f"(untitled sheet at line {start})", presenter=presenter or None, purposes=sheet.purposes)
        record["within_delegated_limits"] = sheet.sofd
        record["conflict"] = {"answer": sheet.conflict[0], "detail": sheet.conflict[1]}
        record["financial_impact"] = {"answer": sheet.financial[0], "detail": sheet.financial[1]}
        for kind in ("dpia", "eia", "qia"):
            a = sheet.assessments.get(kind)
            if a:
                record[kind] = {"answer": a.answer, "justification": a.justification, "approved_on": a.approved_on.isoformat() if a.approved_on else None, "raw": a.raw or None}
        record["linked_risks"] = sheet.linked_risks
        record["raw"] = {k.rstrip(":"): v for k, v in sheet.fields.items() if v}
        record["source"] = {"file": pack.name, "line": start, "lines": f"{start}-{sheet.end_line}"}
        record["note"] = " ".join([note, *sheet.notes])
        out["papers"].append(_drop_none(record))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


_APPETITE = re.compile(r"\btoler(?:ance|ate)\b[^.]*?\b(low|moderate|high)\b", re.I)


def _risks(pack, summary_line, fy_start, mapping, out, report) -> None:
    rows = sbaf_mod.parse_summary(pack, summary_line, report)
    headings = sbaf_mod.find_details(pack, summary_line + 1)
    details = []
    for k, (line, rid, heading) in enumerate(headings):
        stop = headings[k + 1][0] if k + 1 < len(headings) else min(len(pack) + 1, line + 150)
        details.append(sbaf_mod.parse_detail(pack, line, stop, rid, heading, report))
    sbaf_mod.split_committees(details, report)
    by_id = {d.risk_id: d for d in details}
    fy = f"{fy_start.year}/{(fy_start.year + 1) % 100:02d}" if fy_start else None
    for row in rows:
        d = by_id.get(row.risk_id)
        record: dict[str, Any] = {"id": row.risk_id, "title": d.title if d else row.title}
        if d:
            record.update(owner=d.owner, committee=d.committee)
        record["scores"] = [
            {"period": f"{fy} Q{q}" if fy else f"Q{q}", "likelihood": s.likelihood, "consequence": s.consequence, "score": s.score, "band": s.band}
            for q, s in enumerate(row.scores, start=1)
        ]
        if row.target:
            record["target"] = {"likelihood": row.target.likelihood, "consequence": row.target.consequence, "score": row.target.score, "date": row.target_date.isoformat() if row.target_date else None}
        tolerance: dict[str, Any] = {}
        if mapping.risks.tolerance_is_target and row.target:
            tolerance["score"] = row.target.score
        if d and d.tolerance_statement:
            tolerance["statement"] = d.tolerance_statement
            if m := _APPETITE.search(d.tolerance_statement):
                tolerance["appetite"] = m.group(1).lower()
        if tolerance:
            record["tolerance"] = tolerance
        record.update(assurance=row.assurance, movement=row.movement)
        if d:
            record["linked_risks"] = d.linked_risks
            record["actions"] = [_risk_action(row.risk_id, a) for a in d.actions]
        record["source"] = {"file": pack.name, "line": row.line, **({"lines": f"{d.line}-{d.end_line}"} if d else {})}
        if not d:
            report.add(row.line, "sbaf", f"a detail section headed '{row.risk_id}: ...'", "none after the summary table", "info")
        out["risks"].append(_drop_none(record))


def _risk_action(risk_id: str, a) -> dict[str, Any]:
    record: dict[str, Any] = {"id": f"{risk_id}-A{a.number}", "description": a.description, "owner": a.owner}
    if a.due.first:
        record["due"] = a.due.first.isoformat()
    if a.due.last and a.due.last != a.due.first:
        record["revised_due"] = a.due.last.isoformat()
        record["due_text"] = a.due.text
    elif a.due.first is None and a.due.text:
        record["due_text"] = a.due.text
    record["progress"] = a.progress
    record["note"] = f"Source line {a.line}."
    return _drop_none(record)


def _validated(out: dict[str, list[dict[str, Any]]], report: ImportReport) -> dict[str, list[dict[str, Any]]]:
    """Keep records the models accept; every rejected one is an error in the report, with its line."""
    kept: dict[str, list[dict[str, Any]]] = {}
    for register, records in out.items():
        model = REGISTERS[register]
        kept[register] = []
        for record in records:
            try:
                model.model_validate(record)
            except ValidationError as exc:
                line = (record.get("source") or {}).get("line") or 1
                for err in exc.errors(include_url=False):
                    where = ".".join(str(p) for p in err["loc"])
                    report.add(line, register, f"a valid {register} record (field '{where}': {err['msg']})", repr(err.get("input"))[:80], "error")
                continue
            kept[register].append(record)
    return kept
