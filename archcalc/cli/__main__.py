"""`python -m archcalc.cli`, as `python -m archcalc`."""

from . import main

main()
