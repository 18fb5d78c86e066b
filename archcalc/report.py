"""The numbers: immutable records of integers, and their JSON form (docs/output.md, "JSON").

They are NamedTuples and one plain slotted class rather than frozen dataclasses: building a
dataclass runs generated code at import, about 0.5 ms each on every command's start-up
(benchmarks/bench_startup.py), for nothing a NamedTuple does not give.
"""

from __future__ import annotations

from math import prod
from typing import Any, NamedTuple

from .dtypes import Dtypes, nbytes
from .text import suggest


def intensity(flops: int, moved: int) -> float | None:
    """FLOPs per byte, to 4 decimals as every format prints it; None when no byte moves."""
    return round(flops / moved, 4) if moved else None


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
    bytes_moved: int = 0        # weights it reads, its inputs and its output, at their dtypes
    # What each unit sees (archcalc.fields), per spatial axis of the output; None without one.
    receptive_field: tuple[int | None, ...] | None = None
    effective_stride: tuple[int | float | None, ...] | None = None
    field_offset: tuple[int | None, ...] | None = None
    fields_note: str = ""                       # "branches misaligned: …" where a merge disagrees
    weight_reuse: int | float | None = None     # MACs per weight; None without weights
    dense_equivalent_params: int = 0            # in·out + out of a dense layer doing the same map
    sharing_factor: int | float | None = None   # dense_equivalent_params / params; None without params

    @property
    def arithmetic_intensity(self) -> float | None:
        """FLOPs per byte moved (None when nothing moves)."""
        return intensity(self.flops, self.bytes_moved)

    @property
    def fields_misaligned(self) -> bool:
        return bool(self.fields_note)

    def to_dict(self, dtype: Dtypes = Dtypes(), batch: int = 1) -> dict[str, Any]:
        row: dict[str, Any] = {"name": self.name, "type": self.type, "inputs": list(self.inputs),
               "output_shape": list(self.output_shape), "params": self.params,
               "trainable_params": self.trainable_params, "buffers": self.buffers,
               "macs": self.macs, "flops": self.flops,
               "params_bytes": nbytes(self.params + self.buffers, dtype.weights),
               "activation_bytes": nbytes(prod(self.output_shape) * batch, dtype.activations),
               "bytes_moved": self.bytes_moved, "arithmetic_intensity": self.arithmetic_intensity}
        if self.tied_to is not None:
            row["tied_to"] = self.tied_to
        row.update(self.fields_dict())
        if self.blocks:                 # the block uses it sits in, outermost first (the table's block rows)
            row["blocks"] = [{"name": use, "type": block} for use, block in self.blocks]
        return row

    def fields_dict(self) -> dict[str, Any]:
        """The fields view's JSON keys (docs/output.md): always present, null where they do not apply."""
        row: dict[str, Any] = {
            "receptive_field": None if self.receptive_field is None else list(self.receptive_field),
            "effective_stride": None if self.effective_stride is None else list(self.effective_stride),
            "field_offset": None if self.field_offset is None else list(self.field_offset),
            "fields_misaligned": bool(self.fields_note)}
        if self.fields_note:
            row["fields_note"] = self.fields_note
        row.update(weight_reuse=self.weight_reuse, dense_equivalent_params=self.dense_equivalent_params,
                   sharing_factor=self.sharing_factor)
        return row


class Memory(NamedTuple):
    params_bytes: int
    activations_bytes: int
    peak_activation_bytes: int

    @property
    def inference_bytes(self) -> int:
        """What `check --max-memory` compares: weights plus peak activations."""
        return self.params_bytes + self.peak_activation_bytes


