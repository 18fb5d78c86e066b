import pytest


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/* from the current output (review the diff!)")


@pytest.fixture
def update_golden(request):
    return request.config.getoption("--update-golden")


def pytest_collection_modifyitems(session, config, items):
    """The PyTorch door's tests run last. They import torch into this process (several hundred
    MiB), and a child process started afterwards reports that as its own peak memory (Linux
    carries the parent's high-water mark through fork and exec into ru_maxrss), which
    tests/test_memory_limits.py would read as archcalc's."""
    items.sort(key=lambda item: "frontends/pytorch/" in item.nodeid.replace("\\", "/"))
