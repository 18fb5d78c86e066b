"""The Python API: load a model into a `Graph`, analyse it into a `Report`, cost a training step.

No guessing: a string is a path only when such a file exists; YAML text goes
through `analyze_text`, a parsed mapping through `analyze_mapping`.

The keyword arguments are the command line's options under the same names, so that
`archcalc analyze M --context 8192 --set width=32 --seq-len 128` is
`archcalc.analyze(M, context=8192, set={"width": 32}, seq_len=128)` and gives the same
figures: `batch`, `dtype`, `context`, `set`, `seq_len`, `head`, `input` (the first input's
shape, or {NAME: shape}, in the file's own layout as --input takes it), `max_layers`; `train` adds `optimizer`, `precision`,
`recompute`, `tokens` and `steps`, `check` the budgets (`max_params`, …). The commands
`compare`, `scale` and `sweep` are `compare_models`, `scale_model` and `sweep_model` here:
`archcalc.compare`, `archcalc.scale` and `archcalc.sweep` are the modules that do the work.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Mapping

from .dtypes import parse_dtype
from .errors import ArgumentError, UsageError, option
from .gcpause import without_gc
from .graph import ATTENTION, MAX_BATCH, Graph
from .report import Report

if TYPE_CHECKING:
    from .compare import Compared


class Analysis(Report):
    """A `Report` as the API hands it over: printed as `archcalc analyze` prints it, shown in a
    notebook as an HTML table. The formatting lives in `render/`; the report itself knows none."""

    __slots__ = ()

    def table(self, width: int = 100, exact: bool = False) -> str:
        """The per-layer table and totals, as `archcalc analyze` prints them."""
        from .render import Options, renderer
        text: str = renderer("table").analysis([self], Options(exact=exact, width=width))
        return text

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        """Jupyter's view: the summary and the model's top-level parts (`html(full=True)`: every layer)."""
        from .render.notebook import html
        return html(self)

    def html(self, full: bool = True) -> HTML:
        """The notebook view as HTML; `full` (the default here): a row for every layer."""
        from .render.notebook import html
        return HTML(html(self, full=full))

    def compare(self, *others: Report, labels: list[str] | None = None) -> Compared:
        """This report beside others, ratios against this one: what `archcalc compare` prints."""
        return compare_models(self, *others, labels=labels)


class HTML(str):
    """HTML text that a notebook shows as HTML (and Python as the text)."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        return str(self)


def load(model: Any, *, batch: int | None = None, dtype: str | None = None, set: Mapping[str, Any] | None = None,
         seq_len: int | None = None, head: str | None = None, input: Any = None,
         max_layers: int | None = None, inputs: Any = None, kwargs: Mapping[str, Any] | None = None,
         allow_uncounted: bool = False, attention: str | None = None) -> Graph:
    """A `Graph` from a path (any supported file), a code target (`package.module:attribute`,
    `file.py:attribute`), a PyTorch `nn.Module`, a spec mapping, or a `Graph`.
    (`inputs` is the earlier name of `input`; `kwargs` and `allow_uncounted` are PyTorch's.)"""
    overrides = _set_texts(set)
    options = _import_options(seq_len, head, input if input is not None else inputs)
    if kwargs or allow_uncounted:
        from dataclasses import replace
        from .frontends.imported import ImportOptions
        options = replace(options or ImportOptions(), kwargs={str(k): _yaml_text(v) for k, v in (kwargs or {}).items()},
                          allow_uncounted=bool(allow_uncounted))
    if _is_torch_module(model):
        from .frontends import graph_from_import, refuse_options
        from .frontends.torch import module_to_spec
        refuse_options("torch", options, "<module>")
        if options is not None and options.kwargs:
            raise UsageError("kwargs apply to a code target's class or factory, not to a built module")
        imported = module_to_spec(model, options.inputs if options else {}, f"<{type(model).__name__}>",
                                  type(model).__name__, bool(options and options.allow_uncounted),
                                  options.input_dtypes if options else {})
        graph = graph_from_import(imported, f"<{type(model).__name__}>", max_layers, overrides)
    elif isinstance(model, Graph):
        if overrides or options:
            raise UsageError("set, seq_len, head and input apply to a spec or a model file, not to a built Graph "
                             "(pass them to archcalc.load)")
        graph = model
    elif isinstance(model, Mapping):
        from .frontends import refuse_options
        from .frontends.yaml import MAX_LAYERS, graph_from_mapping
        refuse_options("yaml", options, "<spec>")         # a spec reads `input`, as a spec file does
        graph = graph_from_mapping(model, max_layers=max_layers or MAX_LAYERS, overrides=overrides)
        if options is not None and options.inputs:
            from .frontends.yaml.build import with_input_shapes
            graph = with_input_shapes(graph, options.inputs)
    elif isinstance(model, (str, os.PathLike)):
        from .frontends.torch.target import is_code_target
        if isinstance(model, str) and model != "-" and not os.path.exists(model) and not is_code_target(model):
            hint = (" (it looks like spec text: use archcalc.analyze_text)"
                    if "\n" in model or model.lstrip().startswith("{") else "")
            raise UsageError(f"no such file: {model[:80]!r}{hint}")
        from .frontends import read_model
        graph = read_model(os.fspath(model), options, max_layers, overrides)
    else:
        raise UsageError(f"cannot analyse a {type(model).__name__}: give a path, a mapping or a Graph")
    return apply_settings(graph, batch=batch, dtype=dtype, attention=attention)


