"""The attention kernel: self- and cross-attention, grouped-query heads, causal masks,
RoPE, ALiBi, T5's and Swin's relative position tables, shifted windows.

It works out every size from the tensors and arguments it is given and counts the
multiply-accumulates it executes, so a mistake in the analysis cannot hide here.
"""

from __future__ import annotations

import math

from .kernels import dot, kernel
from .tensor import Tensor


def _matrix(w, rows: int, cols: int) -> list[list[float]]:
    data = w.learned(rows * cols).tolist()
    return [data[r * cols:(r + 1) * cols] for r in range(rows)]


def _project(tokens: list[list[float]], weights: list[list[float]], bias) -> tuple[list[list[float]], int]:
    out = [[dot(x, row) + (bias[o] if bias else 0.0) for o, row in enumerate(weights)] for x in tokens]
    return out, len(tokens) * len(weights) * (len(tokens[0]) if tokens else 0)


def _rotate(vectors: list[list[float]], positions: list[int]) -> None:
    """RoPE: each pair of a head's features turned by an angle that grows with the position."""
    for vector, p in zip(vectors, positions):
        half = len(vector) // 2
        for i in range(half):
            angle = p / (10000 ** (2 * i / len(vector)))
            a, b = vector[i], vector[i + half]
            vector[i], vector[i + half] = a * math.cos(angle) - b * math.sin(angle), a * math.sin(angle) + b * math.cos(angle)


def _normalised(rows: list[list[float]], span: int, gamma: list[float], beta, kind: str) -> None:
    """Each row cut into pieces of `span` features, each piece normalised (RMS, or mean and
    variance for LayerNorm) and scaled by `gamma` (and shifted by `beta`), indexed over the row."""
    for row in rows:
        for start in range(0, len(row), span):
            piece = row[start:start + span]
            mean = 0.0 if kind == "rmsnorm" else sum(piece) / span
            spread = math.sqrt(sum((x - mean) ** 2 for x in piece) / span + 1e-6)
            for i, x in enumerate(piece):
                row[start + i] = (x - mean) / spread * gamma[start + i] + (beta[start + i] if beta else 0.0)


def _norm_qk(args, q, k, heads: int, kv_heads: int, d: int, w) -> None:
    """The Q/K norms, drawn after the projections: one of d repeated over the heads, one per
    head, or one over all heads' width; LayerNorm's shift drawn after its scale."""
    kind = args.get("qk_norm", "none")
    if kind == "none":
        return
    span = args.get("qk_norm_span") or "head"
    for rows, n in ((q, heads), (k, kv_heads)):
        own = d if span == "head" else n * d
        gamma = w.learned(own).tolist()
        beta = w.learned(own).tolist() if kind == "layernorm" else None
        if span == "head":              # the one head's norm read at every head
            gamma, beta = gamma * n, (beta * n if beta else None)
        _normalised(rows, n * d if span == "all" else d, gamma, beta, kind)


def _attend(q, k, v, bias_of, mask_of, sink=None) -> tuple[list[list[float]], int]:
    """softmax(q·kᵀ / sqrt(d) + bias) · v for one head, the softmax's sum also over the head's
    sink logit when it has one (gpt-oss); returns the mixed rows and the MACs."""
    d = len(q[0])
    scale = 1 / math.sqrt(d)
    out, macs = [], 0
    for t, qt in enumerate(q):
        scores = []
        for s, ks in enumerate(k):
            scores.append(dot(qt, ks) * scale + bias_of(t, s))
            macs += d
        allowed = [mask_of(t, s) for s in range(len(k))]
        top = max([sc for sc, ok in zip(scores, allowed) if ok] + ([sink] if sink is not None else []))
        exps = [math.exp(sc - top) if ok else 0.0 for sc, ok in zip(scores, allowed)]
        total = sum(exps) + (math.exp(sink - top) if sink is not None else 0.0)
        row = []
        for j in range(len(v[0])):
            row.append(dot(exps, [vs[j] for vs in v]) / total)
            macs += len(v)
        out.append(row)
    return out, macs


def _mask(args, causal):
    """Which keys a query sees: all, the earlier ones (causal), the last W of them (a sliding window)."""
    window = args.get("sliding_window")
    if not causal:
        return lambda t, s: True
    if window is None:
        return lambda t, s: s <= t
    return lambda t, s: t - window < s <= t


