"""Batch scaling, measured: peak RSS against the number of data sets, and serial / --jobs / Dask.

    python bench/batch_scaling.py memory N [SRC...]   # N and 4N copies of fixtures/ssot-2024-10-17
    python bench/batch_scaling.py executors M         # M copies: --jobs 1, --jobs 2, --executor dask --workers 2

``memory`` runs ``compliance check DIR --format json --out R.json`` with and without ``--out-dir``
(``--jobs 1``: one process does all the work, so its peak is the batch's) for N and 4N data sets,
with each source tree given (default: this one's ``src``), and prints the peak RSS of each run:
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` read in a fresh probe process that ran only that
command. ``executors`` runs the same M data sets once on each executor, prints wall times and
ratios to serial, and checks that the three reports are byte-identical. Wall times on a shared
machine: compare ratios within one run. Benchmark only; no test times anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "fixtures" / "ssot-2024-10-17"
PROBE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
         "r = subprocess.run(sys.argv[1:], capture_output=True); "
         "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, r.returncode)")


def copies(root: Path, n: int) -> Path:
    """``root/n`` holding n copies of the real data set."""
    target = root / str(n)
    for i in range(n):
        shutil.copytree(REAL, target / f"org-{i:04d}")
    return target


def probe(src: Path, args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB of the largest process, exit code) of ``compliance ARGS`` with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "120"}
    done = subprocess.run([sys.executable, "-c", PROBE, sys.executable, "-m", "compliance", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    seconds, rss, code = done.stdout.split()
    if code not in ("0", "1", "2"):
        raise SystemExit(f"compliance {' '.join(args)} failed (exit {code})")
    return float(seconds), float(rss), int(code)


def memory(n: int, sources: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sets = {k: copies(work, k) for k in (n, 4 * n)}
        print("| source | data sets | --out-dir | peak RSS MB | seconds |\n|---|---|---|---|---|")
        for src in sources:
            for k, root in sets.items():
                for out_dir in (False, True):
                    args = ["check", str(root), "--as-of", "2024-10-17", "--format", "json", "--out", str(work / "r.json")]
                    args += ["--out-dir", str(work / f"docs-{k}")] if out_dir else []
                    seconds, rss, _ = probe(src, args)
                    print(f"| {src} | {k} | {'yes' if out_dir else 'no'} | {rss:.0f} | {seconds:.1f} |", flush=True)


def executors(m: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = copies(work, m)
        runs = {"serial (--jobs 1)": ["--jobs", "1"], "--jobs 2": ["--jobs", "2"],
                "--executor dask --workers 2": ["--executor", "dask", "--workers", "2"]}
        print(f"{m} data sets\n\n| executor | seconds | ratio to serial | peak RSS MB (largest process) |\n|---|---|---|---|")
        first = None
        reports = []
        for name, extra in runs.items():
            out = work / f"r-{len(reports)}.json"
            seconds, rss, _ = probe(ROOT / "src", ["check", str(root), "--as-of", "2024-10-17", "--format", "json", "--out", str(out), *extra])
            first = first or seconds
            reports.append(out.read_bytes())
            print(f"| {name} | {seconds:.1f} | {seconds / first:.2f} | {rss:.0f} |", flush=True)
        print(f"\nreports byte-identical: {all(r == reports[0] for r in reports)}")


if __name__ == "__main__":
    what, count, *rest = sys.argv[1:]
    if what == "memory":
        memory(int(count), [Path(s).resolve() for s in rest] or [ROOT / "src"])
    else:
        executors(int(count))
