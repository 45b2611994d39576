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
    rows = [
        [f["outcome"], f["severity"], f["rule_id"], f["subject"]["id"], f["message"][:110]]
        for f in document["findings"]
        if show_passes or f["outcome"] in ("fail", "error", "waived")
    ]
    body = tabulate(rows, headers=["outcome", "severity", "rule", "subject", "message"]) if rows else "no failures or errors"
    return "\n".join(head + ["", body]) + "\n"
