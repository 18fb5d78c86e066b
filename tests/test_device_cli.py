"""--device on the commands: refusals of options that do not apply (one line, exit 2), time
budgets failing like every other budget, train on a device, `archcalc devices`."""

import json
import re

import pytest
from click.testing import CliRunner

from archcalc.cli import cli
from archcalc.device_table import shipped_devices

from helpers import SPECS

GPT2, RESNET = SPECS / "llm" / "gpt2_small.yaml", SPECS / "resnet18.yaml"


def run(*args, env=None):
    return CliRunner(env={"COLUMNS": "200", **(env or {})}).invoke(cli, [str(a) for a in args])


REFUSED = [
    (["analyze", RESNET, "--efficiency", "0.5"], "--efficiency: it scales a device's lower bound, so it needs --device"),
    (["analyze", RESNET, "--device", "t4", "--dtype", "bfloat16"], "no bf16 peak for bfloat16 arithmetic"),
    (["analyze", RESNET, "--device", "t4", "--depth", "1"], "--depth: per-layer device times"),
    (["analyze", RESNET, "--device", "h100"], "no device named 'h100' (which one: h100-sxm, h100-pcie?)"),
    (["analyze", RESNET, "--device", "peak_bf16=1T"], "--device: missing bandwidth, memory"),
    (["check", RESNET, "--max-latency", "5ms"], "--max-latency: a time budget is read on a device"),
    (["check", RESNET, "--max-latency", "5", "--device", "t4"], "--max-latency: malformed duration '5'"),
    (["check", RESNET, "--device", "t4", "--min-tokens-per-second", "5"],
     "--min-tokens-per-second: the decode bound is read at a context"),
    (["check", RESNET, "--device", "t4", "--context", "8", "--min-tokens-per-second", "5"],
     "--context: resnet18 has no causal self-attention layer"),
    (["train", GPT2, "--devices", "2"], "--devices needs --device"),
    (["train", GPT2, "--step-time", "1s"], "--step-time needs --device"),
    (["train", GPT2, "--device", "a100-80gb", "--devices", "3", "--batch", "4"],
     "--devices 3: the batch 4 does not split evenly over 3 copies"),
    (["train", GPT2, "--device", "t4", "--precision", "bf16-mixed"], "no bf16 peak for bfloat16 arithmetic"),
]


@pytest.mark.parametrize("args, message", REFUSED, ids=[" ".join(map(str, a[2:])) for a, _ in REFUSED])
def test_options_that_do_not_apply_are_refused(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def _budget(args):
    result = run("check", GPT2, "--device", "t4", "--dtype", "float16", "--context", "128", *args,
                 "--format", "json", env={"GITHUB_ACTIONS": "true"})
    data = json.loads(result.stdout[:result.stdout.rindex("}") + 1])
    return result, data["budgets"][0]


def test_time_budgets_fail_like_every_budget():
    bound = json.loads(run("analyze", GPT2, "--device", "t4", "--dtype", "float16", "--context", "128",
                           "--format", "json").stdout)["totals"]
    ns = -(-bound["lower_bound_seconds"] * 10**9 // 1)           # rounded up to a nanosecond
    result, line = _budget(["--max-latency", f"{int(ns)}ns"])
    assert result.exit_code == 0 and line["within"] and line["used"] == ns          # exactly at it passes
    result, line = _budget(["--max-latency", f"{int(ns) - 1}ns"])
    assert result.exit_code == 1 and not line["within"] and "::error" in result.stdout
    rate = int(bound["decode_tokens_per_second_bound"])
    result, line = _budget(["--min-tokens-per-second", str(rate)])
    assert result.exit_code == 0 and line["headroom"] == 0
    result, line = _budget(["--min-tokens-per-second", str(rate + 1)])
    assert result.exit_code == 1 and line["headroom"] == -1
    assert "is below the minimum" in result.stdout


def test_train_on_a_device_gives_the_mfu_of_a_measured_step():
    data = json.loads(run("train", GPT2, "--precision", "bf16-mixed", "--batch", "8", "--device", "a100-80gb",
                          "--devices", "4", "--step-time", "100ms", "--format", "json").stdout)
    figures, device = data["training"]["device"], data["device"]
    # PaLM's model FLOPs: 6 × the forward MACs of the whole step (batch 8)
    assert figures["model_flops_per_step"] == 6 * data["totals"]["macs"]
    # MFU = model FLOPs / (0.1 s × 4 devices × 312 TFLOP/s, the A100's dense BF16 peak)
    assert figures["mfu"] == figures["model_flops_per_step"] / (0.1 * 4 * 312_000_000_000_000)
    assert device["peak_used"] == 312 * 10**12 and figures["batch_per_device"] == 2
    # one copy's step is the whole step's FLOPs over 4, its memory the step's at batch 8 / 4
    assert figures["flops_per_device_step"] * 4 == data["training"]["flops_per_step"]
    one = json.loads(run("train", GPT2, "--precision", "bf16-mixed", "--batch", "2", "--format", "json").stdout)
    assert figures["memory_needed_bytes"] == one["training"]["memory"]["total_bytes"]
    assert figures["unavoidable_bytes"] == sum(one["training"]["memory"][k] for k in
                                               ("weights_bytes", "gradient_bytes", "optimizer_bytes"))


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_devices_lists_every_device_in_every_format(fmt):
    result = run("devices", "--format", fmt)
    assert result.exit_code == 0
    for device in shipped_devices():
        assert device.name in result.stdout
    if fmt == "json":
        listed = json.loads(result.stdout)["devices"]
        assert [d["peaks"] for d in listed] == [dict(d.peaks) for d in shipped_devices()]


def test_a_narrow_table_keeps_every_figure():
    def figures(width):         # each device's cells, from every table above the sources
        text = CliRunner(env={"COLUMNS": str(width)}).invoke(cli, ["devices"]).stdout.split("Sources:")[0]
        rows: dict[str, list[str]] = {}
        for line in text.splitlines():
            name, *cells = line.split() or [""]
            if name in names:
                rows.setdefault(name, []).extend(cells)
        return rows
    names = {d.name for d in shipped_devices()}
    wide, narrow = figures(200), figures(60)
    assert set(wide) == names and narrow == wide


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json", "jsonl"])
def test_a_device_title_cannot_drive_the_terminal(tmp_path, fmt):
    from helpers import dangerous
    path = tmp_path / "mine.yaml"
    path.write_text('name: "evil\\e[31m"\ntitle: "red\\e[2J\\u202egnp.exe\\nline"\n'
                    "peaks_tflops: {fp32: 1}\nbandwidth_gb_s: 1\nmemory_gb: 1\n")
    result = run("analyze", RESNET, "--device", path, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert not dangerous(result.stdout)


def test_report_and_compare_take_a_device(tmp_path):
    out = tmp_path / "r.html"
    result = run("report", RESNET, GPT2, "--device", "l4", "--dtype", "bfloat16", "-o", out)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    # each model's summary carries its own bound (the page may show a summary more than once)
    assert len(set(re.findall(r"<td>Lower bound</td><td>([^<]*)", html))) == 2 and "Unfused estimate</td>" in html
    data = json.loads(run("compare", RESNET, GPT2, "--device", "l4", "--dtype", "bfloat16", "--format", "json").stdout)
    bounds = [json.loads(run("analyze", spec, "--device", "l4", "--dtype", "bfloat16", "--format", "json").stdout)
              ["totals"]["lower_bound_seconds"] for spec in (RESNET, GPT2)]
    assert [model["lower_bound_seconds"] for model in data["models"]] == bounds
