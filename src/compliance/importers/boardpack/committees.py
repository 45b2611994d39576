"""Committee reports to the Board: the reports in the pack, and the reports the minutes record.

Two report templates are read. The AAA report ('AAA Escalation & Assurance Report ...') opens with
'Reporting Committee:', 'Date of Meeting:', 'Meeting Quorate Y/N?' and 'Presenter:' lines, then
ALERT / ADVISE / ASSURE paragraphs and a closing 'Decisions to be Escalated ...' list. The summary
and escalation report ('... Summary and Escalation Report' over 'Report of:', 'Chair:', 'Date:')
is a table of topics with an 'Action including referral ... escalation to Board' column and an
'Issues for escalation' paragraph; a cover sheet just before it gives its title and presenter, and
its recommendation to 'Ratify the approvals' puts the approvals to the Board for ratification.

A decision is a clause in which the committee approves or agrees ('the Committee approved',
'The Senate approved', 'the Committee agreeing'), a Chair's Action, or, in the minutes, the
Board's 'Ratified ...' of a committee's approvals. The text is the clause as written (a sentence,
cut at its ';'). Items a committee report minuted at an earlier Board are read from that minute:
its title names the committee (and the month or part), 'X presented the report' the presenter,
a sentence on quoracy the quoracy, 'escalate to the Board' an escalation.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ...model.dates import parse_date
from ..names import slug
from .minutes import Minute, paragraphs, resolution
from .records import _words
from .text import Pack, plain

_AAA = re.compile(r"^AAA Escalation & Assurance Report")
_SUMMARY = re.compile(r"Summary and Escalation Report\s*$")
_DATE = re.compile(r"\b(\d{1,2})\s*(?:st|nd|rd|th)?\s+(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{4})\b")
_DECISION = re.compile(r"\b(?:the Committee|the Senate|F&PC)\s+(?:approved|agreed|agreeing)\b", re.I)
_CHAIRS_ACTION = re.compile(r"^Chair's Action\b")
_SUBJECT_TO = re.compile(r"^All approvals are subject to\b")
_MONTHS = "january february march april may june july august september october november december".split()


@dataclass
class Report:
    """One committee report as read: its header fields, decisions and escalations."""

    kind: str  # 'aaa' | 'summary'
    line: int
    end: int
    committee: str = ""
    title: str = ""
    chair: str | None = None
    presenter: str | None = None
    date_text: str | None = None
    quorate_text: str | None = None
    parts: str | None = None
    enclosure: str | None = None
    ratify_approvals: bool = False
    escalations_stated: str = "not_stated"
    decisions: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)


def find_reports(pack: Pack) -> list[int]:
    """Lines where a committee report starts (its title line)."""
    found = []
    for n in range(1, len(pack) + 1):
        text = pack.line(n).strip()
        if "\t" in text:
            continue
        if _AAA.match(text):
            found.append(n)
        elif _SUMMARY.search(text) and next((pack.line(m).strip() for m in range(n + 1, n + 4) if pack.line(m).strip()), "").startswith("Report of:"):
            found.append(n)
    return found


def _field(pack: Pack, start: int, stop: int, label: str) -> tuple[int, str] | None:
    """(line, value) of the first 'Label: value' line (TAB or space after the colon) in [start, stop)."""
    for n in range(start, stop):
        text = pack.line(n).strip()
        if text.startswith(label):
            return n, plain(text[len(label):].strip().lstrip("\t"))
    return None


def date_in(text: str | None):
    """The first date written in the text ('Meeting held on 12 th September 2024'), or None."""
    m = _DATE.search(text or "")
    return parse_date(f"{m.group(1)} {m.group(2)} {m.group(3)}") if m else None


def _name(text: str | None) -> str | None:
    """The person's name before the first comma ('Josie Spencer, Non-Executive Director')."""
    return text.split(",")[0].strip() if text else None


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.])\s+(?=[A-Z])|\s*•\s*", text) if s.strip()]


def _decisions(text: str, line: int, conditions: str | None, ratify: bool) -> list[dict[str, Any]]:
    out = []
    for sentence in _sentences(text):
        if _CHAIRS_ACTION.match(sentence):
            out.append({"kind": "chairs_action", "status": "taken", "text": sentence, "line": line})
            continue
        for clause in (c.strip() for c in sentence.split(";")):
            if not _DECISION.search(clause):
                continue
            agreed = re.search(r"\bagree(?:d|ing)\b", clause) and not re.search(r"\bapproved\b", clause)
            kind = "agreement" if agreed else "risk_closure" if re.search(r"\bclosure of\b.*\brisks?\b", clause) else "approval"
            record = {"kind": kind, "status": "agreed" if agreed else "approved", "text": clause, "line": line}
            if conditions and kind == "approval":
                record.update(status="approved_subject_to_sign_off", conditions=conditions)
            if kind == "approval" and (ratify or re.search(r"\bBoard ratification\b", clause)):
                record["for_ratification"] = True
            out.append(record)
    return out


