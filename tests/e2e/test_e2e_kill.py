"""A kill at any moment loses no label the app acknowledged: an expert answers in Chromium, the server process is
killed with SIGKILL (no shutdown, no atexit), and every answer whose next item had appeared is in the store."""

from __future__ import annotations

import signal

import pytest
from e2e_support import AppServer, answer_with_key, item_id, label_events, open_review, set_annotator

pytestmark = pytest.mark.e2e


def test_answers_acknowledged_before_a_sigkill_are_all_in_the_store(app, page):
    open_review(page, app)
    set_annotator(page, "kim")
    acknowledged = [answer_with_key(page, "Enter") for _ in range(6)]  # each: the next item showed

    app.proc.send_signal(signal.SIGKILL)
    assert app.proc.wait(timeout=10) == -signal.SIGKILL

    events = label_events(app.home)  # opening the store replays DuckDB's write-ahead log
    assert [(e.external_id, e.action, e.annotator) for e in events] == [(i, "confirm", "kim") for i in acknowledged]

    restarted = AppServer(app.home).start()  # and the app serves the killed store again
    try:
        open_review(page, restarted)
        assert item_id(page) not in acknowledged
    finally:
        restarted.stop()
