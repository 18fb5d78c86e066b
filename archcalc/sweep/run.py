"""The points of a sweep, analysed in grid order: in this process, or over a pool of
processes with the results still handed on in order, as each run of points is done.

Points are independent, so a pool's workers each read the model once and then take runs
of consecutive points. At most a few runs per worker are in flight, so memory does not
grow with the number of points: a point's figures are handed on and let go.
"""

from __future__ import annotations

import gc
from collections import deque
from typing import Any, Iterator

from .source import Job, Point, Source, run_point

# Points per task a worker takes: large enough that handing results over costs little per
# point, small enough that the first results come soon and the last worker is not left alone.
CHUNK = 32
# Each process clears reference cycles (the analysis makes a few) this often: the command
# runs with the cyclic collector off, and a sweep of a million points must not grow.
COLLECT_EVERY = 2000

_SOURCE: Source | None = None     # a worker's model, read once by `_start`
_DONE = [0]                       # points a worker has analysed (its collections follow them)


def run_points(job: Job, points: range, jobs: int = 1) -> Iterator[Point]:
    """Each point of `points` (numbers of `job.grid`), in order."""
    if jobs <= 1 or len(points) <= CHUNK:
        source = Source(job)
        for k, index in enumerate(points):
            if k and k % COLLECT_EVERY == 0:
                gc.collect()
            yield run_point(source, index)
        return
    yield from _pooled(job, points, jobs)


def _start(job: Job) -> None:
    global _SOURCE
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the command's: it ends the pool
    gc.disable()
    _SOURCE = Source(job)


def _run_chunk(indices: range) -> list[Point]:
    if _SOURCE is None:                     # _start runs first in every worker
        raise AssertionError("a sweep worker ran before it read the model")
    if _DONE[0] // COLLECT_EVERY != (_DONE[0] + len(indices)) // COLLECT_EVERY:
        gc.collect()
    _DONE[0] += len(indices)
    return [run_point(_SOURCE, index) for index in indices]


def _pooled(job: Job, points: range, jobs: int) -> Iterator[Point]:
    import multiprocessing
    chunks = (points[at:at + CHUNK] for at in range(0, len(points), CHUNK))
    pool = multiprocessing.get_context(_start_method()).Pool(jobs, initializer=_start, initargs=(job,))
    try:
        pending: deque[Any] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_run_chunk, (chunk,)))
            if len(pending) >= 4 * jobs:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _start_method() -> str:
    """fork where there is one (a worker starts at once, with archcalc imported), else spawn."""
    import multiprocessing
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def default_jobs() -> int:
    import os
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:           # not on Linux
        return os.cpu_count() or 1