class Totals(NamedTuple):
    params: int
    trainable_params: int
    non_trainable_params: int
    buffers: int
    macs: int
    flops: int
    memory: Memory
    active_params: int | None = None     # params with only the experts a token runs; None: = params
    decoding: Any = None                 # workloads.decode.Decoding when a context was given
    roofline: Any = None                 # roofline_inference.Roofline when a device was given
    whole_input_layer: str | None = None        # the first layer with a unit seeing all of every input axis
    input_sized_field_layer: str | None = None  # the first whose field is as large as the input on every axis
    dense_equivalent_params: int = 0     # Σ over weighted layers of their dense equivalents
    sharing_factor: int | float | None = None   # that over the weighted layers' params

    @property
    def serving_bytes(self) -> int:
        """What `check --max-memory` compares: weights plus peak activations, and with a
        context the KV cache as well (a server holds all three)."""
        cache = 0 if self.decoding is None else self.decoding.kv_cache_bytes
        return self.memory.inference_bytes + cache

    def to_dict(self) -> dict[str, Any]:
        active = self.params if self.active_params is None else self.active_params
        return {"params": self.params, "active_params": active, "trainable_params": self.trainable_params,
                "non_trainable_params": self.non_trainable_params, "buffers": self.buffers,
                "macs": self.macs, "flops": self.flops,
                "memory": {"params_bytes": self.memory.params_bytes,
                           "activations_bytes": self.memory.activations_bytes,
                           "peak_activation_bytes": self.memory.peak_activation_bytes},
                "whole_input_layer": self.whole_input_layer,
                "input_sized_field_layer": self.input_sized_field_layer,
                "dense_equivalent_params": self.dense_equivalent_params,
                "sharing_factor": self.sharing_factor,
                **({} if self.decoding is None else {
                    "context": self.decoding.context,
                    "kv_cache_bytes_per_token": self.decoding.kv_cache_bytes_per_token,
                    "kv_cache_bytes": self.decoding.kv_cache_bytes,
                    "decode_macs_per_token": self.decoding.decode_macs_per_token}),
                **({} if self.roofline is None else self.roofline.totals_dict())}


