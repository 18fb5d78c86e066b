"""The independent figures a PyTorch model is checked against, computed by PyTorch itself.

- params: `sum(p.numel() for p in model.parameters())` — `parameters()` yields each
  Parameter object once, so tied and shared weights count once (torchvision's published figure).
- buffers: the floating-point buffers' elements (batchnorm's running mean and variance).
  Integer buffers are left out, and archcalc does not count them: batchnorm's
  `num_batches_tracked` is a step counter of one element, and index tables (Swin's
  `relative_position_index`) are int64 positions, not state of the model's arithmetic.
- MACs: `torch.utils.flop_counter.FlopCounterMode`'s FLOPs / 2. It counts the matrix
  products and convolutions (mm, bmm, addmm, convolution, scaled dot-product attention) as
  2 FLOPs per multiply-accumulate and nothing else (no bias, no element-wise op), which is
  archcalc's MAC convention.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Figures(NamedTuple):
    params: int
    buffers: int
    macs: int


def input_size(name: str) -> int:
    """The resolution each torchvision model is published at (Inception v3: 299)."""
    return 299 if name == "inception_v3" else 224


def build_meta(name: str) -> Any:
    """The model with every weight on the meta device. RegNet's factory computes its widths
    with tensors, which cannot run on the meta device: it is built on the CPU with each weight
    moved to the meta device as it is registered (construction only; no figure comes from it)."""
    import torch
    import torchvision
    try:
        with torch.device("meta"):
            model = torchvision.models.get_model(name)
    except NotImplementedError:
        from archcalc.frontends.torch.build import weights_on_meta
        with weights_on_meta():
            model = torchvision.models.get_model(name)
    return model.eval()


def torch_figures(model: Any, shape: tuple[int, ...] | dict[str, tuple[int, ...]], dtype: str | None = None) -> Figures:
    """PyTorch's figures of what the forward uses. The tensors the forward passes to any torch
    function are recorded (a TorchFunctionMode sees each Parameter object as it is passed), so
    modules the forward never runs (GoogLeNet's and Inception's auxiliary classifiers, which run
    only in training) are left out: archcalc counts the captured graph and names them in a note."""
    import torch
    from torch.overrides import TorchFunctionMode
    from torch.utils._pytree import tree_flatten
    from torch.utils.flop_counter import FlopCounterMode
    seen: dict[int, Any] = {}

    class Seen(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            for value in tree_flatten((args, kwargs or {}))[0]:
                if isinstance(value, torch.Tensor):
                    seen[id(value)] = value
            return func(*args, **(kwargs or {}))

    from torch.nn.attention import SDPBackend, sdpa_kernel
    counter = FlopCounterMode(display=False)
    # On the CPU, scaled_dot_product_attention may run a fused kernel FlopCounterMode has no
    # formula for (its products would count 0); the math backend's matrix products are counted.
    with counter, torch.no_grad(), Seen(), sdpa_kernel(SDPBackend.MATH):
        device = next(model.parameters()).device      # meta, or the CPU for a model whose forward reads values

        def tensor(size: tuple[int, ...]) -> Any:
            return torch.empty(size, device=device) if dtype is None else \
                torch.zeros(size, dtype=getattr(torch, dtype), device=device)
        if isinstance(shape, dict):                  # arguments by name (an encoder-decoder's two sequences)
            model(**{name: tensor(size) for name, size in shape.items()})
        else:
            model(tensor(shape))
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    params = sum(p.numel() for p in model.parameters() if id(p) in seen)
    # buffers the model saves (its state_dict's): a non-persistent one (Hugging Face's rotary
    # inv_freq, computed from the config at construction) is a constant, as archcalc holds it
    saved = {id(b) for b in model.state_dict(keep_vars=True).values()}
    buffers = sum(b.numel() for b in model.buffers() if id(b) in seen and id(b) in saved and b.is_floating_point())
    return Figures(params, buffers, flops // 2)


def archcalc_figures(model: Any, shape: tuple[int, ...]) -> Figures:
    import archcalc
    report = archcalc.analyze(model, input=shape)
    return Figures(report.totals.params, report.totals.buffers, report.totals.macs)
