"""The minutes that follow an attendance matrix: items, their resolutions, apologies, speakers, actions.

A minutes table has three columns: the item number, the item (its title on the number's row, the
minute on the rows below) and the 'Action' column, where an owner's initials stand beside the
paragraph that gives them the action. Lines of prose between rows (a long item broken out of the
table) belong to the item above. What is read, and the conventions, are those of the hand
transcription (fixtures/ssot-2024-10-17): the resolution is the item's last paragraphs from one that
opens 'The Board ...' / 'Members of the Board ...' (or the whole minute when it is one short
paragraph); an outcome is coded from the resolution's words; a speaker is a person the minute names
by initials (not 'on behalf of' them), or 'the Chair' as the subject of a verb; an action's text is
the sentence in which its owner commits ('agreed to', 'will'), the owner's n-th such sentence for
their n-th entry in the Action column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .text import Pack, is_page_title, plain

_NUMBER = re.compile(r"^(?:<p>)?\s*(\d+)\.\s*(?:</p>)?$")
_PARAGRAPH = re.compile(r"</p>\s*<p>|</?p>|<br\s*/?>|</?li>|</?ul[^>]*>")
# a paragraph that opens the Board's resolution on the item
_RESOLUTION = re.compile(r"^(The Board\b|Members of the Board\b|The Integrated Care Board is asked|The report was taken as read)", re.I)
# the outcome codes and the words that record them, in the model's terms (model/minutes.py Outcome)
_OUTCOMES = (("received", r"\breceived\b"), ("noted", r"\bnot(?:ed|e)\b"), ("assured", r"\bassur(?:ed|ance)\b"),
             ("approved", r"\bapproved\b"), ("agreed", r"\bagreed\b"), ("ratified", r"\bratified\b"),
             ("discussed", r"\bdiscuss(?:ed)?\b"))
_SHORT = 300  # a one-paragraph minute up to this many characters is its own resolution
_COMMITMENT = re.compile(r"\b(agreed to|will)\b")
_CHAIR_SPEAKS = re.compile(r"\bthe Chair\s+\w+ed\b", re.I)
_REPRESENTED = re.compile(r"\(represented by ([^)]+)\)", re.I)
_APOLOGIES = re.compile(r"apologies were received from", re.I)


@dataclass
class Minute:
    number: str
    title: str
    line: int  # the item's number row
    paragraphs: list[tuple[int, str]] = field(default_factory=list)  # (line, text) in order
    actions: list[tuple[int, str]] = field(default_factory=list)  # (line, owner as written)
    cells: list[tuple[int, str]] = field(default_factory=list)  # the raw minute cells, for the apologies

    @property
    def text_line(self) -> int:
        """The first line of the minute's text (the hand transcription's source line)."""
        return self.paragraphs[0][0] if self.paragraphs else self.line


def paragraphs(cell: str) -> list[str]:
    """The paragraphs of a cell ('<p>', '<br>', list items), as plain text."""
    parts = [plain(p) for p in _PARAGRAPH.split(cell)]
    return [p for p in parts if p and not re.fullmatch(r"[-\s]+", p)]  # '---' fills an empty cell


def parse_minutes(pack: Pack, span: tuple[int, int], end: int) -> list[Minute]:
    """The items of the minutes from ``span[0]`` (the 'Action' header row); prose lines up to ``end``
    (the next section) belong to the item above them."""
    items: list[Minute] = []
    for n in range(span[0] + 1, max(end, span[1] + 1)):
        if n > span[1] and pack.is_row(n):
            break
        cells = pack.cells(n)
        if pack.is_row(n) and (m := _NUMBER.match(cells[0])) and len(cells) > 1 and plain(cells[1]):
            items.append(Minute(m.group(1), plain(cells[1]), n))
            continue
        if not items:
            continue
        item = items[-1]
        if pack.is_row(n):
            # a row broken out of the table may hold its text in the first cell, the second left empty
            text = cells[1] if len(cells) > 1 and cells[1] else cells[0]
            item.cells.append((n, text))
            item.paragraphs += [(n, p) for p in paragraphs(text)]
            if len(cells) > 2:
                item.actions += [(n, owner) for owner in paragraphs(cells[2])]
        elif n <= span[1] and pack.line(n).strip() and not is_page_title(pack, n):
            item.paragraphs.append((n, plain(pack.line(n))))
    return items


def resolution(minute: Minute) -> str | None:
    """The resolution as written: the paragraphs from the last that opens the Board's resolution,
    else a minute of one short paragraph, else None."""
    texts = [t for _, t in minute.paragraphs]
    starts = [k for k, t in enumerate(texts) if _RESOLUTION.match(t)]
    if starts:
        # a resolution heading followed by its bullets ('The Board:' then '• Noted ...') reads as one text
        first = starts[-1]
        while first > 0 and first - 1 in starts:
            first -= 1
        return " ".join(texts[first:])
    if len(texts) == 1 and len(texts[0]) <= _SHORT:
        return texts[0]
    return None


def outcomes(text: str | None) -> list[str]:
    """Outcome codes in the order the resolution's words first record them."""
    if not text:
        return []
    found = [(m.start(), code) for code, pattern in _OUTCOMES if (m := re.search(pattern, text, re.I))]
    return [code for _, code in sorted(found)]


