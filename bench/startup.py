"""Start-up of the CLI as a ratio to `python -c pass` (issue 17): median of N runs, in one run.

    python bench/startup.py N SRC [SRC ...]
    python bench/startup.py N --floor [SRC]     # what a cached check's start-up is made of

Each SRC is a source tree put on PYTHONPATH (e.g. this branch's `src` and an older `git archive` of
it), run interleaved so load on the machine falls on each alike. Byte-code is cached in a
PYTHONPYCACHEPREFIX under the temporary directory (as an installed package would have it), even
where the environment sets PYTHONDONTWRITEBYTECODE, and so are the loaded rule set and data set
(``compliance.cache``, in a COMPLIANCE_CACHE_DIR there): what a user sees from the second run on.
``check-nocache`` is the first run (or one with COMPLIANCE_NO_CACHE=1); the ``*-server`` ones are run by a fork of a start-up server (``compliance server start``, one per tree),
the others in their own process (COMPLIANCE_NO_SERVER=1). A measurement, never a test; bench/run
reports it too (``measure``).
"""

from __future__ import annotations

import json
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
COMMANDS["check-server"] = COMMANDS["check"]  # run by a fork of `compliance server start`'s server
COMMANDS["json-server"] = COMMANDS["json"]
COMMANDS["check-nocache-server"] = COMMANDS["check"]
UNCACHED = {"check-nocache", "check-nocache-server"}
SERVED = {"check-server", "json-server", "check-nocache-server"}


def measure(n: int, trees: list[str]) -> dict[str, dict[str, float]]:
    """Per tree, the median wall time in seconds of each command (``pass`` is `python -c pass`)."""
    cache = Path(tempfile.gettempdir()) / "compliance-bench-pycache"
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "COMPLIANCE_NO_CACHE")}
    times: dict[tuple[str, str], list[float]] = {(t, k): [] for t in trees for k in COMMANDS}
    envs = {tree: {**base, "PYTHONPATH": str(Path(tree).resolve()), "PYTHONPYCACHEPREFIX": str(cache),
                   "COMPLIANCE_CACHE_DIR": str(cache / "compliance"), "COMPLIANCE_NO_SERVER": "1"} for tree in trees}
    # a tree without the server (an older one) has no *-server figures
    served = {tree for tree, env in envs.items() if _server(env, "start").returncode == 0}
    try:
        for _ in range(n + 1):  # the first round only fills the byte-code cache
            for tree in trees:
                for name, args in COMMANDS.items():
                    if name in SERVED and tree not in served:
                        continue
                    env = envs[tree]
                    env = {**env, "COMPLIANCE_NO_CACHE": "1"} if name in UNCACHED else env
                    env = {k: v for k, v in env.items() if k != "COMPLIANCE_NO_SERVER"} if name in SERVED else env
                    start = time.perf_counter()
                    subprocess.run([sys.executable, *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    times[tree, name].append(time.perf_counter() - start)
    finally:
        for tree in served:
            _server(envs[tree], "stop")
    return {tree: {k: statistics.median(times[tree, k][1:]) if times[tree, k] else float("nan") for k in COMMANDS} for tree in trees}


def _server(env: dict[str, str], action: str) -> subprocess.CompletedProcess:
    """``compliance server start|stop`` for one tree (its own PYTHONPATH and cache directory)."""
    options = ["--idle-timeout", "900"] if action == "start" else []
    return subprocess.run([sys.executable, "-m", "compliance", "server", action, *options], env=env, cwd=ROOT, capture_output=True)


def main(n: int, trees: list[str]) -> None:
    """Print, per tree, the median wall time of each command and its ratio to `python -c pass`."""
    for tree, med in measure(n, trees).items():
        print(f"{tree}: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in med.items())
              + "; " + ", ".join(f"{k} {med[k] / med['pass']:.1f}x" for k in COMMANDS if k != "pass") + " python -c pass")


_LIST_IMPORTS = """
import json, sys
before = set(sys.modules)
from compliance.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m not in before and m != "__main__")))
"""


def floor(n: int, tree: str = "src") -> list[tuple[str, float, float]]:
    """What a cached check's start-up is made of (docs/scaling.md, "Start-up"): the median wall time
    of a process that imports pydantic's BaseModel, the record models, and every module a cached
    check imports, each ending with ``os._exit`` (as ``compliance`` does), against the check itself
    (in its own process, and run by a start-up server: ``compliance server start``) and
    ``python -c pass``; as (what, seconds, ratio) in one interleaved run."""
    cache = Path(tempfile.gettempdir()) / "compliance-bench-pycache"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "COMPLIANCE_NO_CACHE", "COMPLIANCE_NO_SERVER")} | {
        "PYTHONPATH": str(Path(tree).resolve()), "PYTHONPYCACHEPREFIX": str(cache), "COMPLIANCE_CACHE_DIR": str(cache / "compliance")}
    check = COMMANDS["check"][2:]
    for _ in range(2):  # the second run is served from the cache, as the measured ones are
        listed = subprocess.run([sys.executable, "-c", _LIST_IMPORTS, *check], env=env, cwd=ROOT, capture_output=True, text=True)
    modules = json.loads(listed.stdout.splitlines()[-1])
    quick = "; import os; os._exit(0)"
    commands = {
        "python -c pass": ["-c", "pass"],
        "from pydantic import BaseModel": ["-c", "from pydantic import BaseModel" + quick],
        "import compliance.model (the record models)": ["-c", "import compliance.model" + quick],
        "import every module a cached check imports": ["-c", f"import importlib\nfor m in {modules!r}: importlib.import_module(m)\n" + quick[2:]],
        "compliance check (cached)": COMMANDS["check"],
        "compliance check (cached, run by the start-up server)": COMMANDS["check"],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    alone = {**env, "COMPLIANCE_NO_SERVER": "1"}
    if _server(alone, "start").returncode:
        del commands["compliance check (cached, run by the start-up server)"], times["compliance check (cached, run by the start-up server)"]
    try:
        for round_ in range(n + 1):  # the first round only fills the byte-code cache
            for name, args in commands.items():
                start = time.perf_counter()
                subprocess.run([sys.executable, *args], env=env if "server" in name else alone, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if round_:
                    times[name].append(time.perf_counter() - start)
    finally:
        _server(alone, "stop")
    base = statistics.median(times["python -c pass"])
    return [(name, statistics.median(t), statistics.median(t) / base) for name, t in times.items()]


if __name__ == "__main__":
    if sys.argv[2:3] == ["--floor"]:  # python bench/startup.py N --floor [SRC]
        for name, seconds, ratio in floor(int(sys.argv[1]), *(sys.argv[3:4] or ["src"])):
            print(f"| {name} | {seconds * 1000:.0f} ms | {ratio:.1f} |")
    else:
        main(int(sys.argv[1]), sys.argv[2:] or ["src"])
