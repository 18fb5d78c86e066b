"""Every format carries every figure and name the table shows: for every shipped spec (the LLMs
with a context), the output of analyze, compare and check in each format is parsed back and
compared with the JSON's, the oracle. Figures are exact integers (--exact for the table and
Markdown); the one quotient, MACs per param, at the precision a format shows it."""

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

from helpers import SPECS

SPEC_FILES = sorted(SPECS.rglob("*.yaml"))
IDS = [str(p.relative_to(SPECS)) for p in SPEC_FILES]
SMALL = SPECS / "seed" / "ann_4x4.yaml"       # the second model of each comparison: no KV cache


def context_of(spec):
    # BERT is an encoder: no causal attention, so no KV cache, and --context is refused.
    return ["--context", "64"] if spec.parent.name == "llm" and spec.stem != "bert_base" else []


def run(*args):
    result = CliRunner(env={"COLUMNS": "10000"}).invoke(cli, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output[-500:]
    return result.stdout


def number(text: str) -> int:
    """An exact figure as the text formats print it: `1,234`, `1,234 B`, or `-` / `0` for none."""
    text = text.strip().removesuffix(" B")
    return 0 if text in ("-", "") else int(text.replace(",", ""))


# -- analyze ---------------------------------------------------------------------------------

def oracle(spec):
    data = json.loads(run("analyze", spec, *context_of(spec), "--format", "json"))
    t = data["totals"]
    layers = [(row["name"], row["type"], "×".join(map(str, row["output_shape"])), row["params"], row["macs"],
               tuple((b["name"], b["type"]) for b in row.get("blocks", ()))) for row in data["layers"]]
    summary = [t["params"], t["trainable_params"], t["non_trainable_params"], t["buffers"], t["macs"], t["flops"],
               t["memory"]["params_bytes"], t["memory"]["activations_bytes"], t["memory"]["peak_activation_bytes"],
               t["memory"]["params_bytes"] + t["memory"]["peak_activation_bytes"]]      # the footprint
    if t["active_params"] != t["params"]:
        summary.append(t["active_params"])
    if "kv_cache_bytes" in t:
        summary += [t["kv_cache_bytes"], t["context"], t["kv_cache_bytes_per_token"], t["decode_macs_per_token"]]
    return data, layers, summary


def full_names(rows):
    """(depth, name, type, cells) rows of a view with block rows -> each layer's full name and
    the block uses it sits in; a layer row's name is relative to its innermost block use."""
    uses, layers = [], []
    for depth, name, kind, cells in rows:
        if cells is None:                       # a block row: a use of a block type
            parent = uses[depth - 1][0] + "." if depth else ""
            full = name if name.startswith(parent) else parent + name
            uses[depth:] = [(full, kind)]
        else:
            blocks = tuple(uses[:depth])
            full = name if not depth or name.startswith(blocks[-1][0] + ".") else f"{blocks[-1][0]}.{name}"
            layers.append((full, kind, *cells, blocks))
    return layers


def table_view(spec):
    out = run("analyze", spec, *context_of(spec), "--exact")
    lines = out.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith(" ───"))
    end = lines.index("", rule)
    rows = []
    for line in lines[rule + 1:end]:
        depth = (len(line) - len(line.lstrip()) - 2) // 2
        cells = re.split(r" {2,}", line.strip())
        if len(cells) == 2:
            rows.append((depth, cells[0], cells[1], None))
        else:
            rows.append((depth, cells[0], cells[1], (cells[2], number(cells[3]), number(cells[4]))))
    total = re.split(r" {2,}", lines[end + 1].strip())
    summary = [number(n) for n in re.findall(r"\d[\d,]*", "\n".join(lines[end + 3:]))]
    return full_names(rows), (number(total[1]), number(total[2])), summary


