"""The audit committee report as Markdown, for pasting into board papers.

Same content as the HTML report, shaped for a portrait page: subjects by name, a rule's citation
and remediation said once above its failing subjects, two- or three-column tables, passes as
counts with the lists in an appendix. The pictures become tables (heat-map grid, attendance
matrix, failures per run).

Every value from the data is escaped on the way out (the template environment's ``finalize``):
it stays on one line, cannot open a heading, a list, a link or raw HTML, and carries no control
characters. Helpers that build Markdown themselves return ``Markup`` so it is not escaped twice.
"""

from __future__ import annotations

from .text import shorten

import re
from functools import lru_cache
from typing import Any, Iterable

import jinja2
from markupsafe import Markup

from .templating import environment
from .text import markdown_text, one_line

NOT_MEMBER = "·"
OUTCOME_SHORT = {"not_applicable": "n/a"}


def _finalize(value: Any) -> Any:
    return value if isinstance(value, Markup) else markdown_text(value)


@lru_cache(maxsize=None)
def markdown_environment() -> jinja2.Environment:
    """The report environment, with every ``{{ value }}`` escaped for Markdown."""
    return environment().overlay(finalize=_finalize)


def _cell(value: Any) -> str:
    """A value as the text of one table cell: escaped, on one line."""
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return markdown_text("" if value is None else value)


def code(value: Any) -> Markup:
    """An inline code span (rule ids): backticks cannot occur in it, so none can close it early."""
    return Markup("`" + one_line(value).replace("`", "'") + "`")


