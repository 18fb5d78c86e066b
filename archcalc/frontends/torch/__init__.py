"""The PyTorch door: a module in code (`package.module:attribute`, `file.py:attribute`, or an
`nn.Module` object from Python) translated into a spec.

The module is built on the meta device (no weights, no GPU), its graph captured with
`torch.export` (FX symbolic tracing where export cannot), and each ATen op mapped to the
layer rules (ops/), module paths becoming layer names and nested modules blocks (scopes.py).
Importing this package does not import torch; its functions do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from ...errors import SpecError
from .target import is_code_target

if TYPE_CHECKING:      # imported.py's dataclasses cost every run's start-up; a code target alone needs them
    from ..imported import Imported, ImportOptions

INSTALL = "pip install 'archcalc[torch]'"

__all__ = ["INSTALL", "is_code_target", "module_to_spec", "to_spec"]


def require_torch(source: str) -> None:
    import importlib.util
    if importlib.util.find_spec("torch") is None:
        raise SpecError(f"reading PyTorch code needs torch, which is not installed: {INSTALL}", source)


def to_spec(source: str, options: ImportOptions) -> Imported:
    """A code target as a spec (what `archcalc import TARGET` writes)."""
    from ..imported import Imported
    from .build import instantiate
    from .target import load_target, read_kwargs, read_kwargs_file
    require_torch(source)
    kwargs: dict[str, Any] = {}
    for name, text in options.kwargs.items():
        if name.startswith("@"):
            kwargs.update(read_kwargs_file(name[1:]))
        else:
            kwargs.update(read_kwargs({name: text}))
    target = _user_code(lambda: load_target(source), source, "importing the target")
    module, late = _user_code(lambda: instantiate(target, kwargs, source), source, "building the model")
    name = source.rsplit(":", 1)[-1].split(".")[-1]
    imported = module_to_spec(module, options.inputs, source, name, options.allow_uncounted, options.input_dtypes)
    if late:
        from .build import LATE_NOTE
        imported = Imported(imported.spec, (*imported.notes, LATE_NOTE), imported.where)
    return imported


def module_to_spec(module: Any, shapes: Mapping[str, tuple[int, ...]], source: str, name: str,
                   allow_uncounted: bool = False, dtypes: Mapping[str, str] | None = None) -> Imported:
    from ..imported import Imported, ImportOptions
    from .build import example_inputs
    from .capture import capture
    from .ops import HANDLERS
    from .scopes import Writer, build_tree
    from .translate import Translator
    require_torch(source)
    module.eval()
    batch = _batch(shapes, source)
    # Captured with a batch of one: every count is per sample, times the batch (as for a spec).
    names, example = example_inputs(module, {k: (1, *v[1:]) for k, v in shapes.items()}, source, dtypes or {})
    captured = _user_code(lambda: capture(module, example, names), source, "capturing the forward")
    translator = Translator(captured, source, ImportOptions(inputs=dict(shapes)), HANDLERS, allow_uncounted)
    translator.run()
    input_names = ["input"] if len(captured.inputs) == 1 else [n for n, _ in captured.inputs]
    writer = Writer(translator.layers, input_names)
    layers = writer.write(build_tree(translator.layers, type(module).__name__))
    spec: dict[str, Any] = {"name": name + (" [partial]" if translator.uncounted else "")}
    shapes_held = [translator.values[n].ours() for n, _ in captured.inputs]
    if len(input_names) == 1:
        spec["input"] = shapes_held[0]
    else:
        spec["inputs"] = dict(zip(input_names, shapes_held))
    spec["batch"] = batch
    if writer.blocks:
        spec["blocks"] = writer.blocks
    spec["layers"] = layers
    return Imported(spec=spec, notes=tuple(_notes(captured, translator)), where={})


def _batch(shapes: Mapping[str, tuple[int, ...]], source: str) -> int:
    batches = {shape[0] for shape in shapes.values() if shape}
    if len(batches) > 1:
        raise SpecError(f"--input: the inputs' first axes (the batch) differ: {sorted(batches)}", source)
    if any(len(shape) < 2 for shape in shapes.values()):
        raise SpecError("--input: a shape needs the batch axis first and at least one more", source)
    return batches.pop() if batches else 1


def _notes(captured: Any, translator: Any) -> list[str]:
    notes = [f"PyTorch module captured with {captured.method}, built on the meta device (no weights read); "
             "each Parameter object counted once."]
    unused = [h for h in captured.unused if h.kind == "parameter"]
    if unused:
        owners = sorted({h.source.rsplit(".", 1)[0] for h in unused})
        shown = ", ".join(owners[:6]) + (f" and {len(owners) - 6} more" if len(owners) > 6 else "")
        notes.append(f"{sum(h.size for h in unused):,} parameter elements belong to modules the forward never "
                     f"runs ({shown}; an auxiliary head used only in training, say), with their buffers: not counted.")
    if translator.uncounted:
        notes.append(f"partial count: {len(translator.uncounted)} op(s) have no rule and count nothing: "
                     + ", ".join(translator.uncounted))
    return notes


def _user_code(run: Any, source: str, doing: str) -> Any:
    """Runs a step that executes the user's code. What that code raises is the model's failure,
    reported on one line as such; our own refusals pass through. (The one place a broad
    exception is caught: the user's code may raise anything, and it is not a bug of ours.)"""
    from ...errors import ArchcalcError
    from .capture import TargetFailed
    try:
        return run()
    except (ArchcalcError, AssertionError):
        raise
    except TargetFailed as exc:
        raise SpecError(str(exc), source) from None
    except Exception as exc:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        said = lines[0][:300] if lines else ""
        raise SpecError(f"{doing} failed: {type(exc).__name__}{': ' + said if said else ''}", source) from None