def markdown_view(spec):
    out = run("analyze", spec, *context_of(spec), "--exact", "--format", "markdown")
    tables = [block for block in out.split("\n\n") if block.startswith("| ")]
    figures = {cells[0]: cells[1] for cells in (_cells(line) for line in tables[0].splitlines()[2:])}
    rows, total = [], None
    for line in tables[1].splitlines()[2:]:
        cells = _cells(line)
        depth = cells[0].count("&nbsp;&nbsp;")
        name = cells[0].replace("&nbsp;", "")
        if name == "**Total**":
            total = (number(cells[3]), number(cells[4]))
        elif name.startswith("**"):
            rows.append((depth, name.strip("*"), cells[1].strip("*"), None))
        else:
            rows.append((depth, name, cells[1], (cells[2], number(cells[3]), number(cells[4]))))
    labels = ["Params", "Trainable params", "Frozen params", "Buffers", "MACs", "FLOPs", "Weight memory",
              "Activation memory (training)", "Peak activation memory (inference)",
              "Footprint (weights + peak activations)", "Active params per token", "KV cache", "Context (tokens)",
              "KV cache per token", "Decode MACs per new token"]
    return full_names(rows), total, [number(figures[label]) for label in labels if label in figures]


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def csv_view(spec):
    rows = list(csv.DictReader(io.StringIO(run("analyze", spec, *context_of(spec), "--format", "csv"))))
    layers = [(r["name"], r["type"], r["output_shape"].replace("x", "×"), int(r["params"]), int(r["macs"]),
               tuple(tuple(use.split("=")) for use in r["blocks"].split(";") if use))
              for r in rows if r["type"] not in ("model", "total")]
    figures = {r["name"]: r["value"] for r in rows if r["type"] in ("model", "total")}
    return layers, figures


@pytest.mark.parametrize("spec", SPEC_FILES, ids=IDS)
def test_analyze_every_format_reads_back_as_the_json(spec):
    data, layers, summary = oracle(spec)
    total = (data["totals"]["params"], data["totals"]["macs"])
    for view in (table_view, markdown_view):
        shown, shown_total, shown_summary = view(spec)
        assert shown == layers, view.__name__
        assert shown_total == total and shown_summary == summary, view.__name__

    rows, figures = csv_view(spec)
    assert rows == layers
    flat = {f"totals.{k}": v for k, v in data["totals"].items() if not isinstance(v, dict)}
    flat.update({f"totals.memory.{k}": v for k, v in data["totals"]["memory"].items()})
    flat["totals.memory.inference_bytes"] = summary[9]
    flat.update({f"inputs.{k}": "x".join(map(str, v)) for k, v in data["inputs"].items()})
    flat.update(batch=data["batch"], dtype=data["dtype"] if isinstance(data["dtype"], str) else figures["dtype"])
    assert figures == {k: "" if v is None else str(v) for k, v in flat.items()}     # CSV writes null as empty

    jsonl = [json.loads(line) for line in run("analyze", spec, *context_of(spec), "--format", "jsonl").splitlines()]
    assert jsonl[0]["totals"] == data["totals"]
    assert [{k: v for k, v in row.items() if k not in ("record", "model")} for row in jsonl[1:]] == data["layers"]


# -- compare ---------------------------------------------------------------------------------

def compare_oracle(spec):
    data = json.loads(run("compare", spec, SMALL, *context_of(spec), "--format", "json"))
    keys = [k for k in data["models"][0] if k not in ("name", "input", "ratio_first_to_this")]
    return data, keys


QUOTIENTS = ("macs_per_param", "sharing_factor")


def _figure(value, key):
    if value in ("–", "", "none"):
        return None
    if key == "whole_input_layer":              # a layer's name
        return value
    if key in QUOTIENTS:
        return float(value.replace(",", ""))
    return number(value)