def _cover(pack: Pack, sheets: list[int], line: int) -> tuple[int, int] | None:
    """The cover sheet just before a report (the last sheet start in the 100 lines above it)."""
    before = [s for s in sheets if line - 100 < s < line]
    return (before[-1], line) if before else None


def parse_report(pack: Pack, line: int, end: int, sheets: list[int]) -> Report:
    """Read one report from its title line to ``end`` (the next section)."""
    if _AAA.match(pack.line(line).strip()):
        return _aaa(pack, line, end)
    return _summary(pack, line, end, sheets)


def _aaa(pack: Pack, line: int, end: int) -> Report:
    report = Report("aaa", line, end, title=pack.line(line).strip())
    get = lambda label: (_field(pack, line, min(end, line + 15), label) or (0, None))[1]  # noqa: E731
    committee = get("Reporting Committee:") or ""
    report.committee = committee
    report.parts = committee.split(":", 1)[1].strip() if ":" in committee else None
    report.date_text = get("Date of Meeting:")
    report.quorate_text = get("Meeting Quorate Y/N?")
    report.presenter = get("Presenter:")
    report.chair = _name(report.presenter) if report.presenter and "Chair" in report.presenter else None
    escalating = None
    for n in range(line + 1, end):
        text = pack.line(n).strip()
        if text.startswith("Decisions to be Escalated"):
            escalating = n
            continue
        if escalating and text.startswith("- "):
            item = text[2:].strip()
            to = "Board" if re.search(r"\bBoard\b", item) else (re.search(r"\bby the ([A-Z][\w&, ]*?Committee)\b", item) or [None, "another committee"])[1]
            report.escalations.append({"to": to, "text": item, "line": n})
        elif escalating is None and text:
            report.decisions += _decisions(text.lstrip("- ").strip(), n, None, False)
    if escalating:
        report.escalations_stated = "some" if report.escalations else "none"
    return report


def _summary(pack: Pack, line: int, end: int, sheets: list[int]) -> Report:
    report = Report("summary", line, end, title=pack.line(line).strip())
    head = min(end, line + 8)
    report.committee = (_field(pack, line, head, "Report of:") or (0, ""))[1]
    report.chair = _name((_field(pack, line, head, "Chair:") or (0, None))[1])
    report.date_text = (_field(pack, line, head, "Date:") or (0, None))[1]
    cover = _cover(pack, sheets, line)
    if cover:
        a, b = cover
        report.title = (_field(pack, a, b, "Title:") or (0, report.title))[1]
        report.presenter = (_field(pack, a, b, "Presenting Officer:") or (0, None))[1]
        m = re.match(r"Enclosure No:\s*(\d+)", pack.line(a).strip())
        report.enclosure = f"Enc {int(m.group(1)):02d}" if m else None
        report.ratify_approvals = any(re.match(r"-?\s*Ratify the approvals\b", pack.line(n).strip()) for n in range(a, b))
    actions, stated = [], None
    rows: list[tuple[int, str]] = []
    for n in range(line + 1, end):
        text = pack.line(n).strip()
        if text == "Issues for escalation":
            following = next((pack.line(m).strip() for m in range(n + 1, end) if pack.line(m).strip()), "")
            stated = "none" if re.match(r"No (items|issues)\b", following) else "some"
        cells = pack.cells(n)
        if pack.is_row(n) and len(cells) >= 2 and not cells[0].endswith(":") and cells[0] != "Key Discussion Topics":
            rows.append((n, cells[1]))
            if len(cells) > 2 and plain(cells[2]) and plain(cells[2]) not in ("--", "-"):
                actions.append((n, plain(cells[2])))
    for n, cell in rows:
        texts = paragraphs(cell)
        conditions = next((s for t in texts for s in _sentences(t) if _SUBJECT_TO.match(s)), None)
        for text in texts:
            report.decisions += _decisions(text, n, conditions, report.ratify_approvals)
    report.escalations_stated = stated or ("some" if actions else "not_stated")
    return report


def committee_code(name: str, committees: list[Any]) -> str:
    """The id the mapping gives the committee (a mapped name or alias the report's name contains), else a slug of it."""
    def norm(text: str) -> str:  # 'Finance & Performance' and 'Stoke-on-Trent' as 'finance and performance', 'stoke on trent'
        return " ".join(re.sub(r"[^a-z ]", " ", text.lower().replace("&", " and ")).split())

    words = norm(name)
    for c in committees:
        if any(norm(known) in words for known in (c.name, *c.aliases)):
            return c.id
    return slug(re.split(r"[(:]", name)[0])


