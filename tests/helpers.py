from pathlib import Path

import archcalc

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


def one_layer(input_shape, layer, batch=1):
    """Report of a model made of `layer` alone."""
    return archcalc.analyze({"input": list(input_shape), "batch": batch, "layers": [layer]})


def only_layer(input_shape, layer, batch=1):
    return one_layer(input_shape, layer, batch).layers[0]
