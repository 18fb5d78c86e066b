"""The program: `archcalc …` and `python -m archcalc …`.

The entry point lives here rather than in `archcalc.cli` so that it runs before click
and archcalc's modules are imported.
"""

import gc


def main() -> None:
    # The cyclic collector is off for the whole command: start-up alone creates tens of thousands
    # of objects (modules, functions, classes) that live until exit, and the collector's passes
    # over them find nothing to free, about 5 ms of a 60 ms run (benchmarks/bench_startup.py).
    # Reference counting still frees everything else; what only the collector could free is a
    # few hundred objects per run whatever the model's size (tests/test_entry.py).
    gc.disable()
    from .cli import main as run
    run()


if __name__ == "__main__":
    main()
