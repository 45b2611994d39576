"""Text renderers for `compliance check`."""

from __future__ import annotations

import json
from typing import Any

from tabulate import tabulate


def render_json(document: dict[str, Any]) -> str:
    """Deterministic JSON: sorted keys, stable order of findings."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_table(document: dict[str, Any], show_passes: bool = False) -> str:
    summary = document["summary"]
    head = [f"{document['dataset']} as of {document['as_of']} ({document['rules_digest']})", ""]
    head.append(tabulate([[o, n] for o, n in summary["by_outcome"].items()], headers=["outcome", "count"]))
    if summary["failures_by_severity"]:
        head += ["", tabulate(list(summary["failures_by_severity"].items()), headers=["failures by severity", "count"])]
    changes = document.get("changes")
    rows = [
        [f["outcome"], f["severity"], f["rule_id"], f["subject"]["id"], f["message"][:110]] + ([f.get("change") or ""] if changes else [])
        for f in document["findings"]
        if show_passes or f["outcome"] in ("fail", "error", "waived")
    ]
    headers = ["outcome", "severity", "rule", "subject", "message"] + (["change"] if changes else [])
    body = tabulate(rows, headers=headers) if rows else "no failures or errors"
    return "\n".join(head + ["", body] + _waiver_and_change_notes(document)) + "\n"


def _waiver_and_change_notes(document: dict[str, Any]) -> list[str]:
    """Footer lines: waivers that need attention and the change since the baseline."""
    lines: list[str] = []
    waivers = document.get("waivers") or {}
    for state in ("expired", "orphaned", "on_error", "not_yet_valid", "capped"):
        for w in waivers.get(state, []):
            lines.append(f"waiver {w['key']} ({w['rule_id']} / {w['subject']}) {state.replace('_', ' ')}: {w['detail']}")
    changes = document.get("changes")
    if changes:
        lines.append(f"since {changes['baseline_as_of']}: {len(changes['new'])} new, {len(changes['persisting'])} persisting, "
                     f"{len(changes['resolved'])} resolved failures")
        lines += [f"  resolved: {r['rule_id']} / {r['subject']['id']} (now {r['now']})" for r in changes["resolved"]]
    return [""] + lines if lines else []
