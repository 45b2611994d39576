"""The benchmark behind ``bench/run``: every evaluation path on the same data, in one run.

Paths, each timed on the decision step only (facts are derived beforehand and streamed one data
set at a time from pickles, so generation never counts):

- ``plain``       the practical limit: every rule, relations included, as plain Python (bench/plain.py)
- ``reference``   the three-valued reference evaluator, outcomes only
- ``durable``     durable-rules as the product runs it (compliance.engine.durable_engine)
- ``findings``    the whole of ``compliance.engine.evaluate``: durable-rules decides, the reference
                  evaluator cross-checks and explains, one Finding per outcome
- ``polars``, ``cel``, ``rule-engine``, ``rego``  embeddable peers on the rules they can express
                  (bench/peers.py)
- ``naive``       the engine path before issue 7 (bench/naive_engine.py), on request only

Each (path, size) runs in its own subprocess so peak RSS is that measurement's alone. Every path
must produce exactly one outcome per (rule in force, subject) it decides, and the same outcome as
the reference evaluator for each, compared outcome by outcome; any difference fails the run.
End to end (``compliance check --format json`` on data sets written to disk) is compared with the
reference outcomes of the same generated organisations. Start-up comes from bench/startup.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import pickle
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

PATHS = ("plain", "reference", "durable", "findings")
PEERS = ("polars", "cel", "rule-engine", "rego")  # bench/peers.py
ALL_PATHS = PATHS + PEERS + ("naive",)  # naive: the engine before issue 7, on request (--paths)
REAL = ROOT / "fixtures" / "ssot-2024-10-17"


# ---------------------------------------------------------------- one measurement (subprocess)

def _decide(path: str, rules, facts, as_of, params):
    """The timed step: every (rule in force, subject) decided by the given path."""
    from compliance.engine.evaluate import decide, evaluate, plan

    if path == "findings":
        return evaluate(rules, facts, as_of, params)
    if path == "plain":
        import plain

        return plain.decide(rules, facts, as_of, params)
    if path in PEERS:
        import peers

        return peers.decide(path, rules, facts, as_of, params)
    out = []
    for kind_plan in plan(rules, facts, as_of, params):
        if path == "naive":
            decided = _naive(kind_plan)
        else:
            decided, errors = decide(kind_plan, path)
            if errors:
                raise SystemExit(f"engine errors on {kind_plan.kind}: {errors}")
        ids = [f["id"] for f in kind_plan.facts]
        out.extend((rule.id, ids, decided[i]) for i, (rule, _, _, _) in enumerate(kind_plan.rules))
    return out


def _rows(path: str, decided) -> list[tuple[str, str, str]]:
    """(rule id, subject id, outcome) rows of a decision, built outside the timed step."""
    if path == "findings":
        return [(f.rule_id, f.subject.id, f.outcome) for f in decided]
    return [(rule_id, s, o) for rule_id, ids, outcomes in decided for s, o in zip(ids, outcomes)]


def _naive(kind_plan) -> dict[int, list[str]]:
    import naive_engine
    from compliance.rules.conditions import All, Not, to_nnf

    compiled = [naive_engine.CompiledRule(
        index=i, when=to_nnf(w) if w else None, not_when=to_nnf(w, negate=True) if w else None,
        passes=to_nnf(All((w, q))) if w else to_nnf(q), fails=to_nnf(All((w, Not(q)))) if w else to_nnf(q, negate=True),
    ) for i, (_, _, w, q) in enumerate(kind_plan.rules)]
    result = naive_engine.run(kind_plan.kind, compiled, kind_plan.facts)
    if result.errors:
        raise SystemExit(f"naive engine errors: {result.errors}")
    m = result.matched
    decided = {}
    for i, (_, _, w, _) in enumerate(kind_plan.rules):
        row = []
        for j in range(len(kind_plan.facts)):
            if w is not None and j not in m.get((i, "in"), set()):
                row.append("not_applicable" if j in m.get((i, "out"), set()) else "error")
                continue
            p, f = j in m.get((i, "pass"), set()), j in m.get((i, "fail"), set())
            row.append("contradiction" if p and f else "pass" if p else "fail" if f else "error")
        decided[i] = row
    return decided


def peak_rss_mb() -> float:
    """This process's own peak resident set (VmHWM). ``ru_maxrss`` is not used: Linux keeps it
    across ``execve``, so a child of a large parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: str, files: list[Path], rules_paths: list[str], profile: Path | None, rows_dir: Path | None) -> dict[str, Any]:
    """Time one path over the given fact pickles; check the outcome-count invariant.

    With ``rows_dir`` every data set's (rule, subject, outcome) rows are written there (outside
    the timed step) so the parent can compare the paths outcome by outcome."""
    from compliance.rules import load_rules

    rules = load_rules(rules_paths).rules
    skipped: set[str] = set()
    seconds, cpu, count, expected, bad = 0.0, 0.0, 0, 0, 0
    digest = hashlib.sha256()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    for file in files:
        with file.open("rb") as handle:
            facts, as_of, params = pickle.load(handle)
        if profiler:
            profiler.enable()
        start, start_cpu = time.perf_counter(), time.process_time()
        decided = _decide(path, rules, facts, as_of, params)
        seconds += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
        if profiler:
            profiler.disable()
        outcomes = _rows(path, decided)
        if path in PEERS or path == "plain":
            import peers
            import plain

            skipped |= plain.skipped() if path == "plain" else peers.skipped(path)
        kinds: dict[str, int] = {}
        for f in facts:
            kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
        expected += sum(kinds.get(r.applies_to, 0) for r in rules if r.in_force(as_of) and r.id not in skipped)
        count += len(outcomes)
        bad += sum(1 for o in outcomes if o[2] not in ("pass", "fail", "error", "not_applicable"))
        if len(set((r, s) for r, s, _ in outcomes)) != len(outcomes):
            bad += 1
        outcomes.sort()
        for row in outcomes:
            digest.update("|".join(row).encode() + b"\n")
        if rows_dir is not None:
            with (rows_dir / file.name).open("wb") as handle:
                pickle.dump(outcomes, handle, protocol=pickle.HIGHEST_PROTOCOL)
        del facts, outcomes, decided
    if profiler:
        profiler.dump_stats(str(profile))
    return {"path": path, "outcomes": count, "expected": expected, "invalid": bad, "seconds": seconds, "cpu": cpu,
            "digest": digest.hexdigest()[:16], "peak_rss_mb": peak_rss_mb(), "skipped": sorted(skipped)}