@kernel("attention")
def attention(args, inputs, w):
    x = inputs[0]
    window = args.get("window")
    c = x.shape[-1]
    heads = args["heads"]
    kv_heads = args.get("kv_heads") or heads
    out_width = args.get("dim") or c
    d = args.get("head_dim") or out_width // heads
    qkv_bias = args["bias"] if args.get("qkv_bias") is None else args["qkv_bias"]
    out_bias = args["bias"] if args.get("out_bias") is None else args["out_bias"]

    # Weights, drawn in one fixed order: Q, K, V, output, then any position table.
    kv_source = inputs[1] if len(inputs) == 2 else x
    c_kv = kv_source.shape[-1]
    wq = _matrix(w, heads * d, c)
    bq = w.learned(heads * d).tolist() if qkv_bias else None
    wk = _matrix(w, kv_heads * d, c_kv)
    bk = w.learned(kv_heads * d).tolist() if qkv_bias else None
    wv = _matrix(w, kv_heads * d, c_kv)
    bv = w.learned(kv_heads * d).tolist() if qkv_bias else None
    wo = _matrix(w, out_width, heads * d)
    bo = w.learned(out_width).tolist() if out_bias else None
    table = args.get("relative_position_bias")

    if window is not None:
        return _windowed(args, x, (wq, bq, wk, bk, wv, bv, wo, bo), heads, kv_heads, d, out_width, w, table)

    steps = x.shape[0]
    queries = [x.data[t * c:(t + 1) * c] for t in range(steps)]
    keys_in = [kv_source.data[s * c_kv:(s + 1) * c_kv] for s in range(kv_source.shape[0])]
    bias_table = None
    if isinstance(table, (tuple, list)):          # T5: one learned bias per bucket and head
        buckets = table[1]
        bias_table = w.learned(buckets * heads).tolist()
    q, macs = _project(queries, wq, bq)
    k, m = _project(keys_in, wk, bk)
    macs += m
    v, m = _project(keys_in, wv, bv)
    macs += m
    _norm_qk(args, q, k, heads, kv_heads, d, w)
    sinks = w.learned(heads).tolist() if args.get("sinks") else None
    causal = args.get("causal") and len(inputs) == 1
    position = args.get("position", "none")
    mixed = [[0.0] * (heads * d) for _ in range(steps)]
    group = heads // kv_heads
    for h in range(heads):
        g = h // group                               # the key/value head this query head shares
        qh = [row[h * d:(h + 1) * d] for row in q]
        kh = [row[g * d:(g + 1) * d] for row in k]
        vh = [row[g * d:(g + 1) * d] for row in v]
        if position == "rope":
            _rotate(qh, list(range(len(qh))))
            _rotate(kh, list(range(len(kh))))
        slope = 2 ** (-8 * (h + 1) / heads)

        def bias_of(t, s, h=h, slope=slope):
            value = -slope * abs(t - s) if position == "alibi" else 0.0
            if bias_table is not None:
                value += bias_table[(min(abs(t - s), buckets - 1)) * heads + h]
            return value

        rows, m = _attend(qh, kh, vh, bias_of, _mask(args, causal), sinks[h] if sinks else None)
        macs += m
        for t, row in enumerate(rows):
            mixed[t][h * d:(h + 1) * d] = row
    out, m = _project(mixed, wo, bo)
    macs += m
    return Tensor((steps, out_width), [value for row in out for value in row]), macs


def _windowed(args, x, weights, heads, kv_heads, d, out_width, w, table):
    """Swin: pad H and W up to whole windows, roll by the shift, attend inside each window."""
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    h, wd, c = x.shape
    wh, ww = args["window"]
    sh, sw = args.get("shift") or (0, 0)
    hp, wp = -(-h // wh) * wh, -(-wd // ww) * ww
    grid = [[[0.0] * c for _ in range(wp)] for _ in range(hp)]
    for y in range(h):
        for z in range(wd):
            grid[y][z] = x.data[(y * wd + z) * c:(y * wd + z + 1) * c]
    # A cyclic shift up and left; the regions that wrap around are masked from each other.
    grid = [[grid[(y + sh) % hp][(z + sw) % wp] for z in range(wp)] for y in range(hp)]
    region = [[(0 if y < hp - wh else 1 if y < hp - sh else 2) * 3 + (0 if z < wp - ww else 1 if z < wp - sw else 2)
               if (sh or sw) else 0 for z in range(wp)] for y in range(hp)]
    bias_table = w.learned((2 * wh - 1) * (2 * ww - 1) * heads).tolist() if table is True else None
    flat = [grid[y][z] for y in range(hp) for z in range(wp)]
    q, macs = _project(flat, wq, bq)
    k, m = _project(flat, wk, bk)
    macs += m
    v, m = _project(flat, wv, bv)
    macs += m
    _norm_qk(args, q, k, heads, kv_heads, d, w)
    mixed = [[0.0] * (heads * d) for _ in flat]
    group = heads // kv_heads
    for wy in range(0, hp, wh):
        for wz in range(0, wp, ww):
            cells = [(wy + i) * wp + (wz + j) for i in range(wh) for j in range(ww)]
            coords = [(i, j) for i in range(wh) for j in range(ww)]
            regions = [region[wy + i][wz + j] for i, j in coords]
            for hd in range(heads):
                g = hd // group
                qh = [q[cell][hd * d:(hd + 1) * d] for cell in cells]
                kh = [k[cell][g * d:(g + 1) * d] for cell in cells]
                vh = [v[cell][g * d:(g + 1) * d] for cell in cells]

                def bias_of(t, s, hd=hd):
                    if bias_table is None:
                        return 0.0
                    (ti, tj), (si, sj) = coords[t], coords[s]
                    return bias_table[((ti - si + wh - 1) * (2 * ww - 1) + (tj - sj + ww - 1)) * heads + hd]

                rows, m = _attend(qh, kh, vh, bias_of, lambda t, s: regions[t] == regions[s])
                macs += m
                for cell, row in zip(cells, rows):
                    mixed[cell][hd * d:(hd + 1) * d] = row
    out, m = _project(mixed, wo, bo)
    macs += m
    # Roll back, then crop the padding away.
    shifted = {(y, z): out[y * wp + z] for y in range(hp) for z in range(wp)}
    data = []
    for y in range(h):
        for z in range(wd):
            data += shifted[((y - sh) % hp, (z - sw) % wp)]
    return Tensor((h, wd, out_width), data), macs
