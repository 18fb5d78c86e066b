"""timm models as PyTorch code, through the PyTorch door, against PyTorch's own figures.

    python benchmarks/check_timm_code.py [MODEL...]       (needs torch and timm)

Each model is built by `timm.create_model(name)` on the meta device (no weights) at its
default input size and read by `archcalc.analyze(model, input=...)`; PyTorch's figures are
computed as the tests compute them (tests/frontends/pytorch/torch_oracle.py: params over the
Parameters the forward uses, saved floating-point buffers, MACs = FlopCounterMode's FLOPs / 2).
Prints one row per model: exact, refused (archcalc's one line), or "differs" (a bug: a figure
that is neither exact nor refused), and the counts; exits 1 if any differs.
"""

from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "frontends", "pytorch"))

# One model of each of these timm families (its smallest or best-known member).
MODELS = """resnet18 resnet50 resnext50_32x4d seresnet50 efficientnet_b0 efficientnetv2_rw_t mobilenetv2_100
mobilenetv3_small_100 mobilevit_xxs ghostnet_100 regnetx_002 regnety_002 rexnet_100 mixnet_s mnasnet_100 dpn68
inception_v3 xception41 vgg11 dla34 hrnet_w18_small cspresnet50 darknet53 densenet121 nfnet_l0 levit_128s
pit_ti_224 cait_xxs24_224 coat_tiny twins_svt_small swin_tiny_patch4_window7_224 maxvit_tiny_tf_224
poolformer_s12 efficientformer_l1 edgenext_xx_small convmixer_768_32 convnext_atto mixer_s16_224 resmlp_12_224
gmlp_ti16_224 beit_base_patch16_224 xcit_nano_12_p16_224 crossvit_tiny_240 tnt_s_patch16_224 visformer_tiny
volo_d1_224 fastvit_t8 repvgg_a0 lcnet_050 fbnetc_100 res2net50_26w_4s resnest14d skresnet18 selecsls42b
tresnet_m ese_vovnet19b_dw hgnet_tiny nest_tiny gcvit_xxtiny davit_tiny efficientvit_b0 inception_next_tiny
focalnet_tiny_srf hiera_tiny_224 vit_tiny_patch16_224 deit_tiny_patch16_224""".split()


def check(name: str) -> tuple[str, str]:
    import torch
    import timm
    import archcalc
    from archcalc.errors import ArchcalcError
    from torch_oracle import Figures, torch_figures
    with torch.device("meta"):
        model = timm.create_model(name, pretrained=False).eval()
    shape = (1, *model.default_cfg.get("input_size", (3, 224, 224)))
    try:
        report = archcalc.analyze(model, input=shape)
    except ArchcalcError as exc:
        return "refused", str(exc)
    ours = Figures(report.totals.params, report.totals.buffers, report.totals.macs)
    try:
        theirs = torch_figures(model, shape)
    except Exception:            # PyTorch's own forward failed (any error of timm's or torch's): FlopCounterMode
        try:                     # tracks modules through autograd, which some models trip; without grad it need not
            model.requires_grad_(False)
            theirs = torch_figures(model, shape)
        except Exception as exc:
            return "no oracle", f"archcalc {ours}; PyTorch's own forward failed: {exc}"[:300]
    verdict = "exact" if ours == theirs else "differs"
    return verdict, f"{ours.params:,} params, {ours.buffers:,} buffers, {ours.macs:,} MACs" + (
        "" if verdict == "exact" else f" (PyTorch: {theirs})")


def main(names: list[str]) -> int:
    rows = []
    for name in names or MODELS:
        start = time.perf_counter()
        verdict, said = check(name)
        rows.append((name, verdict))
        print(f"| {name} | {verdict} | {said} | {time.perf_counter() - start:.1f} s |", flush=True)
    counts = {v: sum(1 for _, got in rows if got == v) for v in ("exact", "refused", "no oracle", "differs")}
    print(", ".join(f"{n} {v}" for v, n in counts.items()))
    return 1 if counts["differs"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