# ---------------------------------------------------------------- the run (parent)

def _prepare(data_dir: Path, rules_paths: list[str], targets: list[int], years: int, seed: int) -> tuple[list[dict], float]:
    """Write fact pickles until the largest target is reached; return the size ladder."""
    from compliance.facts import derive_facts
    from compliance.rules import load_rules
    from generate import as_of_for, generate, outcomes

    rules = load_rules(rules_paths).rules
    start = time.perf_counter()

    def dump(name: str, org: int, n_years: int) -> tuple[Path, int]:
        data = generate(org, n_years, seed)
        as_of = as_of_for(n_years)
        facts = derive_facts(data, as_of)
        path = data_dir / name
        with path.open("wb") as handle:
            pickle.dump((facts, as_of, data.organisation.rule_params), handle, protocol=pickle.HIGHEST_PROTOCOL)
        return path, outcomes(rules, facts, as_of)

    board, board_outcomes = dump("board.pkl", 0, 1)
    sizes = [{"label": "one board, one year", "files": [board], "outcomes": board_outcomes, "datasets": 1}]
    files: list[Path] = []
    total = 0
    for target in sorted(targets):
        while total < target:
            path, n = dump(f"org-{len(files):04d}.pkl", len(files), years)
            files.append(path)
            total += n
        sizes.append({"label": f">= {target:,}", "files": list(files), "outcomes": total, "datasets": len(files)})
    return sizes, time.perf_counter() - start


