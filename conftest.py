"""Repository-root conftest: makes the packages importable and adds the --e2e switch."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--e2e", action="store_true", default=False, help="run end-to-end tests in Chromium")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--e2e"):
        return
    skip = pytest.mark.skip(reason="end-to-end test: pass --e2e to run it in Chromium")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)
