"""Which findings fail a run (``--fail-on``): one rule for check, batch and preboard.

A ``fail`` counts at its rule's severity. So, by default, do ``error`` (the data could not
answer the rule: a missing field, a dropped record, an engine disagreement) and ``not_checked``
(a register the rule needs is not supplied): an audit run must never pass because data is
missing. ``count_unchecked=False`` (``--no-fail-on-unchecked``) lets only fails count.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..rules.schema import SEVERITY_ORDER

UNCHECKED = ("error", "not_checked")


def gating(outcome: str, count_unchecked: bool = True) -> bool:
    """Whether a finding with ``outcome`` can fail the run."""
    return outcome == "fail" or (count_unchecked and outcome in UNCHECKED)


def fails_run(findings: Iterable[Any], fail_on: str, count_unchecked: bool = True) -> bool:
    """True when a gating finding's severity is at or above ``fail_on`` (``never``: nothing is)."""
    threshold = SEVERITY_ORDER.get(fail_on, 99)
    for f in findings:
        outcome, severity = (f["outcome"], f["severity"]) if isinstance(f, dict) else (f.outcome, f.severity)
        if gating(outcome, count_unchecked) and SEVERITY_ORDER.get(severity, 0) >= threshold:
            return True
    return False
