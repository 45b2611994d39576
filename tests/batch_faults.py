"""Faults injected into a batch's tasks (tests only): a task that kills its worker process, or raises.

Each wraps ``compliance.batch.check_one`` for the data sets whose directory name is in ``names``
and leaves the others alone. ``once`` faults leave a marker file in ``marks`` the first time, so the
rerun of the same task (on a restarted or another worker) succeeds.
"""

import os
from pathlib import Path

from compliance.batch import check_one


def kill_worker_once(marks: str, names: tuple[str, ...], task):
    """Kill this worker process the first time one of ``names`` runs; evaluate normally afterwards."""
    name = Path(task.dataset).name
    mark = Path(marks) / f"killed-{name}"
    if name in names and not mark.exists():
        mark.write_text("killed once\n")
        os._exit(17)  # no clean-up, no exception: the process is gone, as with the OOM killer
    return check_one(task)


def kill_worker_always(names: tuple[str, ...], task):
    """Kill this worker process every time one of ``names`` runs."""
    if Path(task.dataset).name in names:
        os._exit(17)
    return check_one(task)


def raise_for(names: tuple[str, ...], task):
    """An internal error (a bug) for ``names``."""
    if Path(task.dataset).name in names:
        raise RuntimeError(f"simulated bug on {Path(task.dataset).name}")
    return check_one(task)