Resolver = Callable[[str], "str | None"]


def initials_resolver(people: list[dict[str, Any]], attending: set[str]) -> Resolver:
    """Person id for the initials a minute uses. The matrix's own initials come first ('PEJ' for
    'PE-J', or a unique prefix of them: 'JH' for 'JHo', 'PS' for 'PSm'), whether or not the person is
    marked present, so a minute naming someone marked absent stays visible; failing them, the
    initials of the name of someone at the meeting whom the matrix gives none ('CU' for Claire Underwood)."""
    def key(text: str) -> str:
        return re.sub(r"[^A-Za-z]", "", text).upper()

    def name_initials(name: str) -> str:
        return "".join(w[0] for w in re.sub(r"^(Dr|Mr|Mrs|Ms|Prof)\.?\s+", "", name).split())

    def index(pairs) -> dict[str, list[str]]:
        by: dict[str, list[str]] = {}
        for k, pid in pairs:
            by.setdefault(key(k), []).append(pid)
        return by

    given = index((p["initials"], p["id"]) for p in people if p.get("initials"))
    derived = index((name_initials(p["name"]), p["id"]) for p in people if not p.get("initials") and p["id"] in attending)

    def one(by: dict[str, list[str]], k: str) -> str | None:
        ids = by.get(k) or [i for kk, v in by.items() if kk.startswith(k) for i in v]
        return ids[0] if len(set(ids)) == 1 else None

    def resolve(token: str) -> str | None:
        k = key(token)
        return one(given, k) or one(derived, k) if len(k) >= 2 else None
    return resolve


_TOKEN = re.compile(r"(?<![\w-])([A-Z]{2,3})(?![\w-])")


def speakers(minute: Minute, resolve: Resolver, chair: str | None) -> list[tuple[int, str, str]]:
    """(line, how named, person) for each person the minute names speaking, in order of first mention."""
    seen: dict[str, tuple[int, str, str]] = {}
    for line, text in minute.paragraphs:
        # a person named as the object ('on behalf of MN', 'led by PEJ', 'a response to JH') is not speaking
        hits = [(m.start(), m.group(1)) for m in _TOKEN.finditer(text)
                if not re.search(r"\b(of|by|to|with|from)\s*$", text[: m.start()], re.I)]
        if chair:
            hits += [(m.start(), "the Chair") for m in _CHAIR_SPEAKS.finditer(text)]
        for _, token in sorted(hits):
            pid = chair if token == "the Chair" else resolve(token)
            if pid and pid not in seen:
                seen[pid] = (line, token, pid)
    return list(seen.values())


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if s.strip()]


def commitments(minute: Minute, owner: str, wanted: int) -> list[str]:
    """The ``wanted`` sentences of the minute in which ``owner`` (initials) commits to something, in
    text order: sentences naming them as subject (or 'He'/'She' continuing theirs) that say 'agreed
    to', and, when those are fewer than the owner's entries in the Action column, the first that say
    'will'."""
    agreed, will, current = [], [], None
    position = 0
    for _, paragraph in minute.paragraphs:
        for sentence in _sentences(paragraph):
            position += 1
            first = sentence.split()[0].rstrip(",") if sentence.split() else ""
            if _TOKEN.fullmatch(first):
                current = first
            elif first not in ("He", "She"):
                continue  # another subject ('The second phase will ...'); 'He'/'She' still means the last named
            if current != owner:
                continue
            if re.search(r"\bagreed to\b", sentence):
                agreed.append((position, sentence))
            elif re.search(r"\bwill\b", sentence):
                will.append((position, sentence))
    chosen = agreed[:wanted] + will[: max(0, wanted - len(agreed))]
    return [sentence for _, sentence in sorted(chosen)]


