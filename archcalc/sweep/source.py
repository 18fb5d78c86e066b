"""A sweep's model, read once, and each point analysed as `analyze --set …` would analyse it.

The file is read and parsed once per process; each point then builds its graph from the
parsed spec with the point's `--set` texts (a spec's arguments reach everything: the
layers, their count, the input shape), so it gets exactly the figures a separate
`archcalc analyze SPEC --set …` run prints. A model file's knobs (`seq_len`) re-translate
the file once per value, kept for the next point that has it.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Mapping, NamedTuple

from ..errors import ArchcalcError
from ..frontends.imported import Imported, ImportOptions
from ..graph import Graph, Node, PlainOrigin
from ..report import Report
from .grid import Grid


class Job(NamedTuple):
    """Everything a point needs, picklable: a pool's workers each get one."""

    file: str                            # the name errors give (`-` was read as `<stdin>`)
    data: bytes                          # the file's bytes, read once by the command
    grid: Grid
    fixed: Mapping[str, str]             # --set NAME=VALUE items of one value, for every point
    options: ImportOptions | None        # --input, --seq-len, --head
    batch: int | None
    dtype: str | None
    context: int | None
    budget: Mapping[str, int]            # --max-… flags (over the spec's own `budget:`)
    max_layers: int | None
    device: Any = None                   # --device: a device_table.Device, whose roofline joins the totals
    efficiency: float | None = None      # --efficiency


class Point(NamedTuple):
    """One point's figures: `totals` as analyze's JSON `totals`, or `error` when its spec is
    invalid (then `totals` and `within_budget` are None)."""

    number: int                                  # its place in grid order
    settings: Mapping[str, Any]
    totals: Mapping[str, Any] | None
    within_budget: bool | None
    error: str | None = None
    measured: Mapping[str, Any] | None = None    # --join's columns for these settings
    pareto: bool | None = None                   # --pareto: not dominated by another point
    notes: tuple[str, ...] = ()                  # what analyze says on stderr (not in the JSON line)


