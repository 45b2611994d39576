"""One data set through the whole pipeline: load → facts → evaluate → findings.

Every command that needs findings (check, report, preboard, test, bench) calls ``run_check`` so
they cannot drift apart in how load errors, parameter overrides or the engine are handled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from .engine.evaluate import iter_findings
from .engine.findings import Finding, load_error_findings
from .facts import derive_facts, owned_facts
from .io import load_dataset
from .io.dataset import LoadedDataset
from .io.issues import DatasetError, LoadIssue
from .model import GovernanceData
from .rules.loader import RuleSet, check_overrides, fields_needed


def check_params(ruleset: RuleSet, loaded: LoadedDataset) -> None:
    """Refuse the data set's ``rule_params`` if a name, type or range is wrong (exit 2, all listed)."""
    issues = []
    for name, overrides in (("organisation.yaml", loaded.data.organisation.rule_params),
                            ("compliance.yaml", loaded.config.rule_params if loaded.config else {})):
        file = f"{loaded.path}/{name}"
        problems = check_overrides(ruleset.rules, overrides, file)
        issues += [LoadIssue(file, "rule_params", "", p.split(": ", 1)[1] if ": " in p else p) for p in problems]
    if issues:
        raise DatasetError(issues)


@dataclass
class CheckRun:
    """The loaded data set, its facts and the findings of one run (with ``stream``, an iterator:
    each finding made when it is reached, in the same order; then ``loaded.data`` keeps only the
    organisation and the waivers and ``facts`` is empty, so the records and facts are freed as
    the findings are written, see ``run_loaded``)."""

    dataset: Path
    as_of: dt.date
    loaded: LoadedDataset
    facts: list[dict]
    findings: list[Finding] | Iterator[Finding]


def run_check(dataset: Path, ruleset: RuleSet, as_of: dt.date, *, keep_going: bool = False,
              engine: str = "durable", stream: bool = False, explain: bool = False) -> CheckRun:
    """Evaluate one data set; raises ``DatasetError`` (strict load) or ``EngineUnavailable``.

    With ``keep_going`` invalid records become ``error`` findings instead of stopping the run.
    Findings are sorted by (rule id, subject id); with ``stream`` they come as an iterator, made
    one rule at a time, so memory does not grow with their number (the load and the engine's
    decisions are made before this returns, so their errors are raised here). ``explain``: each
    finding's evidence is gathered as it is decided (for outputs that show every finding), not
    when first read.
    """
    return run_loaded(load_dataset(dataset, strict=not keep_going), ruleset, as_of, engine=engine, stream=stream,
                      explain=explain, release=stream)


def run_loaded(loaded: LoadedDataset, ruleset: RuleSet, as_of: dt.date, *, engine: str = "durable",
               stream: bool = False, explain: bool = False, release: bool = False) -> CheckRun:
    """``run_check`` for a data set already loaded (a caller that read it to choose ``as_of``).

    With ``stream`` the run keeps nothing the streamed document does not read: the records are
    dropped once the facts are derived (the summary, coverage and waivers need only the
    organisation and the waivers), and the facts are the run's own, so the pack's derived values
    and the computed fields are added to them in place rather than to copies
    (``facts.owned_facts``). Measured at about a million findings (bench/memory.py): the records
    were a fifth of the peak and the copies another. ``release``: the caller gives ``loaded.data``'s
    registers up, to be emptied as the facts are made from them (``derive_facts``'s ``release``).
    """
    check_params(ruleset, loaded)
    facts = derive_facts(loaded.data, as_of, fields_needed(ruleset.rules), release=release)
    errors = sorted(load_error_findings(loaded.issues, as_of), key=_order)
    evaluated = iter_findings(ruleset.rules, facts, as_of, loaded.rule_params, engine=engine,
                              supplied=loaded.supplied, asks=set(loaded.data.organisation.cover_sheet.asks),
                              dropped=loaded.dropped, explain=explain)
    if stream:  # the caller's copy is the one passed in; ours no longer holds the records
        loaded = replace(loaded, data=_without_records(loaded.data))
    with owned_facts() if stream else contextlib.nullcontext():
        first = next(evaluated, None)  # plans and engine decisions are made up to here: their errors raise now
    evaluated = itertools.chain([first] if first is not None else [], evaluated)
    # a stable merge: as one sort of the evaluated findings followed by the load errors would order them
    findings = heapq.merge(evaluated, errors, key=_order)
    return CheckRun(Path(loaded.path), as_of, loaded, [] if stream else facts, findings if stream else list(findings))


def _without_records(data: GovernanceData) -> GovernanceData:
    """``data`` keeping only its organisation and waivers, every register empty. Each empty value
    is made here from its field's factory: ``model_construct`` would first ask ``inspect`` of each
    factory whether it takes the validated data (a class built per register and left as cyclic
    garbage, 20 a run)."""
    empty = {name: field.default_factory() for name, field in type(data).model_fields.items()
             if field.default_factory is not None}
    return type(data).model_construct(**{**empty, "organisation": data.organisation, "waivers": data.waivers})


def _order(finding: Finding) -> tuple[str, str]:
    return finding.rule_id, finding.subject.id
