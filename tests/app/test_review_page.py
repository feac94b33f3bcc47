"""AppTest of pages/review.py: what the page sends the browser's card, and the answers the card sends back."""

import json
import uuid

import pytest

from feedback import store
from feedback.exceptions import InputError
from feedback.store.repository import label_history
from feedback.web import review_settings
from feedback.workspace import open_workspace


def _events(home, item_id):
    ws = open_workspace(home)
    try:
        with store.session(ws) as session:
            return label_history(session, item_id)
    finally:
        ws.close()


def _card(at) -> dict:
    """What the page sent to the browser's review card."""
    [card] = at.get("bidi_component")
    return json.loads(card.proto.json)


def _shown(at) -> dict:
    """The item the card shows first (it keeps showing it until a key is pressed)."""
    data = _card(at)
    return data["items"][0]


def _send(at, *ops) -> dict:
    """Do what the card does when keys are pressed: add answers to its outbox and send all of it."""
    sent = at.session_state.get("review_card", {})
    outbox = (sent.get("outbox") or {}).get("ops", [])
    outbox = [*outbox, *({"cid": f"cid-{uuid.uuid4().hex}", "annotator": _card(at)["annotator"], **op} for op in ops)]
    at.session_state["review_card"] = {"outbox": {"ops": outbox, "n": len(outbox)}}
    at.run()
    assert not at.exception
    return _card(at)


def test_shows_disputed_item_first_with_image_and_reasons(digits_home, page):
    at = page("app_pages/review.py", digits_home).run()
    assert not at.exception
    item = _shown(at)
    assert any("disputed by an end user" in reason for reason in item["reasons"])
    assert item["input"]["kind"] == "image" and len(item["input"]["pixels"]) == 64, "the digit is drawn"
    assert item["predicted"] in [label for label, _ in _card(at)["classes"]]


def test_confirm_records_event_with_annotator_and_time(digits_home, page):
    at = page("app_pages/review.py", digits_home)
    at.session_state["annotator"] = "ana"
    at.run()
    item = _shown(at)
    data = _send(
        at, {"op": "answer", "item": item["id"], "action": "confirm", "label": item["predicted"], "seconds": 2.5}
    )
    assert data["notice"]["text"] == f"Saved: confirm {item['id']} as {item['predicted']}"
    assert len(data["acked"]) == 1, "the card is told the answer is stored"
    [event] = _events(digits_home, item["id"])
    assert (event.annotator, event.action, event.seconds_spent) == ("ana", "confirm", 2.5)
    assert item["id"] not in [i["id"] for i in data["items"]], "the answered item is no longer held"


def test_correction_and_skip(digits_home, page):
    at = page("app_pages/review.py", digits_home).run()
    first, second = _card(at)["items"][:2]
    other = "1" if first["predicted"] != "1" else "2"
    _send(
        at,
        {"op": "answer", "item": first["id"], "label": other},
        {"op": "answer", "item": second["id"], "action": "skip"},
    )
    [event] = _events(digits_home, first["id"])
    assert (event.action, event.label, event.shown_prediction) == ("correct", other, first["predicted"])
    [skip] = _events(digits_home, second["id"])
    assert skip.action == "skip" and skip.label is None
    assert second["id"] not in [i["id"] for i in _card(at)["items"]], "a skipped item leaves this session's view"


def test_every_answer_has_a_keyboard_shortcut(digits_home, page):
    at = page("app_pages/review.py", digits_home).run()
    data = _card(at)
    assert dict(data["classes"]) == {d: d for d in "0123456789"}, "digits are their own keys"
    assert data["keys"] == {"skip": "s", "ambiguous": "a", "undo": "u", "confirm": "Enter"}


def test_reason_and_comment_travel_with_the_answer(digits_home, page):
    at = page("app_pages/review.py", digits_home).run()
    item = _shown(at)
    _send(
        at,
        {
            "op": "answer",
            "item": item["id"],
            "label": item["predicted"],
            "reason": "ambiguous-input",
            "comment": "faint stroke",
        },
    )
    [event] = _events(digits_home, item["id"])
    assert (event.action, event.label, event.reason_code, event.comment) == (
        "confirm",
        item["predicted"],
        "ambiguous-input",
        "faint stroke",
    )


def test_blind_mode_hides_the_suggestion_until_the_answer(digits_home, page):
    at = page("app_pages/review.py", digits_home)
    at.session_state["blind"] = True
    at.run()
    assert not at.exception
    assert _card(at)["blind"] is True, "the card hides the model's answer and offers no Confirm"
    item = _shown(at)
    data = _send(at, {"op": "answer", "item": item["id"], "label": "7", "hidden": True})
    [event] = _events(digits_home, item["id"])
    assert event.suggestion_hidden is True and event.shown_prediction is None
    assert event.action == ("confirm" if event.served_prediction == "7" else "correct")
    assert f"The model had said {event.served_prediction}" in data["notice"]["text"]


def test_a_resent_outbox_records_each_answer_once(digits_home, page):
    at = page("app_pages/review.py", digits_home).run()
    item = _shown(at)
    _send(at, {"op": "answer", "item": item["id"], "label": "4"})
    at.session_state["review_card"] = {"outbox": {**at.session_state["review_card"]["outbox"], "n": 99}}
    at.run()  # the card sends the same answer again before it hears back
    assert len(_events(digits_home, item["id"])) == 1


