"""A minimal channels-last tensor: a shape and a flat list of floats, row-major."""

from __future__ import annotations

import random
import sys
from array import array
from dataclasses import dataclass

# Learned weights are drawn as raw IEEE-754 doubles: random bytes with the exponent
# bits fixed, so every value is ±[2^-6, 2^-5) and no Python code runs per weight
# (VGG-16 draws 138 M of them). Little-endian byte 7 holds the sign and the top 7
# exponent bits, byte 6 the low 4 exponent bits and the top of the mantissa;
# exponent 1023 - 6 = 0x3F9.
_SIGN_AND_EXPONENT = bytes((b & 0x80) | 0x3F for b in range(256))
_EXPONENT_AND_MANTISSA = bytes(0x90 | (b & 0x0F) for b in range(256))


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

    def __init__(self, seed: int, name: str, replay: list | None = None, own: int | None = None):
        self._random = random.Random(f"{seed}:{name}")
        self.learned_count = 0
        self.buffer_count = 0
        self.arrays: list = []            # what was drawn, so a tied or shared layer can reuse it
        # `replay`: arrays another layer drew, handed out first and not counted as this one's
        # (a tied weight, or every weight of a shared repetition).
        self._replay = list(replay or ())
        self._owns_buffers = own is None     # a shared repetition's buffers are the first one's

    def learned(self, n: int) -> array:
        if self._replay:
            values = self._replay.pop(0)
            if len(values) != n:
                raise ValueError(f"a shared weight of {len(values)} values asked for as {n}")
            self.arrays.append(values)
            return values
        values = self._draw(n)
        self.arrays.append(values)
        return values

    def _draw(self, n: int) -> array:
        self.learned_count += n
        chunk = 1 << 20   # randbytes() of more than 2^28 bytes overflows a C int
        raw = bytearray().join(self._random.randbytes(8 * min(chunk, n - i)) for i in range(0, n, chunk))
        raw[7::8] = raw[7::8].translate(_SIGN_AND_EXPONENT)
        raw[6::8] = raw[6::8].translate(_EXPONENT_AND_MANTISSA)
        values = array("d")
        values.frombytes(raw)
        if sys.byteorder == "big":   # the bytes above are laid out little-endian
            values.byteswap()
        # An array, not a list: no Python float object per weight until one is used.
        return values

    def buffer(self, n: int, low: float = -0.5, high: float = 0.5) -> list[float]:
        if self._owns_buffers:
            self.buffer_count += n
        return self._uniform(n, low, high)

    def _uniform(self, n: int, low: float, high: float) -> list[float]:
        draw, width = self._random.random, high - low
        return [low + width * draw() for _ in range(n)]


def random_tensor(shape: tuple[int, ...], seed: int, name: str = "input") -> Tensor:
    rng = random.Random(f"{seed}:{name}")
    size = 1
    for n in shape:
        size *= n
    return Tensor(tuple(shape), [rng.random() for _ in range(size)])
