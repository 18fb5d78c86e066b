"""`archcalc train`: the cost of a training step."""

from __future__ import annotations

import click

from ..completion import complete_model_files
from .common import Count, chosen_device, choose_format, device_options, emit, load_all, render_options, report_options


def _refuse_inference_options(dtype) -> None:
    """Options of the inference figures that a training step has no use for: refused, not ignored."""
    if dtype is not None:
        raise click.UsageError("train does not take --dtype: a training step's number formats come from "
                               "--precision (fp32, bf16-mixed, fp16-mixed)")
    ctx = click.get_current_context()
    if ctx.meta.get("archcalc.context") is not None:
        raise click.UsageError("train does not take --context: a training step keeps no KV cache "
                               "(its sequence length is the model's T)")


def _recompute_mode(ctx, param, value):
    """`--recompute MODE`; a bare `--recompute` means full, as when it was a flag, also when a
    SPEC follows it (`train --recompute model.yaml`): that word goes back to the SPECs."""
    from ..workloads.training import RECOMPUTE_MODES as MODES   # the command needs it anyway
    if value in MODES:
        return value
    if value == "-" or (not value.startswith("-") and ("." in value or "/" in value)):
        ctx.meta["archcalc.train.spec"] = value
        return "full"
    raise click.BadParameter(f"{value!r} is not one of {', '.join(MODES)}", ctx, param)


@click.command()
@click.argument("specs", nargs=-1, shell_complete=complete_model_files)
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam", "adamw"]), default="adamw",
              show_default=True, help="Optimizer whose state is counted.")
@click.option("--precision", type=click.Choice(["fp32", "bf16-mixed", "fp16-mixed"]), default="fp32",
              show_default=True, help="fp32, or mixed precision (2-byte weights, gradients, activations).")
@click.option("--recompute", metavar="[none|attention|full]", default="none", is_flag=False, flag_value="full",
              show_default=True, callback=_recompute_mode,
              help="Recompute during the backward pass: full (alone: checkpoint every top-level block use), "
                   "attention (Korthikanti et al.'s selective recompute) or none.")
@click.option("--tokens", type=Count(), help="Tokens to train on: steps = tokens / (batch · T).")
@click.option("--steps", type=Count(), help="Steps to train (default 1).")
@click.option("--devices", type=Count(), help="Data-parallel copies the step's batch is split over (needs --device).")
@click.option("--step-time", metavar="DURATION",
              help="A measured step time (e.g. 850ms): gives the model-FLOPs utilisation it means (needs --device).")
@report_options
@device_options
def train(specs, optimizer, precision, recompute, tokens, steps, devices, step_time, fmt, batch, dtype, exact, output):
    """MACs, FLOPs and memory of a training step of each SPEC (forward, backward, optimizer)."""
    specs = (*([taken] if (taken := click.get_current_context().meta.get("archcalc.train.spec")) else []), *specs)
    if not specs:
        raise click.UsageError("Missing argument 'SPECS...'.")
    fmt = choose_format(fmt, output, specs=specs)
    _refuse_inference_options(dtype)
    from ..render import renderer
    from ..workloads.training import train_figures
    from ..api import analyze_graph
    device, measured = _device_settings(devices, step_time)
    items = []
    for graph in load_all(specs, batch, None):
        if graph.context is not None:
            graph = graph._replace(context=None)    # a spec's `workload: {context}` is for decoding
        report = analyze_graph(graph)
        settings = dict(optimizer=optimizer, precision=precision, recompute=recompute, steps=steps, tokens=tokens)
        figures = train_figures(graph, report, **settings)
        if device is not None:
            from ..roofline_training import train_on_device
            efficiency = click.get_current_context().meta.get("archcalc.efficiency")
            figures = train_on_device(graph, report, figures, device, devices or 1, measured, efficiency, **settings)
        items.append((report, figures))
    emit(renderer(fmt).training(items, render_options(exact, output)), output, specs)


def _device_settings(devices, step_time):
    """The --device, and --step-time in seconds; --devices and --step-time refused without a device."""
    device = chosen_device()
    for option, value in (("--devices", devices), ("--step-time", step_time)):
        if value is not None and device is None:
            raise click.UsageError(f"{option} needs --device: it is read against a device's peak")
    measured = None
    if step_time is not None:
        from ..errors import UsageError
        from ..units import parse_duration
        try:
            measured = parse_duration(step_time) / 1e9
        except UsageError as exc:
            raise UsageError(f"--step-time: {exc}") from None
    return device, measured
