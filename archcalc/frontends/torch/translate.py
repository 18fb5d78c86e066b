"""Walking the captured ops and writing layers, each bound through its rule.

Every layer's shape is its rule's (`find_rule(type).bind`, then `output_shape` on the
inputs' per-sample shapes); PyTorch's own shape of the op is only compared with it, so a
disagreement is a bug of ours (exit 3), never a figure. Layers are kept flat here, each with
the module path it ran in; scopes.py nests them into blocks.
"""

from __future__ import annotations

from math import prod
from typing import Any, Callable, Mapping, Sequence

from ...errors import SpecError
from ..imported import ImportOptions
from .capture import Captured, Op, Ref
from .values import VIRTUAL, Act, Held

LAYER_KEYS = ("type", "tied_to", "shares", "trainable")     # entry keys that are not a rule's arguments


class Refused(Exception):
    """A handler's refusal of what the model does; the translator adds the module path and op."""


class Layer:
    """One layer written: its spec entry (type and arguments), where it ran, what it reads."""
    __slots__ = ("entry", "stack", "reads", "op", "hint")

    def __init__(self, entry: dict[str, Any], stack: tuple[tuple[str, str, str], ...], reads: list[int],
                 op: str, hint: str):
        self.entry, self.stack, self.reads, self.op, self.hint = entry, stack, reads, op, hint


Handler = Callable[["Translator", Op], Any]


