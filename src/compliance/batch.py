"""Several data sets in one `compliance check`: each data set is one unit of work.

Data sets are independent (no rule reads across organisations), so each is evaluated alone by
``compliance.pipeline.run_check`` — in this process, or in ``jobs`` worker processes — and the
per-data-set documents are combined, in the order the data sets were named, into one report.
A worker process keeps its compiled rulesets between data sets (the engine reuses them), so
memory stays flat however many data sets a worker is given. Results do not depend on ``jobs``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATASET_MARKERS = ("organisation.yaml", "organisation.yml", "organisation.json")


class BatchError(ValueError):
    """A path that is neither a data set nor a directory holding data sets."""


@dataclass
class DatasetOutcome:
    """One data set's document, or the problems that stopped it from being evaluated."""

    path: str
    document: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    output: str | None = None  # where the document was written (``out_dir``), instead of kept


def is_dataset(path: Path) -> bool:
    """A data set directory has its organisation register at the top."""
    return any((path / marker).is_file() for marker in DATASET_MARKERS)


def expand(paths: list[Path]) -> list[Path]:
    """The data sets named: each path is a data set, or a directory whose sub-directories are."""
    out: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if is_dataset(path):
            out.append(path)
        elif path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_dir() and is_dataset(p))
            if not found:
                problems.append(f"{path}: neither a data set (no organisation.yaml) nor a directory of data sets")
            out.extend(found)
        else:
            problems.append(f"{path}: is not a directory; expected a data set or a directory of data sets")
    if problems:
        raise BatchError("; ".join(problems))
    return out


_rulesets: dict[tuple[str, ...], Any] = {}


def _ruleset(rules_paths: tuple[str, ...]):
    """Rules are loaded once per process (a worker then serves many data sets with them)."""
    from .rules import load_rules

    if rules_paths not in _rulesets:
        _rulesets[rules_paths] = load_rules(list(rules_paths))
    return _rulesets[rules_paths]


INDEX_NAME = "batch.json"  # beside the documents in ``out_dir``: the batch report, for ``combine_files``


def output_name(dataset: Path, index: int) -> str:
    """The file a data set's document is written to with ``out_dir`` (numbered: names may repeat)."""
    return f"{index:04d}-{dataset.name}.json"


def check_one(task: tuple[str, tuple[str, ...], dt.date, bool, str, bool, str | None]) -> DatasetOutcome:
    """Evaluate one data set and build its document (runs in a worker process).

    With an output file the document is written there and only its summary comes back, so the
    parent holds summaries, not findings, however many data sets there are.
    """
    from .engine.durable_engine import EngineUnavailable
    from .io import DatasetError
    from .outcomes import finalise
    from .outcomes.gate import gating
    from .pipeline import run_check

    dataset, rules_paths, as_of, keep_going, engine, use_waivers, output = task
    try:
        run = run_check(Path(dataset), _ruleset(rules_paths), as_of, keep_going=keep_going, engine=engine)
    except DatasetError as exc:
        return DatasetOutcome(dataset, None, [str(i) for i in exc.issues])
    except EngineUnavailable as exc:
        return DatasetOutcome(dataset, None, [str(exc)])
    document = finalise(run, _ruleset(rules_paths), use_waivers=use_waivers)
    if output is None:
        return DatasetOutcome(dataset, document, summary=document["summary"])
    from .io.writer import write_atomic
    from .report import render_json

    write_atomic(Path(output), render_json(document))
    failing = [{"severity": f["severity"], "outcome": f["outcome"]} for f in document["findings"] if gating(f["outcome"])]
    return DatasetOutcome(dataset, None, summary={**document["summary"], "failing": failing}, output=output)


def check_many(datasets: list[Path], rules_paths: list[str], as_of: dt.date, *, jobs: int = 1,
               keep_going: bool = False, engine: str = "durable", use_waivers: bool = True,
               out_dir: Path | None = None) -> list[DatasetOutcome]:
    """Every data set's outcome, in the order given; ``jobs`` > 1 uses that many processes.

    With ``out_dir`` each data set's JSON document is written there (see ``output_name``) and
    only summaries are returned: memory then holds one data set per process, not all of them.
    """
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [(str(d), tuple(str(p) for p in rules_paths), as_of, keep_going, engine, use_waivers,
              str(out_dir / output_name(d, i)) if out_dir is not None else None) for i, d in enumerate(datasets)]
    if jobs <= 1 or len(tasks) <= 1:
        return [check_one(t) for t in tasks]
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415 - only a parallel run pays for it

    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
        return list(pool.map(check_one, tasks, chunksize=1))


def combine(outcomes: list[DatasetOutcome], as_of: dt.date, rules_digest: str) -> dict[str, Any]:
    """One report over all data sets: totals, and each data set's own document."""
    from .report.document import SCHEMA_VERSION
    from . import __version__

    by_outcome: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    total = 0
    for o in outcomes:
        if o.summary is None:
            continue
        summary = o.summary
        total += summary["total"]
        for key, n in summary["by_outcome"].items():
            by_outcome[key] = by_outcome.get(key, 0) + n
        for key, n in summary["failures_by_severity"].items():
            by_severity[key] = by_severity.get(key, 0) + n
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "kind": "batch",
        "as_of": as_of.isoformat(),
        "rules_digest": rules_digest,
        "summary": {"datasets": len(outcomes), "not_evaluated": sum(o.summary is None for o in outcomes),
                    "total": total, "by_outcome": by_outcome, "failures_by_severity": dict(sorted(by_severity.items()))},
        "datasets": [{"path": o.path, "document": o.document, "problems": o.problems}
                     | ({"output": Path(o.output).name, "summary": {k: v for k, v in o.summary.items() if k != "failing"}}
                        if o.output else {}) for o in outcomes],
    }


