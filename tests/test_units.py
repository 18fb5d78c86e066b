import pytest

from archcalc.errors import UsageError
from archcalc.units import human_bytes, human_count, parse_quantity

ACCEPTED = [
    ("25M", False, 25_000_000), ("4.1G", False, 4_100_000_000), ("512K", False, 512_000),
    ("512k", False, 512_000), ("1000", False, 1000), ("0.5K", False, 500), ("2T", False, 2 * 10**12),
    ("200MB", True, 200_000_000), ("1.5GiB", True, 3 * 2**29), ("64KiB", True, 65536),
    ("1 GB", True, 10**9), ("4096", True, 4096), ("25M", True, 25_000_000), (" 7 ", False, 7),
]
REJECTED = [
    ("", False), ("abc", False), ("25MB", False), ("1.5GiB", False), ("-5", False), ("1.0001K", False),
    ("2.5", False), ("25Q", True), ("1e6", False), ("5 M B", True), ("0x10", False), ("1,000", False),
]


@pytest.mark.parametrize("text, memory, value", ACCEPTED)
def test_accepted(text, memory, value):
    assert parse_quantity(text, memory=memory) == value


@pytest.mark.parametrize("text, memory", REJECTED)
def test_rejected(text, memory):
    with pytest.raises(UsageError, match="malformed number"):
        parse_quantity(text, memory=memory)


def test_human_units():
    assert human_count(25_557_032) == "25.56 M" and human_count(999) == "999"
    assert human_bytes(1536) == "1.50 KiB" and human_bytes(100) == "100 B"


@pytest.mark.parametrize("n, shown", [
    # hand-derived: GPT-3's 3.14·10^23 training FLOPs read in zetta, not as a six-digit tera figure
    (314 * 10**21, "314.00 Z"), (2 * 10**15, "2.00 P"), (5 * 10**18, "5.00 E"),
    (1234 * 10**24, "1,234.00 Y"),
])
def test_large_counts_have_units(n, shown):
    assert human_count(n) == shown


@pytest.mark.parametrize("n, shown", [(3 * 2**50, "3.00 PiB"), (2**60, "1.00 EiB"), (2048 * 2**60, "2,048.00 EiB")])
def test_large_bytes_have_units(n, shown):
    assert human_bytes(n) == shown


def test_long_budgets_are_exact():
    # 31 digits: a 28-digit decimal context would round them
    assert parse_quantity("1234567890123456789012345678901") == 1234567890123456789012345678901
    with pytest.raises(UsageError, match="not a whole number"):
        parse_quantity("1.00000000000000000000000000001M")


# Budgets are shown in the unit they were written in; a figure far below that unit keeps three
# significant digits instead of rounding to zero (the expected strings are the exact fractions
# written out by hand: 1,104 / 10^6 = 0.001104).
@pytest.mark.parametrize("budget, memory, used, shown", [
    ("1M", False, 1_104, "0.00110 M"),
    ("1M", False, 962, "0.000962 M"),
    ("1M", False, 1_500_000, "1.50 M"),
    ("1M", False, 2_000_000, "2 M"),
    ("1GiB", True, 4_608, "0.00000429 GiB"),          # 4,608 / 2^30 = 4.2915…e-6
    ("10M", False, 123_456, "0.123 M"),            # the unit is M whatever the budget: 0.123456
    ("1M", False, -962, "-0.000962 M"),
])
def test_a_budget_figure_keeps_three_significant_digits(budget, memory, used, shown):
    assert parse_quantity(budget, memory=memory).written(used) == shown


def test_check_never_prints_a_small_figure_as_zero(tmp_path):
    # Dense 16 -> 58 -> 2: params 16·58 + 58 + 58·2 + 2 = 1,104; weights 1,104 · 4 B = 4,416 B.
    from click.testing import CliRunner

    from archcalc.cli import cli
    spec = tmp_path / "tiny.yaml"
    spec.write_text("input: [16]\nlayers:\n  - {type: dense, units: 58}\n  - {type: dense, units: 2}\n")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["check", str(spec), "--max-params", "1M"])
    assert result.exit_code == 0
    assert "0.00110 M" in result.stdout and "0.00 M" not in result.stdout


@pytest.mark.parametrize("n, shown", [
    (8_030_261_248, "8.03 B"),           # Llama-3-8B, as its model card writes it
    (46_702_792_704, "46.70 B"),
    (174_604_259_328, "174.60 B"),       # GPT-3 175B
    (25_557_032, "25.56 M"),             # ResNet-50: millions stay M
    (1_500_000_000_000, "1.50 T"),
    (999, "999"),
])
def test_parameter_counts_use_b_for_billions(n, shown):
    from archcalc.units import human_params
    assert human_params(n) == shown


def test_a_count_budget_may_be_written_in_billions():
    assert parse_quantity("8B") == 8_000_000_000
    assert parse_quantity("8B", memory=True) == 8           # bytes: B is a byte
