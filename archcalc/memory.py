"""Peak activation memory of an inference pass, by tensor liveness."""

from __future__ import annotations

from typing import Sequence


def peak_live_elements(sources: Sequence[Sequence[int]], sizes: Sequence[int],
                       input_elements: Sequence[int], working: Sequence[int] = ()) -> int:
    """Largest number of elements alive at once.

    Layer i (in execution order) consumes the outputs at positions `sources[i]`
    (-1 - k is model input k) and produces `sizes[i]` elements. Every model input is
    alive from the start; a tensor is freed after its last consumer runs; while a
    layer runs, its inputs and its output are alive together; an output nobody
    consumes is freed at once, except the last layer's (the model's output). `working[i]`
    (when given) are elements layer i holds only while it runs (an eager attention's scores).
    """
    count = len(sizes)
    n_inputs = len(input_elements)
    # Slots count .. count + n_inputs - 1 hold the inputs, so position -1 - k indexes input k.
    all_sizes = list(sizes) + list(reversed(input_elements))
    last_use = [-1] * (count + n_inputs)
    for i, inputs in enumerate(sources):
        for j in inputs:
            last_use[j] = i
    live = peak = sum(input_elements)
    for k in range(n_inputs):          # an input no layer reads is freed before the first layer
        if last_use[-1 - k] == -1:
            live -= input_elements[k]
    final = count - 1
    for i, inputs in enumerate(sources):
        live += sizes[i]
        during = live + working[i] if working else live
        if during > peak:
            peak = during
        for j in set(inputs):
            if last_use[j] == i:
                live -= all_sizes[j]
        if last_use[i] == -1 and i != final:
            live -= sizes[i]
    return peak
