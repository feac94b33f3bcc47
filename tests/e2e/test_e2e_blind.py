"""Blind-first review in Chromium: the answer is recorded before the suggestion is shown."""

from __future__ import annotations

import re

import pytest
from e2e_support import confirm_button, item_id, label_events, open_review, set_annotator, wait_next_item
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_blind_first_records_the_answer_before_the_suggestion(app, page):
    open_review(page, app)
    set_annotator(page, "lee")
    page.get_by_text("Blind-first review").click()
    expect(confirm_button(page)).to_have_count(0)
    expect(page.get_by_text("hidden until you answer")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    page.get_by_role("heading", name="Review").click()

    first = item_id(page)
    page.keyboard.press("7")
    second = wait_next_item(page, first)
    expect(page.get_by_text(re.compile(rf"^Saved: \w+ {re.escape(first)} as 7\. The model had said "))).to_be_visible()
    expect(confirm_button(page)).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    app.stop()
    [event] = label_events(app.home)
    assert (event.external_id, event.annotator, event.label) == (first, "lee", "7")
    assert event.suggestion_hidden is True and event.shown_prediction is None
    assert event.action == ("confirm" if event.served_prediction == "7" else "correct")
    assert second != first
