"""The multi-head latent attention kernel (DeepSeek-V2/V3), run as transformers runs it:
queries through their latent (or directly), keys and values expanded from the normalised
key/value latent at every position, RoPE on each head's rotated query part and on the one
rotated key all heads share, then causal attention per head.

Every size comes from the tensors and arguments; the MACs are those executed."""

from __future__ import annotations

from .attention import _attend, _matrix, _normalised, _project, _rotate
from .tensor import Tensor
from .kernels import kernel


def _rms(rows: list[list[float]], w) -> None:
    """An RMSNorm over each row, its scale drawn here."""
    width = len(rows[0]) if rows else 0
    _normalised(rows, width, w.learned(width).tolist(), None, "rmsnorm")


@kernel("latent_attention")
def latent_attention(args, inputs, w):
    x = inputs[0]
    steps, c = x.shape
    heads, kv_rank, q_rank = args["heads"], args["kv_rank"], args.get("q_rank")
    nope, rope, v_dim = args["nope_dim"], args["rope_dim"], args["v_dim"]
    out_width = args.get("dim") or c
    bias = args.get("bias", False)
    qk = nope + rope
    tokens = [x.data[t * c:(t + 1) * c] for t in range(steps)]
    macs = 0

    # Queries: through their latent and its norm, or straight from the input (no bias then).
    if q_rank:
        latent, m = _project(tokens, _matrix(w, q_rank, c), w.learned(q_rank).tolist() if bias else None)
        _rms(latent, w)
        q, m2 = _project(latent, _matrix(w, heads * qk, q_rank), None)
        macs += m + m2
    else:
        q, m = _project(tokens, _matrix(w, heads * qk, c), None)
        macs += m
    # One projection gives the key/value latent and the shared rotated key.
    compressed, m = _project(tokens, _matrix(w, kv_rank + rope, c),
                             w.learned(kv_rank + rope).tolist() if bias else None)
    macs += m
    latent_kv = [row[:kv_rank] for row in compressed]
    shared_key = [row[kv_rank:] for row in compressed]
    _rms(latent_kv, w)
    expanded, m = _project(latent_kv, _matrix(w, heads * (nope + v_dim), kv_rank), None)
    macs += m
    _rotate(shared_key, list(range(steps)))

    mixed = [[0.0] * (heads * v_dim) for _ in range(steps)]
    for h in range(heads):
        q_rot = [row[h * qk + nope:(h + 1) * qk] for row in q]
        _rotate(q_rot, list(range(steps)))
        qh = [row[h * qk:h * qk + nope] + r for row, r in zip(q, q_rot)]
        base = h * (nope + v_dim)
        kh = [row[base:base + nope] + key for row, key in zip(expanded, shared_key)]
        vh = [row[base + nope:base + nope + v_dim] for row in expanded]
        causal = args.get("causal", False)
        rows, m = _attend(qh, kh, vh, lambda t, s: 0.0, (lambda t, s: s <= t) if causal else (lambda t, s: True))
        macs += m
        for t, row in enumerate(rows):
            mixed[t][h * v_dim:(h + 1) * v_dim] = row
    out, m = _project(mixed, _matrix(w, out_width, heads * v_dim), w.learned(out_width).tolist() if bias else None)
    macs += m
    return Tensor((steps, out_width), [value for row in out for value in row]), macs
