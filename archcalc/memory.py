"""Peak activation memory of an inference pass, by tensor liveness."""

from __future__ import annotations

from typing import Sequence


def peak_live_elements(sources: Sequence[Sequence[int]], sizes: Sequence[int], input_elements: int) -> int:
    """Largest number of elements alive at once.

    Layer i (in execution order) consumes the outputs at positions `sources[i]`
    (-1 is the model input) and produces `sizes[i]` elements. A tensor is freed
    after its last consumer runs; while a layer runs, its inputs and its output
    are alive together; an output nobody consumes is freed at once, except the
    last layer's (the model's output).
    """
    count = len(sizes)
    last_use = [-1] * (count + 1)          # slot `count` (= index -1) is the model input
    for i, inputs in enumerate(sources):
        for j in inputs:
            last_use[j] = i
    live = peak = input_elements
    final = count - 1
    for i, inputs in enumerate(sources):
        live += sizes[i]
        if live > peak:
            peak = live
        for j in set(inputs):
            if last_use[j] == i:
                live -= sizes[j] if j >= 0 else input_elements
        if last_use[i] == -1 and i != final:
            live -= sizes[i]
    return peak