def _is_torch_module(model: Any) -> bool:
    """An `nn.Module`, told without importing torch (a module object means torch is imported)."""
    import sys
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def _yaml_text(value: Any) -> str:
    """A Python value as the YAML text `--kwargs NAME=VALUE` reads back to it."""
    import yaml
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def _set_texts(pairs: Mapping[str, Any] | None) -> dict[str, str] | None:
    """`set` as the command line's --set NAME=VALUE texts (numbers and true/false written as YAML reads them)."""
    if not pairs:
        return None
    if not isinstance(pairs, Mapping):
        raise UsageError(f"set must be a mapping of argument names to values, got a {type(pairs).__name__}")
    texts = {}
    for name, value in pairs.items():
        if isinstance(value, bool):
            texts[str(name)] = "true" if value else "false"
        elif isinstance(value, (int, float, str)):
            texts[str(name)] = str(value)
        else:
            raise UsageError(f"set {name}: expected a number, true/false or a word, got a {type(value).__name__}")
    return texts


def _import_options(seq_len, head, shapes):
    """The options saying what a file's inputs are (--seq-len, --head, --input), or None when
    none is given. `shapes`, as --input: one shape for the first (or only) input ((64, 64, 3)
    or "64,64,3"), or {NAME: shape}; a shape written as text may end in ":int64" or ":int32"
    (PyTorch code's token ids: "1,128:int64")."""
    if seq_len is None and head is None and not shapes:
        return None
    if seq_len is not None and (isinstance(seq_len, bool) or not isinstance(seq_len, int) or seq_len < 1):
        raise UsageError(f"seq_len must be a positive integer, got {str(seq_len)[:40]}")
    from .frontends.imported import FIRST_INPUT, ImportOptions, split_input_type
    if shapes and not isinstance(shapes, Mapping):
        shapes = {FIRST_INPUT: shapes}
    checked, dtypes = {}, {}
    for name, shape in (shapes or {}).items():
        if isinstance(shape, str):
            try:
                shape, dtype = split_input_type(shape)
            except ValueError as exc:
                raise UsageError(f"input {name}: {exc}") from None
            if dtype is not None:
                dtypes[str(name)] = dtype
            shape = shape.split(",")
        try:
            checked[str(name)] = tuple(int(n) for n in shape)
        except (TypeError, ValueError):
            raise UsageError(f"input {name}: expected sizes, got {str(shape)[:40]}") from None
        if not checked[str(name)] or min(checked[str(name)]) < 1:
            raise UsageError(f"input {name}: sizes must be positive, got {str(shape)[:40]}")
    return ImportOptions(seq_len=seq_len, head=head, inputs=checked, input_dtypes=dtypes)


