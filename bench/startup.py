"""Start-up of the CLI as a ratio to `python -c pass` (issue 17): median of N runs, in one run.

    python bench/startup.py N SRC [SRC ...]

Each SRC is a source tree put on PYTHONPATH (e.g. this branch's `src` and an older `git archive` of
it), run interleaved so load on the machine falls on each alike. Byte-code is cached in a
PYTHONPYCACHEPREFIX under the temporary directory (as an installed package would have it), even
where the environment sets PYTHONDONTWRITEBYTECODE, and so are the loaded rule set and data set
(``compliance.cache``, in a COMPLIANCE_CACHE_DIR there): what a user sees from the second run on.
``check-nocache`` is the first run (or one with COMPLIANCE_NO_CACHE=1). A measurement, never a
test; bench/run reports it too (``measure``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "pass": ["-c", "pass"],
    "help": ["-m", "compliance", "--help"],
    "check": ["-m", "compliance", "check", "fixtures/ssot-2024-10-17", "--as-of", "2024-10-17", "-q"],
    "json": ["-m", "compliance", "check", "fixtures/ssot-2024-10-17", "--as-of", "2024-10-17", "--format", "json"],
}
COMMANDS["check-nocache"] = COMMANDS["check"]  # the first run, or COMPLIANCE_NO_CACHE=1
UNCACHED = {"check-nocache"}


def measure(n: int, trees: list[str]) -> dict[str, dict[str, float]]:
    """Per tree, the median wall time in seconds of each command (``pass`` is `python -c pass`)."""
    cache = Path(tempfile.gettempdir()) / "compliance-bench-pycache"
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "COMPLIANCE_NO_CACHE")}
    times: dict[tuple[str, str], list[float]] = {(t, k): [] for t in trees for k in COMMANDS}
    for _ in range(n + 1):  # the first round only fills the byte-code cache
        for tree in trees:
            env = {**base, "PYTHONPATH": str(Path(tree).resolve()), "PYTHONPYCACHEPREFIX": str(cache),
                   "COMPLIANCE_CACHE_DIR": str(cache / "compliance")}
            for name, args in COMMANDS.items():
                start = time.perf_counter()
                subprocess.run([sys.executable, *args], env={**env, "COMPLIANCE_NO_CACHE": "1"} if name in UNCACHED else env,
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[tree, name].append(time.perf_counter() - start)
    return {tree: {k: statistics.median(times[tree, k][1:]) for k in COMMANDS} for tree in trees}


def main(n: int, trees: list[str]) -> None:
    """Print, per tree, the median wall time of each command and its ratio to `python -c pass`."""
    for tree, med in measure(n, trees).items():
        print(f"{tree}: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in med.items())
              + "; " + ", ".join(f"{k} {med[k] / med['pass']:.1f}x" for k in COMMANDS if k != "pass") + " python -c pass")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2:] or ["src"])
