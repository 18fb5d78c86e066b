"""`archcalc devices`: the shipped device table, every figure with its source."""

from __future__ import annotations

import click

from .common import emit, terminal_width


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default="table",
              show_default=True, help="Output format.")
def devices(fmt):
    """List the devices --device names: dense peaks per dtype, bandwidth, memory, source."""
    from ..device_table import shipped_devices
    from ..render.devices import device_list
    emit(device_list(shipped_devices(), fmt, terminal_width()))