def apply_settings(graph: Graph, *, batch: int | None = None, dtype: str | None = None,
                   attention: str | None = None) -> Graph:
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH):
        raise UsageError(f"batch must be an integer from 1 to 2^31, got {str(batch)[:40]}")
    dtypes = None
    if dtype is not None:
        try:
            dtypes = parse_dtype(dtype)
        except ArgumentError as exc:
            raise UsageError(f"dtype: {exc}") from None
    if attention is not None and attention not in ATTENTION:
        raise UsageError(f"attention must be one of {', '.join(ATTENTION)}, got {str(attention)[:40]!r}")
    if attention is not None and not has_attention_kernel(graph):
        raise UsageError(f"{option('attention')} {attention}: {graph.name} has no attention layer, so no figure "
                         "depends on the attention kernel")
    return graph.with_settings(batch=batch, dtype=dtypes, attention=attention)


def has_attention_kernel(graph: Graph) -> bool:
    """Whether some layer's figures depend on the kernel: a rule that states its score matrix."""
    from .layers.registry import RULES
    return any(RULES[kind].scores is not None for kind in {node.type for node in graph.nodes})


def analyze_graph(graph: Graph, *, context: int | None = None, device: Any = None,
                  efficiency: float | None = None) -> Analysis:
    """The graph's `Report` (an `Analysis`), with the decoding figures (`totals.decoding`) when a
    context is given here or in the spec's `workload: {context: T}`, and the figures on a device
    (`totals.roofline`, a `Roofline`) when `device` is given (a name from `devices()`, a
    YAML file, "peak_bf16=…,bandwidth=…,memory=…" or a `Device`) — as `archcalc analyze` reports them."""
    from .analysis import analyze_graph as run
    report = Analysis(*run(graph)._fields())
    if context is None:
        context = graph.context
    elif isinstance(context, bool) or not isinstance(context, int):
        raise UsageError(f"context must be an integer >= 1, got {str(context)[:40]}")
    if context is not None:
        from .workloads.decode import with_decoding
        report = Analysis(*with_decoding(graph, report, context)._fields())
    chosen = _device(device, efficiency)
    if chosen is None:
        return report
    from .roofline_inference import with_roofline
    return Analysis(*with_roofline(report, chosen, efficiency)._fields())


def devices() -> tuple[Any, ...]:
    """The shipped device table (`archcalc devices`): `Device` records, peaks dense."""
    from .device_table import shipped_devices
    return shipped_devices()


def _device(device: Any, efficiency: float | None) -> Any:
    """A `Device` from what `device=` takes; efficiency without a device is refused."""
    if device is None:
        if efficiency is not None:
            raise UsageError("efficiency scales a device's lower bound, so it needs device")
        return None
    from .device_table import Device, parse_device
    if isinstance(device, Device):
        return device
    if isinstance(device, (str, os.PathLike)):
        return parse_device(os.fspath(device))
    raise UsageError(f"device must be a name, a YAML file, figures or a Device, got a {type(device).__name__}")


# The collector is paused for a whole analysis, not only inside each phase: re-enabled between
# them, its next passes would scan every object built so far (a flat 1M-layer spec: 19.5 s
# in all, against 15.7 s paused throughout; benchmarks/bench_scale.py).
@without_gc
def analyze(model: Any, *, context: int | None = None, device: Any = None, efficiency: float | None = None,
            **settings: Any) -> Analysis:
    """Analyse a path (a spec or a model file), a spec mapping or a `Graph`; returns a `Report`.
    `settings` are `load`'s: batch, dtype, set, seq_len, head, input, max_layers; for PyTorch
    (an `nn.Module` or a code target) also kwargs and allow_uncounted; `device` and `efficiency`
    are `analyze_graph`'s."""
    return analyze_graph(load(model, **settings), context=context, device=device, efficiency=efficiency)


def analyze_file(path: str | os.PathLike[str], **settings: Any) -> Analysis:
    return analyze(os.fspath(path), **settings)


@without_gc
def analyze_text(text: str, *, batch: int | None = None, dtype: str | None = None, context: int | None = None,
                 set: Mapping[str, Any] | None = None, device: Any = None, efficiency: float | None = None,
                 attention: str | None = None) -> Analysis:
    """Analyse YAML spec text."""
    from .frontends.yaml import graph_from_text
    graph = graph_from_text(text, overrides=_set_texts(set))
    return analyze_graph(apply_settings(graph, batch=batch, dtype=dtype, attention=attention), context=context,
                         device=device, efficiency=efficiency)