def _subprocess_measure(path: str, files: list[Path], rules_paths: list[str], profile: Path | None = None,
                        rows_dir: Path | None = None) -> dict[str, Any]:
    listing = files[0].parent / f".files-{path}-{len(files)}.txt"
    listing.write_text("\n".join(map(str, files)))
    cmd = [sys.executable, str(Path(__file__)), "--measure", path, "--files", str(listing), "--rules", *rules_paths]
    if profile:
        cmd += ["--profile", str(profile)]
    if rows_dir:
        rows_dir.mkdir(parents=True, exist_ok=True)
        cmd += ["--rows-dir", str(rows_dir)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"measurement {path} on {len(files)} data sets failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def agreement(rows_root: Path, paths: list[str], files: list[Path], left_out_by_path: dict[str, set[str]]
              ) -> tuple[list[list[Any]], list[str]]:
    """Every path's outcomes against the reference evaluator's, outcome by outcome, on every data set.

    A path that declared rules left out (a peer that cannot express them; ``left_out_by_path``)
    is compared on the rules it decided and the rules left out are named; any other missing
    outcome is lost, and an outcome the reference does not have is extra."""
    rows, failures = [], []
    for path in paths:
        if path == "reference" or not (rows_root / path).is_dir():
            continue
        compared = same = differ = lost = extra = 0
        left_out: set[str] = set()
        examples: list[str] = []
        for file in files:
            mine_file, ref_file = rows_root / path / file.name, rows_root / "reference" / file.name
            if not mine_file.exists() or not ref_file.exists():
                continue
            mine = {(r, s): o for r, s, o in pickle.loads(mine_file.read_bytes())}
            ref = {(r, s): o for r, s, o in pickle.loads(ref_file.read_bytes())}
            declared = left_out_by_path.get(path, set())
            for key, outcome in ref.items():
                if key[0] in declared:
                    left_out.add(key[0])
                    continue
                compared += 1
                got = mine.get(key)
                if got is None:
                    lost += 1
                    examples.append(f"{file.stem} {key}: lost (reference {outcome})")
                elif got == outcome:
                    same += 1
                else:
                    differ += 1
                    examples.append(f"{file.stem} {key}: {path} {got}, reference {outcome}")
            extra += len(mine.keys() - ref.keys())
        rows.append([path, f"{compared:,}", f"{same:,}", differ, lost, extra, ", ".join(sorted(left_out)) or "none"])
        if differ or lost or extra:
            failures.append(f"{path} disagrees with the reference: {differ} differ, {lost} lost, {extra} extra; "
                            + "; ".join(examples[:5]))
    return rows, failures


def _probe(cmd: list[str]) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MB of the largest process, exit code, CPU seconds of it and its workers) of a command, measured from a
    small Python process (so the peak is the command's and its workers', not this benchmark's)."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], capture_output=True); "
             "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "print(time.perf_counter() - t, u.ru_maxrss / 1024, r.returncode, u.ru_utime + u.ru_stime)")
    # no cache of loaded data sets or rules: every run costs what a data set's first check costs
    env = {**os.environ, "COMPLIANCE_NO_CACHE": "1"}
    done = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, cwd=ROOT, env=env)
    seconds, rss, code, cpu = done.stdout.split()
    return float(seconds), float(rss), int(code), float(cpu)


def _cli() -> list[str]:
    exe = Path(sys.executable).parent / "compliance"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "compliance"]