def _agenda_item(report: Report, items: list[dict[str, Any]]) -> str | None:
    if report.enclosure:
        hit = next((i for i in items if i.get("enclosure") == report.enclosure), None)
        if hit:
            return hit["id"]
    name = _words(report.committee.split(":")[0].replace("&", "and"))
    best, score = None, 0.0
    for item in items:
        if not re.search(r"Escalation|AAA", item["title"]):
            continue
        overlap = len(name & _words(item["title"])) / max(1, len(name))
        if overlap > score:
            best, score = item["id"], overlap
    return best if score >= 0.5 else None


def build_reports(pack: Pack, starts: list[int], sheets: list[int], board_id: str | None, board_date, committees: list[Any],
                  out: dict[str, list[dict[str, Any]]], report) -> None:
    """committee_reports, committee_meetings, committee_decisions and committee_escalations of the
    reports in the pack (to the pack's own Board meeting)."""
    lines = find_reports(pack)
    if not lines:
        return
    if board_id is None:
        report.add(lines[0], "committee-report", "the Board meeting the reports go to (the agenda's date or --meeting-date)", "none")
        return
    src = lambda line: {"file": pack.name, "line": line}  # noqa: E731
    bounds = sorted(set(starts) | set(lines) | {len(pack) + 1})
    own_items = [i for i in out["agenda_items"] if i["meeting"] == board_id]
    for line in lines:
        end = next(b for b in bounds if b > line)
        r = parse_report(pack, line, end, sheets)
        if not r.committee:
            label = "'Reporting Committee:'" if r.kind == "aaa" else "'Report of:'"
            report.add(line, "committee-report", f"a {label} line naming the committee", "none; the report is not read", "error")
            continue
        code = committee_code(r.committee, committees)
        rid = f"{code}-report-{board_date.strftime('%Y-%m')}"
        record = {"id": rid, "meeting": board_id, "agenda_item": _agenda_item(r, own_items), "committee": r.committee,
                  "title": r.title, "chair": r.chair, "presenter": r.presenter, "escalations_stated": r.escalations_stated,
                  "source": src(line if r.kind == "aaa" or r.enclosure is None else _cover(pack, sheets, line)[0])}
        if record["agenda_item"] is None:
            report.add(line, "committee-report", "an agenda item of the Board that carries the report", r.committee)
        out["committee_reports"].append({k: v for k, v in record.items() if v is not None})
        day = date_in(r.date_text)
        mid = f"{code}-{day.isoformat()}" if day else f"{rid}-meeting"
        quorate = "not_stated"
        if r.quorate_text:
            quorate = "yes" if re.match(r"y(es)?\b", r.quorate_text, re.I) else "no" if re.match(r"no?\b", r.quorate_text, re.I) else "not_stated"
        meeting = {"id": mid, "report": rid, "committee": r.committee, "date": day.isoformat() if day else None, "date_text": r.date_text,
                   "parts": r.parts, "quorate": quorate, "quorate_text": r.quorate_text, "source": src(line)}
        out["committee_meetings"].append({k: v for k, v in meeting.items() if v is not None})
        _decisions_out(mid, rid, r.decisions, r.escalations, src, out)


def _decisions_out(mid: str, rid: str, decisions, escalations, src, out) -> None:
    for k, d in enumerate(decisions, start=1):
        record = {"id": f"{mid}-decision-{k}", "report": rid, "committee_meeting": mid, **{x: v for x, v in d.items() if x != "line"}, "source": src(d["line"])}
        out["committee_decisions"].append(record)
    for k, e in enumerate(escalations, start=1):
        out["committee_escalations"].append({"id": f"{mid}-escalation-{k}", "report": rid, "committee_meeting": mid, "to": e["to"],
                                             "text": e["text"], "source": src(e["line"])})


_MINUTED = re.compile(r"^(.*?)\s+(?:Summary and Escalation Report|AAA Escalation & Assurance Report)\b\s*(?:[-–]\s*(.+))?$")
_PRESENTED = re.compile(r"^(.+?) presented the report(?: (on behalf of [^.]+?))?(?:\.| and\b)")


