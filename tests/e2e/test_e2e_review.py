"""The Review and Models pages in Chromium, and an expert's answer landing in the store."""

from __future__ import annotations

import re

import pytest
from e2e_support import confirm_button, label_events, open_review, predicted_class, wait_for_annotator
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ITEM_HEADING = re.compile(r"^Item ")


def test_demo_renders(app, page):
    open_review(page, app)
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    expect(page.get_by_label("Input image")).to_have_count(1)
    expect(page.get_by_label("Input image")).to_be_visible()
    expect(page.get_by_text("Why it surfaced")).to_be_visible()
    expect(page.get_by_role("heading", name=ITEM_HEADING)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Skip"))).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path="/tmp/e2e-review.png", full_page=True)

    # Through the sidebar link, as a person would.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("Models")).click()
    expect(page).to_have_url(re.compile(r"/models$"))
    expect(page.get_by_role("heading", name="Models")).to_be_visible()
    expect(page.get_by_role("button", name="Retrain", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Retrain", exact=True)).to_be_enabled()
    expect(page.get_by_text("Versions", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)

    # And straight from the URL path, in a new session.
    page.goto(app.url + "/models")
    expect(page.get_by_role("button", name="Retrain", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_expert_confirms_an_item(app, page):
    open_review(page, app)
    name = page.get_by_role("textbox", name="Your name", exact=True)
    expect(name).to_have_value("expert")
    name.fill("ana")
    name.press("Enter")
    wait_for_annotator(page, "ana")  # the card now serves ana's leased items

    heading = page.get_by_role("heading", name=ITEM_HEADING)
    first_id = heading.inner_text().removeprefix("Item ").strip()
    predicted = predicted_class(page)
    confirm_button(page).click()
    expect(page.get_by_text(f"Saved: confirm {first_id} as {predicted}")).to_be_visible()
    expect(heading).not_to_have_text(f"Item {first_id}")  # the next item took its place
    second_id = heading.inner_text().removeprefix("Item ").strip()

    # The name typed once holds for the next answer too.
    confirm_button(page).click()
    expect(page.get_by_text(re.compile(rf"^Saved: confirm {re.escape(second_id)} as "))).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)

    app.stop()
    events = label_events(app.home)
    assert [(e.external_id, e.action, e.annotator) for e in events] == [
        (first_id, "confirm", "ana"),
        (second_id, "confirm", "ana"),
    ]
    first = events[0]
    assert first.label == predicted == first.shown_prediction
    assert first.shown_model_version == 1
    for event in events:
        assert event.seconds_spent is not None and 0 <= event.seconds_spent < 600, event
