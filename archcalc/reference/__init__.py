"""A NumPy-free forward pass: runs a spec on real numbers to prove its shapes and MACs.

`run(spec, input=None, seed=0)` returns the output tensor(s) and one record
per layer; `archcalc verify` compares the records with the analysis.
"""

from .run import LayerRun, RunResult, run

__all__ = ["LayerRun", "RunResult", "run"]
