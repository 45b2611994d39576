"""Meetings, attendance, the body's seats and quorum, from the attendance matrices and minutes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..mapping import Mapping
from . import attendance as attendance_mod
from .people import People


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


def build_attendance(pack, matrices, people: People, mapping: Mapping, body, out, pack_date, starts, report) -> list[tuple[str, tuple[int, int], int, Any]]:
    """Meetings and attendance from the matrices; returns (meeting id, minutes span, next section's
    line, matrix) for each matrix that minutes follow, for the minutes reader."""
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
    minuted = []
    for k, matrix in enumerate(parsed):
        # the minutes run from the matrix to the next section: the next matrix's heading or another table
        following = [p.heading_line or p.header_line for p in parsed[k + 1 :]] + [n for n in starts if n > matrix.end_line]
        span = attendance_mod.minutes_span(pack, matrix, min(following))
        prefix = "agm" if matrix.meeting_kind == "agm" else mapping.body.meeting_prefix
        meeting = meetings.get(f"{prefix}-{matrix.meeting_date.isoformat()}") if matrix.meeting_date else None
        if span and meeting is not None:
            _deputies(pack, matrix, meeting, span, report)
            minuted.append((meeting["id"], span, min(following), matrix))
            meeting["minutes"] = {"file": pack.name, "lines": f"{span[0]}-{span[1]}"}
            meeting["quoracy_confirmed"] = attendance_mod.quoracy_recorded(pack, span)
            if not meeting["quoracy_confirmed"]:
                report.add(span[0], "attendance", "the minutes to record that the meeting was quorate", f"no such statement in lines {span[0]}-{span[1]}", "info")
    return minuted


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
