"""Every keras.applications model at its default input, written with `model.to_json()` and
read by archcalc, beside what Keras itself says of it.

Needs keras and a backend, in an environment of its own (never in CI), with archcalc
installed there too:

    python3 -m venv /tmp/kerasenv && /tmp/kerasenv/bin/pip install keras jax scipy
    /tmp/kerasenv/bin/pip install -e .
    KERAS_BACKEND=jax /tmp/kerasenv/bin/python benchmarks/check_keras_applications.py [NAMES]

For each model (weights=None: nothing is downloaded) it prints one Markdown row: Keras's
count_params() and its non-trainable weights' element count, archcalc's params + buffers and
non-trainable params + buffers (Keras counts batchnorm's moving statistics and Normalization's
mean, variance and count as non-trainable weights; archcalc as buffers), archcalc's MACs, the
output shapes, and the status: exact, different, or archcalc's one-line refusal.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402

import archcalc  # noqa: E402
from archcalc.errors import ArchcalcError  # noqa: E402

NAMES = [
    "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge",
    "DenseNet121", "DenseNet169", "DenseNet201",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
    "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
    "EfficientNetV2L", "EfficientNetV2M", "EfficientNetV2S",
    "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small",
    "NASNetLarge", "NASNetMobile", "ResNet101", "ResNet101V2", "ResNet152", "ResNet152V2", "ResNet50",
    "ResNet50V2", "VGG16", "VGG19", "Xception",
]


def elements(weights) -> int:
    total = 0
    for w in weights:
        size = 1
        for n in w.shape:
            size *= n
        total += size
    return total


def check(name: str, folder: Path) -> str:
    model = getattr(keras.applications, name)(weights=None)
    path = folder / f"{name}.json"
    path.write_text(model.to_json())
    count, frozen = model.count_params(), elements(model.non_trainable_weights)
    shape = list(model.output_shape[1:])
    # MobileNetV3 leaves its input open, (None, None, 3), at its defaults: it is given at
    # 224×224, as `--input NAME=1,224,224,3` would give it.
    options = {}
    for layer in json.loads(path.read_text())["config"]["layers"]:
        recorded = layer["config"].get("batch_shape") if layer["class_name"] == "InputLayer" else None
        if recorded and None in recorded[1:]:
            options.setdefault("inputs", {})[layer["config"]["name"]] = (1, *(n or 224 for n in recorded[1:]))
    if options:
        shape = list(model.compute_output_shape(next(iter(options["inputs"].values())))[1:])
    try:
        report = archcalc.analyze(path, **options)
    except ArchcalcError as exc:
        return f"| {name} | {count:,} | {frozen:,} | | | | {shape} | refused: {str(exc).split(': ', 1)[-1]} |"
    totals = report.totals
    ours, ours_frozen = totals.params + totals.buffers, totals.non_trainable_params + totals.buffers
    out = list(report.layers[-1].output_shape)
    exact = (ours, ours_frozen, out) == (count, frozen, shape)
    return (f"| {name} | {count:,} | {frozen:,} | {ours:,} | {ours_frozen:,} | {totals.macs:,} | {shape} | "
            f"{'exact' if exact else f'**different** (ours {out})'} |")


def main(names: list[str]) -> int:
    print("| model | Keras count_params | Keras non-trainable | archcalc params + buffers | "
          "archcalc non-trainable + buffers | archcalc MACs | output | status |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names or NAMES:
            row = check(name, Path(tmp))
            bad += "exact |" not in row
            print(row, flush=True)
            keras.backend.clear_session()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
