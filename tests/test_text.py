"""archcalc.text: how a name is shown, and JSON that keeps it exact. Expected texts by hand."""

import json

import pytest

from archcalc.text import json_escaped, one_line, shown

from helpers import dangerous


@pytest.mark.parametrize("name, printed", [
    ("layer1.0.conv1", "layer1.0.conv1"),
    ("résumé × 日本 👩‍💻", "résumé × 日本 👩‍💻"),          # letters, signs and emoji (a ZWJ sequence) as they are
    ("a\x1b[2Jb", "a\\x1b[2Jb"),
    ("\x07\x00\x7f\x9b", "\\x07\\x00\\x7f\\x9b"),
    ("a\r\n\tb", "a\\r\\n\\tb"),
    ("\u2028\u2029\x85", "\\u2028\\u2029\\x85"),
    ("abc\u202edef\u2066\u200f\u061c", "abc\\u202edef\\u2066\\u200f\\u061c"),
    ("\ud800x\udfff", "\\ud800x\\udfff"),
    ("\ufffe\uffff", "\\ufffe\\uffff"),
    ("::error file=a::b", "\\x3a\\x3aerror file=a:\\x3ab"),
    ("a::b", "a:\\x3ab"),
    (":::", "\\x3a\\x3a\\x3a"),
    (":", "\\x3a"),                 # a model named ':' would make the title line `:: input …`
    ("a:", "a:"),
    ("a: b", "a: b"),
    ("##[warning]x", "#\\x23[warning]x"),
    ("## heading #[x]", "## heading #[x]"),
    ("C:\\models\\x.yaml", "C:\\models\\x.yaml"),                  # a backslash is itself
])
def test_shown(name, printed):
    assert shown(name) == printed
    assert dangerous(shown(name)) == []


def test_one_line_cuts_after_showing():
    assert one_line("\n" * 10, limit=5) == "\\n\\n…"


@pytest.mark.parametrize("name", ["plain", "\x1b[2J\u202e\u2028\x7f\x9b\ud800 \udfff\ufffe\n::x", "日本\u0085"])
def test_json_keeps_the_exact_string_and_prints_nothing_raw(name):
    text = json_escaped(json.dumps({"name": name, "n": [1, 2]}, indent=2, ensure_ascii=False))
    assert json.loads(text) == {"name": name, "n": [1, 2]}
    assert dangerous(text) == []
