"""An impatient expert in Chromium: every key lands on the item that was on screen when it was pressed.

15 presses 250 ms apart, 15 at 80 ms, then 10 as fast as the browser takes them, each the true
label of the item on the card at that moment. Every stored answer must carry the label pressed
for its item, and every item the card moved on from must have its answer stored, once.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest
from e2e_support import (
    confirm_button,
    item_id,
    label_events,
    open_review,
    wait_for_annotator,
    wait_next_item,
    wait_saved,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# In the page, without a round trip per key: read the card's heading, dispatch that item's key, repeat.
_PRESS_AS_FAST_AS_POSSIBLE = """
async ([truth, n]) => {
  const host = [...document.querySelectorAll("*")].find((e) => e.shadowRoot && e.shadowRoot.querySelector(".card"));
  const root = host.shadowRoot;
  const pressed = [];
  while (pressed.length < n) {
    const heading = root.querySelector("h3");
    if (!heading) { await new Promise((r) => setTimeout(r, 5)); continue; }  // the batch ran dry: wait
    const id = heading.textContent.replace(/^Item /, "");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: truth[id], bubbles: true }));
    pressed.push([id, truth[id]]);
  }
  return pressed;
}
"""


def test_keys_at_working_speed_land_on_the_item_on_screen(app, page):
    truth = pd.read_csv(app.home / "demo" / "truth.csv", dtype=str).set_index("id")["label"].to_dict()
    open_review(page, app)
    pressed: list[tuple[str, str]] = []
    for pause in [0.25] * 15 + [0.08] * 15:
        shown = item_id(page)  # waits for a card if the batch ran dry
        page.keyboard.press(truth[shown])
        pressed.append((shown, truth[shown]))
        time.sleep(pause)  # the expert's typing rhythm, not a wait for the app
    pressed += [tuple(p) for p in page.evaluate(_PRESS_AS_FAST_AS_POSSIBLE, [truth, 10])]
    wait_saved(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    ids = [item for item, _ in pressed]
    assert len(set(ids)) == len(ids) == 40, "the card showed an item again after it was answered"
    app.stop()
    events = label_events(app.home)
    assert sorted((e.external_id, e.label) for e in events) == sorted(pressed)
    assert {e.annotator for e in events} == {"expert"}
    assert len({e.client_id for e in events}) == 40


def test_keys_answer_the_card_unless_the_expert_is_typing(app, page):
    truth = pd.read_csv(app.home / "demo" / "truth.csv", dtype=str).set_index("id")["label"].to_dict()
    open_review(page, app)
    focus = page.locator("div.focus")

    name = page.get_by_role("textbox", name="Your name", exact=True)
    name.fill("lee")
    name.press("Enter")  # and no click elsewhere: the next digit must answer the card, not edit the name
    wait_for_annotator(page, "lee")
    expect(focus).to_have_text("Keys answer this card.")
    first = item_id(page)
    page.keyboard.press(truth[first])
    second = wait_next_item(page, first)
    expect(name).to_have_value("lee")

    comment = page.get_by_label("Comment")
    comment.click()
    expect(focus).to_contain_text("Keys go to the text field")
    page.keyboard.type("5 faint")  # typed into the comment, not taken as answers
    expect(comment).to_have_value("5 faint")
    assert item_id(page) == second
    page.keyboard.press("Escape")
    expect(focus).to_have_text("Keys answer this card.")
    page.keyboard.press(truth[second])
    third = wait_next_item(page, second)

    page.get_by_text("Blind-first review").click()  # the toggle takes the focus; keys still answer the card
    expect(confirm_button(page)).to_have_count(0)
    page.keyboard.press(truth[third])
    wait_next_item(page, third)

    app.stop()
    events = label_events(app.home)
    assert [(e.external_id, e.label, e.annotator) for e in events] == [
        (first, truth[first], "lee"),
        (second, truth[second], "lee"),
        (third, truth[third], "lee"),
    ]
    assert events[1].comment == "5 faint"
    assert (events[0].suggestion_hidden, events[2].suggestion_hidden) == (False, True)
