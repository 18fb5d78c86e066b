"""Writing output files safely: whole or not at all, and never over an input spec."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import UsageError


def write_atomic(path: str, text: str, protected=()) -> None:
    target = Path(path)
    for spec in protected:
        if spec != "-" and Path(spec).exists() and target.exists() and target.resolve() == Path(spec).resolve():
            raise UsageError(f"refusing to write over the input spec {spec}")
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)   # mkstemp makes 0600; give the file the usual permissions
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def export_terminal_output(ansi_text: str, *, svg: str | None, html: str | None, title: str, protected=()) -> None:
    """Save what the table format printed (with its colours) as SVG or HTML through rich."""
    import io

    from rich.console import Console
    from rich.text import Text
    width = max((len(line) for line in Text.from_ansi(ansi_text).plain.splitlines()), default=80)
    console = Console(file=io.StringIO(), record=True, width=width, force_terminal=True, color_system="standard")
    console.print(Text.from_ansi(ansi_text), end="")
    if svg:
        write_atomic(svg, console.export_svg(title=title, clear=False), protected)
    if html:
        write_atomic(html, console.export_html(clear=False), protected)
