"""One handler per ATen op (its name without namespace and overload), split by family."""

from __future__ import annotations

from . import norm, pointwise, shaping, weighted
from .common import HANDLERS

__all__ = ["HANDLERS", "norm", "pointwise", "shaping", "weighted"]
