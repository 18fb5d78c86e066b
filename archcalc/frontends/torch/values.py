"""What the translator holds for each value of the captured graph.

An activation (`Act`) is a layer's output (or a model input): its shape in PyTorch's own
axis order, batch first, and `perm`, PyTorch's axes in the order the spec holds them
(convolutions want channels last, so a conv's output [N, C, H, W] is held as [N, H, W, C]).
The forward is captured with a batch of one, so the batch may sit on any axis of size 1
(`perm[0]`; a sequence-first attention moves it) or be folded into another (`VIRTUAL`).
A `Held` tensor is one the model owns (a parameter, a buffer, a constant), or a view of one;
anything else (sizes, flags, lists) is a plain Python value.
"""

from __future__ import annotations

from typing import Any

VIRTUAL = -1      # `perm[0]` of a tensor that holds no batch axis: the batch of one folded into another axis


class Act:
    __slots__ = ("ref", "shape", "perm")

    def __init__(self, ref: int, shape: tuple[int, ...], perm: tuple[int, ...] | None = None):
        self.ref, self.shape = ref, tuple(shape)     # ref: the layer's position (model input k: -1 - k)
        self.perm = tuple(perm) if perm is not None else tuple(range(len(shape)))

    @property
    def rank(self) -> int:
        return len(self.shape)

    def ours(self) -> list[int]:
        """The per-sample shape as the spec holds it."""
        return [self.shape[p] for p in self.perm[1:]]


class Held:
    """A tensor of the model's own: `source` names it (`layer1.0.conv1.weight`), `kind` is
    parameter, buffer or constant; `key` identifies the object, so a `Parameter` reached under
    two names is one; `base` is the whole tensor's shape when this is a view of it."""

    __slots__ = ("source", "kind", "key", "shape", "trainable", "base")

    def __init__(self, source: str, kind: str, key: int, shape: tuple[int, ...], trainable: bool,
                 base: tuple[int, ...] | None = None):
        self.source, self.kind, self.key, self.shape = source, kind, key, tuple(shape)
        self.trainable = trainable
        self.base = tuple(base) if base is not None else tuple(shape)

    def view(self, shape: tuple[int, ...]) -> "Held":
        return Held(self.source, self.kind, self.key, shape, self.trainable, self.base)

    @property
    def size(self) -> int:
        total = 1
        for n in self.base:
            total *= n
        return total


Value = Any     # Act, Held, a tuple of values, or a plain Python value
