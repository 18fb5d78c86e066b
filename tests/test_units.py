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


def test_long_budgets_are_exact():
    # 31 digits: a 28-digit decimal context would round them
    assert parse_quantity("1234567890123456789012345678901") == 1234567890123456789012345678901
    with pytest.raises(UsageError, match="not a whole number"):
        parse_quantity("1.00000000000000000000000000001M")
