"""A minimal channels-last tensor: a shape and a flat list of floats, row-major."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class Tensor:
    shape: tuple[int, ...]
    data: list

    def __post_init__(self):
        size = 1
        for n in self.shape:
            size *= n
        if size != len(self.data):
            raise ValueError(f"shape {self.shape} does not hold {len(self.data)} values")


class Weights:
    """Deterministic weights for one layer, drawn from a generator seeded by (seed, layer name).

    Kernels draw learned parameters with `learned(n)` and non-learned state with
    `buffer(n)`; the counts drawn are what `verify` compares with the analysis.
    """

    def __init__(self, seed: int, name: str):
        self._random = random.Random(f"{seed}:{name}")
        self.learned_count = 0
        self.buffer_count = 0

    def learned(self, n: int, scale: float = 0.5) -> list[float]:
        self.learned_count += n
        return self._uniform(n, -scale, scale)

    def buffer(self, n: int, low: float = -0.5, high: float = 0.5) -> list[float]:
        self.buffer_count += n
        return self._uniform(n, low, high)

    def _uniform(self, n: int, low: float, high: float) -> list[float]:
        # random() in a comprehension: several times faster than uniform() for large layers
        draw, width = self._random.random, high - low
        return [low + width * draw() for _ in range(n)]


def random_tensor(shape: tuple[int, ...], seed: int) -> Tensor:
    rng = random.Random(f"{seed}:input")
    size = 1
    for n in shape:
        size *= n
    return Tensor(tuple(shape), [rng.random() for _ in range(size)])
