"""Records of the other registers: declarations, actions, papers and risks, from their tables."""

from __future__ import annotations

import re
from typing import Any

from . import coversheets as cover_mod
from . import coversheet_sections as sections_mod
from . import sbaf as sbaf_mod
from .people import People


def build_declarations(pack, register, people: People, out, report) -> None:
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


def build_action(row, body_id: str, src) -> dict[str, Any]:
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
    if getattr(row, "log_date", None):  # issue 19 (rules19): the log's own meeting date
        record["log_date"] = row.log_date.isoformat()
    if row.notes:
        record["note"] = " ".join(row.notes)
    return {k: v for k, v in record.items() if v is not None}


_STOP = set("a an and the of for to on in report update paper &".split())


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


def build_papers(pack, sheets, agenda, meeting_id, out, report) -> None:
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
        record["baf_options"] = sheet.baf_options
        record["appendices"] = sheet.fields.get("Appendices:") or None
        undertakings = next((v for k, v in sheet.fields.items() if k.startswith("Any impacts on ICB Undertakings")), None)
        if undertakings is not None:
            answer, detail = cover_mod.answer_and_detail(undertakings)
            record["undertakings"] = {"answer": answer, "detail": detail}
        record.update(sections_mod.read_sections(pack, start, stop))
        # the raw cells of fields the record has no place for (title and presenter have their own)
        record["raw"] = {k.rstrip(":"): v for k, v in sheet.fields.items() if v and k not in ("Title:", "Presenting Officer:")}
        record["source"] = {"file": pack.name, "line": start, "lines": f"{start}-{sheet.end_line}"}
        record["note"] = " ".join([note, *sheet.notes])
        out["papers"].append(drop_none(record))


_APPETITE = re.compile(r"\btoler(?:ance|ate)\b[^.]*?\b(low|moderate|high)\b", re.I)


def build_risks(pack, summary_line, fy_start, mapping, out, report) -> None:
    rows = sbaf_mod.parse_summary(pack, summary_line, report)
    headings = sbaf_mod.find_details(pack, summary_line + 1)
    details = []
    for k, (line, rid, heading) in enumerate(headings):
        stop = headings[k + 1][0] if k + 1 < len(headings) else min(len(pack) + 1, line + 150)
        details.append(sbaf_mod.parse_detail(pack, line, stop, rid, heading, report))
    sbaf_mod.split_committees(details, report)
    by_id = {d.risk_id: d for d in details}
    # issue 19 (rules19): the counts the report's narrative states, from the text before the summary table
    stated, stated_line = sbaf_mod.reported_counts(pack, max(1, summary_line - 150), summary_line, report)
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
            record["target"] = {"likelihood": row.target.likelihood, "consequence": row.target.consequence, "score": row.target.score, "band": row.target.band, "date": row.target_date.isoformat() if row.target_date else None}
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
        if stated:
            record["reported_actions"] = {**{rating: split.get(row.risk_id, 0) for rating, split in stated.items()},
                                          "source": {"file": pack.name, "line": stated_line}}
        if d:
            record["linked_risks"] = d.linked_risks
            record["actions"] = [_risk_action(row.risk_id, a) for a in d.actions]
        record["source"] = {"file": pack.name, "line": row.line, **({"lines": f"{d.line}-{d.end_line}"} if d else {})}
        if not d:
            report.add(row.line, "sbaf", f"a detail section headed '{row.risk_id}: ...'", "none after the summary table", "info")
        out["risks"].append(drop_none(record))


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
    return drop_none(record)


def drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    return value
