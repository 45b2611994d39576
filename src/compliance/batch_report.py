"""The report of a batch (``compliance check D1 D2 ...``): totals and each data set's own document.

``combine`` builds it in memory from every data set's outcome. For a batch of any size the CLI
instead writes it piece by piece (``iter_json`` / ``iter_table``): each data set's rendered
document waits in a ``Spool`` on disk and only summaries stay in memory; the bytes are the same
as rendering ``combine``'s report whole (tests/test_batch_dask.py checks it).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

INDEX_NAME = "batch.json"  # beside the documents in ``out_dir``: the batch report, for ``combine_files``


@dataclass
class DatasetOutcome:
    """One data set's result: its document (or where it went), or the problems that stopped it.

    ``failing`` holds each distinct severity and outcome of the findings that can fail the run
    (``outcomes.gate``), so the exit code never needs the findings; ``text`` is the rendered document or table when the
    worker rendered it (the CLI spools it); ``error`` is set when the data set was not evaluated
    because of an internal error or a lost worker, rather than its own data.
    """

    path: str
    document: Any = None
    problems: list[str] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    output: str | None = None  # where the document was written (``out_dir``), instead of kept
    profile: str | None = None  # the profile of the data set's compliance.yaml the rules came from
    rules: list[str] | None = None  # the rule packs or paths it was checked with
    rules_digest: str | None = None
    failing: list[dict[str, str]] = field(default_factory=list)
    text: str | None = None
    error: bool = False


def shared_digest(digests) -> str | None:
    """The one rule digest all data sets were checked with; None when they differ (or there is none)."""
    distinct = {d for d in digests if d}
    return distinct.pop() if len(distinct) == 1 else None


def combine(outcomes: list[DatasetOutcome], as_of: dt.date, rules_digest: str | None) -> dict[str, Any]:
    """One report over all data sets: totals, and each data set's own document (or, written to
    ``out_dir``, its file and summary). ``rules_digest`` is None when data sets' rules differ; each
    entry names its own profile, rules and digest."""
    from . import __version__
    from .report.document import SCHEMA_VERSION

    by_outcome: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    total = 0
    for o in outcomes:
        if o.summary is None:
            continue
        total += o.summary["total"]
        for key, n in o.summary["by_outcome"].items():
            by_outcome[key] = by_outcome.get(key, 0) + n
        for key, n in o.summary["failures_by_severity"].items():
            by_severity[key] = by_severity.get(key, 0) + n
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "kind": "batch",
        "as_of": as_of.isoformat(),
        "rules_digest": rules_digest,
        "summary": {"datasets": len(outcomes), "not_evaluated": sum(o.summary is None for o in outcomes),
                    "total": total, "by_outcome": by_outcome, "failures_by_severity": dict(sorted(by_severity.items()))},
        "datasets": [{"path": o.path, "profile": o.profile, "rules": o.rules, "rules_digest": o.rules_digest,
                      "document": o.document, "problems": o.problems}
                     | ({"output": Path(o.output).name, "summary": o.summary} if o.output else {}) for o in outcomes],
    }


class Spool:
    """Rendered pieces of a report kept in a temporary file until the report is written, so that
    memory holds the data sets' summaries, not their documents."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self.where: dict[int, tuple[int, int]] = {}

    def put(self, index: int, text: str) -> None:
        """Keep ``text`` as data set ``index``'s piece."""
        self.file.seek(0, 2)
        self.where[index] = (self.file.tell(), len(text))
        self.file.write(text)

    def get(self, index: int, chunk: int = 1 << 20) -> Iterator[str]:
        """Data set ``index``'s piece, a chunk at a time."""
        start, left = self.where[index]
        self.file.seek(start)
        while left:
            part = self.file.read(min(chunk, left))
            left -= len(part)
            yield part

    def close(self) -> None:
        self.file.close()


def iter_json(combined: dict[str, Any], spool: Spool) -> Iterator[str]:
    """``render_json(combined)`` in pieces, each spooled document (rendered alone by ``render_json``,
    without its final newline) put in its entry's place, indented to its depth: the same bytes."""
    from .report import render_json

    token = f"@@compliance-document-{secrets.token_hex(8)}-"  # cannot occur in a path or a problem
    skeleton = {**combined, "datasets": [{**e, "document": f"{token}{i}@@"} if i in spool.where else e
                                         for i, e in enumerate(combined["datasets"])]}
    text = render_json(skeleton)
    pos = 0
    for match in re.finditer('"' + re.escape(token) + r'(\d+)@@"', text):
        yield text[pos:match.start()]
        line = text[text.rfind("\n", 0, match.start()) + 1:match.start()]
        indent = "\n" + " " * (len(line) - len(line.lstrip(" ")))
        for part in spool.get(int(match.group(1))):
            yield part.replace("\n", indent)
        pos = match.end()
    yield text[pos:]


