"""`--attention eager|flash`: which attention kernel the memory figures assume. Unset, inference
is costed as a fused kernel runs it (the score matrix never held) and training as PyTorch's
standard modules run it (the probabilities kept); `eager` holds the scores and their softmax
while each attention layer runs, `flash` keeps only the softmax statistics for training."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import cli
from archcalc.errors import ArchcalcError

from helpers import SPECS

# One attention layer, 2 heads of 4 on [T = 4, C = 8], float32.
SPEC = {"input": [4, 8], "layers": [{"type": "attention", "heads": 2}]}
SCORES = 2 * 4 * 4              # heads · T · S per sample


def test_inference_peak_by_hand():
    # while the layer runs: its input (4·8) and output (4·8) — and with eager, the scores and
    # their softmax (2 · 32), at 4 bytes each
    assert archcalc.analyze(SPEC).totals.memory.peak_activation_bytes == (32 + 32) * 4
    assert archcalc.analyze(SPEC, attention="flash").totals.memory.peak_activation_bytes == (32 + 32) * 4
    assert archcalc.analyze(SPEC, attention="eager").totals.memory.peak_activation_bytes == (32 + 32 + 2 * SCORES) * 4


def test_training_keeps_statistics_instead_of_probabilities_under_flash():
    eager = archcalc.train(SPEC).memory.activation_bytes
    assert archcalc.train(SPEC, attention="eager").memory.activation_bytes == eager
    # the probabilities (heads · T · S, 4 B each) give way to one float32 statistic per query and head
    assert archcalc.train(SPEC, attention="flash").memory.activation_bytes == eager - SCORES * 4 + 2 * 4 * 4


def test_llama3_8b_by_hand():
    # 32 layers of 32 heads at T = 2048 in bf16-mixed (2 B): each keeps 32·2048·2048 probabilities
    # (2 B) under eager; under flash 32·2048 float32 statistics
    path = SPECS / "llm" / "llama3_8b.yaml"
    eager = archcalc.train(path, precision="bf16-mixed").memory.activation_bytes
    flash = archcalc.train(path, precision="bf16-mixed", attention="flash").memory.activation_bytes
    assert eager - flash == 32 * (32 * 2048 * 2048 * 2 - 32 * 2048 * 4)


# DeepSeek's multi-head latent attention, 2 heads on [T = 4, C = 8]: its probabilities are
# heads · T · T = 32 per sample, as for the attention above.
LATENT = {"input": [4, 8], "layers": [{"type": "latent_attention", "heads": 2, "kv_rank": 4, "nope_dim": 2,
                                       "rope_dim": 2, "v_dim": 4}]}


def test_latent_attention_follows_the_kernel_too():
    # inference: input 4·8 and output 4·8 alive; eager adds the scores and their softmax (2 · 32)
    peaks = [archcalc.analyze(LATENT, attention=k).totals.memory.peak_activation_bytes for k in (None, "eager")]
    assert peaks == [(32 + 32) * 4, (32 + 32 + 2 * SCORES) * 4]
    # training: flash keeps 4 · 2 float32 statistics instead of the 32 probabilities (4 B each)
    eager = archcalc.train(LATENT).memory.activation_bytes
    assert archcalc.train(LATENT, attention="flash").memory.activation_bytes == eager - SCORES * 4 + 4 * 2 * 4


def test_a_model_without_attention_refuses_the_option():
    with pytest.raises(ArchcalcError, match="attention eager: resnet50 has no attention layer"):
        archcalc.analyze(SPECS / "resnet50.yaml", attention="eager")
    result = CliRunner().invoke(cli, ["analyze", str(SPECS / "resnet50.yaml"), "--attention", "flash"])
    assert result.exit_code == 2
    assert result.output.strip() == ("error: --attention flash: resnet50 has no attention layer, so no figure "
                                     "depends on the attention kernel")


def test_a_comparison_applies_the_kernel_where_there_is_attention(tmp_path):
    spec = tmp_path / "att.yaml"
    spec.write_text(json.dumps(SPEC))
    cnn = str(SPECS / "seed" / "cnn_4x4.yaml")
    peaks = json.loads(CliRunner().invoke(cli, ["compare", cnn, str(spec), "--attention", "eager", "--format",
                                                "json"]).stdout)["models"]
    assert [m["peak_activation_bytes"] for m in peaks] == [
        archcalc.analyze(cnn).totals.memory.peak_activation_bytes, (32 + 32 + 2 * SCORES) * 4]
    alone = CliRunner().invoke(cli, ["compare", cnn, cnn, "--attention", "eager"])
    assert alone.exit_code == 2 and "cnn_4x4 has no attention layer" in alone.output


def test_selective_recompute_has_nothing_to_rebuild_under_flash():
    with pytest.raises(ArchcalcError, match="nothing to recompute"):
        archcalc.train(SPEC, attention="flash", recompute="attention")


@pytest.mark.parametrize("kernel", [None, "eager", "flash"])
def test_every_format_says_the_kernel_chosen(tmp_path, kernel):
    spec = tmp_path / "att.yaml"
    spec.write_text(json.dumps(SPEC))
    extra = [] if kernel is None else ["--attention", kernel]

    def run(fmt):
        result = CliRunner().invoke(cli, ["analyze", str(spec), *extra, "--format", fmt])
        assert result.exit_code == 0, result.output
        return result.stdout
    data = json.loads(run("json"))
    assert data.get("attention") == kernel                    # JSON: the key only when chosen
    assert data["totals"] == archcalc.analyze(SPEC, attention=kernel).to_dict()["totals"]   # the API's figures
    said = f"{kernel} attention" if kernel else "attention"
    if kernel:
        assert said in run("table").splitlines()[0] and said in run("markdown")
        rows = list(csv.DictReader(io.StringIO(run("csv"))))
        assert [row["value"] for row in rows if (row["name"], row["type"]) == ("attention", "model")] == [kernel]
    else:
        assert "eager" not in run("table") and "flash" not in run("markdown")


def test_an_unknown_kernel_is_refused():
    assert CliRunner().invoke(cli, ["analyze", str(SPECS / "llm/gpt2_small.yaml"), "--attention", "sdpa"]).exit_code == 2
    with pytest.raises(ArchcalcError, match="attention must be one of eager, flash"):
        archcalc.analyze(SPEC, attention="sdpa")
