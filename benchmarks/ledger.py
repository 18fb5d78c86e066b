"""The ledger of docs/devices.md: archcalc's lower bound against published measurements.

    python benchmarks/ledger.py          # prints the Markdown table docs/devices.md holds

Each row is a measurement as its source prints it (throughput or tokens a second on one device,
or one socket), the model and settings archcalc analyses for it, and the ratio bound /
measured: at least 1 when the measurement is comparable (the bound is never slower than a
real run), with a note where it is not. tests/test_ledger.py holds the ratios at 1 or more.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import archcalc  # noqa: E402

RESNET50 = ROOT / "specs" / "resnet50.yaml"
LLAMA3_8B = ROOT / "specs" / "llm" / "llama3_8b.yaml"
BERT_LARGE = ROOT / "benchmarks" / "ledger" / "bert-large-uncased.json"
LLAMA2_7B = ROOT / "benchmarks" / "ledger" / "llama-2-7b.json"

MLPERF = "MLPerf Inference {v}, closed division, {system}, {model} Offline (mlcommons/inference_results_{v})"
TRT_BERT = ("NVIDIA TensorRT demo/BERT README, BERT Large, sequence 384, batch 128, {precision} average "
            "latency {ms} ms{release}")
LLAMA_CPP = ("XiongjieDai/GPU-Benchmarks-on-LLM-Inference README (llama.cpp, batch 1), {model} {precision} "
             "{test}")


class Case(NamedTuple):
    model: str
    device: str
    settings: dict          # archcalc.analyze's keywords
    measured: float         # images, sequences or tokens a second, as the source prints it
    source: str
    per: int = 1            # devices (sockets) the measurement ran on: the bound is for one
    comparable: bool = True
    note: str = ""


def _bert(device, precision, ms, release=""):
    dtype = "int8" if precision == "INT8" else "float16"
    return Case("BERT-Large, 384 tokens", device, dict(head="base", seq_len=384, batch=128, dtype=dtype),
                128 / (ms / 1000), TRT_BERT.format(precision=precision, ms=ms, release=release))


CASES = [
    Case("ResNet-50", "h100-sxm", dict(dtype="int8", batch=2048), 88526,
         MLPERF.format(v="v3.1", system="NVIDIA DGX-H100 H100-SXM-80GBx1", model="resnet50")),
    Case("ResNet-50", "a100-80gb", dict(dtype="int8", batch=2048), 42379.3,
         MLPERF.format(v="v3.0", system="NVIDIA DGX-A100 A100-SXM-80GBx1", model="resnet50")),
    Case("ResNet-50", "l4", dict(dtype="int8", batch=2048), 12881.7,
         MLPERF.format(v="v3.1", system="NVIDIA L4x1", model="resnet50")),
    Case("ResNet-50", "xeon-8480", dict(dtype="int8", batch=2048), 20565.5,
         MLPERF.format(v="v3.1", system="Intel 1-node-2S-SPR-PyTorch-INT8 (two Xeon 8480+)", model="resnet50"),
         per=2, note="two sockets: half the system's figure per socket"),
    _bert("a100-40gb", "INT8", 87.69, " (TensorRT 10.x release)"),
    _bert("a100-40gb", "FP16", 155.61, " (TensorRT 10.x release)"),
    _bert("l4", "INT8", 328.27, " (TensorRT 10.x release)"),
    _bert("l4", "FP16", 629.74, " (TensorRT 10.x release)"),
    _bert("t4", "INT8", 755.50, " (TensorRT 8.x release)"),
    _bert("t4", "FP16", 1518.35, " (TensorRT 8.x release)"),
    Case("BERT-Large, MLPerf", "h100-sxm", dict(head="base", seq_len=384, batch=128, dtype="int8"), 9102.26,
         MLPERF.format(v="v3.1", system="NVIDIA DGX-H100 H100-SXM-80GBx1", model="bert-99"), comparable=False,
         note="not comparable: the harness runs each SQuAD sequence at its real length, shorter than 384"),
    Case("BERT-Large, MLPerf", "a100-80gb", dict(head="base", seq_len=384, batch=128, dtype="int8"), 3590.46,
         MLPERF.format(v="v3.0", system="NVIDIA DGX-A100 A100-SXM-80GBx1", model="bert-99"), comparable=False,
         note="not comparable: real lengths, shorter than 384"),
    Case("BERT-Large, MLPerf", "l4", dict(head="base", seq_len=384, batch=128, dtype="int8"), 1028.95,
         MLPERF.format(v="v3.1", system="NVIDIA L4x1", model="bert-99"), comparable=False,
         note="not comparable: real lengths, shorter than 384"),
    Case("Llama-3-8B decode", "rtx-4090", dict(dtype="float16", context=512), 54.84,
         LLAMA_CPP.format(model="Llama 3 8B", precision="F16", test="tg 512")),
    Case("Llama-3-8B decode", "rtx-3090", dict(dtype="float16", context=512), 47.40,
         LLAMA_CPP.format(model="Llama 3 8B", precision="F16", test="tg 512")),
    Case("Llama-3-8B decode", "m1-max", dict(dtype="float16", context=512), 18.75,
         LLAMA_CPP.format(model="Llama 3 8B", precision="F16", test="tg 512 (M1 Max 32-core GPU, 64GB)")),
    Case("Llama-2-7B decode", "h100-pcie", dict(dtype="float16", context=512), 83.32,
         LLAMA_CPP.format(model="LLaMA 2 7B", precision="f16", test="average eval speed")),
    Case("Llama-2-7B decode", "a100-80gb", dict(dtype="float16", context=512), 73.83,
         LLAMA_CPP.format(model="LLaMA 2 7B", precision="f16", test="average eval speed"),
         note="the source does not say SXM or PCIe; the SXM's larger bandwidth makes the bound only faster"),
]

MODELS = {"ResNet-50": RESNET50, "BERT-Large, 384 tokens": BERT_LARGE, "BERT-Large, MLPerf": BERT_LARGE,
          "Llama-3-8B decode": LLAMA3_8B, "Llama-2-7B decode": LLAMA2_7B}


class Row(NamedTuple):
    case: Case
    bound: float            # the same unit as the measurement, for one device
    unfused: float | None   # the unfused estimate's throughput (None for decoding)

    @property
    def measured(self) -> float:
        return self.case.measured / self.case.per

    @property
    def ratio(self) -> float:
        return self.bound / self.measured


def evaluate(case: Case) -> Row:
    report = archcalc.analyze(str(MODELS[case.model]), device=case.device, **case.settings)
    roof = report.totals.roofline
    if roof.decode is not None:
        return Row(case, roof.decode.tokens_per_second_bound, None)
    return Row(case, report.batch / roof.lower_bound_seconds, report.batch / roof.unfused_estimate_seconds)


def table(rows: list[Row]) -> str:
    lines = ["| model | device | measured /s | lower bound /s | bound / measured | unfused estimate /s | source |",
             "|---|---|---:|---:|---:|---:|---|"]
    for row in rows:
        c = row.case
        unfused = "–" if row.unfused is None else f"{row.unfused:,.0f}"
        note = f" ({c.note})" if c.note else ""
        lines.append(f"| {c.model} ({c.settings.get('dtype')}) | `{c.device}` | {row.measured:,.2f} | "
                     f"{row.bound:,.2f} | {row.ratio:.2f} | {unfused} | {c.source}{note} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table([evaluate(case) for case in CASES]))
