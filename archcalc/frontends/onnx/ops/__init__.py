"""One handler per ONNX op, in one module per family as archcalc/layers/ is split: each reads
the node's inputs from the translator and writes layers (or folds constants). `HANDLERS` is
what `archcalc import --list-ops` lists; an op without a handler is an error naming it, never
a silent zero.

A file the door cannot follow is refused through checked accessors (`t.input`, `t.const`,
`t.small`, `t.attrs()`, `fold.axis_of`) raising `Refused` or the translator's located error;
anything else a handler raises is a bug of ours and reaches the exit-3 path.

The translator never imports this package (the door hands it `HANDLERS`), so the handlers
may import the translator's module without a cycle."""

from __future__ import annotations

from . import constants, conv, elementwise, norm, pooling, products, recurrent, shaping  # noqa: F401  (they register)
from .common import HANDLERS

__all__ = ["HANDLERS"]
