"""The command line: wires options to library functions, and errors to one line.

Library code raises typed errors; `ArchcalcGroup` turns a bad spec or bad usage
into one line, `error: …`, with exit status 2, an interrupt into status 130,
and anything unexpected into `internal error: …` with exit status 3, so a bug
is never mistaken for a bad spec.

Each command lives in its own module here, imported only when that command runs
(or `--help` lists them all): building every command's options cost each run
about 3 ms, more than `--version` may take (benchmarks/bench_startup.py).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, Sequence

import click

from .. import __version__
from ..errors import COMMAND_LINE, ArchcalcError
from ..text import one_line

# Command name -> the module of archcalc.cli defining it, as a function of the same name.
COMMANDS = {
    "analyze": "analyze", "check": "check", "compare": "compare", "devices": "devices", "draw": "draw",
    "import": "import_model",
    "layers": "layers", "report": "report", "scale": "scale", "sweep": "sweep", "train": "train", "verify": "verify",
}
# What `archcalc --help` lists for each command: short enough to stand whole at 60 columns
# (click would cut a longer first sentence with "...").
SHORT_HELP = {
    "analyze": "Per-layer table and totals.", "check": "Budgets: exit 1 when over.",
    "compare": "Models side by side.", "devices": "The device table.", "draw": "Draw the layer graph as SVG.",
    "import": "Write a model file's spec.", "layers": "The layer types and arguments.",
    "report": "One offline HTML report.", "scale": "Cost at several input sizes.",
    "sweep": "A grid of variants, budgets, Pareto.",
    "train": "A training step's cost.", "verify": "Run the reference pass.",
}
# Other spellings of a command, accepted but not listed: the British spelling the prose uses.
ALIASES = {"analyse": "analyze"}


class ArchcalcGroup(click.Group):
    def list_commands(self, ctx) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx, name: str):
        name = ALIASES.get(name, name)
        if name not in self.commands and name in COMMANDS:
            module = importlib.import_module(f"{__name__}.{COMMANDS[name]}")
            command = getattr(module, COMMANDS[name])
            command.short_help = command.short_help or SHORT_HELP.get(name)
            self.add_command(command, name)
        return self.commands.get(name)

    def parse_args(self, ctx, args):
        # `archcalc` alone: the help, as with --help (click would raise it as a usage error,
        # which would become one squashed error line).
        if not args and not ctx.resilient_parsing:
            click.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib      # only a misspelt command needs it
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise click.UsageError(f"no such command '{name}'{hint}", ctx)
        return super().resolve_command(ctx, args)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        """Click's own error blocks (Usage:/Try/Error:) become one `error:` line."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "archcalc"
            click.echo(f"error: {one_line(exc.format_message())} (see '{command} --help')", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"error: {one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        spelling = COMMAND_LINE.set(True)        # messages name settings as options (--seq-len)
        try:
            return super().invoke(ctx)
        except ArchcalcError as exc:
            if exc.__cause__ is not None and (ctx.params.get("debug") or os.environ.get("ARCHCALC_DEBUG")):
                raise       # a model file's node that tripped a reader: --debug shows where
            # One line each, always: a name or value in the message may hold a line break or an escape.
            for error in getattr(exc, "errors", [exc]):
                click.echo("error: " + one_line(str(error)), err=True)
            ctx.exit(2)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            raise click.exceptions.Abort() from None
        except Exception as exc:  # a bug of ours, not the user's
            if ctx.params.get("debug") or os.environ.get("ARCHCALC_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {one_line(str(exc))} "
                       "(rerun with --debug for the traceback)", err=True)
            ctx.exit(3)
        finally:
            COMMAND_LINE.reset(spelling)


@click.group(cls=ArchcalcGroup, context_settings={"help_option_names": ["-h", "--help"]})
# The message and help given here, not left to click: its defaults go through gettext at import.
@click.version_option(__version__, prog_name="archcalc", message="%(prog)s, version %(version)s",
                      help="Show the version and exit.")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
@click.option("--max-file-size", type=click.IntRange(min=1), default=16, show_default=True, metavar="MIB",
              help="Refuse specs and JSON configs larger than this many MiB (model files with weights, "
                   "such as ONNX, may be up to 4 GiB).")
@click.option("--max-layers", type=click.IntRange(min=1), default=10_000_000, show_default=True,
              help="Refuse specs that expand to more layers than this.")
def cli(debug, max_file_size, max_layers):
    """How big and how expensive is this network? Parameters, MACs, FLOPs and memory
    of a network described in a YAML spec."""


def main():
    cli(prog_name="archcalc")

