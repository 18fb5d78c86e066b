"""archcalc: parameters, MACs, FLOPs and memory of a network from a YAML spec."""

from __future__ import annotations

__version__ = "0.1.0"


def analyze(spec, batch=None, dtype=None):
    """Analyse a spec (a path, YAML text or a mapping); returns a `Report`.

    Imported lazily so that `import archcalc` stays cheap for the CLI.
    """
    from .analysis import analyze as _analyze
    return _analyze(spec, batch=batch, dtype=dtype)


__all__ = ["analyze", "__version__"]
