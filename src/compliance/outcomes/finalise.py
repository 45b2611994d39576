"""From a run's raw findings to the document every output renders: waivers, then the baseline."""

from __future__ import annotations

from typing import Any, Iterator

from ..engine import coverage
from ..pipeline import CheckRun
from ..report.document import SummaryTally, build_document
from ..rules.loader import RuleSet
from .baseline import compare
from .waivers import WaiverResolution, WaiverStream, apply_waivers


def finalise(run: CheckRun, ruleset: RuleSet, *, use_waivers: bool = True,
             baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    """The versioned document for ``run``: waivers applied (unless ``use_waivers`` is False), then
    each failure marked new / persisting against ``baseline`` (a previous document), if given.

    Raises ``BaselineError`` when the baseline is not a compliance document of this schema version.
    """
    findings = list(run.findings)
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


class DocumentStream:
    """``finalise``'s document (without a baseline) for a run whose findings stream
    (``run_check(..., stream=True)``): ``findings()`` yields each finding of the document as
    ``finalise`` would write it, one at a time; once they are all read, ``rest()`` is every other
    key of the document (summary, coverage and waivers are gathered as the findings pass).
    """

    def __init__(self, run: CheckRun, ruleset: RuleSet, *, use_waivers: bool = True):
        self.run, self.ruleset = run, ruleset
        self.waivers = WaiverStream(run.loaded.data.waivers, ruleset.rules, run.as_of) if use_waivers else None
        self.covered = coverage.Tally()
        self.counted = SummaryTally()
        self._done = False
        self._rest: dict[str, Any] | None = None

    def findings(self, dump: bool = True) -> Iterator[Any]:
        """The document's findings in order, each as its JSON dict (made, then dropped by the
        caller); with ``dump=False`` the ``Finding`` objects themselves (message and evidence
        still unexplained, for a caller that only counts)."""
        pending = None  # a waiver names the last finding of a (rule, subject): settle one on seeing the next
        for f in self.run.findings:
            self.covered.add(f)
            if pending is not None:
                yield self._out(pending, _key(pending) != _key(f), dump)
            pending = f
        if pending is not None:
            yield self._out(pending, True, dump)
        self._done = True

    def _out(self, finding: Any, last: bool, dump: bool) -> Any:
        if last and self.waivers is not None:
            finding = self.waivers.settle(finding)
        self.counted.add(finding.outcome, finding.severity)
        return finding.model_dump(mode="json") if dump else finding

    def rest(self) -> dict[str, Any]:
        """Every key of the document but ``findings``; only after ``findings()`` is exhausted."""
        if not self._done:
            raise RuntimeError("DocumentStream.rest() before every finding was read")
        if self._rest is not None:
            return self._rest
        run = self.run
        waivers = WaiverResolution([], self.waivers.statuses()).section() if self.waivers is not None else None
        document = build_document(run.dataset.name, run.as_of.isoformat(), self.ruleset.digest, [], waivers=waivers,
                                  coverage=self.covered.summary(self.ruleset.rules, run.as_of))
        del document["findings"]
        document["summary"] = self.counted.summary()
        self._rest = document
        return document

    def outcomes(self) -> list[dict[str, str]]:
        """One ``{"outcome", "severity"}`` per distinct pair seen: enough for ``gate.fails_run``."""
        return [{"outcome": o, "severity": s} for o, s in self.counted.pairs]


def _key(finding: Any) -> tuple[str, str]:
    return finding.rule_id, finding.subject.id
