"""`archcalc sweep`: one spec over a grid of settings, each point analysed as `analyze --set`
would, with budgets, the Pareto front and measured results joined.

By job: `grid.py` reads `--set NAME=VALUES` into axes and numbers the points (the full
product, or `--zip`); `source.py` reads the file once and builds each point's graph;
`run.py` analyses the points in order, in this process or over a pool of processes;
`front.py` marks the non-dominated points; `join.py` reads measured results; `lines.py`
writes and reads the JSON lines that `--shard` runs produce and `--merge` joins.
"""