def _summaries(combined: dict[str, Any]) -> list[dict[str, Any] | None]:
    return [e["document"]["summary"] if e["document"] else e.get("summary") for e in combined["datasets"]]


def render_table(combined: dict[str, Any], show_all: bool = False) -> str:
    """Totals and one row per data set, then each data set's own table."""
    from .report import render_table as render_one

    return "".join(iter_table(combined, _summaries(combined),
                              lambda i: [render_one(combined["datasets"][i]["document"], show_all)]))


def iter_table(combined: dict[str, Any], summaries: list, own: Callable[[int], Any]) -> Iterator[str]:
    """``render_table`` in pieces: ``summaries[i]`` is data set i's summary (None: not evaluated) and
    ``own(i)`` yields its table's text (called only for data sets with a document)."""
    from tabulate import tabulate

    outcomes = list(combined["summary"]["by_outcome"])
    rows = []
    for entry, summary in zip(combined["datasets"], summaries):
        counts = [summary["by_outcome"].get(o, 0) for o in outcomes] if summary else ["-"] * len(outcomes)
        note = f"written to {entry['output']}" if entry.get("output") else "" if summary else f"not evaluated: {len(entry['problems'])} problem(s)"
        rows.append([entry["path"], entry["profile"] or "", *counts, note])
    rows.append(["total", "", *[combined["summary"]["by_outcome"][o] for o in outcomes], ""])
    rules = combined["rules_digest"] or "rules differ between data sets: see each one"
    yield "\n".join([f"{combined['summary']['datasets']} data sets as of {combined['as_of']} ({rules})", "",
                     tabulate(rows, headers=["data set", "profile", *outcomes, "note"])])
    for i, (entry, summary) in enumerate(zip(combined["datasets"], summaries)):
        if entry["problems"]:
            yield "".join([f"\n\n{entry['path']}: {len(entry['problems'])} problem(s) loading the data set:"]
                          + [f"\n  {p}" for p in entry["problems"]])
        elif summary is not None and not entry.get("output"):
            yield "\n\n" + "=" * 100 + "\n\n"
            pieces = list(own(i))  # the last piece loses its closing newlines, as one rstrip would
            while pieces and not pieces[-1].rstrip("\n"):
                pieces.pop()
            if pieces:
                pieces[-1] = pieces[-1].rstrip("\n")
            yield from pieces
    yield "\n"


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
    command line, their profiles and rules, and the problems of those that did not load; each
    document it names must be given, with the rule digest it names for that data set. Without it,
    the documents are taken in the order given, each under its data set's name, and must share one
    rule digest. Every input must share one ``as_of``. Raises ``CombineError`` listing every problem.
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
    expected: dict[str, str | None] = {}  # document file -> the rule digest it must have
    if indexes:
        index_path, index = indexes[0]
        as_of, digest = index["as_of"], index["rules_digest"]
        for entry in index["datasets"]:
            document = entry.get("document")
            if entry.get("output"):
                expected[entry["output"]] = entry.get("rules_digest", digest)
                if entry["output"] not in documents:
                    problems.append(f"{index_path}: data set {entry['path']} was written to {entry['output']}, which is not among the inputs")
                    continue
                document = documents[entry["output"]][1]
            outcomes.append(DatasetOutcome(entry["path"], document, list(entry["problems"]),
                                           summary=document["summary"] if document else None, profile=entry.get("profile"),
                                           rules=entry.get("rules"), rules_digest=entry.get("rules_digest", digest)))
        problems += [f"{p}: not named in {index_path}; expected only the documents of that run" for name, (p, _) in documents.items() if name not in expected]
    else:
        outcomes = [DatasetOutcome(d["dataset"], d, summary=d["summary"], rules_digest=d["rules_digest"]) for _, d in documents.values()]
        first = next(iter(documents.values()))[1] if documents else None
        as_of, digest = (first["as_of"], first["rules_digest"]) if first else ("", "")
        expected = {name: digest for name in documents}
    for name, (p, d) in documents.items():
        want = expected.get(name, digest)
        if (d["as_of"], d["rules_digest"]) != (as_of, want):
            problems.append(f"{p}: as of {d['as_of']} with rules {d['rules_digest']}; expected as of {as_of} with rules {want} like the others")
    if problems:
        raise CombineError(problems)
    return combine(outcomes, dt.date.fromisoformat(as_of), digest)