class Translator:
    def __init__(self, captured: Captured, file: str, options: ImportOptions, handlers: Mapping[str, Handler],
                 allow_uncounted: bool = False):
        self.captured, self.file, self.options, self.handlers = captured, file, options, handlers
        self.allow_uncounted = allow_uncounted
        self.values: dict[str, Any] = {}
        self.layers: list[Layer] = []
        self.owner: dict[int, int] = {}          # tensor key -> the layer holding it
        self.uncounted: list[str] = []           # "module path (op)" of each op let through uncounted
        self.notes: list[str] = []
        self.op: Op | None = None
        self.batch = 1

    # -- errors --------------------------------------------------------------------
    def place(self, op: Op | None = None) -> str:
        op = op or self.op
        if op is None:
            return "the model"
        path = op.stack[-1][1] if op.stack else "(the top module)"
        return f"module '{path}' ({op.stack[-1][2] if op.stack else 'forward'}), op aten.{op.target}"

    def error(self, message: str) -> SpecError:
        return SpecError(f"{self.place()}: {message}", self.file)

    # -- reading -------------------------------------------------------------------
    def run(self) -> None:
        for k, (_, shape) in enumerate(self.captured.inputs):
            if not shape or shape[0] != 1:
                raise AssertionError(f"input {k} captured with the shape {shape}, not a batch of one")
        for name, held in self.captured.held.items():
            self.values[name] = held
        self._declare_inputs()
        for op in self.captured.ops:
            self.op = op
            handler = self.handlers.get(op.target) or self.handlers.get(op.target.rstrip("_"))
            constant = self._constant(op, handler is not None)
            if constant is not None:
                self.values[op.name] = constant
                continue
            try:
                result = handler(self, op) if handler is not None else self._uncounted(op, "archcalc has no rule for it")
            except Refused as exc:      # also an uncounted op's output that the layers after it cannot take
                raise self.error(str(exc)) from None
            self.values[op.name] = result
        self.op = None

    def _constant(self, op: Op, handled: bool) -> Held | None:
        """The result of an op that reads no activation (a mask built from sizes, arithmetic on
        buffers), held as a constant that counts nothing; None for any other op. An op that
        computes with a parameter this way is refused: its work would otherwise go uncounted."""
        if op.target not in MAKES_CONSTANTS:
            values = [self.values.get(a.name) for a in _refs(op.args) + _refs(list(op.kwargs.values()))]
            if any(isinstance(v, Act) for v in values) or (handled and op.target in HELD_VIEWS):
                return None
            params = [v for v in values if isinstance(v, Held) and v.kind == "parameter"]
            if params:
                raise self.error(f"it computes with the parameter '{params[0].source}' alone, before any input "
                                 "reaches it; archcalc has no rule for such a computation")
        shape = op.out if isinstance(op.out, tuple) and all(isinstance(n, int) for n in op.out) else ()
        return Held(op.name, "constant", -1, shape, False)

    def _declare_inputs(self) -> None:
        for k, (name, shape) in enumerate(self.captured.inputs):
            act = Act(-1 - k, shape)
            if len(shape) in (4, 5) and self._reaches_conv(name):
                act.perm = (0, *range(2, len(shape)), 1)     # images: held channels-last from the start
            self.values[name] = act

    def _reaches_conv(self, name: str) -> bool:
        """Is the input read (through data moves) by a convolution or a pooling first? Then it is
        an image, [N, C, H, W], which the spec holds as [H, W, C]."""
        readers = [op for op in self.captured.ops if any(isinstance(a, Ref) and a.name == name for a in op.args)]
        return any(op.target in CHANNELS_FIRST_OPS for op in readers)

    def _uncounted(self, op: Op, why: str) -> Any:
        if not self.allow_uncounted:
            raise self.error(f"{why}; --allow-uncounted lets it through as a listed, uncounted op (a partial count)")
        self.uncounted.append(f"{op.stack[-1][1] if op.stack else 'forward'} (aten.{op.target})")
        acts = [self.value(a) for a in op.args if isinstance(a, Ref) and isinstance(self.values.get(a.name), Act)]
        if not acts or not isinstance(op.out, tuple) or not all(isinstance(n, int) for n in op.out):
            raise self.error(f"{why}, and its output is not one tensor computed from the input, so nothing after it "
                             "can be counted")
        source = acts[0]
        if prod(op.out) != prod(source.shape):
            raise self.error(f"{why}, and its output {list(op.out)} holds other elements than its input "
                             f"{list(source.shape)}, so no uncounted stand-in can carry on from it")
        if tuple(op.out) == source.shape:
            return self.emit({"type": "identity"}, [source], source.perm, hint=op.target)
        return self.reshape(source, tuple(op.out), hint=op.target)

    # -- values --------------------------------------------------------------------
    def value(self, arg: Any) -> Any:
        if isinstance(arg, Ref):
            if arg.name not in self.values:
                raise AssertionError(f"{arg.name} read before it is computed")
            return self.values[arg.name]
        if isinstance(arg, (list, tuple)):
            return [self.value(a) for a in arg]
        return arg

    def act(self, arg: Any, what: str = "input") -> Act:
        value = self.value(arg)
        if not isinstance(value, Act):
            raise Refused(f"its {what} is {_kind(value)} where archcalc expects a computed tensor")
        return value

    def arg(self, op: Op, index: int, name: str, default: Any = None) -> Any:
        """Argument `index` (or keyword `name`) of the op, or `default`."""
        if len(op.args) > index:
            return self.value(op.args[index])
        return self.value(op.kwargs.get(name, default))

    # -- writing -------------------------------------------------------------------
    def emit(self, layer: dict[str, Any], inputs: Sequence[Act], perm: Sequence[int] | None = None,
             hint: str | None = None, held: Sequence[Held] = (), check: bool = True) -> Act:
        """Writes a layer reading `inputs`, holding the tensors `held`; its output is held in
        `perm` (default: PyTorch's order). Its shape is the rule's."""
        layer = {**layer, **self._weights(held)}
        ours = self._rule_shape(layer, inputs)
        layer = _without_defaults(layer)
        perm = tuple(perm) if perm is not None else _default_perm(inputs, len(ours))
        if len(perm) != len(ours) + 1:
            raise AssertionError(f"{layer['type']}: output {ours} held in perm {perm}")
        shape = [self.batch] * (len(perm) if perm[0] != VIRTUAL else len(perm) - 1)
        for size, axis in zip(ours, perm[1:]):
            shape[axis] = size
        op = self.op
        if check and op is not None and isinstance(op.out, tuple) and all(isinstance(n, int) for n in op.out) \
                and len(op.out) == len(shape) and tuple(op.out) != tuple(shape):
            raise AssertionError(f"{self.place()}: the {layer['type']} rule gives {shape}, PyTorch {list(op.out)}")
        self.layers.append(Layer(layer, op.stack if op else (), [a.ref for a in inputs],
                                 f"aten.{op.target}" if op else "", hint or (op.target.strip("_") if op else layer["type"])))
        index = len(self.layers) - 1
        for tensor in held:
            self.owner.setdefault(tensor.key, index)
        return Act(index, tuple(shape), perm)

    def _weights(self, held: Sequence[Held]) -> dict[str, Any]:
        """`shares` the layer already holding every tensor, `tied_to` the one holding the
        weight, `trainable: false` when every parameter is frozen."""
        extra: dict[str, Any] = {}
        params = [h for h in held if h.kind == "parameter"]
        if params and not any(p.trainable for p in params):
            extra["trainable"] = False
        elif params and not all(p.trainable for p in params):
            frozen = ", ".join(p.source for p in params if not p.trainable)
            raise Refused(f"some of its parameters are frozen ({frozen}) and some not; archcalc freezes a "
                          "layer whole")
        owners = {self.owner.get(h.key) for h in held}
        if held and len(owners) == 1 and None not in owners:
            extra["shares"] = owners.pop()
        elif held and self.owner.get(held[0].key) is not None:
            if any(self.owner.get(h.key) is not None for h in held[1:]):
                raise Refused("it reuses some of another layer's tensors besides the weight; archcalc ties a "
                              "weight or shares a whole layer")
            extra["tied_to"] = self.owner[held[0].key]
        return extra

    def _rule_shape(self, layer: dict[str, Any], inputs: Sequence[Act]) -> tuple[int, ...]:
        from ...errors import ArgumentError, ShapeError
        from ...layers import Call, find_rule
        rule = find_rule(layer["type"])
        if rule is None:
            raise AssertionError(f"the door wrote a layer of unknown type {layer['type']!r}")
        raw = {k: v for k, v in layer.items() if k not in LAYER_KEYS}
        try:
            bound = rule.bind(raw, len(inputs), label=f"{rule.type} layer")
            ours = tuple(rule.output_shape(Call(bound, tuple(tuple(a.ours()) for a in inputs))))
        except (ArgumentError, ShapeError) as exc:      # the rule's refusal of what the model does
            received = " and ".join(str(a.ours()) for a in inputs)
            raise Refused(f"as a {rule.type} layer: {exc} (it receives {received})") from None
        return ours

    def hold(self, act: Act, perm: Sequence[int]) -> Act:
        """`act` held with its axes in `perm` order, through a permute (which costs nothing)."""
        perm = tuple(perm)
        if act.perm == perm:
            return act
        if act.perm[0] != perm[0]:
            act = self._rebatch(act, perm[0])
            if act.perm == perm:
                return act
        axes = [act.perm.index(p) - 1 for p in perm[1:]]
        if _size_one_moves(act, axes):
            target = Act(act.ref, act.shape, perm)
            if target.ours() == act.ours():
                return target
            return self.emit({"type": "reshape", "shape": target.ours() or [1]}, [act], perm, hint="reshape",
                             check=False)
        return self.emit({"type": "permute", "axes": axes}, [act], perm, hint="permute", check=False)

    def _rebatch(self, act: Act, batch: int) -> Act:
        """The same elements with the batch (of one) on another axis of size 1, or folded: a
        reshape that moves nothing."""
        if batch != VIRTUAL and act.shape[batch] != 1:
            raise Refused(f"it needs the batch on axis {batch} of a tensor {list(act.shape)}, where it is not")
        source = self.torch_order(act)
        perm = _batch_first(batch, act.rank)
        target = [act.shape[p] for p in perm[1:]]
        if target == source.ours():
            return Act(source.ref, source.shape, perm)
        return self.emit({"type": "reshape", "shape": target or [1]}, [source], perm, hint="reshape", check=False)

    def reshape(self, x: Act, sizes: tuple[int, ...], hint: str = "reshape", check: bool = True) -> Act:
        """PyTorch's view of `x` as `sizes`, batch of one included: the batch stays on its axis
        when the view keeps the axes up to it, else it goes to a new axis of size 1 that leaves
        the spec's shape as it was (no layer), or the first of size 1, or it is folded."""
        if len(sizes) == 2 and sizes[0] == 1 and x.perm[0] == 0 and x.rank > 2:
            return self.emit({"type": "flatten"}, [x], (0, 1), hint="flatten", check=check)   # order changes no count
        source = self.torch_order(x)
        candidates = [i for i, n in enumerate(sizes) if n == 1]
        plain = [i for i in candidates if [n for j, n in enumerate(sizes) if j != i] == source.ours()]
        b = x.perm[0]
        if plain:
            batch = plain[0]
        elif b != VIRTUAL and tuple(sizes[:b + 1]) == x.shape[:b + 1]:
            batch = b
        else:
            batch = candidates[0] if candidates else VIRTUAL
        perm = _batch_first(batch, len(sizes))
        target = [sizes[p] for p in perm[1:]]
        if target == source.ours():
            return Act(source.ref, tuple(sizes), perm)
        return self.emit({"type": "reshape", "shape": target or [1]}, [source], perm, hint=hint, check=check)

    def torch_order(self, act: Act) -> Act:
        return self.hold(act, _batch_first(act.perm[0], act.rank))

    def channels_last(self, act: Act) -> Act:
        if act.perm[0] == VIRTUAL:      # the batch folded into axis 0 (LeViT's norms over [N·T, C])
            return self.hold(act, (VIRTUAL, 0, *range(2, act.rank), 1))
        return self.hold(act, (0, *range(2, act.rank), 1))