def analyze_mapping(data: Mapping[str, Any], **settings: Any) -> Analysis:
    """Analyse a spec already parsed into a mapping."""
    return analyze(dict(data), **settings)


@without_gc
def train(model: Any, *, optimizer: str = "adamw", precision: str = "fp32", recompute: str | bool = "none",
          tokens: int | None = None, steps: int | None = None, device: Any = None, devices: int | None = None,
          step_time: float | None = None, efficiency: float | None = None, **settings):
    """The figures of a training step (`archcalc train`): a `workloads.training.Training`.
    `settings` are `load`'s (batch, set, seq_len, head, input, max_layers) but dtype, which
    the step takes from `precision`, as the command does; a spec's `workload: {context}` is
    for decoding and changes nothing here. With `device`, `.device` holds the step on it
    (`roofline_training.TrainingTime`): `devices` data-parallel copies, `step_time` a measured
    step in seconds for the MFU it means."""
    from .workloads.training import train_figures
    if settings.get("dtype") is not None:
        raise UsageError("train does not take dtype: a training step's number formats come from precision "
                         "(fp32, bf16-mixed, fp16-mixed)")
    if settings.pop("context", None) is not None:
        raise UsageError("train does not take context: a training step keeps no KV cache "
                         "(its sequence length is the model's T)")
    for name, value in (("tokens", tokens), ("steps", steps)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise UsageError(f"{name} must be a positive integer, got {str(value)[:40]}")
    chosen = _device(device, efficiency)
    if chosen is None and (devices is not None or step_time is not None):
        raise UsageError("devices and step_time are read against a device's peak: give device")
    graph = load(model, **settings)
    graph = graph._replace(context=None)
    report = analyze_graph(graph)
    options: dict[str, Any] = dict(optimizer=optimizer, precision=precision, recompute=recompute, steps=steps,
                                   tokens=tokens)
    figures = train_figures(graph, report, **options)
    if chosen is None:
        return figures
    from .roofline_training import train_on_device
    return train_on_device(graph, report, figures, chosen, devices or 1, step_time, efficiency, **options)


def compare_models(*models: Any, context: int | None = None, device: Any = None, efficiency: float | None = None,
                   labels: list[str] | None = None, **settings: Any) -> Compared:
    """The side-by-side figures of `archcalc compare` (a `compare.Comparison` that prints as the
    command's table), ratios against the first model; `settings` are `load`'s and apply to every
    model. A model may also be a `Report` already made (then no settings apply to it)."""
    if len(models) < 2:
        raise UsageError("compare needs at least two models")
    from .compare import Compared, compare_reports
    reports: list[Report] = []
    files: list[str] = []
    for model in models:
        if isinstance(model, Report):
            if settings or context is not None or device is not None or efficiency is not None:
                raise UsageError("a Report is compared as it is: give its settings when you analyse it")
            reports.append(model)
            files.append("")
            continue
        graph = load(model, **settings)
        reports.append(analyze_graph(graph, context=context, device=device, efficiency=efficiency))
        files.append(graph.origin.file)
    names = [r.name for r in reports]
    if labels is None:
        # two models of one name are told apart by file, as the command does (reports by position)
        labels = [r.name if names.count(r.name) == 1 else f"{r.name} ({file or f'#{i + 1}'})"
                  for i, (r, file) in enumerate(zip(reports, files))]
    elif len(labels) != len(reports) or not all(isinstance(label, str) for label in labels):
        raise UsageError(f"labels must be {len(reports)} strings, one a model")
    return Compared(*compare_reports(reports, list(labels)))


BUDGET_KEYWORDS = {"max_params": "params", "max_macs": "macs", "max_flops": "flops", "max_memory": "memory",
                   "max_kv_cache": "kv_cache", "max_train_memory": "train_memory", "max_latency": "latency",
                   "min_tokens_per_second": "tokens_per_second"}


def check(model: Any, *, context: int | None = None, allow_no_budget: bool = False, device: Any = None,
          efficiency: float | None = None, **options):
    """`archcalc check`: the model's figures against its budgets (a `budget.BudgetResult`,
    `.within` the verdict). Budgets are `max_params`, `max_macs`, `max_flops`, `max_memory`,
    `max_kv_cache`, `max_train_memory` — integers, or text as on the command line ("25M",
    "1.5GiB") — over the spec's own `budget:`; the other keywords are `load`'s."""
    from .budget import check_budget
    from .units import parse_quantity
    flags = {}
    for keyword in [k for k in options if k in BUDGET_KEYWORDS]:
        key, value = BUDGET_KEYWORDS[keyword], options.pop(keyword)
        if value is None:
            continue
        if key == "latency":                   # a duration: "5ms", or seconds as a number
            from .units import parse_duration
            flags[key] = parse_duration(value) if isinstance(value, str) else parse_duration(f"{value!r}s")
        else:
            flags[key] = parse_quantity(value, memory=key in ("memory", "kv_cache", "train_memory"))
    if ("latency" in flags or "tokens_per_second" in flags) and device is None:
        raise UsageError("max_latency and min_tokens_per_second are read on a device: give device")
    graph = load(model, **options)
    budget = {**graph.budget, **flags}
    if not budget and not allow_no_budget:
        raise UsageError("no budget set: give max_params, max_macs, max_flops, max_memory, max_kv_cache or "
                         "max_train_memory, or a 'budget:' mapping in the spec (or allow_no_budget=True)")
    report = analyze_graph(graph, context=context, device=device, efficiency=efficiency)
    training = None
    if "train_memory" in budget:
        from .workloads.training import train_figures
        training = train_figures(graph, report)
    return check_budget(report, graph.origin.file, budget, training)


def scale_model(model: Any, sizes: Any, **settings):
    """`archcalc scale`: the model at several input side lengths (a `scale.Scaling`); `sizes`
    a list of integers or the command line's text ("28,56,112", "32..512x2")."""
    from .scale import parse_sizes, scale_spec
    if isinstance(sizes, str):
        sizes = parse_sizes(sizes)
    elif not sizes or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes):
        raise UsageError(f"sizes must be positive integers, got {str(sizes)[:60]}")
    return scale_spec(load(model, **settings), list(sizes))


