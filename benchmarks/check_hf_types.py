"""Every Hugging Face model type the door reads, on a real checkpoint's config, beside the
figures transformers gives for the same config; then the popular types it refuses, each with its
one-line refusal.

transformers' figures are the ones tests/fixtures/make_hf_fixtures.py recorded (the model built on
the meta device from each config under tests/fixtures/hf/; run that script to refresh them), so
this needs nothing beyond archcalc:

    python benchmarks/check_hf_types.py [--seq-len T]

Prints two Markdown tables: per config its model_type, the checkpoint, transformers' params
(active params for mixture-of-experts models), archcalc's, archcalc's forward MACs at T
positions (2,048 unless the context is shorter or --seq-len says), its KV cache per token in the
config's dtype, and the status (exact or different); then per refused type the line archcalc
prints.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import archcalc
from archcalc.errors import ArchcalcError
from archcalc.frontends.huggingface.traits import NEIGHBOURS

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def _figure(params: int, active: int | None) -> str:
    return f"{params:,}" + (f" ({active:,} active)" if active is not None and active != params else "")


def _kv_per_token(path: Path, seq_len: int | None) -> str:
    try:
        decoding = archcalc.analyze(path, seq_len=seq_len, context=1).totals.decoding
    except ArchcalcError:           # no causal self-attention (encoders): no cache
        return "-"
    return f"{decoding.kv_cache_bytes_per_token:,} B"


def exact_rows(seq_len: int | None) -> tuple[list[str], int]:
    expected = json.loads((FIXTURES / "hf_expected.json").read_text())
    rows, exact = [], 0
    for name, figures in sorted(expected.items(), key=lambda item: (json.loads(
            (FIXTURES / "hf" / item[0]).read_text())["model_type"], item[0])):
        path = FIXTURES / "hf" / name
        kind = json.loads(path.read_text())["model_type"]
        totals = archcalc.analyze(path, seq_len=seq_len).totals
        theirs = (figures["params"], figures.get("active_params", figures["params"]))
        ours = (totals.params, totals.active_params)
        exact += ours == theirs
        rows.append(f"| `{kind}` | {figures['checkpoint']} | {_figure(*theirs)} | {_figure(*ours)} | "
                    f"{totals.macs:,} | {_kv_per_token(path, seq_len)} | {'exact' if ours == theirs else 'DIFFERENT'} |")
    return rows, exact


def refused_rows() -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        for kind in sorted(NEIGHBOURS):
            path.write_text(json.dumps({"model_type": kind}))
            try:
                archcalc.load(path)
                line = "read (no longer refused)"
            except ArchcalcError as error:
                line = str(error).split(": ", 1)[1]
            rows.append(f"| `{kind}` | {line} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seq-len", type=int, default=None, help="T for the MACs (default: the door's)")
    args = parser.parse_args()
    rows, exact = exact_rows(args.seq_len)
    print("| model_type | checkpoint | transformers params | archcalc params | archcalc MACs | KV cache per token "
          "| status |")
    print("|---|---|---:|---:|---:|---:|---|")
    print("\n".join(rows))
    print(f"\n{exact} of {len(rows)} configs exact, {len({r.split('`')[1] for r in rows})} model types.\n")
    print("| refused model_type | archcalc's line |")
    print("|---|---|")
    print("\n".join(refused_rows()))
    return 0 if exact == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
