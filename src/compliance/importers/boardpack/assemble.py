"""Import a pack: find its tables, build each register, validate every record.

Each table kind has its own reader (agenda, attendance, conflicts, actions, coversheets, sbaf);
meetings.py and records.py turn what they read into records, people.py resolves one person
across tables. Every record is validated against the models here, so what the import returns
is what ``compliance check`` will load; a rejected record is an error in the import report.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from pydantic import ValidationError

from ...model import REGISTERS
from ...model.dates import financial_year_start
from ..mapping import Mapping
from ..report import ImportReport
from . import actions as actions_mod
from . import agenda as agenda_mod
from .agenda_items import build_agenda_items
from . import attendance as attendance_mod
from . import committees as committees_mod
from . import conflicts as conflicts_mod
from . import coversheets as cover_mod
from . import minutes as minutes_mod
from . import performance as performance_mod
from . import sbaf as sbaf_mod
from .meetings import build_attendance
from .people import People
from .records import build_action, build_declarations, build_papers, build_risks
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
    people = People(mapping, pack.name)
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
    minuted = build_attendance(pack, matrices, people, mapping, body, out, date, starts, report)
    if matrices or mapping.body.quorum_requirements:
        out["bodies"].append(body)

    step("conflicts")
    for header in registers:
        build_declarations(pack, conflicts_mod.parse_register(pack, header, report), people, out, report)

    step("actions")
    for header in logs:
        log = actions_mod.parse_action_log(pack, header, report)
        for row in log.rows:
            out["actions"].append(build_action(row, body_id, src))

    step("cover sheets")
    build_papers(pack, sheets, agenda, pack_meeting_id, out, report)

    step("assurance framework")
    if summary:
        month_day = mapping.organisation.fy_start() if mapping.organisation else (4, 1)
        fy = financial_year_start(date, *month_day) if date else None  # quarters are of this year
        build_risks(pack, summary, fy, mapping, out, report)

    step("performance")
    fy_month_day = mapping.organisation.fy_start() if mapping.organisation else (4, 1)
    out["metrics"], out["standards"] = performance_mod.read_performance_tables(pack, fy_month_day, report)

    out["people"] = list(people.records.values())
    if agenda and pack_meeting_id:
        out["agenda_items"] = build_agenda_items(agenda, pack_meeting_id, out["people"], src)

    step("minutes")
    _minutes(pack, minuted, mapping, out, report)

    step("committee reports")
    committees_mod.build_reports(pack, starts, sheets, pack_meeting_id, date, mapping.committees, out, report)
    earlier = [dt.date.fromisoformat(m["date"]) for m in out["meetings"] if date and m["date"] < date.isoformat()]
    committees_mod.build_history_meetings(pack, date, max(earlier, default=None), mapping.committees, out)
    organisation = _organisation(pack, mapping)
    registers_out = _validated(out, report)
    report.counts = {name: len(records) for name, records in registers_out.items() if records}
    suggested = {
        "organisation": {"name": organisation["name"], "role_groups": organisation.get("role_groups") or _default_groups()},
        "body": {"id": body_id, "name": mapping.body.name, "meeting_prefix": mapping.body.meeting_prefix},
        "people": list(people.suggestions.values()),
    }
    return ImportResult(organisation, registers_out, report, suggested, date)


def _minutes(pack: Pack, minuted, mapping: Mapping, out: dict[str, list[dict[str, Any]]], report: ImportReport) -> None:
    """The minutes after each matrix: items, apologies, speakers, actions (minutes.py), and the
    committee reports they record (committees.py)."""
    meetings = {m["id"]: m for m in out["meetings"]}
    chair = next((p["id"] for p in out["people"] if "Chair" in p.get("roles", [])), None)
    for meeting_id, span, end, matrix in minuted:
        attending = {a["person"] for a in meetings[meeting_id]["attendance"] if a.get("status") in ("present", "deputy", "unclear")}
        items = minutes_mod.parse_minutes(pack, span, end)
        agenda_ids = {a["id"] for a in out["agenda_items"]}
        minutes_mod.build_minutes(pack, meeting_id, items, out["people"], matrix.rows, attending, chair, agenda_ids, out, report)
        day = dt.date.fromisoformat(meetings[meeting_id]["date"])
        committees_mod.build_minuted_reports(pack, meeting_id, day, items, mapping.committees, out)


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
