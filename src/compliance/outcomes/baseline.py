"""Change since a previous run: each failure is new or persisting, and what was failing and is
no longer is resolved. Findings are matched on (rule id, subject id) only, never on position
or message wording, so a reworded message or a reordered report changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.findings import Finding
from ..report.document import SCHEMA_VERSION

FAILING = ("fail", "waived")  # a waived finding still fails its rule; the waiver only accepts it


class BaselineError(ValueError):
    """A baseline that cannot be compared with: not a compliance document, or another schema."""


@dataclass
class BaselineComparison:
    """The findings marked ``new`` / ``persisting`` and the baseline failures now resolved."""

    findings: list[Finding]
    baseline_as_of: str | None
    baseline_dataset: str | None
    new: list[dict[str, Any]]
    persisting: list[dict[str, Any]]
    resolved: list[dict[str, Any]]

    def section(self) -> dict[str, Any]:
        """The document's ``changes`` section."""
        return {
            "baseline_as_of": self.baseline_as_of, "baseline_dataset": self.baseline_dataset,
            "new": self.new, "persisting": self.persisting, "resolved": self.resolved,
        }


def load_baseline(path: str | Path) -> dict[str, Any]:
    """Read and check a previous ``compliance check --format json`` document; BaselineError if unusable."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such file; expected the JSON of a previous `compliance check --format json`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}); expected the output of `compliance check --format json`") from None
    check_baseline(document, str(path))
    return document


def check_baseline(document: Any, name: str = "baseline") -> None:
    """Raise BaselineError listing every problem when ``document`` is not a usable baseline."""
    if not isinstance(document, dict) or "findings" not in document or "schema_version" not in document:
        raise BaselineError(f"{name}: not a compliance document; expected the JSON of `compliance check --format json` (an object with schema_version and findings)")
    version = document["schema_version"]
    if str(version) != SCHEMA_VERSION:
        raise BaselineError(f"{name}: field 'schema_version' is {version!r}; this version of compliance compares only with schema_version {SCHEMA_VERSION!r} (re-run the baseline with this version)")
    if not isinstance(document["findings"], list):
        raise BaselineError(f"{name}: field 'findings' is not a list")
    problems = []
    for i, f in enumerate(document["findings"]):
        subject = f.get("subject") if isinstance(f, dict) else None
        for field, ok in (("rule_id", isinstance(f, dict) and isinstance(f.get("rule_id"), str)),
                          ("subject.id", isinstance(subject, dict) and isinstance(subject.get("id"), str)),
                          ("outcome", isinstance(f, dict) and isinstance(f.get("outcome"), str))):
            if not ok:
                problems.append(f"findings[{i}]: field '{field}' missing or not a string")
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise BaselineError(f"{name}: {len(problems)} malformed finding(s): {shown}")


def _ref(rule_id: str, subject: dict[str, Any], severity: str, family: str, title: str, message: str) -> dict[str, Any]:
    return {"rule_id": rule_id, "subject": subject, "severity": severity, "family": family, "title": title, "message": message}


def compare(findings: list[Finding], baseline_document: dict[str, Any], renamed: dict[str, str] | None = None) -> BaselineComparison:
    """Mark each failing finding new or persisting against the baseline; list resolved failures.

    A resolved entry carries ``now``: the current outcome of that (rule, subject), or ``absent``
    when it was not evaluated in this run (subject gone, or rule retired). ``renamed`` maps a rule's
    former ids to its current one, so a baseline written before a rename still matches.
    """
    check_baseline(baseline_document)
    renamed = renamed or {}
    before = {(renamed.get(f["rule_id"], f["rule_id"]), f["subject"]["id"]): f for f in baseline_document["findings"]}
    was_failing = {key for key, f in before.items() if f["outcome"] in FAILING}
    now = {(f.rule_id, f.subject.id): f for f in findings}
    marked, new, persisting = [], [], []
    for f in findings:
        if f.outcome not in FAILING:
            marked.append(f)
            continue
        change = "persisting" if (f.rule_id, f.subject.id) in was_failing else "new"
        marked.append(f.model_copy(update={"change": change}))
        entry = _ref(f.rule_id, f.subject.model_dump(), f.severity, f.family, f.title, f.message)
        (persisting if change == "persisting" else new).append({**entry, "outcome": f.outcome})
    resolved = []
    for key in sorted(was_failing):
        current = now.get(key)
        if current is not None and current.outcome in FAILING:
            continue
        old = before[key]
        entry = _ref(old["rule_id"], old["subject"], old.get("severity", ""), old.get("family", ""), old.get("title", ""), old.get("message", ""))
        resolved.append({**entry, "was": old["outcome"], "now": current.outcome if current else "absent"})
    return BaselineComparison(marked, baseline_document.get("as_of"), baseline_document.get("dataset"), new, persisting, resolved)
