"""AppTest of pages/review.py: the card shows the item and records answers."""

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
    other = next(o for o in at.selectbox(key="correction").options if o != predicted)
    at.selectbox(key="correction").set_value(other).run()
    at.button(key="correct").click().run()
    assert not at.exception
    [event] = _events(digits_home, first)
    assert (event.action, event.label, event.shown_prediction) == ("correct", other, predicted)

    second = at.subheader[0].value.removeprefix("Item ")
    at.button(key="skip").click().run()
    [skip] = _events(digits_home, second)
    assert skip.action == "skip" and skip.label is None
    assert at.subheader[0].value != f"Item {second}", "a skipped item leaves this session's view"


def test_store_without_task_explains_how_to_start(tmp_path, page):
    at = page("app_pages/review.py", tmp_path / "empty").run()
    assert not at.exception
    assert any("python -m feedback init" in i.value for i in at.info)
