"""Peak activation memory of an inference pass, by tensor liveness."""

from __future__ import annotations

from typing import Sequence


def peak_live_elements(steps: Sequence[tuple[str, Sequence[str], int]], input_name: str,
                       input_elements: int) -> int:
    """Largest number of elements alive at once.

    `steps` are (name, input names, output elements) in execution order. A
    tensor is freed after its last consumer runs; while a layer runs, its
    inputs and its output are alive together; an output nobody consumes is
    freed at once, except the last step's (the model's output).
    """
    last_use = {input_name: -1}
    for i, (name, inputs, _) in enumerate(steps):
        last_use.setdefault(name, -1)
        for source in inputs:
            last_use[source] = i
    size = {input_name: input_elements}
    live = peak = input_elements
    final = len(steps) - 1
    for i, (name, inputs, elements) in enumerate(steps):
        size[name] = elements
        live += elements
        peak = max(peak, live)
        for source in set(inputs):
            if last_use[source] == i:
                live -= size[source]
        if last_use[name] == -1 and i != final:
            live -= elements
    return peak
