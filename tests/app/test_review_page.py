"""AppTest of pages/review.py: the card shows the item and records answers."""

import pytest

from feedback import webapp
from feedback.exceptions import InputError
from feedback.labels import record_label  # noqa: F401  (import check: the page's dependency)
from feedback.repository import label_history
from feedback.workspace import open_workspace
from sqlmodel import Session


def _events(home, item_id):
    ws = open_workspace(home)
    try:
        with Session(ws.engine) as session:
            return label_history(session, item_id)
    finally:
        ws.close()


def test_shows_disputed_item_first_with_image_and_reasons(digits_home, page):
    at = page("app_pages/review.py", digits_home).run()
    assert not at.exception
    assert any("disputed by an end user" in m.value for m in at.markdown)
    assert at.get("imgs") or at.get("image"), "the digit is drawn as an image"
    assert at.button(key="confirm").label.startswith("Confirm ")


def test_confirm_records_event_with_annotator_and_time(digits_home, page):
    at = page("app_pages/review.py", digits_home)
    at.session_state["annotator"] = "ana"
    at.run()
    item_id = next(m.value for m in at.subheader if m.value.startswith("Item ")).removeprefix("Item ")
    at.button(key="confirm").click().run()
    assert not at.exception
    assert any(f"Saved: confirm {item_id}" in s.value for s in at.success)
    [event] = _events(digits_home, item_id)
    assert (event.annotator, event.action) == ("ana", "confirm")
    assert event.seconds_spent is not None and event.seconds_spent >= 0
    next_item = next(m.value for m in at.subheader if m.value.startswith("Item "))
    assert next_item != f"Item {item_id}"


def test_correction_and_skip(digits_home, page):
    at = page("app_pages/review.py", digits_home).run()
    first = at.subheader[0].value.removeprefix("Item ")
    predicted = at.button(key="confirm").label.removeprefix("Confirm ")
    other = "1" if predicted != "1" else "2"
    at.button(key=f"class_{other}").click().run()
    assert not at.exception
    [event] = _events(digits_home, first)
    assert (event.action, event.label, event.shown_prediction) == ("correct", other, predicted)

    second = at.subheader[0].value.removeprefix("Item ")
    at.button(key="skip").click().run()
    [skip] = _events(digits_home, second)
    assert skip.action == "skip" and skip.label is None
    assert at.subheader[0].value != f"Item {second}", "a skipped item leaves this session's view"


def test_every_answer_has_a_keyboard_shortcut_and_a_legend(digits_home, page):
    at = page("app_pages/review.py", digits_home).run()
    assert not at.exception
    shortcuts = {b.key: b.proto.shortcut for b in at.button}
    assert {shortcuts[f"class_{d}"] for d in "0123456789"} == set("0123456789"), "digits are their own keys"
    assert shortcuts["confirm"] == "enter"
    assert (shortcuts["skip"], shortcuts["ambiguous"]) == ("s", "a")
    assert any(m.value.startswith("**Keys:**") and "`S` skip" in m.value for m in at.markdown)


def test_class_key_equal_to_the_prediction_confirms_and_keeps_reason_and_comment(digits_home, page):
    at = page("app_pages/review.py", digits_home).run()
    item_id = at.subheader[0].value.removeprefix("Item ")
    predicted = at.button(key="confirm").label.removeprefix("Confirm ")
    at.selectbox(key=f"reason_{item_id}").set_value("ambiguous-input")
    at.text_input(key=f"comment_{item_id}").set_value("faint stroke")
    at.button(key=f"class_{predicted}").click().run()
    [event] = _events(digits_home, item_id)
    assert (event.action, event.label, event.reason_code, event.comment) == (
        "confirm", predicted, "ambiguous-input", "faint stroke")


def test_blind_mode_hides_the_suggestion_until_the_answer(digits_home, page):
    at = page("app_pages/review.py", digits_home)
    at.session_state["blind"] = True
    at.run()
    assert not at.exception
    item_id = at.subheader[0].value.removeprefix("Item ")
    assert "confirm" not in {b.key for b in at.button}, "no Confirm suggestion in blind mode"
    assert not any(m.value.startswith("**Model says:** `") for m in at.markdown)
    assert not at.dataframe, "no probabilities in blind mode"
    at.button(key="class_7").click().run()
    [event] = _events(digits_home, item_id)
    assert event.suggestion_hidden is True and event.shown_prediction is None
    assert event.action == ("confirm" if event.served_prediction == "7" else "correct")
    assert any(f"The model had said {event.served_prediction}" in s.value for s in at.success)


def test_store_without_task_explains_how_to_start(tmp_path, page):
    at = page("app_pages/review.py", tmp_path / "empty").run()
    assert not at.exception
    assert any("python -m feedback init" in i.value for i in at.info)


def test_undo_brings_the_item_back_and_progress_counts_today(digits_home, page):
    at = page("app_pages/review.py", digits_home)
    at.session_state["annotator"] = "ana"
    at.run()
    assert at.button(key="undo").proto.shortcut == "u"
    assert "ana: 0 answered today" in at.get("progress")[0].proto.text
    item_id = at.subheader[0].value.removeprefix("Item ")
    at.button(key="confirm").click().run()
    assert "ana: 1 answered today" in at.get("progress")[0].proto.text
    assert at.subheader[0].value != f"Item {item_id}"
    at.button(key="undo").click().run()
    assert not at.exception
    assert at.subheader[0].value == f"Item {item_id}", "the undone item is back on the card"
    assert "ana: 0 answered today" in at.get("progress")[0].proto.text
    confirm, undo = _events(digits_home, item_id)
    assert (undo.action, undo.voids_event_id) == ("undo", confirm.id)


def test_a_lead_changes_the_queue_policy_and_the_card_says_what_each_signal_added(digits_home, page):
    from feedback.queue_policy import load_queue_policy

    at = page("app_pages/review.py", digits_home).run()
    assert any("(+2.00)" in m.value and "disputed by an end user" in m.value for m in at.markdown)
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
    assert not any("disputed by an end user" in m.value for m in at.markdown if m.value.startswith("**Why"))


def test_a_setting_that_is_not_a_number_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv("FEEDBACK_LEASE_SECONDS", "ten minutes")
    with pytest.raises(InputError, match="FEEDBACK_LEASE_SECONDS must be a number more than 0 .*, got 'ten minutes'"):
        webapp.review_settings()
    monkeypatch.setenv("FEEDBACK_LEASE_SECONDS", "90")
    assert webapp.review_settings()["lease_seconds"] == 90.0
