"""Code targets: `package.module:attribute` or `path/to/file.py:attribute`, and the factory
arguments of `--kwargs`.

Importing the user's module is the one side effect the door allows (it is their code, run as
`python -c 'import …'` would run it); nothing here imports torch.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from types import ModuleType
from typing import Any, Mapping

from ...errors import SpecError

# `pkg.mod:attr` — dotted Python identifiers on both sides of one colon.
_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_MODULE_TARGET = re.compile(rf"({_DOTTED}):({_DOTTED})")
_FILE_TARGET = re.compile(rf"(.+\.py):({_DOTTED})")


def is_code_target(source: str) -> bool:
    """Is `source` a code target rather than a file? A file that exists is always a file (a
    name may hold a colon); otherwise `pkg.mod:attr`, or `FILE.py:attr` whose FILE.py exists."""
    if source == "-" or os.path.exists(source):
        return False
    if _MODULE_TARGET.fullmatch(source):
        return True
    found = _FILE_TARGET.fullmatch(source)
    return found is not None and os.path.isfile(found.group(1))


def load_target(source: str) -> Any:
    """The object a target names (a module class, a factory, or a module object)."""
    found = _FILE_TARGET.fullmatch(source)
    if found is not None and os.path.isfile(found.group(1)):
        module = _import_file(found.group(1), source)
    else:
        matched = _MODULE_TARGET.fullmatch(source)
        if matched is None:
            raise SpecError("not a code target: expected package.module:attribute or path/to/file.py:attribute",
                            source)
        module = _import_module(matched.group(1), source)
        found = matched
    value: Any = module
    for part in found.group(2).split("."):
        if not hasattr(value, part):
            raise SpecError(f"{found.group(1)} has no attribute '{found.group(2)}'", source)
        value = getattr(value, part)
    return value


def _import_module(name: str, source: str) -> ModuleType:
    # The working directory comes first, as for `python -m`: a project's own package is found.
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    if importlib.util.find_spec(name.split(".")[0]) is None:
        raise SpecError(f"no module named '{name.split('.')[0]}' (from the current directory or the installed "
                        "packages)", source)
    return importlib.import_module(name)


def _import_file(path: str, source: str) -> ModuleType:
    name = "archcalc_target_" + re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SpecError(f"cannot import {path}", source)
    module = importlib.util.module_from_spec(spec)
    # The file's own directory is importable from it, as when it is run as a script.
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def read_kwargs(pairs: Mapping[str, str]) -> dict[str, Any]:
    """`--kwargs NAME=VALUE` pairs, each value read as a YAML scalar or flow collection
    (`num_classes=10`, `weights=null`, `widths=[32, 64]`), or `@FILE.yaml`: a mapping of them."""
    import yaml
    values: dict[str, Any] = {}
    for name, text in pairs.items():
        if not name.isidentifier():
            raise SpecError(f"--kwargs: '{name}' is not a Python argument name", "--kwargs")
        try:
            values[name] = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError as exc:
            raise SpecError(f"--kwargs {name}: not a YAML value ({str(exc).splitlines()[0]})", "--kwargs") from None
    return values


def read_kwargs_file(path: str) -> dict[str, Any]:
    """A YAML mapping of factory arguments (`--kwargs @args.yaml`)."""
    import yaml
    try:
        with open(path, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
    except OSError as exc:
        raise SpecError(f"--kwargs: cannot read {path}: {exc.strerror or exc}", "--kwargs") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"--kwargs: {path} is not YAML ({str(exc).splitlines()[0]})", "--kwargs") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(k, str) and k.isidentifier() for k in loaded):
        raise SpecError(f"--kwargs: {path} must be a mapping of argument names to values", "--kwargs")
    return dict(loaded)
