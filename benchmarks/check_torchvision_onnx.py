"""Export torchvision classifiers to ONNX and compare archcalc's figures with torchvision's published
ones. Run by hand in an environment of its own (nothing here runs in CI):

    python3 -m venv /tmp/tvenv && /tmp/tvenv/bin/pip install torch torchvision onnx onnxscript archcalc[onnx]
    /tmp/tvenv/bin/python benchmarks/check_torchvision_onnx.py resnet50,vit_b_16,densenet121

Each model is exported twice with the TorchScript exporter: with defaults (batchnorm folded into
the convolutions: the file holds fewer params than the model) and with
training=TrainingMode.PRESERVE (batchnorm kept: params should equal torchvision's `num_params`).
Printed per export: archcalc's params, buffers and GMACs, then torchvision's `num_params` and
`_ops` (its published GFLOPS, which count multiply-accumulates). Parameters are drawn at random
before export (see below). Files are deleted after use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile


def main(names: list[str]) -> None:
    import torch
    from torchvision import models
    torch.backends.mha.set_fastpath_enabled(False)      # the fused attention kernel has no export
    print(f"{'model':<22}{'export':<8}{'params':>14}{'buffers':>10}{'GMACs':>8}{'published':>14}{'GFLOPS':>8}")
    for name in names:
        weights = models.get_model_weights(name).DEFAULT
        meta = weights.meta
        model = models.get_model(name).eval()
        with torch.no_grad():
            # Untrained layers share values (every layer norm's weight is all ones), and the exporter
            # stores identical tensors once; distinct values keep one initializer per parameter.
            for parameter in model.parameters():
                parameter.uniform_(0.5, 1.5)
        # The size the published GFLOPS are measured at: the weights' evaluation crop
        # (224 for most, 299 for Inception, 300 for EfficientNet-B3, 480 for EfficientNetV2-M).
        size = weights.transforms().crop_size[0]
        example = torch.randn(1, 3, size, size)
        for variant, options in (("folded", {}), ("bn", {"training": torch.onnx.TrainingMode.PRESERVE,
                                                       "do_constant_folding": False})):
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, f"{name}.onnx")
                torch.onnx.export(model, (example,), path, dynamo=False, opset_version=17, **options)
                done = subprocess.run(["archcalc", "analyze", path, "--format", "json"], capture_output=True,
                                      text=True)
            if done.returncode:
                print(f"{name:<22}{variant:<8}{done.stderr.strip().splitlines()[-1]}")
                continue
            t = json.loads(done.stdout)["totals"]
            print(f"{name:<22}{variant:<8}{t['params']:>14,}{t['buffers']:>10,}{t['macs'] / 1e9:>8.2f}"
                  f"{meta['num_params']:>14,}{meta.get('_ops', float('nan')):>8.2f}")


if __name__ == "__main__":
    main(sys.argv[1].split(",") if len(sys.argv) > 1 else ["resnet18", "resnet50", "vit_b_16"])