@pytest.mark.parametrize("spec", SPEC_FILES, ids=IDS)
def test_compare_every_format_reads_back_as_the_json(spec):
    data, keys = compare_oracle(spec)
    models = data["models"]
    names = [m["name"] for m in models]

    def expected(precision):
        return {k: [None if m[k] is None else round(m[k], precision) if k in QUOTIENTS else m[k]
                    for m in models] for k in keys}

    rows = list(csv.reader(io.StringIO(run("compare", spec, SMALL, *context_of(spec), "--format", "csv"))))
    assert rows[0] == ["metric", *names]
    assert rows[1] == ["input", *("x".join(map(str, m["input"])) for m in models)]
    shown = {row[0]: [_figure(v, row[0]) for v in row[1:]] for row in rows[2:] if not row[0].startswith("ratio")}
    assert shown == expected(4)
    ratios = {row[0].split(".", 1)[1]: [None if v == "" else float(v) for v in row[1:]]
              for row in rows[1:] if row[0].startswith("ratio")}
    assert ratios == {k: [m["ratio_first_to_this"][k] for m in models] for k in keys if k != "whole_input_layer"}

    labels = {"Params": "params", "trainable": "trainable_params", "frozen": "non_trainable_params",
              "Buffers": "buffers", "MACs": "macs", "FLOPs": "flops", "Weight memory": "params_bytes",
              "Activation memory": "activations_bytes", "Peak activation memory": "peak_activation_bytes",
              "MACs per param": "macs_per_param", "Active params": "active_params", "KV cache": "kv_cache_bytes",
              "Decode MACs per token": "decode_macs_per_token", "Sharing factor": "sharing_factor",
              "Whole input at": "whole_input_layer"}
    markdown = run("compare", spec, SMALL, *context_of(spec), "--format", "markdown", "--exact").splitlines()
    assert _cells(markdown[0]) == ["", names[0], names[1], "vs first"]
    shown = {labels[c[0]]: [_figure(c[1], labels[c[0]]), _figure(c[2], labels[c[0]])]
             for c in map(_cells, markdown[3:])}
    assert shown == expected(1)

    table = run("compare", spec, SMALL, *context_of(spec), "--exact").splitlines()
    head = next(i for i, line in enumerate(table) if line.startswith(" ───"))
    assert re.split(r" {2,}", table[head - 1].strip()) == [names[0], names[1], "vs first"]
    shown = {}
    named = table.index("Whole input at")       # the names below the table: "  model: layer"
    for line in table[head + 2:named]:
        if not line.strip():
            continue
        cells = re.split(r" {2,}", line.strip())
        shown[labels[cells[0]]] = [_figure(cells[1], labels[cells[0]]), _figure(cells[2], labels[cells[0]])]
    shown["whole_input_layer"] = [_figure(line.split(": ", 1)[1].strip(), "whole_input_layer")
                                  for line in table[named + 1:named + 3]]
    assert shown == expected(1)


# -- check -----------------------------------------------------------------------------------

def budget_flags(spec):
    flags = ["--max-params", "1G", "--max-macs", "1T", "--max-flops", "2T", "--max-memory", "1GiB"]
    return flags + (["--max-kv-cache", "1GiB"] if context_of(spec) else [])


@pytest.mark.parametrize("spec", SPEC_FILES, ids=IDS)
def test_check_every_format_reads_back_as_the_json(spec):
    args = ["check", spec, *context_of(spec), *budget_flags(spec)]
    data = json.loads(run(*args, "--format", "json"))
    lines = [(b["label"], b["used"], b["allowed"], b["headroom"], "ok" if b["within"] else "over")
             for b in data["budgets"]]

    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv"))))
    assert [(r["budget"], int(r["used"]), int(r["allowed"]), int(r["headroom"]), r["status"]) for r in rows] == \
        [(b["key"], b["used"], b["allowed"], b["headroom"], "within" if b["within"] else "over")
         for b in data["budgets"]]
    assert {r["model"] for r in rows} == {data["name"]} and {r["file"] for r in rows} == {data["file"]}

    markdown = run(*args, "--format", "markdown", "--exact").splitlines()
    assert data["name"] in markdown[0] and data["file"] in markdown[0]
    assert [(c[0], number(c[1]), number(c[2]), number(c[3]), c[4].strip("*")) for c in map(_cells, markdown[4:])
            if c and c[0]] == lines

    from xml.etree import ElementTree
    suite = ElementTree.fromstring(run(*args, "--format", "junit")).find("testsuite")
    assert (suite.get("name"), suite.get("file")) == (data["name"], data["file"])
    shown = []
    for case in suite.iter("testcase"):
        figures = {p.get("name"): p.get("value") for p in case.iter("property")}
        shown.append((case.get("name"), int(figures["used"]), int(figures["allowed"]), int(figures["headroom"]),
                      "over" if case.find("failure") is not None else "ok"))
    assert shown == lines

    table = run(*args, "--exact").splitlines()
    assert table[0].startswith(f"{data['name']} ({data['file']}): ")
    head = next(i for i, line in enumerate(table) if line.startswith(" ───"))
    shown = [re.split(r" {2,}", line.strip()) for line in table[head + 1:] if line.strip()]
    assert [(c[0], number(c[1]), number(c[2]), number(c[3]), c[4]) for c in shown] == lines


# -- on a device -----------------------------------------------------------------------------