def sweep_model(model: str | os.PathLike[str], set: Mapping[str, Any] | None = None, *, zip: bool = False,
                pareto: str | None = None, maximise: tuple[str, ...] = (), join: str | None = None, jobs: int = 1,
                max_points: int = 100_000, keep_going: bool = False, batch: int | None = None,
                dtype: str | None = None, context: int | None = None, seq_len: int | None = None,
                head: str | None = None, input: Any = None, **budgets: Any) -> list[Any]:
    """`archcalc sweep`: the model (a path) at every point of the grid, as a list of
    `sweep.source.Point` records in grid order (settings, totals as analyze's JSON,
    within_budget, measured, pareto). `set` maps each swept name to its values: a list, or
    the command line's text ("16,32,64", "2..8"); the budgets are `check`'s keywords."""
    from .sweep.command import Request, plan, points_of
    from .sweep.front import mark_front
    items = []
    for name, values in (set or {}).items():
        texts = values if isinstance(values, str) else ",".join(
            (_set_texts({name: value}) or {}).get(str(name), "") for value in values)
        items.append(f"{name}={texts}")
    flags = {}
    for keyword, value in budgets.items():
        if keyword not in BUDGET_KEYWORDS:
            from .text import suggest
            raise UsageError(f"sweep_model got an unexpected keyword '{keyword}'" + suggest(keyword, BUDGET_KEYWORDS))
        flags[keyword] = value
    request = Request(os.fspath(model), (), tuple(items), zip, pareto, tuple(maximise), join, jobs, None, False,
                      max_points, keep_going, "jsonl", batch, dtype, flags, _import_options(seq_len, head, input),
                      context, (None, 16 * 2**20))
    planned = plan(request)
    points = list(points_of(planned, {}, lambda line: None))
    return mark_front(points, planned.front) if planned.front else points
