"""The versioned JSON document every output is built from."""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from .. import __version__
from ..engine.findings import OUTCOMES, Finding
from ..engine.gc_policy import fewer_collections

# 2: the outcome not_checked, summary.unchecked_by_severity and the coverage section
SCHEMA_VERSION = "2"


def summarise(findings: Iterable[Finding]) -> dict[str, Any]:
    """The document's ``summary``: counts by outcome, and fails and not-checked by severity."""
    tally = SummaryTally()
    for f in findings:
        tally.add(f.outcome, f.severity)
    return tally.summary()


class SummaryTally:
    """``summarise`` one finding at a time (for findings written as they are made)."""

    def __init__(self) -> None:
        self.pairs: Counter[tuple[str, str]] = Counter()  # (outcome, severity) -> findings

    def add(self, outcome: str, severity: str) -> None:
        """Count one finding."""
        self.pairs[outcome, severity] += 1

    def summary(self) -> dict[str, Any]:
        """The ``summary`` of the findings counted so far."""
        outcomes: Counter[str] = Counter()
        fails: Counter[str] = Counter()
        unchecked: Counter[str] = Counter()
        for (outcome, severity), n in self.pairs.items():
            outcomes[outcome] += n
            if outcome in ("fail", "not_checked"):
                (fails if outcome == "fail" else unchecked)[severity] += n
        return {
            "total": sum(outcomes.values()),
            "by_outcome": {o: outcomes.get(o, 0) for o in OUTCOMES},
            "failures_by_severity": dict(sorted(fails.items())),
            "unchecked_by_severity": dict(sorted(unchecked.items())),
        }


def build_document(dataset: str, as_of: str, rules_digest: str, findings: list[Finding], *,
                   waivers: dict[str, Any] | None = None, changes: dict[str, Any] | None = None,
                   coverage: dict[str, Any] | None = None) -> dict[str, Any]:
    """The versioned document (see docs/report-format.md).

    ``waivers`` is the waiver resolution (None: waivers were not applied, ``--no-waivers``);
    ``changes`` is the comparison with a baseline (None: no baseline given). Both keys are always
    present so every document has the same shape. ``coverage`` says which rules were checked and
    which not, and why (``engine.coverage.summary``); None when the caller had no rules. Use ``compliance.outcomes.finalise`` rather than
    calling this directly, so waivers and baselines are applied the same way everywhere.
    """
    with fewer_collections():  # a dict per finding, all kept: the collector would rescan them (engine.gc_policy)
        dumped = [f.model_dump(mode="json") for f in findings]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "dataset": dataset,
        "as_of": as_of,
        "rules_digest": rules_digest,
        "summary": summarise(findings),
        "findings": dumped,
        "waivers": waivers,
        "changes": changes,
        "coverage": coverage,
    }
