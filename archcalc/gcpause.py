"""Pausing the cyclic garbage collector while a large spec is built and analysed.

Expansion and analysis allocate millions of small acyclic objects; the
collector's repeated passes over them cost about a third of the run time
(benchmarks/bench_scale.py) and find nothing to free.
"""

from __future__ import annotations

import functools
import gc
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def without_gc(fn: F) -> F:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return run  # type: ignore[return-value]  # wraps keeps fn's signature, which mypy cannot see
