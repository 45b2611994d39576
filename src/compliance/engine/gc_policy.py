"""Fewer cyclic garbage collections while a run makes its many long-lived objects.

A run holds every fact and, until they are written, the findings: hundreds of thousands of
dicts and small objects, none of them garbage and none in a reference cycle that must be broken
mid-run. CPython's collector starts a collection every 700 net allocations and every tenth one
scans the older objects again, so deciding 100,000 outcomes spent a third of its time in the
collector (measured with ``bench``: 2.03 s with the default thresholds, 1.12 s with these). As
mypy does for the same reason (``mypy/build.py``), a run raises the first threshold; objects
alive when it starts (the loaded records and facts) are frozen out of the collector's scans.
Reference counting still frees everything as usual; only cycle detection waits.

A run must leave no cyclic garbage behind, since the collector's own schedule does not reach it:
inside a run these thresholds put a full collection a thousand second-generation ones away, and
``gc.unfreeze`` hands objects to the oldest generation without counting them towards it. When a
plan's context held its compiled conditions and they held it, a batch, or a program calling
``run_check`` in a loop, grew by 1.5-1.9 MB a data set (40 copies of the real pack: 52 -> 127 MB);
the closures now hold the context weakly (``engine.reference``) and a test holds every run to no
cyclic garbage. Should a cycle come back on a path the tests miss, every ``COLLECT_EVERY``-th
evaluation of a process first collects what the earlier ones left: memory stays bounded, at about
one full collection (18 ms with the real pack loaded) per that many data sets, and a single run
(the command line) pays nothing.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator, TypeVar

THRESHOLD = (50_000, 20, 1000)  # measured in bench: more gains nothing, fewer leaves collections on the hot path

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None
_evaluations = 0  # evaluations started in this process (each may have left cyclic garbage)
COLLECT_EVERY = 8

T = TypeVar("T")


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Within the block, the collector runs rarely and skips the objects alive at entry; nested
    and concurrent blocks share one setting, restored when the outermost one ends."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(*(max(a, b) for a, b in zip(THRESHOLD, _saved)))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.unfreeze()
                gc.set_threshold(*_saved)


def iterate_with_fewer_collections(items: Iterator[T]) -> Iterator[T]:
    """``items`` with ``fewer_collections`` held from the first item to the last (or until the
    consumer stops early and the generator is closed). Every ``COLLECT_EVERY``-th evaluation of a
    process first collects the cyclic garbage earlier ones may have left (the module docstring)."""
    global _evaluations
    with _lock:
        _evaluations += 1
        pending = _evaluations % COLLECT_EVERY == 1 and _evaluations > 1 and _depth == 0
    if pending:
        gc.collect()
    with fewer_collections():
        yield from items
