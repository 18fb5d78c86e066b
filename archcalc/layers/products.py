"""Products of two activations: matmul (attention's scores written out by hand, for instance)."""

from __future__ import annotations

from ..errors import ShapeError
from ..shapes import Shape, broadcast, elements
from .registry import keeps_inputs, Call, Rule, register, zero
from ..fieldmaps import Field, gathered, join, join_hulls


def _parts(call: Call) -> tuple[Shape, int, int, int]:
    a, b = call.inputs
    if len(a) < 2 or len(b) < 2:
        raise ShapeError("both inputs need at least two axes ([…, m, k] and […, k, n])")
    (m, k), (k2, n) = a[-2:], b[-2:]
    if k != k2:
        raise ShapeError(f"inner sizes differ: [.., {m}, {k}] times [.., {k2}, {n}]")
    return broadcast([a[:-2], b[:-2]]), m, k, n


def _output(call: Call) -> Shape:
    leading, m, _, n = _parts(call)
    return leading + (m, n)


def _macs(call: Call) -> int:
    leading, m, k, n = _parts(call)
    return elements(leading) * m * k * n


def _fields(call: Call, inputs: tuple[Field, ...]) -> Field:
    """Rows m from the first input, columns n from the second; every output reads the whole
    inner axis k of both; leading axes joined as for multiply."""
    (a, b), (fa, fb) = call.inputs, inputs
    fa = gathered(fa, (len(a) - 1,), (a[-1],), keep=True)
    fb = gathered(fb, (len(b) - 2,), (b[-2],), keep=True)
    lead = join((Field(fa.axes[:-2]), Field(fb.axes[:-2])), (a[:-2], b[:-2]), call.output[:-2])
    return Field(lead.axes + (fa.axes[-2], fb.axes[-1]), join_hulls(fa.gathered, fb.gathered, lead.gathered),
                 lead.note)


register(Rule(
    type="matmul", family="products",
    summary="Matrix product of two inputs […, m, k] × […, k, n] → […, m, n], leading axes broadcast.",
    output_shape=_output, params=zero("both operands are activations"), macs=_macs,
    flops=lambda call: 2 * _macs(call), flops_rule="2 per MAC",
    min_inputs=2, max_inputs=2, aliases=("MatMul", "bmm"), product_macs=_macs, saved=keeps_inputs,
    fields=_fields,
))
