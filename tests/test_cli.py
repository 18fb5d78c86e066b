"""The command line through click's CliRunner: outputs, exit statuses and error lines."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from archcalc.cli import cli

from helpers import ROOT, SPECS, assert_golden

ANN, CNN, RESNET = str(SPECS / "seed/ann_4x4.yaml"), str(SPECS / "seed/cnn_4x4.yaml"), str(SPECS / "resnet50.yaml")


def invoke(*args, input=None, env=None):
    runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, env={"COLUMNS": "100", **(env or {})})


def test_analyze_json_golden(update_golden):
    result = invoke("analyze", CNN, "--format", "json")
    assert result.exit_code == 0
    assert_golden("cnn_4x4.json", result.output, update_golden)


def test_analyze_table_golden(update_golden):
    result = invoke("analyze", ANN, CNN)
    assert result.exit_code == 0
    assert_golden("seed_table.txt", result.output, update_golden)


def test_analyze_json_of_several_specs_is_a_list():
    data = json.loads(invoke("analyze", ANN, CNN, "--format", "json").output)
    assert [d["totals"]["params"] for d in data] == [154, 38]


def test_json_rows_add_up_and_keys_follow_the_contract():
    data = json.loads(invoke("analyze", RESNET, "--format", "json").output)
    assert set(data) == {"name", "input", "inputs", "batch", "dtype", "totals", "layers"}
    assert set(data["totals"]["memory"]) == {"params_bytes", "activations_bytes", "peak_activation_bytes"}
    for key in ("params", "macs", "flops"):
        assert sum(layer[key] for layer in data["layers"]) == data["totals"][key]
    # conv1: 7·7·3·64 = 9,408 weights; 112·112 positions · 64 filters · 147 taps = 118,013,952 MACs
    assert data["layers"][0] == {**data["layers"][0], "name": "conv1", "type": "conv2d", "inputs": ["input"],
                                 "output_shape": [112, 112, 64], "params": 9408, "macs": 118013952}


def test_batch_and_dtype_override():
    data = json.loads(invoke("analyze", CNN, "--format", "json", "--batch", "3", "--dtype", "float16").output)
    assert (data["batch"], data["dtype"], data["totals"]["macs"]) == (3, "float16", 3 * 88)
    assert data["totals"]["memory"]["params_bytes"] == 38 * 2


def test_exact_table_and_stdin():
    result = invoke("analyze", "-", "--exact", input=open(RESNET).read())
    assert result.exit_code == 0 and "25,557,032" in result.output and "4,089,184,256" in result.output


def test_csv_and_markdown():
    csv_out = invoke("analyze", CNN, "--format", "csv").output.splitlines()
    assert csv_out[0].startswith("model,name,type") and csv_out[1].startswith("cnn_4x4,conv2d_1,conv2d,input,2x2x2,20,")
    md = invoke("analyze", CNN, "--format", "markdown").output
    assert "## cnn_4x4" in md and "| Params | 38 |" in md


def write(tmp_path, text, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text, where, message", [
    (None, "", "no such file"),
    ("input: [4]\nlayers: [\n", ":3:1", "invalid YAML: did not find expected node content"),
    ("input: [4]\nlayers:\n  - {type: dense, units: 2}\n  - {type: warp, x: 1}\n", ":4:12",
     "unknown layer type 'warp'"),
    ("input: [5, 5, 8]\nlayers:\n  - {type: conv2d, name: c, filters: 2, kernel: 1}\n"
     "  - {type: add, inputs: [c, input]}\n", ":4:5",
     "layer 'add_1' (add): inputs must have the same shape; received [5, 5, 2] and [5, 5, 8]"),
    ("- relu\n", "", "a spec must be a mapping with 'input' and 'layers', got list ['relu']"),
    ("input: [4]\n", "", "missing required key 'layers'"),
    ("input: [4]\nlayer: [relu]\nlayers: [relu]\n", ":2:1", "unknown top-level key 'layer' (did you mean 'layers'?)"),
])
def test_bad_spec_is_one_error_line_and_exit_2(tmp_path, text, where, message):
    path = write(tmp_path, text) if text is not None else str(tmp_path / "missing.yaml")
    result = invoke("analyze", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {path}{where}: {message}\n"


def test_bad_spec_among_several_writes_nothing(tmp_path):
    result = invoke("analyze", ANN, write(tmp_path, "input: [4]\nlayers: [bogus]\n"))
    assert result.exit_code == 2 and result.stdout == ""


def test_archcalc_alone_prints_the_help():
    result = subprocess.run([sys.executable, "-m", "archcalc"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("Usage: archcalc [OPTIONS] COMMAND [ARGS]...") and "analyze" in result.stdout


@pytest.mark.parametrize("command, line", [
    ("analze", "error: no such command 'analze'; did you mean 'analyze'? (see 'archcalc --help')"),
    ("frobnicate", "error: no such command 'frobnicate' (see 'archcalc --help')"),
])
def test_unknown_command_is_one_line_with_a_suggestion(command, line):
    result = subprocess.run([sys.executable, "-m", "archcalc", command, "x"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [line]


def test_internal_error_is_exit_3(monkeypatch):
    from archcalc.layers import RULES

    def broken(call):
        raise ZeroDivisionError("oops")
    monkeypatch.setitem(RULES, "flatten", RULES["flatten"]._replace(output_shape=broken))
    result = invoke("analyze", CNN)
    assert result.exit_code == 3
    assert result.stderr.startswith("internal error: ZeroDivisionError: oops (rerun with --debug")


# -- compare ---------------------------------------------------------------

def test_compare_seed_specs_table():
    out = invoke("compare", ANN, CNN).output
    assert "154" in out and "38" in out and "4.1× fewer" in out


def test_compare_json_and_markdown():
    data = json.loads(invoke("compare", ANN, CNN, "--format", "json").output)
    ann, cnn = data["models"]
    assert (ann["params"], cnn["params"]) == (154, 38)
    assert cnn["ratio_first_to_this"]["params"] == round(154 / 38, 4)
    md = invoke("compare", ANN, CNN, "--format", "markdown").output
    assert "| Params | 154 | 38 | 4.1× fewer |" in md


def test_compare_needs_two():
    assert invoke("compare", ANN).exit_code == 2


# -- check -------------------------------------------------------------------

@pytest.mark.parametrize("flags, status", [
    (["--max-params", "154"], 0),          # exactly at the budget passes
    (["--max-params", "153"], 1),
    (["--max-params", "1K", "--max-macs", "144"], 0),
    (["--max-macs", "143"], 1),
    (["--max-flops", "306"], 0),          # 2·144 MACs + 8 + 8 biases + 8 relu = 306
    (["--max-flops", "305"], 1),
    # memory: (154 params × 4 B) + peak (16 + 16 elements × 4 B) = 616 + 128
    (["--max-memory", "744"], 0),
    (["--max-memory", "743"], 1),
    (["--max-params", "lots"], 2),
    (["--max-memory", "1.5XB"], 2),
])
def test_check_flags(flags, status):
    assert invoke("check", ANN, *flags).exit_code == status


def test_check_budget_from_spec_and_github_annotation(tmp_path):
    spec = write(tmp_path, "input: [16]\nlayers:\n  - {type: dense, units: 8}\nbudget:\n  params: 100\n  macs: 1K\n")
    result = invoke("check", spec, env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    assert f"::error file={spec},line=5,col=11::spec: params 136 exceeds the budget 100 by 36" in result.stdout
    assert invoke("check", spec, "--max-params", "136").exit_code == 0   # flags override the spec


def test_check_bad_budget_in_spec_is_located(tmp_path):
    spec = write(tmp_path, "input: [16]\nlayers: [relu]\nbudget: {params: 12Q}\n")
    result = invoke("check", spec)
    assert result.exit_code == 2
    assert result.stderr == (f"error: {spec}:3:18: budget 'params': malformed number '12Q': "
                             "unknown suffix 'Q' (use K, M, G (or B), T)\n")


def test_check_worst_status_of_several(tmp_path):
    assert invoke("check", ANN, CNN, "--max-params", "100").exit_code == 1
    data = json.loads(invoke("check", ANN, CNN, "--max-params", "100", "--format", "json").output)
    assert [d["within_budget"] for d in data] == [False, True]


def test_check_markdown_and_csv_outputs():
    md = invoke("check", ANN, "--max-params", "100", "--format", "markdown")
    assert md.exit_code == 1
    assert "### ❌ ann_4x4" in md.stdout and "| params | 154 | 100 | -54 | **over** |" in md.stdout
    csv_out = invoke("check", ANN, "--max-params", "200", "--format", "csv").stdout.splitlines()
    assert csv_out == ["model,file,budget,used,allowed,headroom,status",
                       f"ann_4x4,{ANN},params,154,200,46,within"]


def test_compare_csv():
    rows = invoke("compare", ANN, CNN, "--format", "csv").stdout.splitlines()
    assert rows[0] == "metric,ann_4x4,cnn_4x4" and "params,154,38" in rows


def test_check_without_any_budget_is_a_usage_error_unless_allowed():
    result = invoke("check", ANN)
    assert result.exit_code == 2 and "no budget set" in result.stderr
    result = invoke("check", ANN, "--allow-no-budget")
    assert result.exit_code == 0 and "no budget set" in result.stderr


def test_python_api_accepts_yaml_text_and_mappings():
    import archcalc
    text = "input: [16]\nlayers:\n  - {type: dense, units: 8}\n"
    assert archcalc.analyze_text(text).totals.params == 136   # 16·8 + 8
    assert archcalc.analyze_mapping({"input": [4], "layers": ["relu"]}).totals.params == 0
    # A string is a path only: spec text given to analyze() is refused with a pointer.
    with pytest.raises(archcalc.UsageError, match="analyze_text"):
        archcalc.analyze("{input: [4], layers: [relu]}")
    assert archcalc.analyze({"input": [16], "layers": [{"type": "dense", "units": 8}]}, batch=2).totals.macs == 256


def test_output_file_is_written_whole_and_never_over_a_spec(tmp_path):
    out = tmp_path / "report.json"
    result = invoke("analyze", CNN, "--format", "json", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["totals"]["params"] == 38
    spec = tmp_path / "spec.yaml"
    spec.write_text(open(CNN).read())
    result = invoke("analyze", str(spec), "--output", str(spec))
    assert result.exit_code == 2 and "refusing to write over the input spec" in result.stderr
    assert spec.read_text() == open(CNN).read()
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [4]\nlayers: [nope]\n")
    assert invoke("analyze", str(bad), "-o", str(tmp_path / "never.txt")).exit_code == 2
    assert not (tmp_path / "never.txt").exists()


def test_report_in_python():
    import archcalc
    report = archcalc.analyze(SPECS / "resnet50.yaml")
    # torchvision's ResNet-50 figures, and one row per layer
    assert repr(report) == f"<Report resnet50: 25,557,032 params, 4,089,184,256 MACs, {len(report.layers)} layers>"
    assert report["conv1"].params == 7 * 7 * 3 * 64                      # no bias
    with pytest.raises(KeyError, match="did you mean"):
        report["conv9"]
    assert str(report).startswith("resnet50: input 224×224×3") and "<table>" in report._repr_html_()


def test_a_report_is_an_immutable_value():
    import copy
    import pickle

    import archcalc
    report = archcalc.analyze(SPECS / "seed/cnn_4x4.yaml")
    with pytest.raises(AttributeError, match="_replace"):
        report.batch = 2
    assert report._replace(batch=2).batch == 2 and report.batch == 1
    for twin in (pickle.loads(pickle.dumps(report)), copy.deepcopy(report), archcalc.analyze(SPECS / "seed/cnn_4x4.yaml")):
        assert twin == report and hash(twin) == hash(report)
    assert report != report._replace(batch=2)


@pytest.mark.parametrize("suffix, start", [(".json", "{"), (".csv", "model,name,type"), (".md", "## cnn_4x4")])
def test_output_format_follows_the_extension(tmp_path, suffix, start):
    out = tmp_path / f"report{suffix}"
    assert invoke("analyze", CNN, "-o", str(out)).exit_code == 0
    assert out.read_text().startswith(start)
    forced = tmp_path / f"forced{suffix}"
    assert invoke("analyze", CNN, "-o", str(forced), "--format", "table").exit_code == 0
    assert forced.read_text().startswith("cnn_4x4: input")


def test_jsonl_streams_one_layer_per_line():
    lines = [json.loads(line) for line in invoke("analyze", CNN, "--format", "jsonl").stdout.splitlines()]
    assert lines[0]["record"] == "model" and lines[0]["totals"]["params"] == 38       # 2·9 + 2 + 8·2 + 2
    assert [line["name"] for line in lines[1:]] == ["conv2d_1", "conv2d_1_relu", "flatten_1", "dense_1"]


def test_layers_and_verify_speak_json():
    data = json.loads(invoke("layers", "Conv2D", "--format", "json").stdout)
    assert data[0]["type"] == "conv2d" and {a["name"] for a in data[0]["arguments"]} >= {"filters", "kernel"}
    result = invoke("verify", CNN, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["agrees"] is True


@pytest.mark.parametrize("command, target", [
    (["analyze", CNN], "out.html"), (["analyze", CNN], "out.svg"), (["analyze", CNN], "out.yaml"),
    (["analyze", CNN], "out.xml"), (["compare", CNN, ANN], "out.html"), (["train", CNN], "out.svg"),
    (["scale", CNN, "--sizes", "8,16"], "out.png"), (["check", CNN, "--max-params", "1M"], "out.html"),
])
def test_an_output_extension_no_writer_produces_is_refused(tmp_path, command, target):
    out = tmp_path / target
    result = invoke(*command, "-o", str(out))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: cannot write {out}: -o writes .json (json), ")
    assert result.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("option, target, says", [
    ("--plot", "g.png", "it writes .svg files"), ("--svg", "t.png", "it writes .svg files"),
    ("--html", "t.txt", "it writes .html or .htm files"),
])
def test_a_picture_of_the_wrong_kind_is_refused(tmp_path, option, target, says):
    out = tmp_path / target
    result = invoke("scale", CNN, "--sizes", "8,16", option, str(out), "-o", str(tmp_path / "table.txt"))
    assert (result.exit_code, result.stderr) == (2, f"error: cannot write {out} with {option}: {says}\n")
    assert not list(tmp_path.iterdir())


def test_check_writes_junit_to_xml(tmp_path):
    out = tmp_path / "budgets.xml"
    assert invoke("check", CNN, "--max-params", "1M", "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("<?xml")


# GPT-2 small's cache: 12 causal layers × 2 (K and V) × 768 × 4 B = 73,728 B per token; × 64 tokens
# = 4,718,592 B (4.50 MiB). ResNet-18 has no causal attention, so no cache.
GPT2, RESNET18 = str(SPECS / "llm/gpt2_small.yaml"), str(SPECS / "resnet18.yaml")


def test_compare_with_a_context_shows_a_dash_for_a_model_without_a_cache():
    table = invoke("compare", GPT2, RESNET18, "--context", "64")
    assert table.exit_code == 0, table.output
    kv = next(line for line in table.stdout.splitlines() if "KV cache" in line)
    assert kv.split()[2:5] == ["4.50", "MiB", "–"]
    data = json.loads(invoke("compare", GPT2, RESNET18, "--context", "64", "--format", "json").stdout)
    assert [m["kv_cache_bytes"] for m in data["models"]] == [73_728 * 64, None]


def test_compare_with_a_context_and_no_cache_anywhere_is_refused():
    result = invoke("compare", RESNET, RESNET18, "--context", "64")
    assert result.exit_code == 2 and "has no causal self-attention layer" in result.stderr


def test_report_takes_a_context_and_gives_units(tmp_path):
    out = tmp_path / "r.html"
    assert invoke("report", GPT2, RESNET18, "--context", "64", "-o", str(out)).exit_code == 0
    html = out.read_text()
    assert '<td>KV cache</td><td class="n" title="4,718,592">4.50 MiB</td><td class="n">–</td>' in html
    # Weights + peak activations of ResNet-18, a byte figure: (11,689,512 + 9,600) · 4 B + its peak,
    # shown in MiB as the summary beside it is, never as a bare count ("53.22 M").
    row = html[html.index("<td>Weights + peak activations</td>"):].split("</tr>")[0]
    assert row.count("MiB") == 2 and " M<" not in row and " M (" not in row


def test_import_refuses_an_output_that_is_not_a_spec(tmp_path):
    out = tmp_path / "llama.html"
    result = invoke("import", str(SPECS.parent / "tests/fixtures/hf/llama-3-8b.json"), "-o", str(out))
    assert (result.exit_code, result.stderr) == (2, f"error: cannot write {out}: import writes a spec, .yaml or .yml\n")
    assert not out.exists()


def test_analyse_is_analyze():
    spec = str(ROOT / "specs" / "seed" / "cnn_4x4.yaml")
    british, american = (CliRunner().invoke(cli, [name, spec]) for name in ("analyse", "analyze"))
    assert british.exit_code == 0 and british.stdout == american.stdout
    assert "analyse" not in CliRunner().invoke(cli, ["--help"]).stdout      # accepted, not listed


def test_depth_zero_prints_the_totals_without_an_empty_table():
    out = CliRunner().invoke(cli, ["analyze", str(ROOT / "specs" / "seed" / "cnn_4x4.yaml"), "--depth", "0"]).stdout
    assert out.splitlines()[0] == "cnn_4x4: input 4×4×1, batch 1, float32"
    assert "Layer" not in out and "Total" not in out and out.splitlines()[2].startswith("Params     38")


@pytest.mark.parametrize("args, said, not_said", [
    (["train", "specs/llm/gpt2_small.yaml"], "1 step)", "step(s)"),
    (["train", "specs/llm/gpt2_small.yaml", "--steps", "2"], "2 steps)", "step(s)"),
    (["analyze", "specs/llm/gpt2_small.yaml", "--context", "1"], "at 1 token (", "1 tokens"),
    (["analyze", "specs/llm/gpt2_small.yaml", "--context", "2"], "at 2 tokens (", "2 token ("),
])
def test_counts_agree_with_their_nouns(monkeypatch, args, said, not_said):
    monkeypatch.chdir(ROOT)
    out = CliRunner().invoke(cli, args).stdout
    assert said in out and not_said not in out


def test_the_refusal_to_write_over_a_spec_names_it_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("input: [4]\nlayers: [relu]\n")
    result = CliRunner().invoke(cli, ["analyze", "mine.yaml", "-o", "mine.yaml"])
    assert result.stderr == "error: refusing to write over the input spec mine.yaml\n"
    result = CliRunner().invoke(cli, ["analyze", "mine.yaml", "-o", "./mine.yaml"])
    assert result.stderr == "error: refusing to write over the input spec mine.yaml (./mine.yaml)\n"
