"""End-to-end fixtures: a demo store, the real Streamlit app on a free port, and headless Chromium.

The demo store is built once per session (``python -m feedback demo``, about 10 s)
and copied into a fresh home for every server, so each test starts from the same
state and may change it. Each server is its own ``streamlit run`` process; tests
that inspect the store stop it first, because DuckDB lets one process hold the file.
Run with ``python -m pytest tests/e2e --e2e``; without ``--e2e`` the root conftest skips them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)  # e2e_support, whatever the import mode

from e2e_support import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    EXPECT_TIMEOUT_MS,
    SCREENSHOT_DIR,
    AppServer,
    run_feedback,
)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The digits demo, built once with ``python -m feedback demo`` (never served: copy it)."""
    home = tmp_path_factory.mktemp("demo-template") / "home"
    result = run_feedback(home, "demo")
    assert result.returncode == 0, f"demo failed:\n{result.stdout}\n{result.stderr}"
    assert (home / "feedback.duckdb").is_file()
    assert (home / "demo" / "batch_0.csv").is_file()
    return home


@pytest.fixture
def new_home(tmp_path, demo_template) -> Callable[[str], Path]:
    """Make a fresh copy of the demo store (model paths in the store are relative to the home)."""

    def make(name: str = "home") -> Path:
        return Path(shutil.copytree(demo_template, tmp_path / name))

    return make


@pytest.fixture
def serve(request) -> Iterator[Callable[[Path], AppServer]]:
    """Start the app on a home; every server started is stopped at teardown (its log printed
    if the test failed)."""
    servers: list[AppServer] = []

    def start(home: Path) -> AppServer:
        server = AppServer(home)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for server in servers:
            print(f"--- {server!r} log ---\n{server.log_tail()}")


@pytest.fixture
def app(new_home, serve) -> AppServer:
    """The app serving a fresh copy of the demo store. Call ``app.stop()`` before reading the store."""
    return serve(new_home())


# ---------------------------------------------------------------- browser fixtures


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (Debian's chromium; nothing is downloaded).")
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, request):
    """A fresh browser page; on failure a screenshot lands in /tmp/e2e-failure-<test>.png."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        with contextlib.suppress(Exception):  # a screenshot must not hide the real failure
            page.screenshot(path=str(SCREENSHOT_DIR / f"e2e-failure-{name}.png"), full_page=True)
    context.close()