def apologies(minute: Minute) -> list[tuple[int, str, str | None]]:
    """(line, entry, represented-by text) for each name after 'Apologies were received from:'."""
    found = []
    for line, cell in minute.cells:
        if not _APOLOGIES.search(cell):
            continue
        for part in paragraphs(cell):
            if not _APOLOGIES.search(part):
                m = _REPRESENTED.search(part)
                found.append((line, part, m.group(0) if m else None))
    return found


def _deputy_voting(text: str) -> str:
    if re.search(r"\bnon[- ]voting\b|\bnot (?:to )?vote\b", text, re.I):
        return "non_voting"
    if re.search(r"\bvoting\b|\bwith (?:the|a) vote\b", text, re.I):
        return "voting"
    return "not_stated"


def build_minutes(pack: Pack, meeting_id: str, minutes: list[Minute], people: list[dict[str, Any]], rows: list[Any],
                  attending: set[str], chair: str | None, agenda_ids: set[str], out: dict[str, list[dict[str, Any]]], report) -> None:
    """minute_items, minuted_apologies, minute_speakers and minuted_actions of one meeting; agenda_items
    from the minutes when the pack has no agenda of the meeting (number and title only)."""
    src = lambda line: {"file": pack.name, "line": line}  # noqa: E731
    resolve = initials_resolver(people, attending)
    by_name = {p["name"]: p["id"] for p in people}
    for minute in minutes:
        item_id = f"{meeting_id}-item-{minute.number}"
        if item_id not in agenda_ids:
            out["agenda_items"].append({"id": item_id, "meeting": meeting_id, "number": minute.number, "title": minute.title,
                                        "source": src(minute.line),
                                        "note": "From the minutes (the meeting's agenda is not in the pack): number and title only."})
        mid = f"{meeting_id}-minute-{minute.number}"
        text = resolution(minute)
        record: dict[str, Any] = {"id": mid, "meeting": meeting_id, "number": minute.number, "title": minute.title,
                                  "agenda_item": item_id, "outcomes": outcomes(text), "outcome_text": text, "source": src(minute.text_line)}
        out["minute_items"].append({k: v for k, v in record.items() if v is not None})
        for line, named, pid in speakers(minute, resolve, chair):
            out["minute_speakers"].append({"id": f"{mid}-{pid}", "meeting": meeting_id, "minute_item": mid, "person": pid,
                                           "initials": named, "source": src(line)})
        taken: dict[str, int] = {}
        entries = [owner for _, owner in minute.actions]
        for k, (line, owner) in enumerate(minute.actions, start=1):
            said = commitments(minute, owner, entries.count(owner))
            nth = taken.get(owner, 0)
            taken[owner] = nth + 1
            action = {"id": f"{meeting_id}-action-{minute.number}-{k}", "meeting": meeting_id, "minute_item": mid, "owner": owner,
                      "person": resolve(owner), "text": said[nth] if nth < len(said) else None, "source": src(line)}
            if action["text"] is None:
                action["note"] = f"The Action column names {owner}; the minute records no commitment by {owner}."
            out["minuted_actions"].append({k2: v for k2, v in action.items() if v is not None or k2 == "text"})
        for line, entry, represented in apologies(minute):
            row = next((r for r in rows if entry.startswith(r.name)), None)
            if row is None:
                report.add(line, "minutes", "a name in the apologies that is a row of the matrix", entry)
                continue
            deputies = [by_name[n.strip()] for n in re.split(r",|\band\b", _REPRESENTED.search(entry).group(1)) if n.strip() in by_name] if represented else []
            apology = {"id": f"{meeting_id}-apology-{row.person}", "meeting": meeting_id, "person": row.person,
                       "represented_by": deputies, "represented_text": represented,
                       "deputy_voting": _deputy_voting(entry) if represented else None, "source": src(line)}
            out["minuted_apologies"].append({k2: v for k2, v in apology.items() if v is not None})
