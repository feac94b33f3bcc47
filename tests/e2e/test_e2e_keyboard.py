"""An expert labels 20 items in Chromium with the keyboard alone; 20 events land in the store."""

from __future__ import annotations

import pytest
from e2e_support import answer_with_key, label_events, open_review, predicted_class, set_annotator
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_twenty_items_with_the_keyboard_alone(app, page):
    open_review(page, app)
    set_annotator(page, "kim")
    expected = []
    for i in range(20):
        predicted = predicted_class(page)
        if i % 10 == 4:
            key, action = "s", "skip"
        elif i % 10 == 9:
            key, action = "a", "ambiguous"
        elif i % 3 == 1:
            key, action = str((int(predicted) + 1) % 10), "correct"
        elif i % 3 == 2:
            key, action = predicted, "confirm"  # the predicted class's own key is a confirm too
        else:
            key, action = "Enter", "confirm"
        expected.append((answer_with_key(page, key), action))
    expect(page.get_by_test_id("stException")).to_have_count(0)

    app.stop()
    events = label_events(app.home)
    assert [(e.external_id, e.action) for e in events] == expected
    assert {e.annotator for e in events} == {"kim"}
    for event in events:
        assert event.seconds_spent is not None and 0 <= event.seconds_spent < 120, event
        assert event.suggestion_hidden is False
    corrected = [e for e in events if e.action == "correct"]
    assert corrected and all(e.label != e.served_prediction for e in corrected)
