"""Compare an imported data set with the hand-made one, field by field, on what the checker reads."""

from __future__ import annotations

from pathlib import Path

from compliance.io import load_dataset


def _people(d):
    return {p.id: (p.name, p.role, p.organisation, p.role_group, p.cohort, p.voting, tuple(p.roles)) for p in d.people}


def _attendance(d):
    return {m.id: (m.date, m.kind, {a.person: (a.status, a.mark or "", a.deputy) for a in m.attendance}) for m in d.meetings}


def _declarations(d):
    return {
        x.id: (x.person, x.declared_on, x.nil_return, tuple(x.mitigation_codes),
               tuple((i.category, i.number, " ".join(i.description.split()), i.start, i.end, i.ongoing, i.remove_by) for i in x.interests))
        for x in d.declarations
    }


def _actions(d):
    return sorted((a.ref, a.status, a.due, a.completed_on, a.section, a.owner, a.meeting_date) for a in d.actions)


def _papers(d):
    return {
        p.id: (p.agenda_item, p.enclosure, tuple(p.purposes), tuple(p.agenda_purposes), p.within_delegated_limits,
               p.conflict.answer, p.financial_impact.answer, p.dpia.answer, p.eia.answer, p.qia.answer, tuple(p.linked_risks),
               # the whole sheet (issue 19): the prose sections and the risks the template prints
               p.template, p.appendices, p.undertakings, p.purpose_text, tuple(p.history), p.history_text, p.implications,
               p.executive_summary, p.recommendations_to, p.recommendations, tuple(p.baf_options))
        for p in d.papers
    }


def _risks(d):
    out = {}
    for r in d.risks:
        t = r.target
        out[r.id] = (
            tuple((s.period, s.likelihood, s.consequence, s.score) for s in r.scores),
            (t.likelihood, t.consequence, t.score, t.date) if t else None,
            (r.tolerance.score, r.tolerance.appetite) if r.tolerance else None, r.assurance, r.movement, r.owner, r.committee, tuple(r.linked_risks),
            # the effective due date, as the checker reads it (revised when re-dated)
            tuple((a.id, a.revised_due or a.due, a.progress) for a in r.actions),
        )
    return out


def _membership(d):
    return {b.id: {m.person: (m.from_date, m.to_date, m.voting) for m in b.members} for b in d.bodies}


# The pack's performance summary tables (lines 2248-2351) are what the importer reads; the hand-made metrics
# and standards also hold values from the pack's narrative, which no importer reads, so only the records
# sourced from the tables are compared.
SUMMARY_TABLE_LINES = range(2248, 2352)


def _from_tables(records):
    return [r for r in records if r.source and r.source.line in SUMMARY_TABLE_LINES]


def _metrics(d):
    return {m.id: (m.measure, m.scope, m.organisation, m.period.start, m.period.end, m.value, m.unit, m.basis,
                   m.forecast, m.provisional, m.against) for m in _from_tables(d.metrics)}


def _standards(d):
    return {s.id: (s.measure, s.comparison, s.threshold, s.unit, s.kind, s.scope, s.organisation, s.effective_from,
                   s.effective_to, s.deadline, s.advisory) for s in _from_tables(d.standards)}


PROJECTIONS = {"people": _people, "meetings": _attendance, "declarations": _declarations, "actions": _actions,
               "papers": _papers, "risks": _risks, "bodies": _membership,
               "metrics": _metrics, "standards": _standards}


def differences(imported: Path, hand: Path) -> dict[str, list[str]]:
    """Per register, a line for each record whose compared fields differ (or that only one side has)."""
    a = load_dataset(imported).data
    b = load_dataset(hand).data
    out: dict[str, list[str]] = {}
    for name, project in PROJECTIONS.items():
        x, y = project(a), project(b)
        lines = []
        if isinstance(x, dict):
            for key in sorted(set(x) | set(y)):
                if x.get(key) != y.get(key):
                    lines.append(f"{key}: imported {x.get(key)!r} / hand {y.get(key)!r}")
        elif x != y:
            lines += [f"imported only {v!r}" for v in x if v not in y] + [f"hand only {v!r}" for v in y if v not in x]
        out[name] = lines
    return out


# the agenda, committee-report and minutes registers (issue 18)
RECORDS_REGISTERS = ("agenda_items", "committee_reports", "committee_meetings", "committee_decisions", "committee_escalations",
                     "minute_items", "minuted_apologies", "minuted_actions", "minute_speakers")

_SKIP = {"source", "note", "raw", "minutes"}  # provenance and free text, not data


def _plain(value):
    if isinstance(value, dict):
        out = {k: _plain(v) for k, v in value.items() if k not in _SKIP}
        for key in ("attendance", "members"):  # order in the file carries no meaning
            if key in out:
                out[key] = sorted(out[key], key=lambda e: e["person"])
        return out
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def field_differences(imported: Path, hand: Path) -> list[str]:
    """Every field (but source, note, raw and minutes) whose value differs: 'register id.path: imported / hand'.

    Every register is compared: the agenda of every meeting (the pack's own from its agenda, earlier
    ones from their minutes), the committee reports and the minutes included (issue 18)."""
    a, b = load_dataset(imported).data, load_dataset(hand).data
    lines: list[str] = []

    def walk(where, x, y):
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                walk(f"{where}.{k}", x.get(k), y.get(k))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y)):
                walk(f"{where}[{i}]", u, v)
        elif x != y:
            lines.append(f"{where}: {x!r} / {y!r}")

    walk("organisation", _plain(a.organisation.model_dump(mode="json")), _plain(b.organisation.model_dump(mode="json")))
    for register in ("people", "bodies", "meetings", "declarations", "risks", "actions", "papers", "metrics", "standards",
                     *RECORDS_REGISTERS):
        def key(r):
            return f"{r.ref}@{r.source.line if r.source else 0}" if register == "actions" else r.id

        pick = _from_tables if register in ("metrics", "standards") else list
        x = {key(r): _plain(r.model_dump(mode="json")) for r in pick(getattr(a, register))}
        y = {key(r): _plain(r.model_dump(mode="json")) for r in pick(getattr(b, register))}
        for k in sorted(set(x) | set(y)):
            walk(f"{register} {k}", x.get(k), y.get(k))
    return lines