def build_minuted_reports(pack: Pack, meeting_id: str, meeting_date, minutes: list[Minute], committees: list[Any],
                          out: dict[str, list[dict[str, Any]]]) -> None:
    """Committee reports a Board's minutes record (the report itself not in the pack): one report and
    one committee meeting per item titled '... Summary and Escalation Report'."""
    src = lambda line: {"file": pack.name, "line": line}  # noqa: E731
    for minute in minutes:
        m = _MINUTED.match(minute.title)
        if not m:
            continue
        committee, tail = m.group(1).strip(), (m.group(2) or "").strip()
        code = committee_code(committee, committees)
        texts = [t for _, t in minute.paragraphs]
        said = " ".join(texts)
        held_on = next((s for s in _sentences(resolution(minute) or "") if "meeting held on" in s), None)
        held = date_in(held_on)
        part = re.fullmatch(r"PART\s+([A-Z])", tail, re.I)
        month = tail.lower()[:3] if tail.lower() in _MONTHS else None
        suffix = f"{code}-{part.group(1).lower()}" if part else f"{code}-{month}" if month else \
            f"{code}-{_MONTHS[held.month - 1][:3]}" if held else f"{code}-{_MONTHS[meeting_date.month - 1][:3]}"
        rid = f"{suffix}-report-{meeting_date.strftime('%Y-%m')}"
        p = next((_PRESENTED.match(t) for t in texts if _PRESENTED.match(t)), None)
        presenter = (f"{p.group(1)} {p.group(2)}" if p.group(2) else p.group(1)) if p else ("taken as read" if "taken as read" in said else None)
        escalation = next((s for t in texts for s in _sentences(t) if re.search(r"\bescalate to the Board\b", s)), None)
        record = {"id": rid, "meeting": meeting_id, "agenda_item": f"{meeting_id}-item-{minute.number}", "committee": committee,
                  "title": minute.title, "in_pack": False, "presenter": presenter,
                  "escalations_stated": "some" if escalation else "not_stated", "source": src(minute.line),
                  "note": "The report itself is not in the pack; read from its minute."}
        out["committee_reports"].append({k: v for k, v in record.items() if v is not None})
        quoracy = next((s for t in texts for s in _sentences(t) if re.search(r"\bquoracy\b", s) and not re.search(r"\bquorate\b", s)), None)
        mid = f"{code}-{held.isoformat()}" if held else f"{suffix}-meeting"
        quorate = "not_in_pack"
        if quoracy:
            quorate = "no" if re.search(r"\b(issues? regarding quoracy|not quorate|inquorate|could not be taken)\b", quoracy) else "yes"
        meeting = {"id": mid, "report": rid, "committee": committee, "date": held.isoformat() if held else None,
                   "date_text": (_DATE.search(held_on).group(0) if held else tail.title() if month else None),
                   "parts": tail if part else None, "quorate": quorate, "quorate_text": quoracy, "source": src(minute.line)}
        out["committee_meetings"].append({k: v for k, v in meeting.items() if v is not None})
        decisions = [{"kind": "approval", "status": "approved", "text": r.group(1), "for_ratification": True, "line": minute.text_line}
                     for s in _sentences(resolution(minute) or "") if (r := re.match(r"Ratified (.+?)\.?$", s))]
        escalations = [{"to": "Board", "text": escalation.split(",")[0], "line": minute.text_line}] if escalation else []
        _decisions_out(mid, rid, decisions, escalations, src, out)


_HELD_BY = re.compile(r"\b(Committee|Senate)\b")


def build_history_meetings(pack: Pack, board_date, previous_board, committees: list[Any], out: dict[str, list[dict[str, Any]]]) -> None:
    """Committee meetings the papers' histories show held since the previous Board and before this one
    ('Quality & Safety Committee (S) 09/10/2024'), one per committee and day, when no report covers
    them: committee_meetings with no report, for the check that every committee that met reports.
    A paper 'circulated offline' to a committee is not a meeting of it."""
    if board_date is None or previous_board is None:
        return
    known = {m["id"] for m in out["committee_meetings"]}
    for paper in out["papers"]:
        for entry in paper.get("history", []):
            route, day = entry.get("route") or "", entry.get("date")
            if not day or not _HELD_BY.search(route) or re.search(r"\bcirculated\b", route, re.I):
                continue
            day = dt.date.fromisoformat(day)
            if not previous_board < day < board_date:
                continue
            # the route as written, less the purpose it was sent for: '(S)', '(for Discussion ...)', 'for approval'
            committee = re.sub(r"\s*\([^)]*\)\s*$|\s+for\s+\w+$", "", route).strip()
            mid = f"{committee_code(committee, committees)}-{day.isoformat()}"
            if mid in known:
                continue
            known.add(mid)
            out["committee_meetings"].append({
                "id": mid, "committee": committee, "date": day.isoformat(), "date_text": entry.get("date_text"), "quorate": "not_in_pack",
                "source": paper.get("source"),
                "note": f"Held, per the history of {paper.get('enclosure') or paper['id']}; no report of it in the pack."})