DEVICE_RUNS = [  # (spec, options): a CNN, and a language model with a cache at a given efficiency
    (SPECS / "resnet18.yaml", ["--device", "h100-sxm"]),
    (SPECS / "llm" / "gpt2_small.yaml", ["--device", "l4", "--dtype", "bfloat16", "--context", "64",
                                         "--efficiency", "0.5"]),
]


def _layer_device_cells(cells):
    """Bytes moved, intensity, bound and seconds as the text formats print them with --exact."""
    return (number(cells[0]), float(cells[1].replace(",", "")), cells[2], float(cells[3].removesuffix(" s")))


@pytest.mark.parametrize("spec, options", DEVICE_RUNS, ids=[spec.stem for spec, _ in DEVICE_RUNS])
def test_device_figures_read_back_as_the_json_in_every_format(spec, options):
    data = json.loads(run("analyze", spec, *options, "--format", "json"))
    layers = [(r["bytes_moved"], r["arithmetic_intensity"], r["bound"], r["seconds"]) for r in data["layers"]]
    device_keys = [k for k in data["totals"] if k in (
        "lower_bound_seconds", "unfused_estimate_seconds", "unavoidable_bytes", "memory_needed_bytes",
        "prefill_seconds", "decode_step_bytes", "decode_step_flops", "decode_step_seconds",
        "decode_tokens_per_second_bound", "max_batch_fitting", "lower_bound_at_efficiency_seconds",
        "decode_tokens_per_second_at_efficiency")]

    rows = list(csv.DictReader(io.StringIO(run("analyze", spec, *options, "--format", "csv"))))
    assert [(int(r["bytes_moved"]), float(r["arithmetic_intensity"]), r["bound"], float(r["seconds"]))
            for r in rows if r["type"] not in ("model", "total")] == layers
    figures = {r["name"]: r["value"] for r in rows if r["type"] in ("model", "total")}
    for key in device_keys + ["fits", "memory_left_bytes", "lower_bound_kind"]:
        assert figures[f"totals.{key}"] == str(data["totals"][key]), key
    for key, value in data["device"].items():
        if isinstance(value, dict):
            assert {k: figures[f"device.{key}.{k}"] for k in value} == {k: str(v) for k, v in value.items()}
        else:
            assert figures[f"device.{key}"] == ("" if value is None else str(value)), key

    jsonl = [json.loads(line) for line in run("analyze", spec, *options, "--format", "jsonl").splitlines()]
    assert {k: v for k, v in jsonl[0].items() if k != "record"} == {k: v for k, v in data.items() if k != "layers"}
    assert [{k: v for k, v in row.items() if k not in ("record", "model")} for row in jsonl[1:]] == data["layers"]

    markdown = run("analyze", spec, *options, "--exact", "--format", "markdown")
    table_rows = [_cells(line) for line in markdown.split("\n\n")[3].splitlines()[2:-1]]
    assert [_layer_device_cells(c[6:]) for c in table_rows if not c[1].startswith("*")] == layers
    table = run("analyze", spec, *options, "--exact")
    lines = table.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith(" ───"))
    cells = [re.split(r" {2,}", line.strip()) for line in lines[rule + 1:lines.index("", rule)]]
    assert [_layer_device_cells(c[-4:]) for c in cells if len(c) > 2] == layers   # a blank MACs % cell merges
    for text in (markdown, table):          # every total on the device, written in full
        for key in device_keys:
            value = data["totals"][key]
            assert (f"{value!r}" if isinstance(value, float) else f"{value:,}") in text, key
        left = data["totals"]["memory_left_bytes"]
        assert f"{'yes' if data['totals']['fits'] else 'no'}, {abs(left):,} B" in text
        assert f"{data['device']['peak_used']:,} FLOP/s" in text and data["device"]["name"] in text


def test_a_parameter_count_in_billions_reads_b_wherever_it_is_printed():
    # Llama-3-8B: 8,030,261,248 params (its model card's 8.03 B). The table's footer and summary
    # and Markdown's totals and total row all write it as B; the Markdown total row wrote G.
    spec = str(SPECS / "llm" / "llama3_8b.yaml")
    table, markdown = run("analyze", spec, "--depth", "1"), run("analyze", spec, "--depth", "1", "--format", "markdown")
    total = next(line for line in markdown.splitlines() if line.startswith("| **Total**"))
    assert _cells(total)[3] == "8.03 B"
    assert "8.03 G" not in table + markdown and "8.03 B" in table.split("Params")[-1]
