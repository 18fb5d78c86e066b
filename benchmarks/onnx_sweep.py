"""What check_timm_onnx.py and check_torchvision_onnx.py share: the framework's figures for a
model, its export with either of torch's exporters, archcalc's figures for the file, the
verdict, one results file of JSON lines (a rerun skips what it holds) and its Markdown table.
Needs torch and onnx (and the model zoo of the calling script); run by hand, never in CI.

The framework's figures:
- params: the elements of the model's unique parameters (a tied weight once);
- buffers: the elements of its batchnorms' running mean and variance (what archcalc counts as
  buffers; other buffers such as a relative-position index are no figure of the network);
- MACs: torch.utils.flop_counter.FlopCounterMode's FLOPs of one forward pass, halved. It counts
  matrix products and convolutions (2 FLOPs per multiply-accumulate, bias additions not
  counted) and, on the CPU, no attention product of scaled_dot_product_attention: while
  counting, that function is replaced by its definition in matrix products (QKᵀ, softmax, ·V),
  so the products of attention are counted as archcalc counts them.

archcalc's MACs are its products of weights and of two activations, the same convention; its
FLOPs (not compared) add the element-wise work that FlopCounterMode leaves out.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

FLOAT_TYPES = (1, 10, 11, 16)      # ONNX float, float16, double, bfloat16


def randomize(model: Any) -> None:
    """Draw every parameter and batchnorm statistic at random: the exporters store identical
    tensors once, and an untrained model's are often identical (all-ones norm weights)."""
    import torch
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.uniform_(0.5, 1.5)
        for name, buffer in model.named_buffers():
            if name.endswith(("running_mean", "running_var")):
                buffer.uniform_(0.5, 1.5)


def _sdpa_as_products(query: Any, key: Any, value: Any, attn_mask: Any = None, dropout_p: float = 0.0,
                      is_causal: bool = False, scale: Any = None, enable_gqa: bool = False) -> Any:
    """scaled_dot_product_attention written as its definition, so FlopCounterMode sees its two
    products (eval mode: no dropout)."""
    import torch
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        repeat = query.shape[-3] // key.shape[-3]
        key, value = key.repeat_interleave(repeat, -3), value.repeat_interleave(repeat, -3)
    scores = query @ key.transpose(-2, -1) * (scale if scale is not None else 1 / math.sqrt(query.shape[-1]))
    if is_causal:
        t, s = scores.shape[-2:]
        scores = scores.masked_fill(~torch.ones(t, s, dtype=torch.bool).tril(), float("-inf"))
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else scores + attn_mask
    return scores.softmax(-1) @ value


