"""`archcalc sweep` from its options to a stream of points: what the command asks for is
checked whole (the grid, its size, the budgets, the front's figures, the joined file) before
any point is analysed."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping, NamedTuple

from ..errors import UsageError
from ..frontends.imported import ImportOptions
from ..text import one_line
from .grid import Grid, check_size, parse_shard, read_grid
from .join import Joined
from .source import Job, Point, Source
from .view import SweepView, label


MAX_NOTES = 20        # distinct notes and warnings said per sweep (a warning may name each point's value)


class Request(NamedTuple):
    """The command line's options, as given."""

    spec: str
    parts: tuple[str, ...]
    items: tuple[str, ...]
    zipped: bool
    pareto: str | None
    maximise: tuple[str, ...]
    join: str | None
    jobs: int | None
    shard: str | None
    merge: bool
    max_points: int
    keep_going: bool
    fmt: str
    batch: int | None
    dtype: str | None
    budgets: Mapping[str, str | None]       # "max_params" -> "5M"
    options: ImportOptions | None
    context: int | None
    limits: tuple[int | None, int]          # --max-layers, --max-file-size in bytes
    device: Any = None                      # --device (a device_table.Device) and --efficiency
    efficiency: float | None = None
    time_budgets: Mapping[str, int] = {}    # --max-latency, --min-tokens-per-second, read on the device


class Plan(NamedTuple):
    request: Request
    job: Job
    points: range                           # the numbers of the points this run analyses
    joined: Joined | None
    front: tuple[tuple[str, int], ...]      # (figure, +1 minimised | -1 maximised)
    budgeted: bool                          # a budget is set (flags, or the spec's `budget:`)


def plan(request: Request) -> Plan:
    from ..budget import read_budget_flags
    from ..frontends import read_source
    _refuse_combinations(request)
    budget = {**read_budget_flags({key[len("max_"):]: text for key, text in request.budgets.items()}),
              **request.time_budgets}
    file, data = read_source(request.spec, request.limits[1])
    job = Job(file, bytes(data), Grid(()), {}, request.options, request.batch, request.dtype, request.context,
              budget, request.limits[0], request.device, request.efficiency)
    source = Source(job)
    grid = read_grid(list(request.items), source.declared(), request.zipped, request.max_points)
    _refuse_knob_twice(request, grid, source)
    job = job._replace(grid=grid)
    shard = parse_shard(request.shard) if request.shard else None
    points = check_size(grid, request.max_points, shard)
    joined = None
    if request.join:
        from ..frontends.reading import decode_text, read_input
        from .join import read_join
        name, raw = read_input(request.join, request.limits[1])
        joined = read_join(decode_text(bytes(raw), name), name, grid)
    front: tuple[tuple[str, int], ...] = ()
    if request.pareto:
        from .front import read_figures
        front = read_figures(request.pareto, joined.columns if joined else (), request.maximise)
    budgeted = bool(budget) or (isinstance(source.parsed, Mapping) and source.parsed.get("budget") is not None)
    return Plan(request, job, points, joined, front, budgeted)


def _refuse_combinations(request: Request) -> None:
    if request.maximise and not request.pareto:
        raise UsageError("--maximise: it says which --pareto figure to maximise; give --pareto")
    if request.parts and not request.merge:
        raise UsageError(f"{request.parts[0]}: sweep takes one SPEC; files after it are --merge's parts")
    if request.merge and not request.parts:
        raise UsageError("--merge: give the JSON lines files of the --shard runs after SPEC")
    if request.merge and (request.shard or request.jobs):
        raise UsageError(f"{'--shard' if request.shard else '--jobs'} does not apply to --merge (nothing is analysed)")
    if request.shard and request.pareto:
        raise UsageError("--pareto needs every point: give it to the --merge of the shards, not to --shard")
    if request.shard and request.fmt != "jsonl":
        raise UsageError("--shard writes JSON lines for --merge: give --format jsonl (or -o FILE.jsonl)")


def _refuse_knob_twice(request: Request, grid: Grid, source: Source) -> None:
    given = {"batch": request.batch, "dtype": request.dtype, "context": request.context, "device": request.device,
             "seq_len": request.options.seq_len if request.options else None}
    for axis in grid.axes:
        if axis.knob and given[axis.name] is not None:
            flag = "--" + axis.name.replace("_", "-")
            raise UsageError(f"--set {axis.name}: {flag} gives it one value already (sweep it in --set alone)")
        if axis.knob and axis.name == "seq_len":
            from ..frontends import refuse_options
            refuse_options(source.door, ImportOptions(seq_len=1), source.job.file)


def points_of(planned: Plan, state: dict[str, int], say: Callable[[str], None]) -> Iterator[Point]:
    """The points in grid order, each with its measured columns; an invalid point stops the
    sweep with its settings, or with --keep-going is said (`say`) and counted in `state`."""
    request = planned.request
    if request.merge:
        from ..frontends.reading import decode_text, read_input
        from .lines import read_parts

        def read(file: str) -> str:
            name, raw = read_input(file, max(request.limits[1], 2**31))
            return decode_text(bytes(raw), name)
        points: Iterator[Point] = iter(read_parts(request.parts, planned.job.grid, read))
    else:
        from .run import default_jobs, run_points
        points = run_points(planned.job, planned.points, request.jobs or default_jobs())
    names = [a.name for a in planned.job.grid.axes]
    said: set[str] = set()
    for point in points:
        for note in point.notes:          # each said once, with the first point that has it
            if note not in said and len(said) < MAX_NOTES:
                said.add(note)
                kind, _, text = note.partition(": ")
                say(one_line(f"{kind}: {planned.job.file}: {text}{_at(point, names)}"))
        if point.error is not None:
            where = f"{point.error}{_at(point, names)}"
            if not request.keep_going:
                raise UsageError(where)
            say("error: " + one_line(where))
            state["errors"] = state.get("errors", 0) + 1
        if planned.joined is not None:
            point = point._replace(measured=planned.joined.measured(point.settings) or {})
        yield point


def _at(point: Point, names: list[str]) -> str:
    """` (point width=16 depth=3)`: which point a message is about (nothing when none is swept)."""
    return f" (point {label(point, names)})" if names else ""


def view_of(planned: Plan, points: Iterator[Point], keep: bool) -> SweepView:
    """What the renderers show; the points kept in a list when the front, a picture or a
    table needs them all, else handed on as they come."""
    from ..frontends.yaml import default_name
    job = planned.job
    name = default_name(job.file)
    figures = planned.front
    listed: Any = points
    if figures:
        from .front import mark_front
        listed = mark_front(list(points), figures)
    elif keep:
        listed = list(points)
    return SweepView(name, tuple(a.name for a in job.grid.axes), planned.joined.columns if planned.joined else (),
                     tuple(name for name, _ in figures), listed, planned.budgeted)
