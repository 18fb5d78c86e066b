"""The numbers: plain frozen dataclasses of integers, and their JSON form (CONTRACT §3)."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, NamedTuple

from .dtypes import Dtypes, nbytes


class LayerReport(NamedTuple):
    """One layer's figures. Immutable like the other report classes, but a NamedTuple:
    a million of them are built for a million-layer spec, and a frozen dataclass's
    __init__ costs about 1 µs more per row (benchmarks/bench_scale.py)."""

    name: str
    type: str
    inputs: tuple[str, ...]
    output_shape: tuple[int, ...]
    params: int
    trainable_params: int
    buffers: int
    macs: int
    flops: int
    blocks: tuple[tuple[str, str], ...] = ()   # enclosing block uses, outermost first
    tied_to: str | None = None                  # the layer whose weight this one uses

    def to_dict(self, dtype: Dtypes = Dtypes(), batch: int = 1) -> dict:
        return {"name": self.name, "type": self.type, "inputs": list(self.inputs),
                "output_shape": list(self.output_shape), "params": self.params,
                "trainable_params": self.trainable_params, "buffers": self.buffers,
                "macs": self.macs, "flops": self.flops,
                "params_bytes": nbytes(self.params + self.buffers, dtype.weights),
                "activation_bytes": nbytes(prod(self.output_shape) * batch, dtype.activations),
                **({"tied_to": self.tied_to} if self.tied_to is not None else {})}


@dataclass(frozen=True)
class Memory:
    params_bytes: int
    activations_bytes: int
    peak_activation_bytes: int

    @property
    def inference_bytes(self) -> int:
        """What `check --max-memory` compares: weights plus peak activations."""
        return self.params_bytes + self.peak_activation_bytes


@dataclass(frozen=True)
class Totals:
    params: int
    trainable_params: int
    non_trainable_params: int
    buffers: int
    macs: int
    flops: int
    memory: Memory
    active_params: int | None = None     # params with only the experts a token runs; None: = params
    decoding: Any = None                 # workloads.decode.Decoding when a context was given

    def to_dict(self) -> dict:
        active = self.params if self.active_params is None else self.active_params
        return {"params": self.params, "active_params": active, "trainable_params": self.trainable_params,
                "non_trainable_params": self.non_trainable_params, "buffers": self.buffers,
                "macs": self.macs, "flops": self.flops,
                "memory": {"params_bytes": self.memory.params_bytes,
                           "activations_bytes": self.memory.activations_bytes,
                           "peak_activation_bytes": self.memory.peak_activation_bytes},
                **({} if self.decoding is None else {
                    "context": self.decoding.context,
                    "kv_cache_bytes_per_token": self.decoding.kv_cache_bytes_per_token,
                    "kv_cache_bytes": self.decoding.kv_cache_bytes,
                    "decode_macs_per_token": self.decoding.decode_macs_per_token})}


@dataclass(frozen=True, repr=False)
class Report:
    name: str
    input: tuple[int, ...]
    batch: int
    dtype: Dtypes
    totals: Totals
    layers: tuple[LayerReport, ...]
    inputs: tuple[tuple[str, tuple[int, ...]], ...] = ()    # (name, shape) of every model input

    def __repr__(self) -> str:
        return (f"<Report {self.name}: {self.totals.params:,} params, {self.totals.macs:,} MACs, "
                f"{len(self.layers):,} layers>")

    def __str__(self) -> str:
        return self.table()

    def table(self, width: int = 100, exact: bool = False) -> str:
        """The per-layer table and totals, as `archcalc analyze` prints them."""
        from .render import Options, renderer
        return renderer("table").analysis([self], Options(exact=exact, width=width))

    def __getitem__(self, name: str) -> LayerReport:
        """A layer's figures by its full name (`report["layer1.0.conv1"]`)."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        from .layers.registry import suggest
        raise KeyError(f"no layer named {name!r}" + suggest(name, [layer.name for layer in self.layers]))

    def to_dataframe(self):
        """The per-layer figures as a pandas DataFrame (pandas must be installed)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("Report.to_dataframe needs pandas: pip install pandas") from None
        return pandas.DataFrame([layer.to_dict(self.dtype, self.batch) for layer in self.layers])

    def _repr_html_(self) -> str:
        """Jupyter's view: the summary and the per-layer table, exact on hover."""
        from html import escape
        rows = "".join(
            f"<tr><td>{escape(layer.name)}</td><td>{escape(layer.type)}</td>"
            f"<td>{'×'.join(map(str, layer.output_shape))}</td>"
            f"<td style='text-align:right'>{layer.params:,}</td><td style='text-align:right'>{layer.macs:,}</td></tr>"
            for layer in self.layers)
        t = self.totals
        return (f"<div><b>{escape(self.name)}</b>: {t.params:,} params, {t.macs:,} MACs, {t.flops:,} FLOPs"
                f"<table><thead><tr><th>Layer</th><th>Type</th><th>Output</th><th>Params</th><th>MACs</th></tr>"
                f"</thead><tbody>{rows}</tbody></table></div>")

    def to_dict(self) -> dict:
        inputs = self.inputs or (("input", self.input),)
        head = {"name": self.name}
        if len(inputs) == 1:           # "input" stays for one-input models, as in version 1
            head["input"] = list(self.input)
        head["inputs"] = {name: list(shape) for name, shape in inputs}
        return {**head, "batch": self.batch, "dtype": self.dtype.to_json(),
                "totals": self.totals.to_dict(),
                "layers": [layer.to_dict(self.dtype, self.batch) for layer in self.layers]}
