"""One model of each timm family (a module of timm.models) exported with torch's default
exporter (torch.onnx.export, dynamo=True) at a small input, checked against the framework's
own figures (see onnx_sweep.py). Run by hand in an environment of its own (nothing here runs in
CI):

    python3.11 -m venv /tmp/tm && /tmp/tm/bin/pip install torch torchvision timm onnx onnxscript -e .
    /tmp/tm/bin/python benchmarks/check_timm_onnx.py [FAMILIES] [--results FILE] [--jobs N] [--table]

FAMILIES (comma-separated module names) defaults to every module of timm.models. A family's
model is the first of its names, in the order below, that timm builds: its `test_` model (timm's
tiny models for its own tests), then names that say they are small (atto, femto, pico, nano,
tiny, small, …), then the rest alphabetically. The input is the model's default size (a
smaller one would have the exporter fold a resampled position table into a new weight). A family whose first two buildable models both
fail to export is recorded as "export failed" with the exporter's message; each family runs in
a child process, its row appended to the results file (default /tmp/archcalc_timm_onnx.jsonl),
which a rerun skips, N at a time; `--table` prints that file as the Markdown table of benchmarks/README.md.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import onnx_sweep

RESULTS = Path("/tmp/archcalc_timm_onnx.jsonl")
SMALL = ("atto", "femto", "pico", "nano", "xxs", "tiny", "xs", "small", "mobile", "lite", "b0", "18", "s0", "t")


def candidates(family: str) -> list[str]:
    import timm
    names = timm.list_models(module=family)

    def rank(name: str) -> tuple[int, str]:
        if name.startswith("test_"):
            return 0, name
        words = re.split(r"[_.]", name)
        for i, small in enumerate(SMALL):
            if any(word.startswith(small) or word.endswith(small) for word in words[1:]):
                return 1 + i, name
        return len(SMALL) + 1, name
    return sorted(names, key=rank)


def families() -> list[str]:
    import timm
    return sorted(module for module in timm.list_modules() if timm.list_models(module=module))


def worker(family: str) -> None:
    import timm
    tried: list[str] = []
    for name in candidates(family):
        try:
            model = timm.create_model(name, pretrained=False).eval()
        except Exception:           # a model timm cannot build without downloads or extras
            continue
        onnx_sweep.randomize(model)
        import torch
        example = torch.randn(1, *model.pretrained_cfg["input_size"])
        row = onnx_sweep.check(model, example, "dynamo")
        row.update(family=family, name=name)
        if row["status"] != "export failed" or len(tried) == 1:
            if tried:
                row["reason"] = f"{tried[0]} failed to export too; " + row["reason"]
            print(json.dumps(row), flush=True)
            return
        tried.append(f"{name}: {row['reason']}")
    print(json.dumps({"family": family, "name": family, "exporter": "dynamo", "status": "export failed",
                      "reason": tried[0] if tried else "timm built none of its models"}), flush=True)


def main(argv: list[str]) -> None:
    results = Path(argv[argv.index("--results") + 1]) if "--results" in argv else RESULTS
    if "--table" in argv:
        print(onnx_sweep.table(results, "family (model)"))
        return
    names = [a for a in argv if not a.startswith("--") and not a.isdigit() and a != str(results)]
    rows = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    done = {row.get("family", row["name"]) for row in rows}
    parallel = int(argv[argv.index("--jobs") + 1]) if "--jobs" in argv else 1
    jobs = [[family, "dynamo"] for family in (names[0].split(",") if names else families()) if family not in done]
    onnx_sweep.run_all(__file__, jobs, results, timeout=900, parallel=parallel)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2])
    else:
        main(sys.argv[1:])
