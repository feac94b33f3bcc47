"""Helpers of the end-to-end tests: the app server process, CLI runs, polling and page helpers.

Imported by conftest.py and the test modules as ``e2e_support`` (conftest puts this folder on
``sys.path``). Every process runs with the interpreter running pytest, from the repository root,
against 127.0.0.1 only. Chromium is Debian's ``/usr/bin/chromium`` (``make browser``).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXPECT_TIMEOUT_MS = 20_000
SERVER_START_TIMEOUT_S = 60
SCREENSHOT_DIR = Path("/tmp")


def store_env(home: Path) -> dict[str, str]:
    """Environment for app and CLI processes: this home only, no database URL from outside."""
    env = {k: v for k, v in os.environ.items() if k not in ("FEEDBACK_DATABASE_URL", "FEEDBACK_HOME")}
    env.update(FEEDBACK_HOME=str(home), FEEDBACK_INBOX_INTERVAL="0.5", PYTHONUNBUFFERED="1")
    return env


def run_feedback(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """``python -m feedback <args> --home <home>`` with the interpreter running the tests."""
    return subprocess.run(
        [sys.executable, "-m", "feedback", *map(str, args), "--home", str(home)],
        cwd=ROOT,
        env=store_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.25):
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """One ``streamlit run feedback/web/server.py`` process serving ``home`` on 127.0.0.1, as ``make run`` starts it."""

    def __init__(self, home: Path, env: dict[str, str] | None = None):
        self.home = Path(home)
        self.env = {**store_env(self.home), **(env or {})}  # ``env``: settings this server runs with
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.home.parent / f"streamlit-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> AppServer:
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "feedback/web/server.py",
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            # Other people edit the sources while the suite runs: no file watcher, no reruns on save.
            "--server.fileWatcherType",
            "none",
            "--server.runOnSave",
            "false",
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {self.proc.returncode} before it was healthy:\n" + self.log_tail()
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        return self
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"streamlit was not healthy within {SERVER_START_TIMEOUT_S} s:\n" + self.log_tail())

    def stop(self) -> None:
        """Stop the server and wait for it, so the DuckDB file is free. Safe to call twice."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def __repr__(self) -> str:
        return f"AppServer({self.url}, home={self.home})"


def confirm_button(page):
    """The Review page's primary answer: ``Confirm <predicted class>``."""
    return page.get_by_role("button", name=re.compile(r"^Confirm "))


def predicted_class(page) -> str:
    """The class the Confirm button offers (its label, without the shortcut hint)."""
    return confirm_button(page).inner_text().removeprefix("Confirm ").strip()


def item_id(page) -> str:
    """The id of the item on the review card."""
    return page.get_by_role("heading", name=re.compile(r"^Item ")).inner_text().removeprefix("Item ").strip()


def open_review(page, app: AppServer):
    """Load the Review page and wait for a review card. Loading a page also opens the store
    in the app process (and starts its inbox watcher): both are created on first render."""
    from playwright.sync_api import expect

    page.goto(app.url + "/")
    expect(confirm_button(page)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    return page


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def new_prediction_rows(home: Path, out: Path, n: int = 5, prefix: str = "e2e") -> list[str]:
    """Copy the first ``n`` rows of the demo's batch_0.csv under new ids; return the ids."""
    import pandas as pd

    frame = pd.read_csv(home / "demo" / "batch_0.csv").head(n).copy()
    frame["id"] = [f"{prefix}-{i:04d}" for i in range(len(frame))]
    frame.to_csv(out, index=False)
    return frame["id"].tolist()


def set_annotator(page, name: str) -> None:
    """Type the expert's name in the sidebar, then move the focus off the field so keys reach the card."""
    from playwright.sync_api import expect

    field = page.get_by_role("textbox", name="Your name", exact=True)
    field.fill(name)
    field.press("Enter")
    expect(field).to_have_value(name)
    wait_for_annotator(page, name)
    field.blur()
    page.get_by_role("heading", name="Review").click()


def wait_saved(page) -> None:
    """Wait until the server has acknowledged every answer the card holds, and the page is idle."""
    from playwright.sync_api import expect

    expect(page.locator("div.card")).to_have_attribute("data-pending", "0")
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def wait_next_item(page, previous_id: str) -> str:
    """Wait until the card shows an item other than ``previous_id`` and the answer is saved; return its id."""
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name=re.compile(r"^Item "))).not_to_have_text(f"Item {previous_id}")
    wait_saved(page)
    return item_id(page)


