"""The versioned JSON document every output is built from."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .. import __version__
from ..engine.findings import OUTCOMES, Finding

SCHEMA_VERSION = "1"


def summarise(findings: list[Finding]) -> dict[str, Any]:
    outcomes = Counter(f.outcome for f in findings)
    fails = Counter(f.severity for f in findings if f.outcome == "fail")
    return {
        "total": len(findings),
        "by_outcome": {o: outcomes.get(o, 0) for o in OUTCOMES},
        "failures_by_severity": dict(sorted(fails.items())),
    }


def build_document(dataset: str, as_of: str, rules_digest: str, findings: list[Finding], *,
                   waivers: dict[str, Any] | None = None, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The versioned document (see docs/report-format.md).

    ``waivers`` is the waiver resolution (None: waivers were not applied, ``--no-waivers``);
    ``changes`` is the comparison with a baseline (None: no baseline given). Both keys are always
    present so every document has the same shape. Use ``compliance.outcomes.finalise`` rather than
    calling this directly, so waivers and baselines are applied the same way everywhere.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "dataset": dataset,
        "as_of": as_of,
        "rules_digest": rules_digest,
        "summary": summarise(findings),
        "findings": [f.model_dump(mode="json") for f in findings],
        "waivers": waivers,
        "changes": changes,
    }
