"""A bad setting (issue 9, item 6): the server still starts, logs one line, and every page shows that line.

Before, ``FEEDBACK_INBOX_INTERVAL=abc`` stopped the server at start with the message buried in a traceback.
"""

from __future__ import annotations

import pytest
from e2e_support import AppServer
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

MESSAGE = "The setting FEEDBACK_INBOX_INTERVAL must be a number more than 0 and at most 86400 seconds, got 'abc'"


def test_a_bad_inbox_interval_is_one_line_in_the_log_and_on_every_page(new_home, page):
    home = new_home()
    server = AppServer(home, env={"FEEDBACK_INBOX_INTERVAL": "abc"}).start()
    try:
        for path in ("/", "/models", "/export"):
            page.goto(server.url + path)
            expect(page.get_by_test_id("stAlertContentError")).to_contain_text(MESSAGE)
            expect(page.get_by_test_id("stException")).to_have_count(0)
        log = server.log_tail(400)
    finally:
        server.stop()
    expected = (
        f"Error: {MESSAGE}; fix it in the environment (or .streamlit/secrets.toml), or unset it to use the default (2)."
    )
    assert [line for line in log.splitlines() if "FEEDBACK_INBOX_INTERVAL" in line] == [expected]
    assert "Traceback" not in log
