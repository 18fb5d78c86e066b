"""Walking an ONNX graph node by node and writing the spec's layers.

Every tensor is either a constant (an initializer or something computed from constants,
its value kept as a `fold.Array` only when small) or an activation: a spec layer's output, with its
shape in the file's layout and `perm`, the file axes in the order the spec holds them
(batch first). Convolutions want channels last, so their outputs are [N, H, W, C] held
for a file that says [N, C, H, W]; an op that needs the file's own order (a reshape, a
flatten) gets a `permute` first, which moves data and costs nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from ...errors import SpecError, option
from ..imported import ImportOptions
from .attributes import Attributes
from .fold import MAX_FOLDED, MAX_RANK, Refused
from .tensors import SMALL, checked_dims, external, values
from .values import VIRTUAL, Act, Const

if TYPE_CHECKING:
    from .fold import Array
    from .model import Model, Node
    from .ops.common import Handler

SMALL_INTEGERS = (6, 7)    # int32, int64: the element types of shapes, axes and positions
LAYER_KEYS = ("type", "tied_to", "shares")   # entry keys that are not a rule's arguments
NORMS = ("BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization")
ACTIVATIONS = ("Relu", "Clip", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Elu", "Selu", "Celu",
               "Softplus", "Mish", "Tanh", "Gelu")


# Graph names exporters give every model (torch.onnx: `main_graph`, formerly `torch_jit` and
# `torch-jit-export`; tf2onnx: `tf2onnx`): they say nothing of the model, the file's name does.
EXPORTER_DEFAULT_NAMES = frozenset({"main_graph", "torch_jit", "torch-jit-export", "tf2onnx"})


class Translator:
    def __init__(self, model: Model, file: str, options: ImportOptions, handlers: Mapping[str, Handler]):
        self.model, self.file, self.options = model, file, options
        self.handlers = handlers                    # op type -> handler (ops.HANDLERS)
        self.graph = model.graph
        self.values: dict[str, Act | Const] = {}
        self.layers: list[dict[str, Any]] = []
        self.where: dict[str, str] = {}
        self.notes: list[str] = []
        self.used_names: set[str] = set()
        self.weight_owner: dict[str, str] = {}     # initializer -> the layer that holds it
        self.consumers: dict[str, list[Node]] = {}
        self.batch: int | None = None
        self.node: Any = None                        # the node being translated
        self.skipped: dict[str, Act] = {}         # outputs of nodes folded into an earlier layer
        self._attributes: Attributes | None = None
        self.folded = 0                           # elements of the constants computed so far
        self.aside: set[str] = set()              # small initializers whose values are in another file

    # -- errors and names ----------------------------------------------------------
    def error(self, message: str) -> SpecError:
        if self.node is not None:
            message = f"node '{self.node.name or '?'}' (op {self.node.op_type}): {message}{self._kept_aside()}"
        return SpecError(message, self.file)

    def _kept_aside(self) -> str:
        """Why a node may lack a constant's values: torch.onnx.export's default writes the
        initializers, small integer ones (shapes, positions) too, to a file beside the model,
        which archcalc never opens."""
        if not self.aside:
            return ""
        named = [name for name in self.node.input if name in self.aside]
        which = f"its input '{named[0]}' is" if named else f"{len(self.aside):,} small constants of the file are"
        return (f"; {which} kept in another file (external data), which archcalc never opens: export the "
                "model as one file (torch.onnx.export(..., external_data=False))")

    def layer_name(self, hint: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]+", "_", hint).strip("_") or "layer"
        name, n = base, 1
        while name in self.used_names:
            n += 1
            name = f"{base}_{n}"
        self.used_names.add(name)
        return name

    # -- reading -------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        for init in self.graph.initializer:
            try:
                # A weight's bytes are never read (nor, kept in another file, opened): its dims
                # are checked against the length of its data, and only a small one is read.
                dims = checked_dims(init, "initializer")
                value = None if external(init) else values(init, "initializer", SMALL)
                if external(init) and _elements(dims) <= SMALL and init.data_type in SMALL_INTEGERS:
                    self.aside.add(init.name)
            except Refused as exc:
                raise SpecError(str(exc), self.file) from None
            self.values[init.name] = Const(value, dims, init=init.name)
        for node in self.graph.node:
            # refused before any node runs: a handler may look ahead at the nodes that read
            # its output (a MatMul at the Add of its bias), and those must have outputs too
            if not node.output or not node.output[0]:
                self.node = node
                raise self.error("a node without outputs")
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
        inputs = self._inputs()
        for node in self.graph.node:
            self.node, self._attributes = node, None
            if node.output[0] in self.skipped:
                self.set(node.output[0], self.skipped.pop(node.output[0]))
                continue
            handler = self.handlers.get(node.op_type) if node.domain in ("", "ai.onnx") else None
            if handler is None:
                raise self.error(f"no rule for op {node.op_type}"
                                 + (f" of domain {node.domain}" if node.domain not in ("", "ai.onnx") else "")
                                 + " (archcalc import --list-ops lists the covered ones)")
            try:
                handler(self, node)
            except Refused as exc:
                # A node the checked accessors refused (an attribute missing or of the wrong
                # type, constants that do not fit): the file's error, at the node. Anything
                # else a handler raises is a bug of ours and is not caught here.
                raise self.error(str(exc)) from exc
        self.node = None
        outputs = [self.values.get(o.name) for o in self.graph.output]
        if not any(isinstance(v, Act) for v in outputs):
            raise SpecError("the graph's outputs are constants: nothing to analyse", self.file)
        if not self.layers:
            raise SpecError("the graph has no layer that archcalc counts", self.file)
        self._end_with_output(outputs)
        self._note_weights()
        spec: dict[str, Any] = {"name": self._model_name()}
        if len(inputs) == 1 and inputs[0][0] == "input":
            spec["input"] = inputs[0][1]
        else:
            spec["inputs"] = {name: shape for name, shape in inputs}
        spec["batch"] = self.batch or 1
        spec["layers"] = self.layers
        return spec

    def _folded_batchnorm(self) -> bool:
        """Evidence that an exporter folded batchnorm into the convs: no norm node at all, and
        several convs with biases each read only by an activation (conv → bn → relu folded to
        conv → relu). A lone patch conv with a bias (ViT) is no evidence."""
        nodes = self.graph.node
        if any(n.op_type in NORMS for n in nodes):
            return False
        activated = 0
        for n in nodes:
            if n.op_type == "Conv" and len(n.input) > 2 and n.input[2] and n.output:
                readers = self.consumers.get(n.output[0], [])
                activated += bool(readers) and all(r.op_type in ACTIVATIONS for r in readers)
        return activated >= 2

    def _model_name(self) -> str:
        """The graph's name, unless it is an exporter's default (PyTorch's `main_graph`): then the
        file's stem, which says which model it is."""
        from pathlib import PurePath
        stem = PurePath(self.file).stem if self.file not in ("", "-", "<stdin>") else ""
        if not self.graph.name or (self.graph.name in EXPORTER_DEFAULT_NAMES and stem):
            return stem or self.graph.name
        return self.graph.name

    def _end_with_output(self, outputs: Sequence[Act | Const | None]) -> None:
        """The spec's last layer is the model's output: move the first output's layer last if
        other layers (a side branch) were written after it."""
        first = next(v for v in outputs if isinstance(v, Act))
        index = next((i for i, layer in enumerate(self.layers) if layer["name"] == first.name), None)
        if index is not None and index != len(self.layers) - 1:
            for i, layer in enumerate(self.layers):      # a default input would change meaning
                if "inputs" not in layer:
                    layer["inputs"] = [self.layers[i - 1]["name"]] if i else [self._first_input()]
            self.layers.append(self.layers.pop(index))

    def _first_input(self) -> str:
        return next(v.name for k, v in self.values.items() if isinstance(v, Act) and
                    any(k == i.name for i in self.graph.input))

    def _inputs(self) -> list[tuple[str, list[int]]]:
        initializers = {init.name for init in self.graph.initializer}
        declared = []
        shapes = self._given_shapes([v.name for v in self.graph.input if v.name not in initializers])
        for value in self.graph.input:
            if value.name in initializers:
                continue
            dims: list[Any] = []
            given = shapes.get(value.name)
            shape_proto = value.type.tensor_type.shape
            if len(shape_proto.dim) > MAX_RANK:
                raise SpecError(f"input '{value.name}' has {len(shape_proto.dim)} axes (archcalc reads at most "
                                f"{MAX_RANK})", self.file)
            if given is not None:
                if len(given) != len(shape_proto.dim) and shape_proto.dim:
                    raise SpecError(f"{option('input')} {value.name}: {len(given)} sizes for a rank-{len(shape_proto.dim)} "
                                    "input", self.file)
                dims = list(given)
            else:
                symbolic = []
                for i, dim in enumerate(shape_proto.dim):
                    if dim.dim_value > 0:
                        dims.append(dim.dim_value)
                    else:
                        symbolic.append(f"axis {i} ({dim.dim_param or 'unnamed'})")
                        dims.append(None)
                if symbolic:
                    raise SpecError(f"input '{value.name}' has symbolic sizes: {', '.join(symbolic)}; give them "
                                    f"with {option('input')} {value.name}=SHAPE (the file's layout, batch first)", self.file)
            if not dims:
                raise SpecError(f"input '{value.name}' has no shape; give it with {option('input')} {value.name}=SHAPE",
                                self.file)
            name = self.layer_name(value.name if len(self.graph.input) > 1 else "input")
            act = Act(name, tuple(dims))
            if len(dims) in (3, 4, 5) and self._feeds_channel_first(value.name):
                act.perm = (0, *range(2, len(dims)), 1)      # held channels-last from the start
            elif len(dims) == 3 and self._feeds(value.name, ("LSTM", "GRU", "RNN")):
                act.perm = (1, 0, 2)                          # [T, N, C]: the batch is axis 1
            if self.batch is None:
                self.batch = dims[act.batch_axis]
            self.values[value.name] = act
            declared.append((name, act.ours()))
        return declared

    def _given_shapes(self, names: list[str]) -> dict[str, tuple[int, ...]]:
        """--input shapes by the file's input names (`--input SHAPE` is the first); a name the
        file does not have is refused, listing those it has."""
        shapes = {}
        for key, shape in self.options.inputs.items():
            name = key or (names[0] if names else "")
            if name not in names:
                raise SpecError(f"{option('input')} {key}: the model has no input of that name (its inputs: "
                                f"{', '.join(names) or 'none'})", self.file)
            if name in shapes:
                raise SpecError(f"{option('input')}: input '{name}' given twice (as the first input and by name)", self.file)
            shapes[name] = shape
        return shapes

    def _feeds(self, name: str, ops: tuple[str, ...]) -> bool:
        return any(node.op_type in ops for node in self.consumers.get(name, ()))

    def _feeds_channel_first(self, name: str) -> bool:
        return any(node.op_type in ("Conv", "ConvTranspose", "MaxPool", "AveragePool", "BatchNormalization",
                                    "GlobalAveragePool", "GlobalMaxPool", "InstanceNormalization")
                   for node in self.consumers.get(name, ()))

    # -- checked accessors: the only ways a handler refuses a file ----------------------
    def attrs(self) -> Attributes:
        if self._attributes is None:
            self._attributes = Attributes(self.node)
        return self._attributes

    def input(self, node: Node, i: int, what: str) -> str:
        """The name of the node's input `i`, which must be given."""
        if len(node.input) <= i or not node.input[i]:
            raise self.error(f"its {what} (input {i}) is missing")
        return node.input[i]

    def value(self, name: str) -> Act | Const:
        value = self.values.get(name)
        if value is None:
            raise self.error(f"input '{name}' is not produced by any earlier node")
        return value

    def act(self, name: str) -> Act:
        value = self.value(name)
        if isinstance(value, Const):
            raise self.computed_from_weights(name)
        return value

    def computed_from_weights(self, name: str) -> SpecError:
        """The refusal of a node over a tensor computed from weights alone (a grid of positions,
        a rotary table): the same every run, so no per-sample layer can hold it, and computing
        it would drop its weights from the count."""
        op = self.node.op_type if self.node is not None else "layer"
        article = "an" if op[:1] in "AEIOU" else "a"
        return self.error(f"its input '{name}' is a constant, computed from weights alone: {article} {op} of a "
                          "constant has no rule (archcalc counts layers over the model's inputs; make that tensor a "
                          "model input, or export with it precomputed)")

    def const(self, name: str, what: str = "value") -> Const:
        value = self.value(name)
        if not isinstance(value, Const):
            raise self.error(f"its {what} must be a constant (folded from initializers), but '{name}' is computed")
        return value

    def small(self, name: str, what: str = "value") -> Array:
        value = self.const(name, what)
        if value.value is None:
            raise self.error(f"its {what} '{name}' is too large to read as a value")
        return value.value

    def set(self, name: str, value: Act | Const) -> None:
        if isinstance(value, Const) and value.value is not None:
            # Every computed constant passes here: the file's total is bounded, whatever its graph.
            self.folded += value.value.size
            if self.folded > MAX_FOLDED:
                raise self.error(f"its constants add up to more than {MAX_FOLDED:,} elements computed "
                                 "(archcalc folds the small constants of shape arithmetic only)")
        self.values[name] = value

    # -- writing -------------------------------------------------------------------
    def emit(self, layer: dict[str, Any], inputs: list[Act], out_perm: Sequence[int] | None = None,
             hint: str | None = None) -> Act:
        """Writes a layer reading `inputs`; its output is held in `out_perm` (default: the spec's
        order, batch first). Its shape is the layer rule's, never worked out here."""
        shape, perm = self._rule_shape(layer, inputs, out_perm)
        name = self.layer_name(hint or self.node.name or self.node.op_type)
        entry = {"type": layer.pop("type"), "name": name, **layer}
        previous = self.layers[-1]["name"] if self.layers else None
        reads = [a.name for a in inputs]
        if reads != [previous] or (previous is None):
            entry["inputs"] = reads
        self.layers.append(entry)
        if self.node is not None:
            self.where[name] = f"node '{self.node.name or self.node.op_type}' (op {self.node.op_type})"
        return Act(name, shape, perm)

    def _rule_shape(self, layer: dict[str, Any], inputs: list[Act], out_perm: Sequence[int] | None
                    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The output's file shape and axis order: the layer bound through its rule, which gives the per-sample
        shape in the spec's order; `out_perm` places it (and the inputs' batch) on file axes."""
        from ...errors import ArgumentError, ShapeError
        from ...layers import Call, find_rule
        rule = find_rule(layer["type"])
        if rule is None:
            raise AssertionError(f"the door wrote a layer of unknown type {layer['type']!r}")
        raw = {k: v for k, v in layer.items() if k not in LAYER_KEYS}
        try:
            bound = rule.bind(raw, len(inputs), label=f"{rule.type} layer")
            ours = tuple(rule.output_shape(Call(bound, tuple(tuple(a.ours()) for a in inputs))))
            if not ours or min(ours) < 1:
                raise ShapeError(f"output shape {list(ours)} has an empty axis")
        except (ArgumentError, ShapeError) as exc:      # the rule's refusal of what the file asks
            received = " and ".join(str(a.ours()) for a in inputs)
            raise self.error(f"a {rule.type} layer: {exc} (it receives {received})") from None
        perm = tuple(out_perm) if out_perm is not None else tuple(range(len(ours) + 1))
        if len(perm) == 1 and ours == (1,):
            ours = ()           # a scalar, which the spec holds as [1] (`reshape` to `ours or [1]`)
        elif len(perm) != len(ours) + 1 and any(a.batch_axis == VIRTUAL for a in inputs):
            perm = (VIRTUAL, *range(len(ours)))     # a folded batch of one meets a broadcast: stays folded
        if len(perm) != len(ours) + 1:
            raise AssertionError(f"{rule.type}: output {ours} held in perm {perm}")
        batch = next((a.shape[a.batch_axis] for a in inputs if a.batch_axis != VIRTUAL), 1)
        shape = [batch] * (len(perm) if perm[0] != VIRTUAL else len(perm) - 1)
        for size, axis in zip(ours, perm[1:]):
            shape[axis] = size
        return tuple(shape), perm

    def hold(self, act: Act, perm: tuple[int, ...]) -> Act:
        """`act` held with its axes in `perm` order, through a zero-cost permute when needed."""
        if act.perm == tuple(perm):
            return act
        if act.perm[0] != perm[0]:
            act = self._rebatch(act, perm[0])
        # Our axis j of the result is file axis perm[j + 1], found at our axis act.perm.index(..) - 1.
        axes = [act.perm.index(p) - 1 for p in perm[1:]]
        if _moves_nothing(act, axes):                    # only size-1 axes move: a reshape will do
            target = Act(act.name, act.shape, perm)
            if target.ours() == act.ours():
                return target
            return self.emit({"type": "reshape", "shape": target.ours() or [1]}, [act], perm,
                             hint=f"{act.name}_reshape")
        return self.emit({"type": "permute", "axes": axes}, [act], perm, hint=f"{act.name}_permute")

    def _rebatch(self, act: Act, batch: int) -> Act:
        """The same data with the batch of one on another axis, or folded (VIRTUAL), so two
        tensors of one shape line up: a reshape that moves no element."""
        old = act.batch_axis
        if (old != VIRTUAL and act.shape[old] != 1) or (batch != VIRTUAL and act.shape[batch] != 1):
            merged = act.shape[old] if old != VIRTUAL and act.shape[old] != 1 else act.shape[batch]
            raise self.error(f"its input {list(act.shape)} holds the batch of one merged into an axis of {merged} "
                             "(patches or windows run as a batch of their own): a per-sample layer over a merged "
                             "batch has no rule")
        act = self.file_order(act)
        rank = act.rank
        perm = (batch, *[a for a in range(rank) if a != batch])
        ours = [act.shape[p] for p in perm[1:]]
        return self.emit({"type": "reshape", "shape": ours or [1]}, [act], perm,
                         hint=f"{act.name}_batch")

    def file_order(self, act: Act) -> Act:
        """`act` held in the file's own axis order (batch where the file has it, skipped)."""
        order = [act.batch_axis, *[a for a in range(act.rank) if a != act.batch_axis]]     # VIRTUAL: all axes
        return self.hold(act, tuple(order))

    def channels_last(self, act: Act) -> Act:
        """`act` held as [N, spatial…, C] for an NC… file tensor."""
        return self.hold(act, (0, *range(2, act.rank), 1))

    def _note_weights(self) -> None:
        """What the file's weights may say of the model's: folded batchnorm, weights read twice."""
        if self._folded_batchnorm():
            self.notes.append("Convolutions carry biases and no BatchNormalization node appears: the exporter "
                              "probably folded batchnorm into them, so params are fewer than the original "
                              "model's and there are no buffers (torch.onnx.export(..., training="
                              "TrainingMode.PRESERVE) keeps it).")
        reusing = [layer["name"] for layer in self.layers if "tied_to" in layer or "shares" in layer]
        if reusing:
            self.notes.append(f"{len(reusing):,} layer(s) read weights another layer holds ({', '.join(reusing[:3])}"
                              f"{', …' if len(reusing) > 3 else ''}): shared weights, or equal tensors the exporter "
                              "stored once (a freshly initialised model's zero biases, say); each initializer is "
                              "counted once, so params may be fewer than the model's.")

    def tie_or_own(self, init: str | None, layer_name_hint: str) -> dict[str, str]:
        """`tied_to` the layer already holding initializer `init`, or nothing (this one owns it)."""
        owner = self.weight_owner.get(init) if init else None
        return {"tied_to": owner} if owner else {}

    def shared_weights(self, names: Iterable[str], kind: str | None = None) -> dict[str, str]:
        """`shares` the layer that already holds every one of these initializers (one
        initializer read twice counts once), or nothing; with `kind`, only a layer of that type
        (an embedding table read again as an output head is a tie, not a repetition)."""
        inits = [v.init for v in (self.values.get(n) for n in names if n) if isinstance(v, Const)]
        owners = {self.weight_owner.get(i) for i in inits if i}
        if inits and len(owners) == 1 and all(inits):
            owner = owners.pop()
            if owner is not None and (kind is None or self._layer_type(owner) == kind):
                return {"shares": owner}
        return {}

    def _layer_type(self, name: str) -> str | None:
        return next((str(layer["type"]) for layer in reversed(self.layers) if layer["name"] == name), None)

    def skip_node(self, node: Node, value: Act) -> None:
        """`node` was folded into the layer that gives `value` (a MatMul's bias Add): its inputs'
        initializers belong to that layer."""
        self.skipped[node.output[0]] = value
        for name in node.input:
            found = self.values.get(name)
            if isinstance(found, Const):
                self.own(found.init, value.name)

    def check_weight(self, weight: Const, axis: int, implied: int, source: str) -> None:
        """A weight whose axis `axis` disagrees with the size its input implies (an `--input` that
        contradicts the file, or a broken file) would count params the file does not hold."""
        if weight.shape[axis] == implied:
            return
        shape = list(weight.shape)
        wanted = [*shape[:axis], implied, *shape[axis + 1:]]
        given = f"; check {option('input')} (the file's own layout, batch first)" if self.options.inputs else ""
        raise self.error(f"weight '{weight.init or '?'}' holds {_elements(shape):,} elements {shape}, but "
                         f"{source} implies {wanted}, {_elements(wanted):,} elements{given}")

    def own_inputs(self, names: Iterable[str], layer: str) -> None:
        """`layer` holds the initializers among `names` that no layer holds yet (a weight and its
        bias alike, so that a node applying both again is seen to share them)."""
        for name in names:
            found = self.values.get(name) if name else None
            if isinstance(found, Const):
                self.own(found.init, layer)

    def own(self, init: str | None, layer: str) -> None:
        if init and init not in self.weight_owner:
            self.weight_owner[init] = layer


def _elements(shape: Sequence[int]) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def _moves_nothing(act: Act, axes: list[int]) -> bool:
    sizes = act.ours()
    moved = [sizes[a] for a in axes if sizes[a] != 1]
    kept = [n for n in sizes if n != 1]
    return moved == kept and [a for a in axes if sizes[a] != 1] == sorted(a for a in axes if sizes[a] != 1)
