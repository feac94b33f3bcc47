"""Two experts in two browser contexts at once: never the same item (overlap off), nothing lost."""

from __future__ import annotations

import pytest
from e2e_support import EXPECT_TIMEOUT_MS, item_id, label_events, open_review, set_annotator, wait_next_item
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _expert(browser, app, name):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = open_review(context.new_page(), app)
    set_annotator(page, name)
    return context, page


def test_two_experts_never_get_the_same_item_and_lose_nothing(app, browser):
    experts = {name: _expert(browser, app, name) for name in ("ana", "ben")}
    seen = {name: [] for name in experts}
    try:
        for _ in range(8):
            current = {name: item_id(page) for name, (_, page) in experts.items()}
            assert current["ana"] != current["ben"], "both experts were shown one item"
            for name, (_, page) in experts.items():  # both answer before either waits
                seen[name].append(current[name])
                page.keyboard.press("Enter")
            for name, (_, page) in experts.items():
                wait_next_item(page, current[name])
        for _, page in experts.values():
            expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        for context, _ in experts.values():
            context.close()

    assert not set(seen["ana"]) & set(seen["ben"])
    app.stop()
    events = label_events(app.home)
    for name in experts:
        assert [e.external_id for e in events if e.annotator == name] == seen[name], f"{name}'s answers"
    assert all(e.action == "confirm" and e.seconds_spent is not None for e in events)
    assert len(events) == 16
