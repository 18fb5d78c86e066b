"""The Python API: load a model into a `Graph`, analyse it into a `Report`.

No guessing: a string is a path only when such a file exists; YAML text goes
through `analyze_text`, a parsed mapping through `analyze_mapping`.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from .dtypes import parse_dtype
from .errors import ArgumentError, UsageError
from .gcpause import without_gc
from .graph import MAX_BATCH, Graph
from .report import Report


def load(model: Any, *, batch: int | None = None, dtype: str | None = None, **import_options) -> Graph:
    """A `Graph` from a path (any supported file), a spec mapping, or a `Graph`."""
    if isinstance(model, Graph):
        graph = model
    elif isinstance(model, Mapping):
        from .frontends.yaml import graph_from_mapping
        graph = graph_from_mapping(model)
    elif isinstance(model, (str, os.PathLike)):
        if isinstance(model, str) and model != "-" and not os.path.exists(model):
            hint = (" (it looks like spec text: use archcalc.analyze_text)"
                    if "\n" in model or model.lstrip().startswith("{") else "")
            raise UsageError(f"no such file: {model[:80]!r}{hint}")
        from .frontends import read_model
        from .frontends.imported import ImportOptions
        graph = read_model(os.fspath(model), ImportOptions(**import_options) if import_options else None)
    else:
        raise UsageError(f"cannot analyse a {type(model).__name__}: give a path, a mapping or a Graph")
    return apply_settings(graph, batch=batch, dtype=dtype)


def apply_settings(graph: Graph, *, batch: int | None = None, dtype: str | None = None) -> Graph:
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH):
        raise UsageError(f"batch must be an integer from 1 to 2^31, got {str(batch)[:40]}")
    if dtype is not None:
        try:
            dtype = parse_dtype(dtype)
        except ArgumentError as exc:
            raise UsageError(f"--dtype: {exc}") from None
    return graph.with_settings(batch=batch, dtype=dtype)


def analyze_graph(graph: Graph) -> Report:
    from .analysis import analyze_graph as run
    return run(graph)


# The collector is paused for a whole analysis, not only inside each phase: re-enabled between
# them, its next passes would scan every object built so far (a flat 1M-layer spec: 19.5 s
# in all, against 15.7 s paused throughout; benchmarks/bench_scale.py).
@without_gc
def analyze(model: Any, *, batch: int | None = None, dtype: str | None = None, **import_options) -> Report:
    """Analyse a path (a spec or a model file), a spec mapping or a `Graph`; returns a `Report`."""
    return analyze_graph(load(model, batch=batch, dtype=dtype, **import_options))


def analyze_file(path: str | os.PathLike, **settings) -> Report:
    return analyze(os.fspath(path), **settings)


@without_gc
def analyze_text(text: str, *, batch: int | None = None, dtype: str | None = None) -> Report:
    """Analyse YAML spec text."""
    from .frontends.yaml import graph_from_text
    return analyze_graph(apply_settings(graph_from_text(text), batch=batch, dtype=dtype))


def analyze_mapping(data: Mapping[str, Any], *, batch: int | None = None, dtype: str | None = None) -> Report:
    """Analyse a spec already parsed into a mapping."""
    return analyze(dict(data), batch=batch, dtype=dtype)