def answer_with_key(page, key: str) -> str:
    """Press ``key`` on the card and wait until the next item shows (the app has taken the answer).

    Returns the id of the item answered.
    """
    answered = item_id(page)
    page.keyboard.press(key)
    wait_next_item(page, answered)
    return answered


def wait_for_annotator(page, name: str) -> None:
    """Wait until the review card serves ``name`` (its progress line names the expert)."""
    from playwright.sync_api import expect

    expect(page.get_by_text(re.compile(rf"^{re.escape(name)}: \d+ answered today"))).to_be_visible()
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def label_events(home: Path) -> list:
    """The label events written since the demo was built (the demo's audit team's are left out), in order.

    Stop the app first: one process per file.
    """
    from sqlmodel import select

    from feedback import store
    from feedback.demo import AUDITOR
    from feedback.store import LabelEvent
    from feedback.workspace import open_workspace

    ws = open_workspace(home)
    try:
        with store.session(ws) as session:
            return list(
                session.exec(select(LabelEvent).where(LabelEvent.annotator != AUDITOR).order_by(LabelEvent.id)).all()
            )
    finally:
        ws.close()


# ---------------------------------------------------------------- user text shown as text, never as markup


class FetchTrap:
    """A tiny HTTP server on a free 127.0.0.1 port, in a thread, that records every request it gets.

    Put its URLs in user-supplied text (``trap.url("x.png")``): if a page renders that text as
    markup (an image, a link that loads), the browser fetches the URL and ``trap.requests`` grows.
    Use as a context manager; ``close()`` stops the server.
    """

    def __init__(self):
        import http.server
        import threading

        requests = self.requests = []

        class _Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # the name http.server calls
                requests.append(self.path)
                self.send_response(404)
                self.end_headers()

            do_POST = do_HEAD = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="fetch-trap", daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FetchTrap:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def markup_probe(trap: FetchTrap, tag: str, *, name: bool = False) -> str:
    """A string holding markdown, HTML and a ``javascript:`` link, with ``tag`` to tell fields apart.

    Rendered as markup it would fetch ``trap`` (an image in markdown and one in HTML), make a
    ``javascript:`` link and bold text; shown as text, it reads exactly as written. With ``name``,
    a shorter probe (both images and bold) that fits the 100 characters a person's name may have.
    """
    if name:
        return f"{tag} ![a]({trap.url('n.png')}) <img src={trap.url('h.png')}> **bold**"
    return (
        f"{tag} ![a]({trap.url(tag + '-md.png')}) <img src={trap.url(tag + '-html.png')}> "
        f"[link](javascript:alert(1)) **bold** $x^2$ :material/home: :red[red]"
    )


def assert_shown_as_text(page, trap: FetchTrap, texts=()) -> None:
    """Assert the page shows each of ``texts`` literally and renders no user markup.

    No ``<img>`` points at ``trap``, no link has a ``javascript:`` address, no bold ``bold``
    or red text exists, and ``trap`` got no request. Call it once the page has rendered
    (the script state is ``notRunning``); give it the strings that page shows.
    """
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.locator(f"img[src*='127.0.0.1:{trap.port}']")).to_have_count(0)
    expect(page.locator("a[href^='javascript' i]")).to_have_count(0)
    expect(page.locator("strong", has_text=re.compile(r"^bold$"))).to_have_count(0)
    expect(page.locator(".stMarkdownColoredText", has_text=re.compile(r"^red$"))).to_have_count(0)
    expect(page.locator(".katex")).to_have_count(0)
    for text in texts:
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert trap.requests == [], f"the browser fetched URLs that users typed: {trap.requests}"
