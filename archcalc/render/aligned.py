"""A figures table laid out by hand as one block of text: columns measured once, the text
columns narrowed and wrapped to the width, figures never cut (rich's own Table measures and pads
every cell, too slow for a 100,000-layer model)."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text


class _Segments:
    """Styled text collected as (string, style) pieces: a rich Text only when colour is wanted.
    Without colour (a pipe, a file) the plain string is joined directly: a 100,000-layer table
    makes some 800,000 pieces, which rich would append, wrap and strip one by one."""

    def __init__(self):
        self.parts: list[tuple[str, str]] = []

    def append(self, text: str, style: str = "") -> None:
        self.parts.append((text, style))

    def result(self, color: bool):
        if not color:
            return "".join(text for text, _ in self.parts)
        out = Text(no_wrap=True, overflow="ellipsis")
        for text, style in self.parts:
            out.append(text, style=style or None)
        return out


def _size(value: str) -> int:    # ASCII is one cell a character: len() is enough, and quick
    return len(value) if value.isascii() else cell_len(value)


def _pair(cell):
    return cell if isinstance(cell, tuple) else (cell, "")


def _narrow(columns, body, widths: list[int], overflow: int) -> list[int]:
    """Narrows the text columns, first to last, by `overflow` characters in all, never below
    their longest unbreakable piece; `widths` is changed in place. Returns the columns
    narrowed (their cells may need wrapping; others always fit)."""
    narrowed = []
    for i, (_, justify) in enumerate(columns):
        if overflow > 0 and justify == "left":
            shortest = max(cell_len(piece) for column_cell in [columns[i][0], *(row[i][0] for row in body)]
                           for piece in _pieces(column_cell))
            narrower = max(shortest, widths[i] - overflow)
            overflow -= widths[i] - narrower
            if narrower < widths[i]:
                narrowed.append(i)
            widths[i] = narrower
    return narrowed


def aligned_table(title: str, columns, rows, footer, width: int, color: bool = True, paired: bool = False):
    """A table laid out here, as one Text: rich's Table measures and pads every cell
    (about 65 ms for ResNet-50's 1,183 cells), which is most of a table run's time.

    `columns` are (header, "left" | "right"); a cell is a string or (string, style).
    When the table is wider than `width`, the text columns (the left-justified ones,
    first to last) are narrowed and their cells wrapped onto more lines, at dots,
    underscores, slashes or spaces (`layer1.0.` / `downsample`); figures are never
    wrapped or cut, and a table that still does not fit is printed at its own width.
    """
    # paired: every cell is already a (string, style) pair, which spares a pass over a large table
    body = rows if paired else [[c if isinstance(c, tuple) else (c, "") for c in row] for row in rows]

    def widest(values):          # one isascii() over the joined column instead of one a cell
        return max(map(len, values)) if "".join(values).isascii() else max(map(_size, values))
    widths = [widest([c[0] for c in column])
              for column in zip(*([(h, "") for h, _ in columns], *body, [_pair(c) for c in footer]))]
    gap, margin = "   ", "  "
    overflow = len(margin) * 2 + sum(widths) + len(gap) * (len(widths) - 1) - width
    narrowed = _narrow(columns, body, widths, overflow)

    out = _Segments()
    total = sum(widths) + len(gap) * (len(widths) - 1)

    right = [justify == "right" for _, justify in columns]
    justifiers = [str.rjust if r else str.ljust for r in right]
    # A whole line padded by one str.format call: pads by characters, as ljust and rjust do.
    plain_line = (margin + gap.join(f"{{:{'>' if r else '<'}{w}}}" for r, w in zip(right, widths))
                  + margin + "\n").format

    def line(cells, style=""):
        if all(_size(cells[i][0]) <= widths[i] for i in narrowed):   # the common case
            if not color:            # one piece per line: nothing to style
                out.append(plain_line(*[value for value, _ in cells]))
                return
            padded = [pad(value, w) for pad, (value, _), w in zip(justifiers, cells, widths)]
            for i, (value, cell_style) in enumerate(cells):
                out.append(margin if i == 0 else gap)
                out.append(padded[i], cell_style or style)
            out.append(margin + "\n")
            return
        wrapped = [_wrap(value, widths[i]) if justify == "left" else [value]
                   for i, ((value, _), (_, justify)) in enumerate(zip(cells, columns))]
        for k in range(max(len(w) for w in wrapped)):
            for i, ((_, cell_style), (_, justify)) in enumerate(zip(cells, columns)):
                value = wrapped[i][k] if k < len(wrapped[i]) else ""
                padded = value.rjust(widths[i]) if justify == "right" else value.ljust(widths[i])
                out.append(margin if i == 0 else gap)
                out.append(padded, style=cell_style or style)
            out.append(margin + "\n")

    out.append(title + "\n\n")
    line([(h, "") for h, _ in columns], style="bold")
    out.append(" " + "─" * (total + 2) + " \n")
    for row in body:
        line(row)
    out.append("\n")
    line([_pair(c) for c in footer], style="bold")
    return out.result(color)


def _pieces(text: str) -> list[str]:
    """Where a name may break: after a dot, underscore or slash, and at spaces."""
    return [p for p in re.findall(r"[^ ._/]*[._/]|[^ ._/]+ ?| ", text) if p] or [""]


def _wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken only between pieces (a piece longer
    than the width stands alone on its line, whole)."""
    if cell_len(text) <= width:
        return [text]
    indent = " " * (len(text) - len(text.lstrip(" ")))
    lines, current = [], indent
    for piece in _pieces(text.lstrip(" ")):
        if current.strip() and cell_len(current) + cell_len(piece) > width:
            lines.append(current.rstrip())
            current = indent + (piece.lstrip() if piece.strip() else "")
        else:
            current += piece
    if current.strip():
        lines.append(current.rstrip())
    return lines or [""]