class Source:
    """The model file of a sweep, read once: a parsed spec, or a model file's translations."""

    def __init__(self, job: Job):
        from ..frontends import choose_door
        self.job = job
        self.door, self.content = choose_door(job.file, job.data)
        self.parsed: Any = None
        self.imported: dict[int | None, Imported] = {}
        # The last graph built, by its --set texts and seq_len: points that differ only in
        # batch, dtype or context (the last axes, say) share it, as a Graph never changes.
        self.last: tuple[Any, Graph] | None = None
        # The layers of the last spec built, by the --set texts of the arguments they read.
        self.layers: tuple[Any, tuple[Node, ...]] | None = None
        self.layer_args: frozenset[str] | None = None
        self.devices: dict[Any, Any] = {}
        if self.door == "yaml":
            from ..frontends.reading import decode_text
            from ..frontends.yaml.parse import YamlOrigin, parse_yaml
            text = decode_text(self.content, job.file)      # type: ignore[arg-type]  # the YAML door is given bytes
            self.parsed, self.origin = parse_yaml(text, job.file), YamlOrigin(job.file, text)
            from .reuse import layer_arguments
            self.layer_args = layer_arguments(self.parsed)

    def declared(self) -> Mapping[str, Any]:
        """The spec's `args` (a model file's translation declares none)."""
        from ..frontends.yaml.build import read_args
        spec = self.parsed if self.door == "yaml" else self._imported(self.job.options).spec
        if not isinstance(spec, Mapping):
            self.graph({}, None)          # the builder says what is wrong with it
        return read_args(spec.get("args"), self.origin if self.door == "yaml" else PlainOrigin(self.job.file))

    def graph(self, overrides: Mapping[str, str], seq_len: int | None) -> Graph:
        key = (tuple(overrides.items()), seq_len)
        if self.last is None or self.last[0] != key:
            self.last = None                  # a failed build keeps nothing
            self.last = (key, self._build(overrides, seq_len))
        return self.last[1]

    def _build(self, overrides: Mapping[str, str], seq_len: int | None) -> Graph:
        from ..frontends import graph_from_import, refuse_options
        from ..frontends.yaml import MAX_LAYERS, default_name
        options = self.job.options
        if seq_len is not None:
            options = ImportOptions(seq_len=seq_len, head=options.head if options else None,
                                    inputs=options.inputs if options else {})
        if self.door != "yaml":
            return graph_from_import(self._imported(options), self.job.file, self.job.max_layers, overrides)
        from ..frontends.yaml.build import build_graph, channels_last_warnings, with_input_shapes
        refuse_options("yaml", options, self.job.file)
        build = partial(build_graph, origin=self.origin, default_name=default_name(self.job.file),
                        max_layers=self.job.max_layers or MAX_LAYERS, overrides=overrides)
        key = None if self.layer_args is None else tuple(overrides.get(n) for n in sorted(self.layer_args))
        if key is not None and self.layers is not None and self.layers[0] == key:
            from .reuse import without_layers
            head = build(without_layers(self.parsed))
            nodes = self.layers[1]
            graph = head._replace(nodes=nodes, warnings=channels_last_warnings(head.inputs, nodes))
        else:
            graph = build(self.parsed)
            self.layers = (key, graph.nodes)
        return with_input_shapes(graph, options.inputs) if options is not None and options.inputs else graph

    def device(self, name: Any) -> Any:
        """A swept device by its name (read once)."""
        from ..device_table import parse_device
        if name not in self.devices:
            self.devices[name] = parse_device(str(name))
        return self.devices[name]

    def _imported(self, options: ImportOptions | None) -> Imported:
        from ..frontends import import_file
        key = options.seq_len if options is not None else None
        if key not in self.imported:
            self.imported = {key: import_file(self.door, self.content, self.job.file, options)}  # one kept
        return self.imported[key]


def run_point(source: Source, index: int) -> Point:
    """Point `index` of the grid: built, analysed, checked against the budgets."""
    from ..api import analyze_graph, apply_settings
    from ..budget import check_budget
    job = source.job
    settings, texts = job.grid.settings(index), job.grid.texts(index)
    knobs = {a.name: a.values[p] for a, p in zip(job.grid.axes, job.grid.position(index)) if a.knob}
    overrides = {**job.fixed, **{a.name: texts[a.name] for a in job.grid.axes if not a.knob}}
    try:
        graph = source.graph(overrides, knobs.get("seq_len"))
        graph = apply_settings(graph, batch=knobs.get("batch", job.batch),
                               dtype=str(knobs["dtype"]) if "dtype" in knobs else job.dtype)
        report: Report = analyze_graph(graph, context=knobs.get("context", job.context))
        device = source.device(knobs["device"]) if "device" in knobs else job.device
        if device is not None:
            from ..roofline_inference import with_roofline
            report = with_roofline(report, device, job.efficiency)
        budget = {**graph.budget, **job.budget}
        training = None
        if "train_memory" in budget:
            from ..workloads.training import train_figures
            training = train_figures(graph, report)
        within = check_budget(report, graph.origin.file, budget, training).within
    except ArchcalcError as exc:
        return Point(index, settings, None, None, error=_message(exc))
    said = [f"note: {note}" for note in graph.notes] + [f"warning: {warning}" for warning in graph.warnings]
    if report.totals.decoding is not None:
        said += [f"warning: {warning}" for warning in report.totals.decoding.warnings]
    return Point(index, settings, report.totals.to_dict(), within, notes=tuple(said))


def _message(exc: ArchcalcError) -> str:
    """One line: a spec with several mistakes gives the first (the others follow from it or
    are found by `analyze` on the point)."""
    from ..text import one_line
    errors = getattr(exc, "errors", None)
    return one_line(str(errors[0] if errors else exc))
