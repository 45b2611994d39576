"""Peak RSS of one data set of about a million findings, streamed: the issue 17 memory target.

    python bench/memory.py [--units 36] [--years 5] [--seed 0] [--src TREE ...]

Generates ONE data set (``generate(org, years, seed, units)``: ``units`` boards in one
organisation, about 29,000 findings each over five years with nhs-icb + nhs-performance), writes it
to disk as JSON, and runs ``compliance check DIR --format jsonl --out F`` and ``--format json --out F``
in a subprocess each, reporting that process's peak RSS, wall and CPU seconds and its findings.
With several ``--src`` trees (e.g. a checkout before a change and this one) the runs are
interleaved per format and their outputs compared byte for byte.

Nothing may be lost or duplicated: every run's JSON lines must hold exactly the (rule, subject)
pairs of every rule in force and every subject of its kind (computed here from the facts, as
``generate.outcomes`` counts them), each once, and the summary's total must equal that count.
``bench/run`` runs this as its last step (``--memory-units``). Benchmark only; no test times anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

FORMATS = ("jsonl", "json")


def expected_pairs(data: Any, as_of: dt.date, rules_paths: list[str]) -> set[tuple[str, str]]:
    """Every (rule in force, subject of its kind) of the data set: the findings a run must make. A
    rule with no subject here (its register is not in the generated data) is not checked, on the
    data set itself (subject ``(data set)``, ``engine.coverage``): one finding too."""
    from compliance.facts import derive_facts
    from compliance.rules import load_rules
    from compliance.rules.loader import fields_needed

    rules = load_rules(rules_paths).rules
    by_kind: dict[str, list[str]] = {}
    for fact in derive_facts(data, as_of, fields_needed(rules)):
        by_kind.setdefault(fact["kind"], []).append(fact["id"])
    return {(r.id, subject) for r in rules if r.in_force(as_of) for subject in by_kind.get(r.applies_to, ["(data set)"])}


def check_output(path: Path, fmt: str, expected: set[tuple[str, str]]) -> tuple[int, list[str]]:
    """(findings, problems) of one output: pairs lost, extra or duplicated; a summary that disagrees."""
    problems = []
    if fmt == "jsonl":
        seen: set[tuple[str, str]] = set()
        duplicated = count = 0
        summary = None
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if record["record"] != "finding":
                    summary = record["summary"]
                    continue
                key = (record["rule_id"], record["subject"]["id"])
                duplicated += key in seen
                seen.add(key)
                count += 1
    else:
        document = json.loads(path.read_text(encoding="utf-8"))
        keys = [(f["rule_id"], f["subject"]["id"]) for f in document["findings"]]
        seen, count, summary = set(keys), len(keys), document["summary"]
        duplicated = count - len(seen)
        del document, keys
    lost, extra = len(expected - seen), len(seen - expected)
    if lost or extra or duplicated:
        problems.append(f"{path.name}: {lost} (rule, subject) pairs lost, {extra} extra, {duplicated} duplicated")
    if summary is None or summary["total"] != count:
        problems.append(f"{path.name}: summary total {summary and summary['total']} for {count} findings")
    return count, problems


def measure(units: int, years: int, seed: int, rules_paths: list[str], sources: list[Path], work: Path
            ) -> tuple[list[list[Any]], list[str]]:
    """Rows (source, format, findings, seconds, CPU s, peak RSS MB, µs/finding) and failures."""
    from bench import _probe
    from generate import as_of_for, generate, write

    as_of = as_of_for(years)
    data = generate(0, years, seed, units=units)
    dataset = write(data, work / f"org-{units}u")
    expected = expected_pairs(data, as_of, rules_paths)
    del data
    rows, failures, outputs = [], [], {}
    args = ["check", str(dataset), "--as-of", as_of.isoformat(), *[x for r in rules_paths for x in ("--rules", r)], "-q"]
    for fmt in FORMATS:
        for n, src in enumerate(sources):
            out = work / f"out-{n}.{fmt}"
            env_path = os.environ.get("PYTHONPATH")
            os.environ["PYTHONPATH"] = str(src) + (os.pathsep + env_path if env_path else "")
            try:
                seconds, rss, code, cpu = _probe([sys.executable, "-m", "compliance", *args, "--format", fmt, "--out", str(out)])
            finally:
                if env_path is None:
                    del os.environ["PYTHONPATH"]
                else:
                    os.environ["PYTHONPATH"] = env_path
            if code not in (0, 1):
                failures.append(f"{src}: compliance check --format {fmt} failed (exit {code})")
                continue
            count, problems = check_output(out, fmt, expected)
            failures += [f"{src}: {p}" for p in problems]
            rows.append([str(src), fmt, f"{count:,}", f"{seconds:.1f}", f"{cpu:.1f}", f"{rss:.0f}", f"{cpu / count * 1e6:.1f}"])
            print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
            outputs.setdefault(fmt, []).append(out.read_bytes())
        if len({o for o in outputs.get(fmt, [])}) > 1:
            failures.append(f"--format {fmt}: outputs differ between the source trees")
        outputs.pop(fmt, None)
    return rows, failures


def report(rows: list[list[Any]], units: int, years: int) -> str:
    """The markdown section ``bench/run`` writes into bench/results.md."""
    from tabulate import tabulate

    return "\n".join([
        f"## Peak RSS of one data set of about a million findings (streamed output; {units} boards x {years} years)",
        "",
        "`bench/memory.py`: one data set on disk, `compliance check DIR --format jsonl|json --out F -q` in its own "
        "process; peak RSS is that process's (the issue 17 target is 300 MB). Every output holds exactly the "
        "(rule in force, subject) pairs of the data set, each once, and its summary agrees.",
        "",
        tabulate(rows, headers=["source", "format", "findings", "seconds", "CPU s", "peak RSS MB", "CPU us/finding"], tablefmt="github"),
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=36, help="boards in the one data set [36: about 1,000,000 findings]")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rules", nargs="+", default=["nhs-icb", "nhs-performance"])
    parser.add_argument("--src", type=Path, action="append", help="source tree(s) to measure [this tree's src]")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="compliance-memory-"))
    try:
        rows, failures = measure(args.units, args.years, args.seed, args.rules,
                                 [s.resolve() for s in args.src or [ROOT / "src"]], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report(rows, args.units, args.years))
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
