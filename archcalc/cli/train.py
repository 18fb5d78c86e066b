"""`archcalc train`: the cost of a training step."""

from __future__ import annotations

import click

from ..completion import complete_model_files
from .common import analyze_graph_with_workload, choose_format, emit, load_all, render_options, report_options


@click.command()
@click.argument("specs", nargs=-1, required=True, shell_complete=complete_model_files)
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam", "adamw"]), default="adamw",
              show_default=True, help="Optimizer whose state is counted.")
@click.option("--precision", type=click.Choice(["fp32", "bf16-mixed", "fp16-mixed"]), default="fp32",
              show_default=True, help="fp32, or mixed precision (2-byte weights, gradients, activations).")
@click.option("--recompute", is_flag=True, help="Activation checkpointing per top-level layer or block.")
@click.option("--tokens", type=click.IntRange(min=1), help="Tokens to train on: steps = tokens / (batch · T).")
@click.option("--steps", type=click.IntRange(min=1), help="Steps to train (default 1).")
@report_options
def train(specs, optimizer, precision, recompute, tokens, steps, fmt, batch, dtype, exact, output):
    """MACs, FLOPs and memory of a training step of each SPEC (forward, backward, optimizer)."""
    fmt = choose_format(fmt, output, specs=specs)
    from ..render import renderer
    from ..workloads.training import train_figures
    items = []
    for graph in load_all(specs, batch, dtype):
        report = analyze_graph_with_workload(graph)
        items.append((report, train_figures(graph, report, optimizer=optimizer, precision=precision,
                                            recompute=recompute, steps=steps, tokens=tokens)))
    emit(renderer(fmt).training(items, render_options(exact, output)), output, specs)
