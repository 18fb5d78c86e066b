"""Every torchvision classification model through the PyTorch door, against PyTorch's own
figures (tests/frontends/pytorch/torch_oracle.py says how each is computed), with the time each
takes. Run by hand: `python benchmarks/bench_torch_models.py [NAME ...]` (needs torch and
torchvision); results are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "frontends", "pytorch"))

from torch_oracle import archcalc_figures, build_meta, input_size, torch_figures  # noqa: E402


def main(names: list[str]) -> int:
    import torchvision
    from archcalc.errors import ArchcalcError
    names = names or torchvision.models.list_models(module=torchvision.models)
    failures = 0
    print(f"{'model':24} {'params':>12} {'buffers':>9} {'MACs':>15} {'seconds':>8}  verdict")
    for name in names:
        model = build_meta(name)
        shape = (1, 3, input_size(name), input_size(name))
        expected = torch_figures(model, shape)
        start = time.perf_counter()
        try:
            got = archcalc_figures(model, shape)
        except ArchcalcError as exc:
            failures += 1
            print(f"{name:24} refused: {str(exc)[:300]}", flush=True)
            continue
        took = time.perf_counter() - start
        verdict = "same" if got == expected else f"DIFFERS: archcalc {tuple(got)} torch {tuple(expected)}"
        failures += got != expected
        print(f"{name:24} {got.params:12,} {got.buffers:9,} {got.macs:15,} {took:8.2f}  {verdict}", flush=True)
    print(f"{len(names) - failures} of {len(names)} agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
