import unicodedata
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


# The bidi controls by class (U+200E, U+200F and U+061C are classed L, R and AL: listed).
BIDI_CLASSES = {"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"}
BIDI_MARKS = {"\u200e", "\u200f", "\u061c"}


def dangerous(text: str) -> list[str]:
    """Characters that drive a terminal or a log, break XML, or reorder what a reader sees:
    controls (but the line feed between lines), line and paragraph separators, surrogates,
    unassigned code points and non-characters (U+FFFE), bidi controls."""
    return [c for c in text if c != "\n" and (
        unicodedata.category(c) in {"Cc", "Cs", "Cn", "Zl", "Zp"}
        or unicodedata.bidirectional(c) in BIDI_CLASSES or c in BIDI_MARKS)]


def keras_chain(layers: int, reverse: bool) -> dict:
    """A Keras 3 Functional model: an input, then `layers` Dense(4) layers each reading the one before."""
    def tensor(name):
        return {"class_name": "__keras_tensor__", "config": {"shape": [None, 4], "keras_history": [name, 0, 0]}}
    entries = [{"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_shape": [None, 4]},
                "inbound_nodes": []}]
    for i in range(layers):
        entries.append({"module": "keras.layers", "class_name": "Dense", "name": f"d{i}",
                        "config": {"name": f"d{i}", "units": 4},
                        "inbound_nodes": [{"args": [tensor(f"d{i - 1}" if i else "x")], "kwargs": {}}]})
    if reverse:
        entries = entries[:1] + entries[:0:-1]
    return {"class_name": "Functional", "config": {"name": "chain", "layers": entries,
            "input_layers": [["x", 0, 0]], "output_layers": [[f"d{layers - 1}", 0, 0]]}}