class Report:
    """A model's figures: its totals and one `LayerReport` per layer.

    Immutable like a NamedTuple (`_replace` makes a changed copy), but a class of its own:
    `report["layer1.0.conv1"]` looks a layer up by name, which a tuple's indexing would not allow."""

    __slots__ = ("name", "input", "batch", "dtype", "totals", "layers", "inputs", "attention")
    name: str
    input: tuple[int, ...]
    batch: int
    dtype: Dtypes
    totals: Totals
    layers: tuple[LayerReport, ...]
    inputs: tuple[tuple[str, tuple[int, ...]], ...]     # (name, shape) of every model input
    attention: str | None                               # --attention: None, "eager" or "flash"

    def __init__(self, name: str, input: tuple[int, ...], batch: int, dtype: Dtypes, totals: Totals,
                 layers: tuple[LayerReport, ...], inputs: tuple[tuple[str, tuple[int, ...]], ...] = (),
                 attention: str | None = None):
        for field, value in zip(Report.__slots__, (name, input, batch, dtype, totals, layers, inputs, attention)):
            object.__setattr__(self, field, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Report cannot be changed: use report._replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Report cannot be changed")

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, field) for field in Report.__slots__)

    def _replace(self, **changes: Any) -> Report:
        return type(self)(**{**dict(zip(Report.__slots__, self._fields())), **changes})

    def __eq__(self, other: Any) -> bool:
        return self._fields() == other._fields() if isinstance(other, Report) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __reduce__(self) -> tuple[type[Report], tuple[Any, ...]]:
        return type(self), self._fields()

    def __repr__(self) -> str:
        return (f"<Report {self.name}: {self.totals.params:,} params, {self.totals.macs:,} MACs, "
                f"{len(self.layers):,} layers>")

    def __getitem__(self, key: int | str) -> Any:
        """A layer by position (`report[0]`, `report[-1]`; a slice gives a tuple of layers), a
        layer by its full name (`report["layer1.0.conv1"]`), or a block use by its name
        (`report["layer1"]`: a `Block`, its rows and their totals)."""
        if isinstance(key, (int, slice)) and not isinstance(key, bool):
            return self.layers[key]
        if not isinstance(key, str):
            raise TypeError(f"a Report is indexed by position or by name, not by a {type(key).__name__}")
        for layer in self.layers:
            if layer.name == key:
                return layer
        block = self.block(key)
        if block is not None:
            return block
        names = [layer.name for layer in self.layers]
        # only a close match is offered: 'layer1' is not a misspelling of 'layer4.0.bn1'
        raise KeyError(f"no layer or block named {key!r}" + suggest(key, [*_prefixes(names), *names], cutoff=0.8))

    def block(self, name: str) -> Block | None:
        """The rows under a block use or repetition (`layer1`, `layer1.0`), with their totals."""
        prefix = name + "."
        rows = tuple(layer for layer in self.layers if layer.name.startswith(prefix))
        if not rows:
            return None
        kind = next((block for layer in rows for use, block in layer.blocks if use == name), "repeat")
        return Block(name, kind, rows, block_totals(rows, self.dtype, self.batch))

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per layer, with the JSON report's keys (and `model`): the rows a
        dataframe wants, `pandas.DataFrame(report.to_records())`."""
        return [{"model": self.name, **row} for row in self.to_dict()["layers"]]

    def to_dataframe(self) -> Any:          # a pandas.DataFrame
        """The per-layer figures as a pandas DataFrame (pandas must be installed)."""
        try:
            import pandas  # type: ignore[import-untyped]  # optional, and its stubs are a separate package
        except ImportError:
            raise ImportError("Report.to_dataframe needs pandas: pip install pandas") from None
        return pandas.DataFrame(self.to_records())

    def to_dict(self) -> dict[str, Any]:
        inputs = self.inputs or (("input", self.input),)
        head: dict[str, Any] = {"name": self.name}
        if len(inputs) == 1:           # "input" stays for one-input models, as in version 1
            head["input"] = list(self.input)
        head["inputs"] = {name: list(shape) for name, shape in inputs}
        roofline = self.totals.roofline
        rows = [layer.to_dict(self.dtype, self.batch) for layer in self.layers]
        if roofline is not None:                 # each layer's time on the device, after its counts
            for row, time in zip(rows, roofline.layers):
                row.update(bound=time.bound, seconds=time.seconds)
        device = {} if roofline is None else {"device": roofline.device_dict()}
        kernel = {} if self.attention is None else {"attention": self.attention}    # only when chosen
        return {**head, "batch": self.batch, "dtype": self.dtype.to_json(), **kernel, **device,
                "totals": self.totals.to_dict(), "layers": rows}


class BlockTotals(NamedTuple):
    """A block's figures: its rows' sums (a peak of its own is not defined, so there is none)."""

    params: int
    trainable_params: int
    non_trainable_params: int
    buffers: int
    macs: int
    flops: int
    params_bytes: int
    activation_bytes: int


class Block(NamedTuple):
    """A block use (or a repetition of layers) as `report["layer1"]` gives it."""

    name: str
    type: str                       # the block's type, or "repeat" for a run of repetitions
    layers: tuple[LayerReport, ...]
    totals: BlockTotals


def block_totals(rows: tuple[LayerReport, ...], dtype: Dtypes, batch: int) -> BlockTotals:
    params = sum(layer.params for layer in rows)
    trainable = sum(layer.trainable_params for layer in rows)
    buffers = sum(layer.buffers for layer in rows)
    return BlockTotals(params, trainable, params - trainable, buffers, sum(layer.macs for layer in rows),
                       sum(layer.flops for layer in rows),
                       sum(nbytes(layer.params + layer.buffers, dtype.weights) for layer in rows),
                       sum(nbytes(prod(layer.output_shape) * batch, dtype.activations) for layer in rows))


def _prefixes(names: list[str]) -> set[str]:
    """Every block or repetition name the layer names hold (`layer1`, `layer1.0`)."""
    found = set()
    for name in names:
        at = name.find(".")
        while at != -1:
            found.add(name[:at])
            at = name.find(".", at + 1)
    return found
