"""Text for people: making user-supplied text safe to print, and `suggest` for a misspelt
word. Making it safe: `shown` is the one function every name passes
through on its way to a terminal, a CI log, a spreadsheet or an SVG/HTML file; `one_line`
also cuts it for messages; `json_escaped` keeps a JSON text's strings exact while writing the
same characters as JSON escapes. (Rich markup is escaped where rich renders it, with
rich.markup.escape.)"""

from __future__ import annotations

import re
from typing import Iterable

MAX_LINE = 400

# What never reaches the output as itself: C0 and C1 controls (ESC, BEL, CR, LF, the 8-bit
# CSI …) and DEL; the line and paragraph separators; the bidirectional controls, which reorder
# what a reader sees (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069); lone surrogates, which
# no UTF-8 file can hold; and U+FFFE/U+FFFF, which are not characters (XML refuses them, and
# C0 controls but tab and line breaks). Kept as text and compiled by `re` on first use (and
# cached there): compiling at import cost every run 0.4 ms, and most runs print no user text.
_BEYOND_C0 = "\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069\\ud800-\\udfff\\ufffe\\uffff"
_UNSAFE = "[\\x00-\\x1f" + _BEYOND_C0 + "]"
# A line that begins (after spaces) with `::` or `##[` is a command to GitHub Actions' runner;
# a name never carries either as written, nor starts with a colon (a name `:` and our `: ` would
# make one), so no line of ours can start with one.
_SHOWN = _UNSAFE + "|^:|(?<=:):|(?<=#)#(?=\\[)"


def _shown(match: re.Match) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{ord(char):02x}" if ord(char) < 256
                                                       else f"\\u{ord(char):04x}")


def shown(text: str) -> str:
    """`text` as printed: every character of `_UNSAFE` shown as an escape (`\\x1b`, `\\n`,
    `\\u202e`), and the second character of `::` and `##[` and a leading colon as `\\x3a` /
    `\\x23`; nothing cut. Most names need nothing, which a few scans in C tell."""
    if text.isprintable() and "::" not in text and "##[" not in text and not text.startswith(":"):
        return text
    return re.sub(_SHOWN, _shown, text)


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """`text` on one line, as `shown`, cut to `limit` characters."""
    text = shown(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _json_escape(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_escaped(text: str) -> str:
    """JSON text (from json.dumps with ensure_ascii=False) with every character of `_UNSAFE`
    written as a \\uXXXX escape. JSON escapes the C0 controls itself but leaves DEL, the C1
    controls, the bidi controls and U+2028/U+2029 as they are; outside a string JSON allows
    none of them, so each one found is inside a string, and a reader gets the exact string back."""
    if text.isascii() and "\x7f" not in text:       # the common case
        return text
    # C0 controls are escaped already, and a raw one is the text's own line break
    return re.sub("[" + _BEYOND_C0 + "]", _json_escape, text)


def suggest(word: str, options: Iterable[object], cutoff: float = 0.6) -> str:
    """` (did you mean 'x'?)` for a misspelt word, or nothing. Long words get no suggestion:
    comparing them costs time out of proportion to a typo."""
    if len(word) > 64:
        return ""
    import difflib   # only error messages need it
    close = difflib.get_close_matches(word, [o for o in options if isinstance(o, str) and len(o) <= 64], n=1,
                                      cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


def counted(number: int, noun: str) -> str:
    """`1 step`, `2 steps`, `1,024 tokens`: a count with its noun in the number it needs."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")
