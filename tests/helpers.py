from pathlib import Path

import archcalc

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


def one_layer(input_shape, layer, batch=1):
    """Report of a model made of `layer` alone."""
    return archcalc.analyze({"input": list(input_shape), "batch": batch, "layers": [layer]})


def only_layer(input_shape, layer, batch=1):
    return one_layer(input_shape, layer, batch).layers[0]

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(name, text, update):
    """Compare `text` with tests/golden/`name`; `pytest --update-golden` rewrites it instead."""
    path = GOLDEN / name
    if update:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
