"""How wide a line of text is drawn, without a browser: a per-character advance table for the
font the drawings name, and cutting a name in the middle to fit a width.

The drawings ask for `FONT`, a list of monospace faces. In a monospace face every character
the face holds has one advance: 1233/2048 em in DejaVu Sans Mono and in Menlo (which is
derived from it), 1229/2048 em in Liberation Mono (some of its glyphs 682/2048), 1126/2048 em in
Consolas, the same in bold (each font's `hhea` advanceWidthMax and `hmtx` table). `MONO_EM` takes the largest, so a width computed here is never less than
the drawn one in any of them. A character outside the ranges those faces cover comes from a
fallback face the browser picks: East Asian wide characters and emoji are given 1.25 em
(Noto Color Emoji's advance, 2550/2048 em, is the widest of the usual fallbacks), combining
marks 0, and anything else outside the ranges 1.25 em too, an upper bound rather than a
guess. The browser test checks the result against the live layout of every shipped spec.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

FONT = "'DejaVu Sans Mono', Menlo, 'Liberation Mono', Consolas, monospace"
MONO_EM = 1233 / 2048          # the widest advance of the faces in FONT
WIDE_EM = 2550 / 2048          # East Asian wide, emoji, and characters outside the faces' ranges
ELLIPSIS = "…"

# Code point ranges the faces in FONT hold (Latin, Greek, Cyrillic, and the punctuation,
# arrows, mathematical operators and box drawing the drawings use: × – … · ≥ ∝ ▲).
_MONO_RANGES = ((0x20, 0x7E), (0xA0, 0x52F), (0x1E00, 0x1FFF), (0x2000, 0x206F), (0x2070, 0x2BFF))


@lru_cache(maxsize=4096)
def advance_em(char: str) -> float:
    """The advance of one character, in em (see the module's note for the sources)."""
    code = ord(char)
    if unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in "WF":
        return WIDE_EM
    for low, high in _MONO_RANGES:
        if low <= code <= high:
            return MONO_EM
    return WIDE_EM


def text_width(text: str, size: float) -> float:
    """The drawn width of `text` at font size `size` (px), an upper bound for FONT."""
    if text.isascii() and text.isprintable():          # the common case, without a loop
        return len(text) * MONO_EM * size
    return sum(advance_em(c) for c in text) * size


def cut_middle(text: str, width: float, size: float, keep_last: str = ".") -> str:
    """`text` if it fits `width`, else with its middle replaced by "…" so that it does. The
    part after the last `keep_last` (a layer's own name after its blocks' prefix) is kept
    whole when it fits with at least one leading character; the cut then falls in the prefix."""
    if text_width(text, size) <= width:
        return text
    own = text.rsplit(keep_last, 1)[-1] if keep_last and keep_last in text else ""
    tail = (keep_last + own) if own else ""
    budget = width - text_width(ELLIPSIS + tail, size)
    if not tail or budget < text_width(text[0], size):
        return _cut_evenly(text, width, size)
    head = _prefix_within(text[: len(text) - len(tail)], budget, size)
    return head + ELLIPSIS + tail


def _prefix_within(text: str, width: float, size: float) -> str:
    used, end = 0.0, 0
    for end, char in enumerate(text):
        used += advance_em(char) * size
        if used > width:
            return text[:end]
    return text


def _cut_evenly(text: str, width: float, size: float) -> str:
    """Both ends kept, the end a little longer (it names the layer)."""
    budget = max(width - text_width(ELLIPSIS, size), 0.0)
    head = _prefix_within(text, budget * 0.4, size)
    tail_budget = budget - text_width(head, size)
    tail = _prefix_within(text[::-1], tail_budget, size)[::-1]
    return head + ELLIPSIS + tail
