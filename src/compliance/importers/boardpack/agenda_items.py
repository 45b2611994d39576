"""The agenda as a register: one agenda_items record per row of the meeting's agenda.

The Lead(s) cell is kept as written; the people it names are resolved by the initials the
attendance matrix gives them ('PEJ' for 'PE-J', 'PS' for 'PSm' when no one else's start so), by name ('Pauline Grant in attendance'), or as
the person holding the Chair role ('Chair'). A lead that resolves to nobody ('All', a guest) is
left unlinked, never guessed.
"""

from __future__ import annotations

import re
from typing import Any

from .agenda import Agenda


def _initials_key(text: str) -> str:
    return re.sub(r"[^A-Za-z]", "", text).upper()


def _lead_people(lead: str | None, people: list[dict[str, Any]]) -> list[str]:
    """Person ids the Lead(s) cell names, in its order."""
    if not lead:
        return []
    by_initials: dict[str, list[str]] = {}
    for p in people:
        if p.get("initials"):
            by_initials.setdefault(_initials_key(p["initials"]), []).append(p["id"])
    out = []
    for part in lead.split("/"):
        part = part.strip()
        named = re.sub(r"\s+in attendance$", "", part, flags=re.I)
        if part == "Chair":
            ids = [p["id"] for p in people if "Chair" in p.get("roles", [])]
        elif named != part or " " in named:
            ids = [p["id"] for p in people if p["name"] == named]
        else:
            key = _initials_key(part)
            # the agenda may shorten the matrix's initials ('PS' for 'PSm'): a unique prefix match
            ids = by_initials.get(key) or [i for k, v in by_initials.items() if k.startswith(key) for i in v]
        if len(ids) == 1:  # ambiguous initials stay unlinked
            out.append(ids[0])
    return out


def build_agenda_items(agenda: Agenda, meeting_id: str, people: list[dict[str, Any]], src) -> list[dict[str, Any]]:
    """agenda_items records for the pack's own meeting, ids '<meeting>-item-<n>' ('13b' for a row under 13)."""
    records = []
    for item in agenda.items:
        key = item.number or f"{item.parent}b"
        record = {
            "id": f"{meeting_id}-item-{key}", "meeting": meeting_id, "number": item.number, "section": item.section,
            "title": item.title, "lead": item.lead, "leads": _lead_people(item.lead, people), "enclosure": item.enclosure,
            "purposes": item.purposes, "purposes_text": item.purposes_text, "time": item.time, "pages": item.pages,
            "source": src(item.line),
        }
        records.append({k: v for k, v in record.items() if v is not None})
    return records