def end_to_end(work: Path, counts: list[int], years: int, seed: int, rules_paths: list[str], rows_root: Path,
               repeat: int = 1) -> tuple[list[list[Any]], list[str], dict[str, Any]]:
    """`compliance check DIR --format json --out-dir D` on generated data sets written to disk
    (JSON): load + facts + engine + cross-check + findings + one JSON document per data set, as a
    regulator would run it; at a few sizes (peak RSS against size) and, at the largest, with
    ``--jobs 2`` and, when the CLI has it, ``--executor dask``. Each data set's findings are
    compared with the reference evaluator's outcomes on the same generated data. The largest with
    ``--jobs 1`` (the headline ratio's) is the median of ``repeat`` runs."""
    from generate import as_of_for, generate, write

    rows, failures, timing = [], [], {}
    largest = max(counts)
    for org in range(largest):
        write(generate(org, years, seed), work / "datasets" / f"{largest}" / f"org-{org:03d}")
    base = ["--as-of", as_of_for(years).isoformat(), "--format", "json"] + [x for r in rules_paths for x in ("--rules", r)]
    runs = [(n, ["--jobs", "1"]) for n in sorted(counts)] + [(largest, ["--jobs", "2"])]
    help_text = subprocess.run(_cli() + ["check", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    dask = "--executor" in help_text
    if dask:
        runs.append((largest, ["--executor", "dask", "--workers", "2"]))
    for n, extra in runs:
        root = work / "datasets" / f"{n}"
        if n != largest:  # a smaller set is the first n of the largest, linked not regenerated
            root.mkdir(parents=True, exist_ok=True)
            for org in range(n):
                link = root / f"org-{org:03d}"
                if not link.exists():
                    link.symlink_to(work / "datasets" / f"{largest}" / f"org-{org:03d}")
        label = " ".join(extra)
        out, docs = work / f"batch-{n}-{label.replace(' ', '_')}.json", work / f"documents-{n}-{label.replace(' ', '_')}"
        command = _cli() + ["check", str(root), *base, "--out", str(out), "--out-dir", str(docs), *extra]
        probes = [_probe(command) for _ in range(repeat if (n, label) == (largest, "--jobs 1") else 1)]
        failed = [probe for probe in probes if probe[2] not in (0, 1)]
        seconds, rss, code, cpu = failed[0] if failed else sorted(probes)[len(probes) // 2]
        if code not in (0, 1):
            failures.append(f"compliance check {label} on {n} data sets failed (exit {code})")
            rows.append([label, n, "-", f"{seconds:.1f}", f"{cpu:.1f}", "-", "-", f"{rss:.0f}", "failed"])
            continue
        findings = json.loads(out.read_text())["summary"]["total"]
        timing[(n, label)] = (seconds, findings, out, cpu)
        checked = _e2e_agreement(docs, rows_root / "reference", n)
        if checked[1] or checked[2]:
            failures.append(f"end to end {label} on {n} data sets disagrees with the reference: {checked[1]} differ, {checked[2]} lost")
        rows.append([label, n, f"{findings:,}", f"{seconds:.1f}", f"{cpu:.1f}", f"{seconds / n:.2f}", f"{findings / seconds:,.0f}", f"{rss:.0f}",
                     f"{checked[0]:,} identical, {checked[1]} differ, {checked[2]} lost, {checked[3]:,} not checked (register not on disk)"])
    notes = {"dask": "skipped: no --executor option" if not dask else "--executor dask failed (see FAILURES)"}
    if dask and (largest, "--executor dask --workers 2") in timing and (largest, "--jobs 2") in timing:
        a, b = timing[(largest, "--executor dask --workers 2")], timing[(largest, "--jobs 2")]
        same = a[2].read_bytes() == b[2].read_bytes()
        notes["dask"] = f"--executor dask --workers 2 {a[0]:.1f} s vs --jobs 2 {b[0]:.1f} s on {largest} data sets; reports byte-identical: {'yes' if same else 'NO'}"
        if not same:
            failures.append("--executor dask and --jobs 2 reports differ")
    notes["per_dataset"] = {label: timing[(n, label)][0] / n for (n, label) in timing if n == largest}
    if (largest, "--jobs 1") in timing:
        seconds, findings, _, cpu = timing[(largest, "--jobs 1")]
        notes["largest"] = (largest, findings, seconds, cpu)
    return rows, failures, notes


def _e2e_agreement(docs: Path, reference_rows: Path, n: int) -> tuple[int, int, int, int]:
    """(identical, differ, lost, not checked) of one end-to-end run's findings against the reference
    rows of the same generated organisations (org-000 on disk is org-0000.pkl, same seed)."""
    same = differ = lost = not_checked = 0
    for org in range(n):
        ref_file = reference_rows / f"org-{org:04d}.pkl"
        documents = sorted(docs.glob(f"*-org-{org:03d}.json"))
        if len(documents) != 1:  # the data set's document is missing (or written twice)
            lost += 1
            continue
        if not ref_file.exists():  # fewer pickled data sets than on disk: this one is not compared
            continue
        found = {}
        for f in json.loads(documents[0].read_text())["findings"]:
            if f["outcome"] == "not_checked":
                not_checked += 1
            else:
                found[(f["rule_id"], f["subject"]["id"])] = f["outcome"]
        for r, s, o in pickle.loads(ref_file.read_bytes()):
            got = found.get((r, s))
            if got is None:
                continue  # a rule not checked end to end: its register is not in the data set on disk
            if got == o:
                same += 1
            else:
                differ += 1
    return same, differ, lost, not_checked


def _fit(points: list[tuple[int, float]]) -> tuple[float, float, float]:
    """Least-squares t = a*n + b; returns (a, b, r squared)."""
    if len(points) < 2:
        return float("nan"), float("nan"), float("nan")
    ns, ts = [p[0] for p in points], [p[1] for p in points]
    mn, mt = statistics.fmean(ns), statistics.fmean(ts)
    sxx = sum((n - mn) ** 2 for n in ns)
    a = sum((n - mn) * (t - mt) for n, t in points) / sxx
    b = mt - a * mn
    ss_tot = sum((t - mt) ** 2 for t in ts)
    ss_res = sum((t - (a * n + b)) ** 2 for n, t in points)
    return a, b, 1 - ss_res / ss_tot if ss_tot else 1.0


def _plot(results: list[dict], out: Path) -> str:
    try:
        import matplotlib  # noqa: PLC0415 - optional `bench` extra

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'): no plot written"
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for path in ALL_PATHS:
        rows = sorted((r["outcomes"], r["seconds"]) for r in results if r["path"] == path)
        if not rows:
            continue
        left.plot([n for n, _ in rows], [t for _, t in rows], marker="o", label=path)
        right.plot([n for n, _ in rows], [n / t for n, t in rows], marker="o", label=path)
    left.set(xscale="log", yscale="log", xlabel="(rule, subject) outcomes", ylabel="seconds (decision step)", title="time vs size")
    right.set(xscale="log", yscale="log", xlabel="(rule, subject) outcomes", ylabel="outcomes / s", title="throughput")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return f"plot: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}"


def _profile_summary(profile: Path, top: int = 12) -> list[list[Any]]:
    import pstats

    stats = pstats.Stats(str(profile))
    rows = []
    for (file, line, func), (_, ncalls, tottime, cumtime, _) in sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]:
        where = f"{Path(file).name}:{line}({func})" if line else func
        rows.append([where, ncalls, f"{tottime:.3f}", f"{cumtime:.3f}"])
    return rows


def pack_digest(rules_paths: list[str]) -> tuple[str, int, list[str]]:
    """sha256 of the rule files the packs are made of (paths and bytes), their count and names."""
    from compliance.rules import load_rules

    ruleset = load_rules(rules_paths)
    files = sorted({str(Path(r.source_file).resolve()) for r in ruleset.rules if getattr(r, "source_file", None)})
    h = hashlib.sha256()
    for name in files:
        h.update(Path(name).name.encode() + b"\0" + Path(name).read_bytes())
    return f"sha256:{h.hexdigest()[:16]}", len(files), [Path(f).parent.name + "/" + Path(f).name for f in files]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark every evaluation path on the same synthetic data.")
    parser.add_argument("--quick", action="store_true", help="small sizes only (one board, one data set of ~25,000 outcomes): a smoke run")
    parser.add_argument("--sizes", help="comma-separated outcome targets, e.g. 10000,100000,1000000")
    parser.add_argument("--years", type=int, default=5, help="financial years per generated data set [5: the national unit]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rules", nargs="+", default=["nhs-icb", "nhs-performance"])
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--plot", type=Path, default=HERE / "results.png")
    parser.add_argument("--data-dir", type=Path, help="keep the generated fact pickles here")
    parser.add_argument("--naive-max", type=int, default=60_000, help="largest size the pre-issue-7 engine runs at")
    parser.add_argument("--findings-max", type=int, default=10**9, help="largest size the full findings path runs at")
    parser.add_argument("--rego-max", type=int, default=150_000, help="largest size Rego (regopy) runs at (about 1 ms per outcome)")
    parser.add_argument("--e2e", default=None, help="comma-separated data set counts for end to end [quick 1,2; full 1,4,8]")
    parser.add_argument("--memory-units", type=int, default=None, help="boards in the one data set of bench/memory.py [quick 2; full 36: ~1,000,000 findings; 0: skip]")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the two measurements the headline ratios divide (the plain limit at the largest size, end to end with --jobs 1); the median is reported [3]")
    parser.add_argument("--paths", default=",".join(PATHS + PEERS), help=f"comma-separated subset of {','.join(ALL_PATHS)}")
    parser.add_argument("--measure", choices=ALL_PATHS, help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rows-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure:
        files = [Path(p) for p in args.files.read_text().split("\n") if p]
        print(json.dumps(measure(args.measure, files, args.rules, args.profile, args.rows_dir)))
        return 0

    wall_start = time.perf_counter()
    targets = [int(s) for s in args.sizes.split(",")] if args.sizes else ([10_000] if args.quick else [10_000, 100_000, 1_000_000])
    e2e_counts = [int(s) for s in args.e2e.split(",")] if args.e2e else ([1, 2] if args.quick else [1, 4, 8])
    chosen = [p for p in ALL_PATHS if p in args.paths.split(",")]
    if "reference" not in chosen:
        raise SystemExit("--paths must include reference: every path is checked against it")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="compliance-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        print(f"generating data sets into {data_dir} ...", file=sys.stderr)
        sizes, gen_seconds = _prepare(data_dir, args.rules, targets, args.years, args.seed)
        results: list[dict] = []
        failures: list[str] = []
        rows_root = data_dir / "rows"
        shutil.rmtree(rows_root, ignore_errors=True)
        largest = sizes[-1]
        for size in sizes:
            digests: dict[str, str] = {}
            for path in chosen:
                if path == "naive" and size["outcomes"] > args.naive_max:
                    continue
                if path == "findings" and size["outcomes"] > args.findings_max:
                    continue
                if path == "rego" and size["outcomes"] > args.rego_max:
                    continue
                print(f"  {path:11s} {size['outcomes']:>9,} outcomes ({size['datasets']} data sets) ...", file=sys.stderr, end="", flush=True)
                # the plain limit at the largest size divides the headline ratios: the median of --repeat runs
                runs = [_subprocess_measure(path, size["files"], args.rules, rows_dir=rows_root / path)
                        for _ in range(args.repeat if path == "plain" and size is largest else 1)]
                r = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
                r.update(size=size["label"], datasets=size["datasets"])
                print(f" {r['seconds']:.2f}s, {r['peak_rss_mb']:.0f} MB", file=sys.stderr)
                results.append(r)
                if not r["skipped"]:
                    digests[path] = r["digest"]
                if r["outcomes"] != r["expected"] or r["invalid"]:
                    failures.append(f"{path} at {size['label']}: {r['outcomes']} outcomes for {r['expected']} (rule, subject) pairs, {r['invalid']} invalid")
            if len(set(digests.values())) > 1:
                failures.append(f"paths disagree at {size['label']}: {digests}")
        left_out = {r["path"]: set(r["skipped"]) for r in results}
        agree_rows, agree_failures = agreement(rows_root, chosen, largest["files"] + sizes[0]["files"], left_out)
        failures += agree_failures
        profiles = {}
        if "durable" in chosen:
            profiled = max((s for s in sizes if s["outcomes"] <= 60_000), key=lambda s: s["outcomes"])
            profile = data_dir / "durable.prof"
            _subprocess_measure("durable", profiled["files"], args.rules, profile)
            profiles["durable"] = (profiled["outcomes"], _profile_summary(profile))
        print("  start-up ...", file=sys.stderr)
        import startup as startup_module

        start_times = startup_module.measure(3 if args.quick else 7, [str(ROOT / "src")])[str(ROOT / "src")]
        print(f"  end to end on {e2e_counts} data sets ...", file=sys.stderr)
        e2e_rows, e2e_failures, e2e_notes = end_to_end(data_dir, e2e_counts, args.years, args.seed, args.rules, rows_root, args.repeat)
        failures += e2e_failures
        memory_units = args.memory_units if args.memory_units is not None else (2 if args.quick else 36)
        memory_section = ""
        if memory_units:
            import memory as memory_module

            print(f"  peak RSS of one data set of {memory_units} boards ...", file=sys.stderr)
            memory_rows, memory_failures = memory_module.measure(memory_units, args.years, args.seed, args.rules, [ROOT / "src"], data_dir)
            failures += memory_failures
            memory_section = memory_module.report(memory_rows, memory_units, args.years)
        wall = time.perf_counter() - wall_start
        write_report(args, results, sizes, gen_seconds, start_times, profiles, failures, e2e_rows, e2e_notes, agree_rows, wall,
                     memory_section)
        print(_plot(results, args.plot), file=sys.stderr)
        print(f"wrote {args.out} (whole run {wall / 60:.1f} min)", file=sys.stderr)
        for failure in failures:
            print(f"FAILED: {failure}", file=sys.stderr)
        return 1 if failures else 0
    finally:
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


def write_report(args, results, sizes, gen_seconds, start_times, profiles, failures, e2e_rows, e2e_notes, agree_rows, wall,
                 memory_section: str = "") -> None:
    from tabulate import tabulate

    limit = {r["size"]: r["seconds"] / r["outcomes"] for r in results if r["path"] == "plain"}
    limit_cpu = {r["size"]: r["cpu"] / r["outcomes"] for r in results if r["path"] == "plain"}
    table = []
    for r in results:
        per = r["seconds"] / r["outcomes"] if r["outcomes"] else float("nan")
        ratio = f"{per / limit[r['size']]:.1f}x" if r["size"] in limit else "-"
        ratio_cpu = f"{r['cpu'] / r['outcomes'] / limit_cpu[r['size']]:.1f}x" if r["size"] in limit_cpu else "-"
        table.append([r["size"], r["datasets"], f"{r['outcomes']:,}", r["path"], f"{r['seconds']:.3f}", f"{r['cpu']:.3f}",
                      f"{r['outcomes'] / r['seconds']:,.0f}", ratio, ratio_cpu, f"{r['peak_rss_mb']:.0f}",
                      "yes" if r["outcomes"] == r["expected"] and not r["invalid"] else "NO",
                      f"{len(r['skipped'])}" if r["skipped"] else "0", r["digest"]])
    fits = []
    for path in ALL_PATHS:
        points = [(r["outcomes"], r["seconds"]) for r in results if r["path"] == path]
        if len(points) < 2:
            continue
        a, b, r2 = _fit(points)
        small, large = min(points), max(points)
        fits.append([path, f"{a * 1e6:.2f}", f"{b * 1000:.1f}", f"{r2:.4f}",
                     f"{small[1] / small[0] * 1e6:.2f}", f"{large[1] / large[0] * 1e6:.2f}"])
    from compliance.rules import load_rules

    import plain

    ruleset = load_rules(args.rules)
    digest, n_files, file_names = pack_digest(args.rules)
    largest = sizes[-1]["label"]
    headline = []
    for path in ALL_PATHS:  # each path at the largest size it ran at
        mine = [r for r in results if r["path"] == path and r["outcomes"] and r["size"] in limit]
        if not mine:
            continue
        r = max(mine, key=lambda r: r["outcomes"])
        headline.append([path, f"{r['outcomes']:,}" + ("" if r["size"] == largest else " (capped)"), f"{r['seconds']:.2f}",
                         f"{r['seconds'] / r['outcomes'] / limit[r['size']]:.1f}x", f"{r['cpu'] / r['outcomes'] / limit_cpu[r['size']]:.1f}x",
                         ", ".join(r["skipped"]) or "none"])
    if "largest" in e2e_notes and largest in limit:
        n, findings, seconds, cpu = e2e_notes["largest"]
        headline.append([f"end to end (--jobs 1, {n} data sets)", f"{findings:,} findings", f"{seconds:.2f}",
                         f"{seconds / findings / limit[largest]:.1f}x", f"{cpu / findings / limit_cpu[largest]:.1f}x",
                         "rules whose register is not on disk are not_checked"])
    from generate import as_of_for

    excluded = [f"{rule.id}: {why}" for rule in ruleset.rules
                if (why := plain.supported(rule, rule.params, as_of_for(args.years))) is not None]
    per = e2e_notes.get("per_dataset", {})
    pass_ms = start_times["pass"]
    start_rows = [[name, f"{seconds * 1000:.0f} ms", f"{seconds / pass_ms:.1f}x"] for name, seconds in start_times.items()]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run{' --quick' if args.quick else ''}` in one run of {wall / 60:.1f} min on "
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPU(s) shared with other work "
        f"(load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}); packs {', '.join(args.rules)}: "
        f"{len(ruleset.rules)} rules from {n_files} rule files, pack digest {digest} (sha256 of the rule files), "
        f"rules digest {ruleset.digest}; {args.years}-year synthetic data sets, seed {args.seed}. "
        "Timings are for this run only; ratios within the run are what to compare.",
        "",
        f"## Ratios at the largest size ({largest} outcomes), to the plain-Python limit at the same size",
        "",
        "The plain-Python limit (`bench/plain.py`) computes every rule, relations included, with hand-written "
        "dict joins, the pack's derived values and text predicates in plain Python, none of the engine's code. "
        "Every path decides the same facts; each one's outcomes are compared with the reference evaluator's "
        "outcome by outcome (below). Engine and peer paths include `plan()` (derived values, text predicates and "
        "relations computed for the engine), as the product runs them.",
        "",
        tabulate(headline, headers=["path", "outcomes", "seconds", "vs plain limit (wall)", "vs plain limit (CPU)", "rules left out"], tablefmt="github"),
        "",
        "Wall time on a shared machine also holds time spent waiting for a core; CPU time (user + system of the "
        "measuring process, all its threads: polars may use both cores) is the cost. End to end is per finding, "
        "interpreter start-up, loading, facts and writing JSON included, against the limit's time per outcome. "
        f"The two times these ratios divide, the plain limit and end to end with --jobs 1, are each the median of {args.repeat} "
        "runs (a single run of either varied by 10% between runs of this benchmark).",
        "",
        "Rules the plain limit cannot compute (left out of every ratio): " + ("; ".join(excluded) if excluded else "none."),
        "",
        "## Agreement, outcome by outcome, against the reference evaluator",
        "",
        "At the largest size each path ran at, every data set (and the one-board data set).",
        "",
        tabulate(agree_rows, headers=["path", "compared", "identical", "differ", "lost", "extra", "rules left out"], tablefmt="github"),
        "",
        "## Every path at every size",
        "",
        "Each row is one subprocess streaming the data sets one at a time; peak RSS is that process's own "
        "(VmHWM). Seconds are the decision step only (facts derived beforehand). `invariant` = exactly one "
        "outcome per (rule in force, subject) it decides and nothing else; `digest` is equal across the paths "
        "that decide every rule at one size.",
        "",
        tabulate(table, headers=["size", "data sets", "outcomes", "path", "seconds", "CPU s", "outcomes/s", "vs limit", "vs limit (CPU)", "peak RSS MB",
                                 "invariant", "rules left out", "digest"], tablefmt="github"),
        "",
        "## Time vs size (least-squares fit t = a*n + b)",
        "",
        tabulate(fits, headers=["path", "a: us/outcome", "b: ms", "R^2", "us/outcome smallest", "us/outcome largest"], tablefmt="github"),
        "",
        f"## End to end: `compliance check DIR --format json --out-dir D` on {args.years}-year data sets on disk",
        "",
        "Load (JSON) + facts + durable-rules + reference cross-check + findings + one JSON document per data set "
        "and a combined report, with no cache (`COMPLIANCE_NO_CACHE=1`: each run costs a data set's first check); "
        "peak RSS is the largest process of the run (workers included). Each data set's "
        "findings are compared with the reference evaluator's outcomes for the same generated organisation; "
        "findings of rules whose register the data set on disk does not hold are `not_checked` and not compared.",
        "",
        tabulate(e2e_rows, headers=["run", "data sets", "findings", "seconds", "CPU s", "s per data set", "findings/s", "peak RSS MB", "agreement"], tablefmt="github"),
        "",
        f"Distributed executor: {e2e_notes['dask']}.",
        "",
    ]
    if per:
        lines += ["At this rate one machine checks 300 organisations x 5 years in about "
                  + ", ".join(f"{300 * s / 60:.1f} min with `{label}`" for label, s in per.items()) + ".", ""]
    if memory_section:
        lines += [memory_section]
    lines += [
        "## Start-up (median of repeated runs, as a ratio to `python -c pass`)",
        "",
        "`bench/startup.py`: byte-code cached, commands interleaved so machine load falls on each alike.",
        "",
        tabulate(start_rows, headers=["command", "wall", "vs python -c pass"], tablefmt="github"),
        "",
    ]
    for path, (n, rows) in profiles.items():
        lines += [f"## Where the `{path}` path spends its time (cProfile, {n:,} outcomes, by own time)", "",
                  tabulate(rows, headers=["function", "calls", "own s", "cumulative s"], tablefmt="github"), ""]
    lines += [f"Generating and deriving the data sets took {gen_seconds:.1f} s (not part of any timing).", "",
              "Rule files in the digest: " + ", ".join(file_names) + ".", ""]
    if failures:
        lines += ["## FAILURES", ""] + [f"- {f}" for f in failures] + [""]
    args.out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
