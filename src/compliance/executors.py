"""Where a batch's tasks run: in this process, in worker processes (``--jobs``), or on a Dask cluster.

Every executor has one shape, ``run(fn, tasks) -> iterator of (index, result)``, yielding each task's
result as it finishes (any order; the caller puts results back in the order of ``tasks``), so the
caller holds one result at a time, not all of them. No task is ever lost: a task that raised, or
whose worker died and could not be rerun, yields a ``TaskFailure`` saying why, in its place.

- ``serial``: this process, in order.
- ``processes``: ``jobs`` worker processes (``concurrent.futures``); a task whose process died is
  rerun in a new one, up to ``retries`` times, then reported as lost with its worker.
- ``dask``: Dask distributed, either a ``LocalCluster`` of ``workers`` processes or an existing
  cluster at ``scheduler`` (``tcp://host:8786``). Dask reruns a task whose worker died (up to the
  scheduler's ``distributed.scheduler.allowed-failures``, then ``KilledWorker``) and a task that
  raised (``retries`` times). ``distributed`` is imported only here, when asked for.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable, Iterator

EXECUTORS = ("processes", "dask")


class ExecutorUnavailable(RuntimeError):
    """The executor asked for cannot be started (``distributed`` not installed, scheduler unreachable)."""


@dataclass(frozen=True)
class TaskFailure:
    """In place of a task's result: why it has none (``kind``: ``error`` raised, ``worker`` died)."""

    kind: str
    message: str


def _failure(exc: BaseException) -> TaskFailure:
    name = type(exc).__name__
    if name == "KilledWorker":  # distributed's: the task's worker died allowed-failures + 1 times
        return TaskFailure("worker", f"its worker died each time it ran it ({name}: {exc})")
    return TaskFailure("error", f"{name}: {exc}")


def run_serial(fn: Callable, tasks: list) -> Iterator[tuple[int, Any]]:
    """Each task in this process, in order."""
    for i, task in enumerate(tasks):
        try:
            yield i, fn(task)
        except Exception as exc:  # noqa: BLE001 - one task's error must not lose the others
            yield i, _failure(exc)


def run_processes(fn: Callable, tasks: list, jobs: int, retries: int = 2) -> Iterator[tuple[int, Any]]:
    """Tasks in ``jobs`` worker processes, yielded as they finish.

    Each worker process is a pool of its own, given one task at a time: when a process dies, the
    one task it was running is known (a shared pool would fail every unfinished task with
    ``BrokenProcessPool``), so that task alone is rerun in a new process, up to ``retries`` times,
    and then reported. A process that lives keeps its loaded rules for the next task.
    """
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait  # noqa: PLC0415 - only a parallel run pays
    from concurrent.futures.process import BrokenProcessPool

    queue, deaths = deque(range(len(tasks))), [0] * len(tasks)
    slots: list[ProcessPoolExecutor | None] = [None] * min(jobs, len(tasks))
    running: dict = {}  # future -> (slot, task index)
    try:
        while queue or running:
            busy = {slot for slot, _ in running.values()}
            for slot in range(len(slots)):
                if queue and slot not in busy:
                    slots[slot] = slots[slot] or ProcessPoolExecutor(max_workers=1)
                    i = queue.popleft()
                    running[slots[slot].submit(fn, tasks[i])] = (slot, i)
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                slot, i = running.pop(future)
                exc = future.exception()
                if isinstance(exc, BrokenProcessPool):  # its process died running task i
                    slots[slot].shutdown(wait=False)
                    slots[slot] = None
                    deaths[i] += 1
                    if deaths[i] <= retries:
                        queue.append(i)
                        continue
                    yield i, TaskFailure("worker", f"its worker process died each time it ran it ({deaths[i]} times)")
                    continue
                yield i, _failure(exc) if exc is not None else future.result()
    finally:
        for pool in slots:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


def dask_client(scheduler: str | None, workers: int):
    """A ``distributed.Client``: to the cluster at ``scheduler``, else to a new ``LocalCluster`` of
    ``workers`` single-threaded processes (the rules engine evaluates one data set at a time per process)."""
    try:
        import distributed  # noqa: PLC0415 - the CLI's start-up must not pay for it
    except ImportError as exc:
        raise ExecutorUnavailable("--executor dask needs the distributed package: pip install 'compliance[dask]' "
                                  f"(or pip install distributed) ({exc})") from None
    try:
        if scheduler:
            import dask  # noqa: PLC0415

            return distributed.Client(scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect"))
        import logging

        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.ERROR)
        return distributed.Client(cluster)
    except OSError as exc:  # connection refused, timed out, bad address
        raise ExecutorUnavailable(f"--scheduler {scheduler}: cannot connect ({exc})") from None


def run_dask(fn: Callable, tasks: list, *, client=None, scheduler: str | None = None, workers: int = 2,
             retries: int = 1) -> Iterator[tuple[int, Any]]:
    """Tasks on a Dask cluster, yielded as they finish; each result is released on the cluster once
    taken, so neither the cluster nor this process accumulates them. With ``client`` given it is
    used (and left open); otherwise one is made by ``dask_client`` and closed at the end."""
    from distributed import as_completed  # noqa: PLC0415

    own = client is None
    if own:
        client = dask_client(scheduler, workers)
    try:
        run_id = uuid.uuid4().hex[:8]  # keys unique to this run: a reused client never hands back an old result
        keys = [f"compliance-{run_id}-{i}-{Path(str(getattr(t, 'dataset', ''))).name}" for i, t in enumerate(tasks)]
        futures = client.map(fn, tasks, key=keys, retries=retries)
        index = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            i = index[future.key]
            exc = future.exception() if future.status == "error" else None
            result = _failure(exc) if exc is not None else future.result()
            futures[i] = None  # the last reference here: the cluster forgets the result
            future.release()
            yield i, result
    finally:
        if own:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


def run(fn: Callable, tasks: list, *, executor: str = "processes", jobs: int = 1, scheduler: str | None = None,
        workers: int | None = None, client=None) -> Iterator[tuple[int, Any]]:
    """``fn`` over ``tasks`` on the executor named (see the module docstring), as (index, result)."""
    if executor == "dask":
        return run_dask(fn, tasks, client=client, scheduler=scheduler, workers=workers or jobs or os.cpu_count() or 1)
    if jobs <= 1 or len(tasks) <= 1:
        return run_serial(fn, tasks)
    return run_processes(fn, tasks, jobs)
