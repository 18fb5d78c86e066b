"""Convolutions: Conv and ConvTranspose, and the window attributes pooling shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....shapes import same_padding
from ..values import Act
from .common import op, present, spatial_input, weight_of

if TYPE_CHECKING:
    from ..model import Node
    from ..translate import Translator


# -- weighted layers -----------------------------------------------------------------------
def geometry(t: Translator, node: Node, spatial: int, kernel: list[int], uneven: bool = False) -> dict[str, Any]:
    """kernel, stride, padding and dilation of a window op; `uneven`: padding that differs
    before and after is given as [before, after] pairs (the caller writes it), else refused."""
    a = t.attrs()
    strides = per_axis(t, a.integers("strides", [1] * spatial), spatial, "strides", 1)
    dilations = per_axis(t, a.integers("dilations", [1] * spatial), spatial, "dilations", 1)
    pads = per_axis(t, a.integers("pads", [0] * (2 * spatial)), 2 * spatial, "pads", 0)
    per_axis(t, kernel, spatial, "kernel", 1)
    auto = a.text("auto_pad", "NOTSET")
    layer: dict[str, Any] = {"kernel": kernel, "stride": strides}
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        layer["padding"] = "same"
    elif auto not in ("NOTSET", "VALID"):
        raise t.error(f"auto_pad {auto!r} is none of NOTSET, SAME_UPPER, SAME_LOWER and VALID")
    elif pads[:spatial] != pads[spatial:] and uneven:
        layer["padding"] = [[b, e] for b, e in zip(pads[:spatial], pads[spatial:])]
    elif pads[:spatial] != pads[spatial:]:
        raise t.error(f"asymmetric padding {pads} has no rule here (pad first with a Pad node)")
    else:
        layer["padding"] = pads[:spatial]
    if any(d != 1 for d in dilations):
        layer["dilation"] = dilations
    return layer


def per_axis(t: Translator, values: list[int], length: int, what: str, least: int) -> list[int]:
    if len(values) != length or any(v < least for v in values):
        raise t.error(f"{what} {values}: {length} values of at least {least} were expected")
    return values


@op("Conv")
def conv(t: Translator, node: Node) -> None:
    x = spatial_input(t, node)
    weight = weight_of(t, node, x)
    spatial = x.rank - 2
    filters = weight.shape[0]
    layer: dict[str, Any] = {"type": f"conv{spatial}d", "filters": filters,
             **geometry(t, node, spatial, list(weight.shape[2:]), uneven=True)}
    if layer["padding"] != "same" and isinstance(layer["padding"][0], list):
        x = _padded(t, x, layer)
    groups = t.attrs().integer("group", 1)
    if groups < 1:
        raise t.error(f"group {groups}")
    if groups != 1:
        layer["groups"] = groups
    if x.shape[1] % groups == 0:        # otherwise the conv2d rule says why the groups do not fit
        t.check_weight(weight, 1, x.shape[1] // groups,
                       f"its input's {x.shape[1]} channels" + (f" in {groups} groups" if groups > 1 else ""))
    layer["bias"] = present(node, 2)
    layer.update(t.shared_weights(node.input[1:], layer["type"]) or t.tie_or_own(weight.init, ""))
    out = t.emit(layer, [x], x.perm)
    t.own_inputs(node.input[1:], out.name)
    t.set(node.output[0], out)


def _padded(t: Translator, x: Act, layer: dict[str, Any]) -> Act:
    """Padding that differs before and after (TensorFlow's "same" written out, pads [0, 0, 1, 1]):
    the conv rule's `same` when it is that split, else a `pad` layer in front of an unpadded conv."""
    pairs = layer["padding"]
    dilation = layer.get("dilation", [1] * len(pairs))
    same = [list(same_padding(n, k, s, d))
            for n, k, s, d in zip(x.shape[2:], layer["kernel"], layer["stride"], dilation)]
    if pairs == same:
        layer["padding"] = "same"
        return x
    layer["padding"] = [0] * len(pairs)
    return t.emit({"type": "pad", "padding": [*pairs, [0, 0]]}, [x], x.perm, hint=f"{t.node.name or 'conv'}_pad")


@op("ConvTranspose")
def conv_transpose(t: Translator, node: Node) -> None:
    x = spatial_input(t, node)
    weight = weight_of(t, node, x)
    spatial = x.rank - 2
    a = t.attrs()
    if a.has("output_shape"):
        raise t.error("ConvTranspose with output_shape has no rule (give pads and output_padding)")
    groups = a.integer("group", 1)
    if groups < 1:
        raise t.error(f"group {groups}")
    t.check_weight(weight, 0, x.shape[1], f"its input's {x.shape[1]} channels")
    filters = weight.shape[1] * groups
    kernel = per_axis(t, list(weight.shape[2:]), spatial, "kernel", 1)
    strides = per_axis(t, a.integers("strides", [1] * spatial), spatial, "strides", 1)
    pads = per_axis(t, a.integers("pads", [0] * (2 * spatial)), 2 * spatial, "pads", 0)
    if pads[:spatial] != pads[spatial:]:
        raise t.error(f"asymmetric padding {pads} has no rule here")
    extra = per_axis(t, a.integers("output_padding", [0] * spatial), spatial, "output_padding", 0)
    dilations = per_axis(t, a.integers("dilations", [1] * spatial), spatial, "dilations", 1)
    layer = {"type": f"conv_transpose{spatial}d", "filters": filters, "kernel": kernel, "stride": strides,
             "padding": pads[:spatial], "output_padding": extra, "dilation": dilations, "groups": groups,
             "bias": present(node, 2), **t.shared_weights(node.input[1:], f"conv_transpose{spatial}d")}
    out = t.emit(layer, [x], x.perm)
    t.own_inputs(node.input[1:], out.name)
    t.set(node.output[0], out)
