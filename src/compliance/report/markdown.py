"""The audit committee report as Markdown, for pasting into board papers.

Same content as the HTML report; the pictures become tables (heat-map grid, attendance matrix,
failures per run).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from tabulate import tabulate

from .templating import environment

NOT_MEMBER = "·"


def _cell(value: Any) -> str:
    """Keep a value on one table line: a pipe or a newline would break a GitHub table."""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return ("" if value is None else str(value)).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def table(rows: Iterable[Iterable[Any]], headers: Iterable[str], numeric: bool = True) -> str:
    """A GitHub-flavoured Markdown table."""
    body = [[_cell(c) for c in row] for row in rows]
    return tabulate(body, headers=[_cell(h) for h in headers], tablefmt="github",
                    disable_numparse=not numeric)


def heat_map_grid(risks: list[dict[str, Any]]) -> str:
    """Likelihood (rows, 5 at the top) × consequence (columns): current risks, and targets in brackets."""
    rows = []
    for lik in range(5, 0, -1):
        row = [f"**L{lik}**"]
        for con in range(1, 6):
            now = [r["id"] for r in risks if (r["likelihood"], r["consequence"]) == (lik, con)]
            aim = [f"({r['id']})" for r in risks if (r["target_likelihood"], r["target_consequence"]) == (lik, con)]
            row.append(" ".join(now + aim) or f"{lik * con}")
        rows.append(row)
    return table(rows, ["likelihood ↓ / consequence →"] + [f"C{c}" for c in range(1, 6)], numeric=False)


def attendance_table(matrix: dict[str, Any]) -> str:
    """Members × meetings with the marks as recorded, and the quoracy verdict per meeting."""
    headers = ["member"] + [("AGM " if c["kind"] == "agm" else "") + c["date"] for c in matrix["columns"]]
    rows = [[r["name"]] + [NOT_MEMBER if c["status"] == "not_member" else c["mark"] for c in r["cells"]] for r in matrix["rows"]]
    rows.append(["**quorate**"] + [f"**{c['quorate']}**" for c in matrix["columns"]])
    return table(rows, headers, numeric=False)


def trend_table(trend: dict[str, Any]) -> str:
    """Failures per family (rows) in each run (columns)."""
    return table([[f] + [run["failures"][f] for run in trend["runs"]] for f in trend["families"]],
                 ["family"] + [run["as_of"] for run in trend["runs"]])


def rows(items: Iterable[dict[str, Any]], keys: Iterable[str]) -> list[list[Any]]:
    """The named fields of each item, as table rows."""
    keys = list(keys)
    return [[item.get(k) for k in keys] for item in items]


def failing_rows(group: list[dict[str, Any]], with_change: bool) -> list[list[Any]]:
    """One row per failing subject: subject, message, evidence, citation, remediation (and change)."""
    return [[r["subject_id"], r["message"], r["evidence"], [c["text"] for c in r["citations"]], r["remediation"]]
            + ([r["change"]] if with_change else []) for r in group]


def pass_rows(passes: list[dict[str, Any]]) -> list[list[Any]]:
    return [[f"{p['title']} (`{p['rule_id']}`)", len(p["passed"]), ", ".join(p["passed"]), len(p["not_applicable"])] for p in passes]


def change_counts(changes: dict[str, Any]) -> list[list[Any]]:
    return [[s["state"], len(s["rows"])] for s in changes["states"]]


def render_markdown(view: dict[str, Any]) -> str:
    """Render a view from ``report.view.build_view`` as Markdown."""
    outcomes = view["outcomes"]
    names = [o.replace("_", " ") for o in outcomes]

    def target(r: dict[str, Any]) -> str:
        return f"{r['target_likelihood']} × {r['target_consequence']} = {r['target_score']}" if r["target_likelihood"] else "–"

    tables = {
        "outcome_names": names,
        "outcome_rows": [[n, view["summary"]["by_outcome"][o]] for n, o in zip(names, outcomes)],
        "severity_rows": [[row["severity"]] + [row[o] for o in outcomes] for row in view["severity_matrix"]],
        "appendix_rows": [[f"`{r['rule_id']}`", r["title"], r["severity"], r["applies_to"], r["subjects"]] + [r[o] for o in outcomes]
                          for r in view["appendix"]],
        "risk_rows": [[r["id"], r["period"], f"{r['likelihood']} × {r['consequence']} = {r['score']}", target(r),
                       "–" if r["tolerance"] is None else r["tolerance"],
                       {True: "yes", False: "**no**", None: "unknown"}[r["within_tolerance"]]] for r in view["risks"]],
    }
    template = environment().get_template("report.md")
    text = template.render(v=view, table=table, rows=rows, failing_rows=failing_rows, pass_rows=pass_rows,
                           change_counts=change_counts, heat_map_grid=heat_map_grid, attendance_table=attendance_table,
                           trend_table=trend_table, **tables)
    # Jinja's block tags leave runs of blank lines; Markdown needs only one between blocks.
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
