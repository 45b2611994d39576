"""SARIF 2.1.0 output of `compliance check`, for code hosts' security and code-scanning tabs.

One ``run``; the driver lists every rule evaluated; one ``result`` per failing, erroring or
waived (rule, subject). Passes and not-applicable findings are left out: a code-scanning tab
lists problems. A waived failure is a result with an accepted external suppression naming the
waiver, so it stays visible but does not count as open. The location is the data set directory
(findings are about records, not lines of a file); the subject is a logical location.
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from .text import one_line
from .view import cite

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def _rules(document: dict[str, Any]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for f in document["findings"]:
        if f["rule_id"] in seen:
            continue
        rule = {"id": f["rule_id"], "name": f["rule_id"].rsplit(".", 1)[-1],
                "shortDescription": {"text": one_line(f["title"])},
                "defaultConfiguration": {"level": LEVELS.get(f["severity"], "warning")},
                "properties": {"family": f["family"], "severity": f["severity"],
                               "references": [one_line(cite(r)) for r in f["references"]]}}
        if f["remediation"]:
            rule["help"] = {"text": one_line(f["remediation"])}
        urls = [r["url"] for r in f["references"] if (r.get("url") or "").startswith(("http://", "https://"))]
        if urls:
            rule["helpUri"] = urls[0]
        seen[f["rule_id"]] = rule
    return list(seen.values())


def render_sarif(document: dict[str, Any], dataset_uri: str | None = None) -> str:
    """The document as a SARIF 2.1.0 log (deterministic: sorted keys, document order)."""
    rules = _rules(document)
    index = {r["id"]: i for i, r in enumerate(rules)}
    uri = (dataset_uri or document["dataset"]).rstrip("/") + "/"
    results = []
    for f in document["findings"]:
        if f["outcome"] not in ("fail", "error", "not_checked", "waived"):
            continue
        result = {
            "ruleId": f["rule_id"], "ruleIndex": index[f["rule_id"]],
            "kind": "review" if f["outcome"] in ("error", "not_checked") else "fail",
            "level": "warning" if f["outcome"] in ("error", "not_checked") else LEVELS.get(f["severity"], "warning"),
            "message": {"text": one_line(f"{f['subject']['label']}: {f['message']}")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}},
                           "logicalLocations": [{"name": one_line(f["subject"]["label"]), "kind": "object",
                                                 "fullyQualifiedName": one_line(f"{f['subject']['kind']}/{f['subject']['id']}")}]}],
            "partialFingerprints": {"ruleSubject/v1": one_line(f"{f['rule_id']}|{f['subject']['id']}")},
            "properties": {"outcome": f["outcome"], "subject": f["subject"], "as_of": f["as_of"]},
        }
        if f["outcome"] == "waived" and f.get("waiver"):
            w = f["waiver"]
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": one_line(f"{w.get('key')}: {w.get('reason')} (approved by {w.get('approved_by')}, "
                                                                 f"{w.get('approval_ref')}; until {w.get('effective_expires')})")}]
        results.append(result)
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "compliance", "version": __version__, "semanticVersion": __version__,
                            "informationUri": "https://pypi.org/project/compliance/", "rules": rules}},
        "results": results,
        "properties": {"dataset": document["dataset"], "as_of": document["as_of"], "rules_digest": document["rules_digest"],
                       "summary": document["summary"]},
    }]}
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