def table(rows: Iterable[Iterable[Any]], headers: Iterable[str], numeric: bool = True) -> Markup:
    """A GitHub-flavoured Markdown table; every cell escaped.

    Cells are not padded to a common width (a padded table is as wide as its longest cell on
    every row); columns whose every value is a number are right-aligned when ``numeric``.
    """
    raw = [list(row) for row in rows]
    head = [_cell(h) for h in headers]
    right = [numeric and bool(raw) and all(isinstance(r[i], (int, float)) and not isinstance(r[i], bool) for r in raw)
             for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" if r else "---" for r in right) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in raw]
    return Markup("\n".join(lines))


def heat_map_grid(risks: list[dict[str, Any]]) -> Markup:
    """Likelihood (rows, 5 at the top) × consequence (columns): current risks, and targets in brackets."""
    rows = []
    for lik in range(5, 0, -1):
        row: list[Any] = [Markup(f"**L{lik}**")]
        for con in range(1, 6):
            now = [r["id"] for r in risks if (r["likelihood"], r["consequence"]) == (lik, con)]
            aim = [f"({r['id']})" for r in risks if (r["target_likelihood"], r["target_consequence"]) == (lik, con)]
            row.append(" ".join(now + aim) or f"{lik * con}")
        rows.append(row)
    return table(rows, ["L ↓ / C →"] + [f"C{c}" for c in range(1, 6)], numeric=False)


def attendance_table(matrix: dict[str, Any]) -> Markup:
    """Members × meetings with the marks as recorded, and the quoracy verdict per meeting."""
    headers = ["member"] + [("AGM " if c["kind"] == "agm" else "") + c["date"] for c in matrix["columns"]]
    rows = [[r["name"]] + [NOT_MEMBER if c["status"] == "not_member" else c["mark"] for c in r["cells"]] for r in matrix["rows"]]
    rows.append([Markup("**quorate**")] + [Markup(f"**{_cell(c['quorate'])}**") for c in matrix["columns"]])
    return table(rows, headers, numeric=False)


def trend_table(trend: dict[str, Any]) -> Markup:
    """Failures per family (rows) in each run (columns)."""
    return table([[f] + [run["failures"][f] for run in trend["runs"]] for f in trend["families"]],
                 ["family"] + [run["as_of"] for run in trend["runs"]])


def citations(refs: list[dict[str, Any]]) -> Markup:
    """A rule's references in one sentence: words, then where (a link when it is a web address)."""
    parts = []
    for c in refs:
        text = _cell(c["text"])
        if c["link"]:
            parts.append(f"[{text}](<{c['link'].replace('>', '%3E').replace(' ', '%20')}>)")
        else:
            parts.append(text + (f" ({_cell(c['location'])})" if c["location"] else ""))
    return Markup("; ".join(parts) or "–")


def failing_rows(rule: dict[str, Any], with_change: bool) -> list[list[Any]]:
    """One row per failing subject: its name, then the message and evidence (and the remediation
    when it differs between subjects, and the change since the baseline)."""
    out = []
    for r in rule["rows"]:
        label = shorten(r["subject_label"], 60, at_word=True)
        subject = label if r["subject_label"] == r["subject_id"] else f"{label} ({r['subject_id']})"
        # a board paper's row stays short: the message, the first test that decided it; the JSON has the rest
        shown = r["evidence"][:1] + ([f"{len(r['evidence']) - 1} more in the JSON output"] if len(r["evidence"]) > 1 else [])
        finding = shorten(r["message"], 140, at_word=True) + (". Evidence: " + "; ".join(shown) if shown else "")
        out.append([subject, finding] + ([r["remediation"]] if not rule["remediation"] else []) + ([r["change"]] if with_change else []))
    return out


def subject_rows(items: list[dict[str, Any]], last: str) -> list[list[Any]]:
    """Subject by name, the rule's title, and one more field (the waiver, or the missing data)."""
    return [[r["subject_label"], r["title"], r[last]] for r in items]


def change_rows(state: dict[str, Any]) -> list[list[Any]]:
    return [[c["subject_label"] or c["subject_id"], c["title"], c["severity"]] + ([c["now"].replace("_", " ")] if state["state"] == "resolved" else [])
            for c in state["rows"]]


def change_counts(changes: dict[str, Any]) -> list[list[Any]]:
    return [[s["state"], len(s["rows"])] for s in changes["states"]]


def outcome_words(row: dict[str, Any], outcomes: list[str]) -> str:
    """'4 fail, 8 pass': the outcomes a rule had, in the document's order."""
    return ", ".join(f"{row[o]} {OUTCOME_SHORT.get(o, o)}" for o in outcomes if row[o]) or "no subjects"


def standards_table(rows: list[dict[str, Any]]) -> Markup:
    """The standards table: one row per metric checked."""
    return table([[shorten(r["name"], 60, at_word=True), r["scope"], r["period"], r["value_text"], r["national_cell"], r["plan_cell"], r["verdict"]]
                  for r in rows], ["measure", "scope", "period", "value", "national standard", "own plan or trajectory", "verdict"],
                 numeric=False)


def series_table(series: dict[str, Any]) -> Markup:
    """One measure's trend, the picture as a table: a column per period, rows for the value and each threshold."""
    points = series["points"]
    rows = [["value"] + [p["value_text"] for p in points]]
    rows += [[f"{t['kind']}"] + [t["text"] if t["first"] <= i <= t["last"] else "" for i in range(len(points))]
             for t in series["thresholds"]]
    rows.append(["verdict"] + [p["verdict"] for p in points])
    return table(rows, [""] + [p["period"] for p in points], numeric=False)


def render_markdown(view: dict[str, Any]) -> str:
    """Render a view from ``report.view.build_view`` as Markdown."""
    outcomes = view["outcomes"]

    def target(r: dict[str, Any]) -> str:
        return f"{r['target_likelihood']} × {r['target_consequence']} = {r['target_score']}" if r["target_likelihood"] else "–"

    tables = {
        "outcome_rows": [[o.replace("_", " "), view["summary"]["by_outcome"][o]] for o in outcomes],
        "appendix_rows": [[Markup(f"{_cell(r['title'])} ({code(r['rule_id'])})"), r["severity"], r["subjects"], outcome_words(r, outcomes)]
                          for r in view["appendix"]],
        "risk_rows": [[f"{r['id']} {r['title']}" + (f" ({r['period']})" if r["period"] else ""),
                       f"{r['likelihood']} × {r['consequence']} = {r['score']}", target(r),
                       ("–" if r["tolerance"] is None else str(r["tolerance"]))
                       + {True: "", False: " (over)", None: ""}[r["within_tolerance"]]] for r in view["risks"]],
    }
    template = markdown_environment().get_template("report.md")
    text = template.render(v=view, table=table, code=code, citations=citations, failing_rows=failing_rows,
                           subject_rows=subject_rows, change_rows=change_rows, change_counts=change_counts,
                           heat_map_grid=heat_map_grid, attendance_table=attendance_table, trend_table=trend_table,
                           standards_table=standards_table, series_table=series_table, **tables)
    # Jinja's block tags leave runs of blank lines; Markdown needs only one between blocks.
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
