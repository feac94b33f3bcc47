"""Repository-root conftest: makes the packages importable and adds the --e2e switch."""

from pathlib import Path

import pytest
from _pytest.doctest import DoctestModule

ROOT = Path(__file__).resolve().parent
LIBRARY = ("feedback", "active_learning")


def pytest_addoption(parser):
    parser.addoption("--e2e", action="store_true", default=False, help="run end-to-end tests in Chromium")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--e2e"):
        return
    skip = pytest.mark.skip(reason="end-to-end test: pass --e2e to run it in Chromium")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


def pytest_collect_file(file_path, parent):
    """Run the library's docstring examples as tests.

    ``--doctest-modules`` would also import every conftest.py under tests/ as a
    module named ``conftest``, and those clash; the library's files are all it needs.
    """
    in_library = file_path.is_relative_to(ROOT) and file_path.relative_to(ROOT).parts[0] in LIBRARY
    if file_path.suffix == ".py" and file_path.name != "__main__.py" and in_library:
        return DoctestModule.from_parent(parent, path=file_path)
    return None
