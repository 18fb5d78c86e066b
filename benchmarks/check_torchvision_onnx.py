"""Every torchvision classifier exported with both of torch's exporters, each file checked
against the framework's own figures (see onnx_sweep.py for how those are counted and compared).
Run by hand in an environment of its own (nothing here runs in CI):

    python3.11 -m venv /tmp/tv && /tmp/tv/bin/pip install torch torchvision onnx onnxscript -e .
    /tmp/tv/bin/python benchmarks/check_torchvision_onnx.py [NAMES] [--results FILE] [--jobs N] [--table]

NAMES (comma-separated) defaults to every model of torchvision.models' classification set,
smallest first. Each model runs in a child process; its rows (one per exporter: `dynamo`,
torch.onnx.export's default, and `torchscript`, the legacy exporter with batchnorm kept) are
appended to the results file (default /tmp/archcalc_torchvision_onnx.jsonl), which a rerun
skips; `--table` prints that file as the Markdown table of benchmarks/README.md. Parameters are
drawn at random before export; files are deleted after use. The input is 1×3×224×224 (299×299
for inception_v3, whose stem needs it at its published size).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import onnx_sweep

EXPORTERS = ("dynamo", "torchscript")
RESULTS = Path("/tmp/archcalc_torchvision_onnx.jsonl")


def every_classifier() -> list[str]:
    import torchvision
    from torchvision import models
    names = models.list_models(module=torchvision.models)
    # smallest first (the weights' published size), so a long run reports the most models early
    return sorted(names, key=lambda name: models.get_model_weights(name).DEFAULT.meta["num_params"])


def worker(name: str) -> None:
    import torch
    from torchvision import models
    torch.backends.mha.set_fastpath_enabled(False)      # the fused attention kernel has no export
    model = models.get_model(name).eval()
    onnx_sweep.randomize(model)
    size = 299 if name == "inception_v3" else 224
    for exporter in EXPORTERS:
        row = onnx_sweep.check(model, torch.randn(1, 3, size, size), exporter)
        print(json.dumps({"name": name, **row}), flush=True)


def main(argv: list[str]) -> None:
    results = Path(argv[argv.index("--results") + 1]) if "--results" in argv else RESULTS
    if "--table" in argv:
        print(onnx_sweep.table(results, "model"))
        return
    names = [a for a in argv if not a.startswith("--") and not a.isdigit() and a != str(results)]
    parallel = int(argv[argv.index("--jobs") + 1]) if "--jobs" in argv else 1
    done = onnx_sweep.done_keys(results)
    jobs = [[name, "both"] for name in (names[0].split(",") if names else every_classifier())
            if any((name, exporter) not in done for exporter in EXPORTERS)]
    onnx_sweep.run_all(__file__, jobs, results, timeout=1800, parallel=parallel)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2])
    else:
        main(sys.argv[1:])
