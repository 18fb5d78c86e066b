"""Measured text (archcalc/draw/measure.py): widths from the font's advance table, names cut in
the middle keeping the layer's own part. The browser test checks the same widths against
Chromium's layout."""

import struct
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import archcalc
from archcalc.draw.layout import FONT_SIZE, PAD, STACK, build
from archcalc.draw.measure import ELLIPSIS, MONO_EM, cut_middle, text_width

from helpers import SPECS


def test_widths_follow_the_advance_table():
    # DejaVu Sans Mono's advance, 1233 units of its 2048-unit em (its hmtx table), at 12 px
    assert text_width("conv1", 12) == 5 * 1233 / 2048 * 12
    assert text_width("×", 12) == text_width("x", 12)             # in the monospace face
    assert text_width("层", 12) == 2550 / 2048 * 12                # wide: Noto Color Emoji's advance
    assert text_width("e\u0301", 12) == text_width("e", 12)       # a combining accent takes no room


def test_a_long_name_keeps_its_own_part():
    name = "encoder.layers.encoder_layer_11.self_attention.out_proj"
    cut = cut_middle(name, 20 * 1233 / 2048 * 12, 12)
    assert cut.endswith(".out_proj") and ELLIPSIS in cut and cut.startswith("enc")
    assert text_width(cut, 12) <= 20 * 1233 / 2048 * 12
    assert cut_middle("short", 1000, 12) == "short"


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=80), st.integers(min_value=24, max_value=400))
def test_a_cut_name_fits(text, width):
    cut = cut_middle(text, width, 12)
    assert text_width(cut, 12) <= width or len(cut) <= 2      # nothing narrower than "x…" is tried
    if text_width(text, 12) <= width:
        assert cut == text


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120))
@example("x" * 100)
@example("层" * 40)
def test_every_line_of_a_box_fits_it(name):
    assume(name not in ("in", "input"))         # the names of a block's and the model's input
    report = archcalc.analyze_mapping({"input": [4], "layers": [{"type": "dense", "units": 2,
                                                                "name": name.replace(".", "_") or "x"}]})
    drawing = build(report)
    for box in drawing.boxes:
        for line in box.lines:
            assert text_width(line, FONT_SIZE) <= drawing.box_w - 2 * PAD - (STACK if box.style == "stack" else 0)


def test_a_long_layer_name_is_cut_in_its_box():
    name = "encoder_" * 12 + "out_proj"
    drawing = build(archcalc.analyze_mapping({"input": [4], "layers": [{"type": "dense", "units": 2, "name": name}]}))
    (box,) = [b for b in drawing.boxes if b.key == name]
    assert box.lines[0] != name and ELLIPSIS in box.lines[0] and box.lines[0].endswith("out_proj")
    assert text_width(box.lines[0], FONT_SIZE) <= drawing.box_w - 2 * PAD


def test_box_width_is_what_the_text_needs():
    # cnn_4x4's widest line decides; the boxes are no wider than it plus padding (or the minimum)
    drawing = build(archcalc.analyze(SPECS / "seed/cnn_4x4.yaml"))
    widest = max(text_width(line, FONT_SIZE) for box in drawing.boxes for line in box.lines)
    assert drawing.box_w - 2 <= max(widest + 2 * PAD, 150)


def widest_advance(path):
    """A TrueType font's widest advance and its em, read from its `head` and `hhea` tables."""
    data = path.read_bytes()
    tables = {}
    for i in range(struct.unpack(">H", data[4:6])[0]):
        tag, _, offset, _ = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        tables[tag] = offset
    em = struct.unpack(">H", data[tables[b"head"] + 18:tables[b"head"] + 20])[0]
    widest = struct.unpack(">H", data[tables[b"hhea"] + 10:tables[b"hhea"] + 12])[0]
    return widest, em


FACES = sorted(p for pattern in ("DejaVuSansMono*.ttf", "LiberationMono*.ttf", "Menlo*.tt?", "consola*.ttf")
               for folder in (Path("/usr/share/fonts"), Path("/Library/Fonts"), Path("/System/Library/Fonts"))
               if folder.is_dir() for p in folder.rglob(pattern))


@pytest.mark.skipif(not FACES, reason="none of the drawing's fonts is installed here")
@pytest.mark.parametrize("path", FACES, ids=lambda p: p.name)
def test_the_advance_table_bounds_the_installed_fonts(path):
    """Read from the font files themselves: no glyph of the faces the drawings name is wider
    than the advance measure.py counts."""
    widest, em = widest_advance(path)
    assert widest / em <= MONO_EM
