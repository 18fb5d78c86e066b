"""Writing output files safely: whole or not at all, never over an input, never replacing
a device or a pipe, keeping an existing file's permissions."""

from __future__ import annotations

import os
import signal
import stat
import sys
import tempfile
from pathlib import Path
from typing import Iterable

from .errors import UsageError


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _stdin_identity() -> tuple[int, int] | None:
    try:
        info = os.fstat(sys.stdin.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def check_targets(targets, protected=()) -> None:
    """Refuse, before anything is written: a target that is an input (a spec read from
    standard input included), a directory, or two outputs on one file."""
    inputs = {}
    for spec in protected:
        identity = _stdin_identity() if spec == "-" else _identity(spec)
        if identity is not None:
            inputs[identity] = "standard input" if spec == "-" else spec
    seen: dict = {}
    for target in targets:
        if target is None:
            continue
        if os.path.isdir(target):
            raise UsageError(f"cannot write {target}: it is a directory")
        written: tuple[int, int] | tuple[str, str] = _identity(target) or ("new", os.path.abspath(target))
        if written in inputs:
            source = inputs[written]
            # name the output too only when it is spelt differently from the input it would replace
            also = "" if source == target else f" ({target})"
            raise UsageError(f"refusing to write over the input spec {source}{also}")
        if written in seen:
            raise UsageError(f"two outputs go to one file: {seen[written]} and {target}")
        seen[written] = target


def write_atomic(path: str, text: str | Iterable[str], protected=()) -> None:
    """Writes `text` (or its pieces, one after another) to a temporary file beside `path`,
    then renames it over `path`."""
    check_targets([path], protected)
    real = os.path.realpath(path)
    try:
        info = os.stat(real)
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_through(path, text)      # a device, a pipe, a terminal: write into it, never replace it
        return
    target = Path(real)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    previous = _cleanup_on_terminate()
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            _write_pieces(handle, text)
        if info is not None:
            mode = stat.S_IMODE(info.st_mode)        # keep the file's own permissions
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask                    # mkstemp makes 0600; give the usual permissions
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    finally:
        _restore(previous)


def _write_pieces(handle, text: str | Iterable[str]) -> None:
    for piece in [text] if isinstance(text, str) else text:
        handle.write(piece)


def _write_through(path: str, text: str | Iterable[str]) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            _write_pieces(handle, text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


class _Terminated(SystemExit):
    """SIGTERM while a file is written: unwinds through the cleanup, then exits 143 (128 + 15,
    what a shell reports for a process ended by SIGTERM), quietly: a SystemExit prints no
    traceback and no handler of ours catches it."""

    def __init__(self):
        super().__init__(128 + signal.SIGTERM)


def _cleanup_on_terminate():
    try:
        def terminated(signum, frame):
            raise _Terminated()
        return signal.signal(signal.SIGTERM, terminated)
    except ValueError:          # not the main thread: no handler can be set
        return None


def _restore(previous) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


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
