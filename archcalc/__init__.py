"""archcalc: parameters, MACs, FLOPs and memory of a network, before anyone trains it.

    import archcalc
    report = archcalc.analyze("specs/resnet50.yaml")
    report.totals.params        # 25557032

Submodules are imported on first use, so `import archcalc` stays cheap for the CLI.
"""

__version__ = "0.2.0"

_LAZY = {
    "analyze": "api", "analyze_file": "api", "analyze_text": "api", "analyze_mapping": "api",
    "analyze_graph": "api", "load": "api", "train": "api", "check": "api",
    "compare_models": "api", "scale_model": "api", "sweep_model": "api", "Analysis": "api", "devices": "api",
    "Device": "device_table", "roofline": "roofline_inference",
    "Graph": "graph", "Node": "graph",
    "Report": "report", "Totals": "report", "Memory": "report", "LayerReport": "report", "Block": "report",
    "ArchcalcError": "errors", "SpecError": "errors", "UsageError": "errors",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'archcalc' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f"archcalc.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_LAZY})      # a name already looked up is in both


__all__ = ["__version__", *_LAZY]
