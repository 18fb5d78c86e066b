"""What a translation keeps while it reads a Keras model: the spec's layers and inputs, the
names given so far, and which layer each later call of a shared layer shares."""

from __future__ import annotations

import re
from typing import Any

from ...errors import SpecError
from .fields import Fields


class Layer:
    """One entry of a Keras `layers` list: its class, its name, its config (checked), and
    where it is for messages."""

    __slots__ = ("kind", "name", "config", "entry", "where")

    def __init__(self, raw: Any, index: int, file: str, scope: str = ""):
        place = f"{scope}layer {index}"
        entry = Fields(raw, place, "a Keras layer", file)
        kind = entry.value("class_name", None)
        if not isinstance(kind, str):
            raise entry.error(f"is not a Keras layer (a mapping with class_name and config), got "
                              f"{str(raw)[:60]}")
        config = raw.get("config")
        if config is None:
            config = {}
        name = config.get("name") if isinstance(config, dict) else None
        if not isinstance(name, str) or not name:
            name = raw.get("name") if isinstance(raw.get("name"), str) and raw.get("name") else None
        self.where = f"layer '{name}'" if name else place
        self.kind, self.name, self.entry = kind, name or kind, Fields(raw, self.where, "the layer entry", file)
        self.config = Fields(config, self.where, f"the {kind} config", file)

    def built_shape(self) -> list[Any] | None:
        """The input shape Keras recorded when it built the layer (batch axis first), if any."""
        build = self.entry.raw.get("build_config")
        shape = build.get("input_shape") if isinstance(build, dict) else None
        return shape if isinstance(shape, list) else None


class Translation:
    def __init__(self, file: str):
        self.file = file
        self.layers: list[dict[str, Any]] = []
        self.inputs: dict[str, list[int]] = {}
        self.where: dict[str, str] = {}          # spec layer name -> the Keras layer, for the builder's errors
        self.names: set[str] = set()
        self.notes: list[str] = []
        self.owner: dict[str, str] = {}          # scoped Keras layer name -> spec name of its first call
        self.calls: dict[str, int] = {}          # scoped Keras layer name -> calls translated so far
        self.scope = ""                          # "outer/" while a nested model's layers are read
        self.frozen = False                      # inside a nested model with trainable: false
        self.batch: int | None = None            # from --input
        self.given: dict[str, tuple[int, ...]] = {}   # --input shapes by the Keras input's name

    def error(self, message: str, where: str | None = None) -> SpecError:
        return SpecError(f"{where}: {message}" if where else message, self.file)

    def name(self, hint: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]+", "_", hint).strip("_") or "layer"
        name, n = base, 1
        while name in self.names:
            name = f"{base}_{n}"
            n += 1
        self.names.add(name)
        return name

    def claim(self, keras_name: str) -> tuple[str, str | None]:
        """(spec name, the first call's spec name when this is a later call of the same layer)."""
        key = self.scope + keras_name
        calls = self.calls.get(key, 0)
        self.calls[key] = calls + 1
        name = self.name(keras_name if calls == 0 else f"{keras_name}_call{calls}")
        if calls == 0:
            self.owner[key] = name
            return name, None
        return name, self.owner[key]

    def add(self, entry: dict[str, Any], layer: Layer, first: str | None) -> None:
        """Appends a spec layer made from `layer`: frozen when Keras froze it, sharing the first
        call's weights when it is a later call."""
        if layer.config.raw.get("trainable") is False or self.frozen:
            entry["trainable"] = False
        if first is not None:
            entry["shares"] = first
        self.where[entry["name"]] = f"{layer.where} ({layer.kind})"
        self.layers.append(entry)