def framework_figures(model: Any, example: Any) -> dict[str, int]:
    import torch.nn.functional as functional
    from torch.utils.flop_counter import FlopCounterMode
    params = sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
    buffers = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    original = functional.scaled_dot_product_attention
    functional.scaled_dot_product_attention = _sdpa_as_products
    try:
        # with gradients on: FlopCounterMode's module tracker hooks a grad function onto each
        # module's inputs, and under no_grad a parameter passed as an input (CaiT's class
        # token) has none, which stops the count
        with FlopCounterMode(display=False) as counter:
            model(example)
    finally:
        functional.scaled_dot_product_attention = original
    return {"params": params, "buffers": buffers, "macs": counter.get_total_flops() // 2}


def export(model: Any, example: Any, path: Path, exporter: str) -> None:
    """`dynamo`: torch.onnx.export's default (dynamo=True), its options left as they are but
    one: external_data=False, the model in one file (by default the weights and the small
    integer constants alike go to a side file, which archcalc never opens: a node needing
    such a constant's values is refused, naming it and this option).
    `torchscript`: the legacy exporter (dynamo=False), opset 17, batchnorm kept
    (TrainingMode.PRESERVE without constant folding), otherwise its defaults."""
    import torch
    if exporter == "dynamo":
        torch.onnx.export(model, (example,), str(path), dynamo=True, external_data=False)
    else:
        torch.onnx.export(model, (example,), str(path), dynamo=False, opset_version=17,
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)


def file_weights(path: Path) -> int:
    """Elements of the file's float initializers of more than one element (its weights), but
    for those only a Resize reads (its scales) or a ScatterND writes (the values a mask is
    built from as the model runs: torchvision's Swin)."""
    import onnx
    model = onnx.load(str(path), load_external_data=False)
    readers: dict[str, set[str]] = {}
    for node in model.graph.node:
        for name in node.input:
            readers.setdefault(name, set()).add(node.op_type)
    return sum(math.prod(i.dims) for i in model.graph.initializer
               if i.data_type in FLOAT_TYPES and math.prod(i.dims) > 1
               and not readers.get(i.name, set()) <= {"Resize", "Upsample", "ScatterND"})


def archcalc_figures(path: Path) -> dict[str, Any]:
    python = os.environ.get("ARCHCALC_PYTHON", sys.executable)
    done = subprocess.run([python, "-m", "archcalc", "analyze", str(path), "--format", "json"],
                          capture_output=True, text=True)
    if done.returncode:
        lines = done.stderr.strip().splitlines() or [f"exit {done.returncode}"]
        return {"exit": done.returncode, "error": lines[-1]}
    totals = json.loads(done.stdout)["totals"]
    return {"exit": 0, "params": totals["params"], "buffers": totals["buffers"], "macs": totals["macs"]}


def verdict(framework: dict[str, int], ours: dict[str, Any], weights: int) -> tuple[str, str]:
    """exact: params, buffers and MACs equal the framework's. exact to the file: the exporter
    changed the weights (folded batchnorm into the convolutions, stored a gathered bias table
    instead of the table), and params + buffers equal the file's weights, MACs the framework's."""
    if ours["exit"]:
        return ("refused" if ours["exit"] == 2 else "crash"), ours["error"]
    same_macs = ours["macs"] == framework["macs"]
    if ours["params"] == framework["params"] and ours["buffers"] == framework["buffers"] and same_macs:
        return "exact", ""
    model = framework["params"] + framework["buffers"]
    if ours["params"] + ours["buffers"] == weights and same_macs:
        return "exact to the file", (f"params + buffers = the file's weights, {weights:,}; the exporter changed the model's "
                         f"{model:,}" + (" (batchnorm folded)" if framework["buffers"] and weights < model else ""))
    differences = [f"{key} {ours[key]:,} vs {framework[key]:,}" for key in ("params", "buffers", "macs")
                   if ours[key] != framework[key]]
    return "differs", "; ".join(differences) + f" (the file's weights: {weights:,})"


def check(model: Any, example: Any, exporter: str) -> dict[str, Any]:
    """One export of one model, checked; a failed export is recorded with its exception."""
    framework = framework_figures(model, example)
    row: dict[str, Any] = {"exporter": exporter, "input": list(example.shape), "framework": framework}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.onnx"
        try:
            export(model, example, path, exporter)
        except Exception as exc:       # any exporter failure is a finding to record, not ours
            row.update(status="export failed", reason=root_cause(exc))
            return row
        ours = archcalc_figures(path)
        weights = file_weights(path)
        row["megabytes"] = round(sum(f.stat().st_size for f in Path(folder).iterdir()) / 2**20, 1)
    row["archcalc"], row["file_weights"] = ours, weights
    row["status"], row["reason"] = verdict(framework, ours, weights)
    return row


def root_cause(exc: BaseException) -> str:
    """The innermost exception behind the exporter's (its own says only which step failed)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return f"{type(exc).__name__}: {first_line(str(exc))}"


def first_line(text: str) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return (lines[0] if lines else "")[:400]


def done_keys(results: Path) -> set[tuple[str, str]]:
    if not results.exists():
        return set()
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    return {(row["name"], row["exporter"]) for row in rows}


def run_all(script: str, jobs: list[list[str]], results: Path, timeout: float, parallel: int) -> None:
    """run_worker for each job, `parallel` children at a time (a busy machine gives each
    process its share, and one export leaves most of a core idle while it writes)."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(parallel) as pool:
        for future in [pool.submit(run_worker, script, args, results, timeout) for args in jobs]:
            future.result()


def run_worker(script: str, args: list[str], results: Path, timeout: float) -> None:
    """Runs `script --worker ARGS` in a child (a crash or hang of the exporter ends only that
    child) and appends its JSON lines to `results`. The last of ARGS names the exporter, or is
    `both`; an exporter the child gave no row for is recorded as failed (with the child's last
    error line) or as timed out, one row each."""
    exporters = ["dynamo", "torchscript"] if args[-1] == "both" else [args[-1]]
    try:
        done = subprocess.run([sys.executable, script, "--worker", *args], capture_output=True, text=True,
                              timeout=timeout)
        stdout, stderr = done.stdout, done.stderr
        missing = first_line(stderr.strip().splitlines()[-1]) if stderr.strip() else f"exit {done.returncode}"
    except subprocess.TimeoutExpired as exc:      # the rows printed before the hang are kept
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        missing = f"no result in {timeout:.0f} s"
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    given = {json.loads(line)["exporter"] for line in lines}
    lines += [json.dumps({"name": args[0], "exporter": exporter, "status": "export failed", "reason": missing})
              for exporter in exporters if exporter not in given]
    with results.open("a") as handle:
        for line in lines:
            handle.write(line + "\n")
            print(line, flush=True)


def table(results: Path, first_column: str) -> str:
    """The Markdown table of a results file, one row per model and exporter."""
    latest = {}
    for line in results.read_text().splitlines():      # a model run again: its latest row
        if line.strip():
            row = json.loads(line)
            latest[(row.get("family", row["name"]), row["exporter"])] = row
    rows = list(latest.values())
    for row in rows:        # rows written before the verdict last changed: judged again
        if row.get("archcalc", {}).get("exit") == 0:
            found = re.search(r"file's weights: ([0-9,]+)", row.get("reason", ""))
            weights = row.get("file_weights") or (int(found.group(1).replace(",", "")) if found else
                                                  row["archcalc"]["params"] + row["archcalc"]["buffers"])
            row["status"], row["reason"] = verdict(row["framework"], row["archcalc"], weights)
    out = [summary(rows), "", f"| {first_column} | exporter | input | framework params | archcalc params | framework MACs | "
           "archcalc MACs | status | reason |", "|---|---|---|---:|---:|---:|---:|---|---|"]
    for row in sorted(rows, key=lambda r: (r.get("family", r["name"]), r["exporter"])):
        framework, ours = row.get("framework", {}), row.get("archcalc", {})
        label = f"{row['family']} ({row['name']})" if "family" in row else row["name"]
        size = "×".join(map(str, row.get("input", [])[1:]))

        def figure(source: dict[str, Any], key: str) -> str:
            return f"{source[key]:,}" if key in source else ""
        reason = re.sub(r"^error: \S+?model\.onnx: ", "", first_line(str(row.get("reason", ""))))
        reason = reason.replace("|", "\\|")
        status = status_of(row)
        out.append(f"| {label} | {row['exporter']} | {size} | {figure(framework, 'params')} | "
                   f"{figure(ours, 'params')} | {figure(framework, 'macs')} | {figure(ours, 'macs')} | "
                   f"{status} | {reason} |")
    return "\n".join(out)


def status_of(row: dict[str, Any]) -> str:
    """A row's status, an export that ran out of time told apart from one that failed."""
    return "timed out" if str(row.get("reason", "")).startswith("no result in") else str(row["status"])


def summary(rows: list[dict[str, Any]]) -> str:
    """How many rows of each status, per exporter: the counts above the table."""
    statuses = ["exact", "exact to the file", "refused", "differs", "crash", "export failed", "timed out"]
    out = ["| exporter | rows | " + " | ".join(statuses) + " |", "|---|" + "---:|" * (len(statuses) + 1)]
    for exporter in sorted({row["exporter"] for row in rows}):
        mine = [status_of(row) for row in rows if row["exporter"] == exporter]
        out.append(f"| {exporter} | {len(mine)} | " + " | ".join(str(mine.count(s)) for s in statuses) + " |")
    return "\n".join(out)
