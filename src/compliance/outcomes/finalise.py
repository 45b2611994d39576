"""From a run's raw findings to the document every output renders: waivers, then the baseline."""

from __future__ import annotations

from typing import Any

from ..engine import coverage
from ..pipeline import CheckRun
from ..report.document import build_document
from ..rules.loader import RuleSet
from .baseline import compare
from .waivers import apply_waivers


def finalise(run: CheckRun, ruleset: RuleSet, *, use_waivers: bool = True,
             baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    """The versioned document for ``run``: waivers applied (unless ``use_waivers`` is False), then
    each failure marked new / persisting against ``baseline`` (a previous document), if given.

    Raises ``BaselineError`` when the baseline is not a compliance document of this schema version.
    """
    findings = run.findings
    covered = coverage.summary(ruleset.rules, findings, run.as_of)
    waivers = changes = None
    if use_waivers:
        resolution = apply_waivers(findings, run.loaded.data.waivers, ruleset.rules, run.as_of)
        findings, waivers = resolution.findings, resolution.section()
    if baseline is not None:
        comparison = compare(findings, baseline, ruleset.renamed())
        findings, changes = comparison.findings, comparison.section()
    return build_document(run.dataset.name, run.as_of.isoformat(), ruleset.digest, findings,
                          waivers=waivers, changes=changes, coverage=covered)