# Ops that make a tensor from sizes and numbers only (reading an input at most for its dtype).
MAKES_CONSTANTS = ("new_zeros", "new_ones", "new_full", "new_empty", "zeros_like", "ones_like", "full_like",
                   "empty_like", "scalar_tensor", "zeros", "ones", "full", "empty", "arange")
# Ops whose handlers give a view of a held tensor (a parameter keeps its name and size through them).
# (`embedding` of a table by constant positions is the table's rows, viewed.)
HELD_VIEWS = ("view", "reshape", "reshape_as", "view_as", "_unsafe_view", "permute", "transpose", "t", "numpy_T",
              "unsqueeze", "squeeze", "expand", "slice", "index", "contiguous", "clone", "alias", "select", "getitem",
              "detach", "to", "_to_copy", "_assert_tensor_metadata", "lift_fresh_copy", "expand_as", "flatten",
              "unflatten", "embedding")


def _refs(values: Any) -> list[Ref]:
    if isinstance(values, Ref):
        return [values]
    if isinstance(values, (list, tuple)):
        return [r for v in values for r in _refs(v)]
    return []


def _without_defaults(layer: dict[str, Any]) -> dict[str, Any]:
    """The entry without the arguments its rule would fill in anyway (`groups: 1`, `dilation: 1`,
    `[1, 1]` for a per-axis 1): the spec `import` writes reads as a person would write it."""
    from ...layers import find_rule
    rule = find_rule(layer["type"])
    defaults = {arg.name: arg.default for arg in rule.args} if rule is not None else {}
    def same(value: Any, default: Any) -> bool:
        if isinstance(value, list) and value and not isinstance(default, list):
            return all(v == default for v in value) and not isinstance(default, bool)
        return bool(value == default) and type(value) is type(default)
    return {k: v for k, v in layer.items() if k not in defaults or not same(v, defaults[k])}