def test_store_without_task_explains_how_to_start(tmp_path, page):
    at = page("app_pages/review.py", tmp_path / "empty").run()
    assert not at.exception
    assert any("python -m feedback init" in i.value for i in at.info)


def test_undo_brings_the_item_back_and_progress_counts_today(digits_home, page):
    at = page("app_pages/review.py", digits_home)
    at.session_state["annotator"] = "ana"
    at.run()
    assert "ana: 0 answered today" in at.get("progress")[0].proto.text
    item = _shown(at)
    _send(at, {"op": "answer", "item": item["id"], "action": "confirm", "label": item["predicted"]})
    assert "ana: 1 answered today" in at.get("progress")[0].proto.text
    data = _send(at, {"op": "undo"})
    assert data["pinned"] == item["id"] and item["id"] in [i["id"] for i in data["items"]], (
        "the undone item is back on the card"
    )
    assert "ana: 0 answered today" in at.get("progress")[0].proto.text
    confirm, undo = _events(digits_home, item["id"])
    assert (undo.action, undo.voids_event_id) == ("undo", confirm.id)


def test_a_lead_changes_the_queue_policy_and_the_card_says_what_each_signal_added(digits_home, page):
    from feedback.review import load_queue_policy

    at = page("app_pages/review.py", digits_home).run()
    assert any("(+2.00)" in r and "disputed by an end user" in r for r in _shown(at)["reasons"])
    [n for n in at.number_input if n.label == "Weight: dispute"][0].set_value(0.0)
    [n for n in at.number_input if n.label == "Weight: diversity"][0].set_value(0.0)
    at.button[[b.label for b in at.button].index("Save queue policy")].click().run()
    assert not at.exception
    assert any(s.value.startswith("Saved: new items are ranked by it") for s in at.success)
    ws = open_workspace(digits_home)
    try:
        assert (load_queue_policy(ws).dispute, load_queue_policy(ws).diversity) == (0.0, 0.0)
    finally:
        ws.close()
    newly_held = _card(at)["items"][-1]
    assert not any("disputed by an end user" in r for r in newly_held["reasons"])


def test_a_lead_sets_the_adaptive_policy_and_its_exploration_floor(digits_home, page):
    from feedback.review import build_review_queue, load_queue_policy
    from feedback.review.queue import EXPLORE_REASON

    def explored(ws) -> int:
        return sum(EXPLORE_REASON in item.reasons for item in build_review_queue(ws, limit=10, audit_share=0.0))

    def save(at, adaptive: bool, floor: float) -> None:
        [t for t in at.toggle if t.label.startswith("Adaptive")][0].set_value(adaptive)
        [s for s in at.slider if s.label.startswith("Exploration floor")][0].set_value(floor)
        at.button[[b.label for b in at.button].index("Save queue policy")].click().run()
        assert not at.exception
        assert any(s.value.startswith("Saved") for s in at.success)

    at = page("app_pages/review.py", digits_home).run()
    save(at, True, 1.0)
    ws = open_workspace(digits_home)
    try:
        assert (load_queue_policy(ws).adaptive, load_queue_policy(ws).exploration_floor) == (True, 1.0)
        assert explored(ws) == 10, "a floor of 1 fills every place outside the audit slice with random items"
    finally:
        ws.close()
    save(at, False, 1.0)
    ws = open_workspace(digits_home)
    try:
        assert load_queue_policy(ws).adaptive is False
        assert explored(ws) == 0, "a fixed ranking draws no exploration item, whatever the floor"
    finally:
        ws.close()


def test_a_setting_that_is_not_a_number_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv("FEEDBACK_LEASE_SECONDS", "ten minutes")
    with pytest.raises(InputError, match="FEEDBACK_LEASE_SECONDS must be a number more than 0 .*, got 'ten minutes'"):
        review_settings()
    monkeypatch.setenv("FEEDBACK_LEASE_SECONDS", "90")
    assert review_settings()["lease_seconds"] == 90.0


def test_a_change_of_name_gives_the_old_names_items_back(digits_home, page):
    from feedback.review import held_item_ids

    at = page("app_pages/review.py", digits_home).run()
    first_batch = [item["id"] for item in _card(at)["items"]]
    at.session_state["annotator"] = "ana"
    at.run()
    assert not at.exception
    ws = open_workspace(digits_home)
    try:
        assert held_item_ids(ws, "expert") == [], "the items the default name held are free again"
        assert held_item_ids(ws, "ana")[0] == first_batch[0], "and the new name takes the best of them"
    finally:
        ws.close()


def test_a_refused_answer_comes_back_to_the_card_with_its_reason(digits_home, page):
    at = page("app_pages/review.py", digits_home).run()
    item = _shown(at)
    data = _send(at, {"op": "answer", "item": item["id"], "label": "3", "annotator": "someone else"})
    [refused] = data["refused"]
    assert "made as someone else" in refused["message"]
    assert data["acked"] == [] and data["notice"] is None, "a refusal is not reported as saved"
    assert _events(digits_home, item["id"]) == []
