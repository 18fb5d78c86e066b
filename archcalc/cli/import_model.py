"""`archcalc import`: a model file translated into a readable spec."""

from __future__ import annotations

import os

import click

from .. import __version__
from ..completion import complete_model_files
from ..text import one_line
from .common import emit, import_options, import_settings


@click.command("import")
@click.argument("model", required=False, shell_complete=complete_model_files)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the spec to FILE (whole or not at all) instead of standard output.")
@click.option("--list-ops", is_flag=True, help="List the ONNX operators the importer covers, and stop.")
@import_options
def import_model(model, output, list_ops):
    """Translate a model file (ONNX, Hugging Face config.json, Keras JSON) or PyTorch code
    (package.module:attribute, file.py:attribute) into a readable spec."""
    from ..frontends import choose_door, import_file, read_source
    from ..frontends.writing import spec_to_yaml
    from ..errors import UsageError
    if list_ops:
        from ..frontends import _importer
        emit("\n".join(_importer("onnx").list_ops()))
        return
    if model is None:
        raise click.UsageError("import needs a MODEL file (or --list-ops)")
    if output and os.path.splitext(output)[1].lower() not in ("", ".yaml", ".yml"):
        raise UsageError(f"cannot write {output}: import writes a spec, .yaml or .yml")
    max_spec_bytes = (click.get_current_context().find_root().params.get("max_file_size") or 16) * 2**20
    from ..frontends import import_code
    imported = import_code(model, import_settings())
    file = model
    if imported is None:
        file, data = read_source(model, max_spec_bytes)
        door, content = choose_door(file, data)
        if door == "yaml":
            raise UsageError(f"{file} is already a spec: analyse it directly")
        imported = import_file(door, content, file, import_settings())
    for note in imported.notes:
        click.echo(f"note: {one_line(file)}: {one_line(note)}", err=True)
    emit(spec_to_yaml(imported, file, __version__), output, [model])