class CombineError(ValueError):
    """Inputs to ``combine_files`` that cannot be merged into one report; ``problems`` lists each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _read_json(path: Path, problems: list[str]) -> dict[str, Any] | None:
    import json

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror or exc})")
        return None
    except json.JSONDecodeError as exc:
        problems.append(f"{path}: line {exc.lineno}, column {exc.colno}: {exc.msg}; expected a JSON document written by compliance check")
        return None
    if not isinstance(doc, dict) or not (doc.get("kind") == "batch" or {"findings", "summary", "as_of", "rules_digest"} <= doc.keys()):
        problems.append(f"{path}: not a report of compliance check; expected a data set's --format json document or {INDEX_NAME}")
        return None
    return doc


def combine_files(paths: list[Path]) -> dict[str, Any]:
    """The report ``check D1 D2 ...`` writes, rebuilt from the files ``check D1 D2 ... --out-dir DIR``
    wrote: each data set's document (``NNNN-name.json``) and, optionally, ``DIR/batch.json``.

    With ``batch.json`` among the inputs, it gives the data sets' order, their paths as named on the
    command line and the problems of those that did not load; each document it names must be given.
    Without it, the documents are taken in the order given, each under its data set's name. Every
    input must share one ``as_of`` and rules digest. Raises ``CombineError`` listing every problem.
    """
    problems: list[str] = []
    read = [(Path(p), _read_json(Path(p), problems)) for p in paths]
    indexes = [(p, d) for p, d in read if d is not None and d.get("kind") == "batch"]
    documents = {p.name: (p, d) for p, d in read if d is not None and d.get("kind") != "batch"}
    if len(indexes) > 1:
        problems.append(f"{len(indexes)} batch reports given ({', '.join(str(p) for p, _ in indexes)}); expected at most one")
    if problems:
        raise CombineError(problems)
    outcomes: list[DatasetOutcome] = []
    if indexes:
        index_path, index = indexes[0]
        named = set()
        for entry in index["datasets"]:
            document = entry.get("document")
            if entry.get("output"):
                named.add(entry["output"])
                if entry["output"] not in documents:
                    problems.append(f"{index_path}: data set {entry['path']} was written to {entry['output']}, which is not among the inputs")
                    continue
                document = documents[entry["output"]][1]
            outcomes.append(DatasetOutcome(entry["path"], document, list(entry["problems"]),
                                           summary=document["summary"] if document else None))
        problems += [f"{p}: not named in {index_path}; expected only the documents of that run" for name, (p, _) in documents.items() if name not in named]
        as_of, digest = index["as_of"], index["rules_digest"]
    else:
        outcomes = [DatasetOutcome(d["dataset"], d, summary=d["summary"]) for _, d in documents.values()]
        first = next(iter(documents.values()))[1] if documents else None
        as_of, digest = (first["as_of"], first["rules_digest"]) if first else ("", "")
    for p, d in documents.values():
        if (d["as_of"], d["rules_digest"]) != (as_of, digest):
            problems.append(f"{p}: as of {d['as_of']} with rules {d['rules_digest']}; expected as of {as_of} with rules {digest} like the others")
    if problems:
        raise CombineError(problems)
    return combine(outcomes, dt.date.fromisoformat(as_of), digest)


def render_table(combined: dict[str, Any], show_all: bool = False) -> str:
    """Totals and one row per data set, then each data set's own table."""
    from tabulate import tabulate

    from .report import render_table as render_one

    outcomes = list(combined["summary"]["by_outcome"])
    rows = []
    for entry in combined["datasets"]:
        summary = entry["document"]["summary"] if entry["document"] else entry.get("summary")
        counts = [summary["by_outcome"].get(o, 0) for o in outcomes] if summary else ["-"] * len(outcomes)
        note = f"written to {entry['output']}" if entry.get("output") else "" if summary else f"not evaluated: {len(entry['problems'])} problem(s)"
        rows.append([entry["path"], *counts, note])
    rows.append(["total", *[combined["summary"]["by_outcome"][o] for o in outcomes], ""])
    parts = [f"{combined['summary']['datasets']} data sets as of {combined['as_of']} ({combined['rules_digest']})", "",
             tabulate(rows, headers=["data set", *outcomes, "note"])]
    for entry in combined["datasets"]:
        if entry["problems"]:
            parts += ["", f"{entry['path']}: {len(entry['problems'])} problem(s) loading the data set:"] + [f"  {p}" for p in entry["problems"]]
        elif entry["document"] is not None:
            parts += ["", "=" * 100, "", render_one(entry["document"], show_all).rstrip("\n")]
    return "\n".join(parts) + "\n"
