"""The benchmark behind ``bench/run``: every evaluation path on the same data, in one run.

Paths, each timed on the decision step only (facts are derived beforehand and streamed one data
set at a time from pickles, so generation never counts):

- ``plain``     the practical limit: each rule's condition as one Python expression (bench/plain.py)
- ``reference`` the three-valued reference evaluator, outcomes only
- ``durable``   durable-rules as the product runs it (compliance.engine.durable_engine)
- ``findings``  the whole of ``compliance.engine.evaluate``: durable-rules decides, the reference
                evaluator cross-checks and explains, one pydantic Finding per outcome
- ``naive``     the engine path before issue 7 (bench/naive_engine.py), small sizes only

Each (path, size) runs in its own subprocess so peak RSS (``ru_maxrss``) is that measurement's
alone. Every path must produce the same outcomes (a digest per size is compared) and exactly one
outcome per (rule in force, subject); any difference fails the run.
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

PATHS = ("plain", "reference", "durable", "findings", "naive")
REAL = ROOT / "fixtures" / "ssot-2024-10-17"


# ---------------------------------------------------------------- one measurement (subprocess)

def _decide(path: str, rules, facts, as_of, params):
    """The timed step: every (rule in force, subject) decided by the given path."""
    from compliance.engine.evaluate import decide, evaluate, plan

    if path == "findings":
        return evaluate(rules, facts, as_of, params)
    out = []
    for kind_plan in plan(rules, facts, as_of, params):
        if path == "plain":
            decided = {i: _plain_rule(w, q)(kind_plan.facts) for i, (_, _, w, q) in enumerate(kind_plan.rules)}
        elif path == "naive":
            decided = _naive(kind_plan)
        else:
            decided, errors = decide(kind_plan, path)
            if errors:
                raise SystemExit(f"engine errors on {kind_plan.kind}: {errors}")
        out.append((kind_plan, decided))
    return out


def _rows(path: str, decided) -> list[tuple[str, str, str]]:
    """(rule id, subject id, outcome) rows of a decision, built outside the timed step."""
    if path == "findings":
        return [(f.rule_id, f.subject.id, f.outcome) for f in decided]
    out: list[tuple[str, str, str]] = []
    for kind_plan, outcomes in decided:
        ids = [f["id"] for f in kind_plan.facts]
        for i, (rule, _, _, _) in enumerate(kind_plan.rules):
            out.extend(zip([rule.id] * len(ids), ids, outcomes[i]))
    return out


_PLAIN: dict[str, Any] = {}


def _plain_rule(when, require):
    """Compiled once per resolved rule, as durable-rules rulesets are compiled once per definition."""
    from plain import compile_rule

    key = repr((when, require))
    if key not in _PLAIN:
        _PLAIN[key] = compile_rule(when, require)
    return _PLAIN[key]


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


def measure(path: str, files: list[Path], rules_paths: list[str], profile: Path | None) -> dict[str, Any]:
    """Time one path over the given fact pickles; check the outcome-count invariant."""
    from compliance.rules import load_rules

    rules = load_rules(rules_paths).rules
    seconds, count, expected, bad = 0.0, 0, 0, 0
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
        start = time.perf_counter()
        decided = _decide(path, rules, facts, as_of, params)
        seconds += time.perf_counter() - start
        if profiler:
            profiler.disable()
        outcomes = _rows(path, decided)
        kinds: dict[str, int] = {}
        for f in facts:
            kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
        expected += sum(kinds.get(r.applies_to, 0) for r in rules if r.in_force(as_of))
        count += len(outcomes)
        bad += sum(1 for o in outcomes if o[2] not in ("pass", "fail", "error", "not_applicable"))
        if len(set((r, s) for r, s, _ in outcomes)) != len(outcomes):
            bad += 1
        for row in sorted(outcomes):
            digest.update("|".join(row).encode() + b"\n")
        del facts, outcomes, decided
    if profiler:
        profiler.dump_stats(str(profile))
    return {"path": path, "outcomes": count, "expected": expected, "invalid": bad, "seconds": seconds,
            "digest": digest.hexdigest()[:16], "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


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


def _subprocess_measure(path: str, files: list[Path], rules_paths: list[str], profile: Path | None = None) -> dict[str, Any]:
    listing = files[0].parent / f".files-{path}-{len(files)}.txt"
    listing.write_text("\n".join(map(str, files)))
    cmd = [sys.executable, str(Path(__file__)), "--measure", path, "--files", str(listing), "--rules", *rules_paths]
    if profile:
        cmd += ["--profile", str(profile)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"measurement {path} on {len(files)} data sets failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wall(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys) of a command, in seconds.

    The CPU time is what the command costs; on a shared machine the wall time also holds the
    time spent waiting for a core (the load average is in the report)."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, cwd=ROOT)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def startup(repeat: int) -> list[list[Any]]:
    """Wall and CPU time of the demo command, of importing the CLI, and of a bare interpreter."""
    exe = Path(sys.executable)
    compliance = exe.parent / "compliance"
    base = [str(compliance)] if compliance.exists() else [sys.executable, "-m", "compliance"]
    rows = [
        ["`compliance check` on the real data set (incl. interpreter start-up)", *_wall(base + ["check", str(REAL), "--as-of", "2024-10-17"], repeat)],
        ["`compliance --help` (start-up and CLI import only)", *_wall(base + ["--help"], repeat)],
        ["`python -c 'import compliance.cli'`", *_wall([sys.executable, "-c", "import compliance.cli"], repeat)],
        ["`python -c pass` (bare interpreter)", *_wall([sys.executable, "-c", "pass"], repeat)],
    ]
    importtime = subprocess.run([sys.executable, "-X", "importtime", "-c", "import compliance.cli"], capture_output=True, text=True, cwd=ROOT)
    total = 0
    for line in importtime.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() == "compliance.cli":
            total = int(parts[1])
    rows.append(["import compliance.cli (-X importtime, cumulative)", total / 1e6, float("nan")])
    return [[name, f"{wall * 1000:.0f} ms", "" if cpu != cpu else f"{cpu * 1000:.0f} ms"] for name, wall, cpu in rows]


def end_to_end(work: Path, count: int, years: int, seed: int, rules_paths: list[str]) -> tuple[list[list[Any]], dict[str, float]]:
    """`compliance check DIR --jobs N --out-dir D` on ``count`` generated data sets written to disk
    (JSON): load + facts + engine + cross-check + findings + one JSON document per data set, as a
    regulator would run it."""
    from generate import as_of_for, generate, write

    root = work / "datasets"
    for org in range(count):
        write(generate(org, years, seed), root / f"org-{org:03d}")
    rows, per = [], {}
    for jobs in (1, 2):
        out = work / f"batch-{jobs}.json"
        probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
                 "r = subprocess.run(sys.argv[1:], capture_output=True); "
                 "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, r.returncode)")
        exe = Path(sys.executable).parent / "compliance"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "compliance"]
        cmd += ["check", str(root), "--as-of", as_of_for(years).isoformat(), "--format", "json", "--out", str(out),
                "--out-dir", str(work / f"documents-{jobs}"), "--jobs", str(jobs)] + [x for r in rules_paths for x in ("--rules", r)]
        done = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, cwd=ROOT)
        seconds, rss, code = done.stdout.split()
        if code not in ("0", "1"):
            raise SystemExit(f"compliance check --jobs {jobs} failed (exit {code})")
        findings = json.loads(out.read_text())["summary"]["total"]
        per[jobs] = float(seconds) / count
        rows.append([f"--jobs {jobs}", count, f"{findings:,}", f"{float(seconds):.1f}", f"{float(seconds) / count:.2f}",
                     f"{findings / float(seconds):,.0f}", f"{float(rss):.0f}"])
    return rows, per


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
    for path in PATHS:
        rows = sorted((r["outcomes"], r["seconds"]) for r in results if r["path"] == path)
        if not rows:
            continue
        left.plot([n for n, _ in rows], [t for _, t in rows], marker="o", label=path)
        right.plot([n for n, _ in rows], [n / t for n, t in rows], marker="o", label=path)
    left.set(xscale="log", yscale="log", xlabel="(rule, subject) outcomes", ylabel="seconds (decision step)", title="time vs size")
    right.set(xscale="log", yscale="log", xlabel="(rule, subject) outcomes", ylabel="outcomes / s", title="throughput")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark every evaluation path on the same synthetic data.")
    parser.add_argument("--quick", action="store_true", help="small sizes only (up to ~30,000 outcomes)")
    parser.add_argument("--sizes", help="comma-separated outcome targets, e.g. 10000,100000,1000000")
    parser.add_argument("--years", type=int, default=5, help="financial years per generated data set [5: the national unit]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rules", nargs="+", default=["nhs-icb", "nhs-performance"])
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--plot", type=Path, default=HERE / "results.png")
    parser.add_argument("--data-dir", type=Path, help="keep the generated fact pickles here")
    parser.add_argument("--naive-max", type=int, default=60_000, help="largest size the pre-issue-7 engine runs at")
    parser.add_argument("--findings-max", type=int, default=10**9, help="largest size the full findings path runs at")
    parser.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated subset of {','.join(PATHS)}")
    parser.add_argument("--measure", choices=PATHS, help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure:
        files = [Path(p) for p in args.files.read_text().split("\n") if p]
        print(json.dumps(measure(args.measure, files, args.rules, args.profile)))
        return 0

    targets = [int(s) for s in args.sizes.split(",")] if args.sizes else ([10_000, 30_000] if args.quick else [10_000, 100_000, 300_000, 1_000_000])
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="compliance-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        print(f"generating data sets into {data_dir} ...", file=sys.stderr)
        sizes, gen_seconds = _prepare(data_dir, args.rules, targets, args.years, args.seed)
        results: list[dict] = []
        failures: list[str] = []
        for size in sizes:
            digests = {}
            for path in [p for p in PATHS if p in args.paths.split(",")]:
                if path == "naive" and size["outcomes"] > args.naive_max:
                    continue
                if path == "findings" and size["outcomes"] > args.findings_max:
                    continue
                print(f"  {path:9s} {size['outcomes']:>9,} outcomes ({size['datasets']} data sets) ...", file=sys.stderr, end="", flush=True)
                r = _subprocess_measure(path, size["files"], args.rules)
                r.update(size=size["label"], datasets=size["datasets"])
                print(f" {r['seconds']:.2f}s, {r['peak_rss_mb']:.0f} MB", file=sys.stderr)
                results.append(r)
                digests[path] = r["digest"]
                if r["outcomes"] != r["expected"] or r["invalid"]:
                    failures.append(f"{path} at {size['label']}: {r['outcomes']} outcomes for {r['expected']} (rule, subject) pairs, {r['invalid']} invalid")
            if len(set(digests.values())) != 1:
                failures.append(f"paths disagree at {size['label']}: {digests}")
        # where the time goes, before (naive) and after (durable), on the same data sets
        profiled = max((s for s in sizes if s["outcomes"] <= args.naive_max), key=lambda s: s["outcomes"])
        profiles = {}
        for path in [p for p in ("naive", "durable") if p in args.paths.split(",")]:
            profile = data_dir / f"{path}.prof"
            _subprocess_measure(path, profiled["files"], args.rules, profile)
            profiles[path] = (profiled["outcomes"], _profile_summary(profile))
        start_rows = startup(3 if args.quick else 5)
        print("  end to end: compliance check --jobs 1 / 2 ...", file=sys.stderr)
        e2e_rows, per = end_to_end(data_dir, 2 if args.quick else 6, args.years, args.seed, args.rules)
        write_report(args, results, sizes, gen_seconds, start_rows, profiles, failures, e2e_rows, per)
        print(_plot(results, args.plot), file=sys.stderr)
        print(f"wrote {args.out}", file=sys.stderr)
        for failure in failures:
            print(f"FAILED: {failure}", file=sys.stderr)
        return 1 if failures else 0
    finally:
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


def write_report(args, results, sizes, gen_seconds, start_rows, profiles, failures, e2e_rows, per_dataset) -> None:
    from tabulate import tabulate

    limit = {r["size"]: r["seconds"] / r["outcomes"] for r in results if r["path"] == "plain"}
    table = []
    for r in results:
        per = r["seconds"] / r["outcomes"]
        table.append([r["size"], r["datasets"], f"{r['outcomes']:,}", r["path"], f"{r['seconds']:.3f}",
                      f"{r['outcomes'] / r['seconds']:,.0f}", f"{per / limit[r['size']]:.1f}x",
                      f"{r['peak_rss_mb']:.0f}", "yes" if r["outcomes"] == r["expected"] and not r["invalid"] else "NO", r["digest"]])
    fits = []
    for path in PATHS:
        points = [(r["outcomes"], r["seconds"]) for r in results if r["path"] == path]
        if len(points) < 2:
            continue
        a, b, r2 = _fit(points)
        small, large = min(points), max(points)
        fits.append([path, f"{a * 1e6:.2f}", f"{b * 1000:.1f}", f"{r2:.4f}",
                     f"{small[1] / small[0] * 1e6:.2f}", f"{large[1] / large[0] * 1e6:.2f}"])
    from compliance.rules import load_rules

    ruleset = load_rules(args.rules)
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run{' --quick' if args.quick else ''}` on {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s) shared with other work, rules {ruleset.digest} ({len(ruleset.rules)} rules), "
        f"{args.years}-year synthetic data sets, seed {args.seed}. Timings are for this run only; ratios within the run are what to compare.",
        "",
        "Each row is one subprocess (so peak RSS is that measurement's alone) streaming the data sets one at a time. "
        "Seconds are the decision step only (facts derived beforehand). `vs limit` is time per outcome relative to "
        "`plain`, the rule conditions compiled to plain Python. `invariant` = exactly one outcome per "
        "(rule in force, subject) and nothing else; `digest` must be equal across paths at one size.",
        "",
        tabulate(table, headers=["size", "data sets", "outcomes", "path", "seconds", "outcomes/s", "vs limit", "peak RSS MB", "invariant", "digest"], tablefmt="github"),
        "",
        "## Time vs size (least-squares fit t = a*n + b)",
        "",
        tabulate(fits, headers=["path", "a: us/outcome", "b: ms", "R^2", "us/outcome smallest", "us/outcome largest"], tablefmt="github"),
        "",
        f"## End to end: `compliance check DIR --jobs N --out-dir D` on {args.years}-year data sets on disk",
        "",
        "Load (JSON) + facts + durable-rules + reference cross-check + findings + one JSON document per data set "
        "and a combined summary; peak RSS is the largest process of the run. Wall time on a shared machine.",
        "",
        tabulate(e2e_rows, headers=["run", "data sets", "findings", "seconds", "s per data set", "findings/s", "peak RSS MB"], tablefmt="github"),
        "",
        f"At this rate one machine checks 300 organisations x {args.years} years (300 data sets) in about "
        f"{300 * per_dataset[1] / 60:.1f} min with one process, {300 * per_dataset[2] / 60:.1f} min with two.",
        "",
        "## Start-up (median of repeated runs)",
        "",
        f"Load average when measured: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPU(s).",
        "",
        tabulate(start_rows, headers=["what", "wall", "CPU (user + sys)"], tablefmt="github"),
        "",
    ]
    for path, (n, rows) in profiles.items():
        when = "before issue 7" if path == "naive" else "after issue 7"
        lines += [f"## Where the `{path}` path spends its time ({when}; cProfile, {n:,} outcomes, by own time)", "",
                  tabulate(rows, headers=["function", "calls", "own s", "cumulative s"], tablefmt="github"), ""]
    lines += [f"Generating and deriving the data sets took {gen_seconds:.1f} s (not part of any timing).", ""]
    if failures:
        lines += ["## FAILURES", ""] + [f"- {f}" for f in failures] + [""]
    args.out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