def _batch_first(batch: int, rank: int) -> tuple[int, ...]:
    """PyTorch's axis order with the batch axis (or VIRTUAL) first."""
    return (batch, *[a for a in range(rank) if a != batch])


def _default_perm(inputs: Sequence[Act], axes: int) -> tuple[int, ...]:
    """An output of `axes` spec axes held as the first input is: its batch where that one's
    is, the other axes in PyTorch's order."""
    batch = inputs[0].perm[0] if inputs else 0
    if batch == VIRTUAL:
        return (VIRTUAL, *range(axes))
    return _batch_first(batch if batch <= axes else 0, axes + 1)


def _size_one_moves(act: Act, axes: list[int]) -> bool:
    """Do only axes of size 1 move (so a reshape will do)?"""
    sizes = act.ours()
    moved = [a for a in axes if sizes[a] != 1]
    return moved == sorted(moved)


def _kind(value: Any) -> str:
    if isinstance(value, Held):
        return f"the model's {value.kind} '{value.source}'"
    return f"a {type(value).__name__}"


# Ops that read an NC… tensor: an input they read first is an image, held channels-last.
CHANNELS_FIRST_OPS = ("conv1d", "conv2d", "conv3d", "convolution", "batch_norm", "max_pool2d", "avg_pool2d",
                      "adaptive_avg_pool2d", "max_pool1d", "avg_pool1d", "max_pool3d", "avg_pool3d",
                      "conv_transpose2d", "conv_transpose1d", "conv_transpose3d")
