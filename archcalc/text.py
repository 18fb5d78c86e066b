"""Making user-supplied text safe to print: one line, no terminal control (rich markup is escaped
where rich renders it, with rich.markup.escape)."""

from __future__ import annotations

import re

MAX_LINE = 400

# C0 and C1 controls (ESC, BEL, …), DEL, and the Unicode line and paragraph separators.
# Kept as text and compiled by `re` on first use (and cached there): compiling it at import
# cost every run 0.4 ms, and most runs print no user text.
_CONTROL = "[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u0085]"


def _shown(match: re.Match) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{ord(char):02x}" if ord(char) < 256
                                                       else f"\\u{ord(char):04x}")


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """`text` on one line, control characters shown escaped, cut to `limit` characters."""
    text = re.sub(_CONTROL, _shown, text)
    return text if len(text) <= limit else text[:limit - 1] + "…"
