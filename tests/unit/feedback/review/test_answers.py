"""Answers from the browser's review card: each lands on the item it names, once, or is refused."""

from datetime import timedelta

import pytest
from sqlmodel import select

from feedback import store
from feedback.exceptions import InputError
from feedback.review import claim_review_items, parse_answer, record_answers
from feedback.store import LabelEvent, utcnow

SETTINGS = {"overlap_share": 0.0, "lease_seconds": 600.0}


def _op(item, label=None, *, cid, annotator="ana", **extra):
    return {"cid": cid, "op": "answer", "annotator": annotator, "item": item, "label": label, **extra}


def _events(ws, annotator=None):
    with store.session(ws) as session:
        statement = select(LabelEvent).order_by(LabelEvent.id)
        if annotator:
            statement = statement.where(LabelEvent.annotator == annotator)
        return list(session.exec(statement).all())


def test_each_answer_lands_on_the_item_it_names_in_order(ws, ingested):
    items = claim_review_items(ws, "ana", 3, **SETTINGS)
    ops = [
        _op(items[0].id, "3", cid="cid-00001"),
        _op(items[2].id, "5", cid="cid-00002"),
        _op(items[1].id, None, cid="cid-00003", action="skip", reason="other", comment="blurry", seconds=1.5),
    ]
    outcomes = record_answers(ws, ops, annotator="ana", **SETTINGS)
    assert [o.status for o in outcomes] == ["recorded"] * 3
    events = _events(ws, "ana")
    assert [(e.external_id, e.label, e.client_id) for e in events] == [
        (items[0].id, "3", "cid-00001"),
        (items[2].id, "5", "cid-00002"),
        (items[1].id, None, "cid-00003"),
    ]
    assert (events[2].action, events[2].reason_code, events[2].comment, events[2].seconds_spent) == (
        "skip",
        "other",
        "blurry",
        1.5,
    )


def test_a_resent_answer_is_acknowledged_and_stored_once(ws, ingested):
    item = claim_review_items(ws, "ana", 1, **SETTINGS)[0]
    op = _op(item.id, "4", cid="cid-resent1")
    first = record_answers(ws, [op], annotator="ana", **SETTINGS)
    again = record_answers(ws, [op, op], annotator="ana", **SETTINGS)
    assert first[0].status == "recorded"
    assert [o.status for o in again] == ["duplicate", "duplicate"]
    assert all(o.acknowledged for o in again)
    assert len(_events(ws, "ana")) == 1


def test_a_second_answer_to_the_same_item_is_dropped(ws, ingested):
    item = claim_review_items(ws, "ana", 1, **SETTINGS)[0]
    outcomes = record_answers(
        ws, [_op(item.id, "2", cid="cid-first01"), _op(item.id, "5", cid="cid-second1")], annotator="ana", **SETTINGS
    )
    assert [o.status for o in outcomes] == ["recorded", "duplicate"]
    assert [e.label for e in _events(ws, "ana")] == ["2"]


def test_an_answer_on_a_lapsed_lease_another_expert_took_is_refused(ws, ingested):
    start = utcnow()
    item = claim_review_items(ws, "ana", 1, lease_seconds=5, now=start)[0]
    later = start + timedelta(seconds=6)
    taken = claim_review_items(ws, "ben", 3, lease_seconds=600, now=later)
    assert item.id in {i.id for i in taken}, "ben takes the lapsed item"
    outcome = record_answers(ws, [_op(item.id, "1", cid="cid-lapsed1")], annotator="ana", now=later, **SETTINGS)[0]
    assert outcome.status == "refused" and "lapsed" in outcome.message and item.id in outcome.message
    assert _events(ws, "ana") == []


def test_an_answer_on_a_lapsed_lease_nobody_took_retakes_it(ws, ingested):
    start = utcnow()
    item = claim_review_items(ws, "ana", 1, lease_seconds=5, now=start)[0]
    later = start + timedelta(seconds=60)
    outcome = record_answers(ws, [_op(item.id, "1", cid="cid-retake1")], annotator="ana", now=later, **SETTINGS)[0]
    assert outcome.status == "recorded"


def test_an_answer_on_an_item_another_expert_answered_is_refused(ws, ingested):
    start = utcnow()
    item = claim_review_items(ws, "ana", 1, lease_seconds=5, now=start)[0]
    later = start + timedelta(seconds=6)
    claim_review_items(ws, "ben", 3, lease_seconds=600, now=later)
    assert (
        record_answers(
            ws, [_op(item.id, "7", cid="cid-benans1", annotator="ben")], annotator="ben", now=later, **SETTINGS
        )[0].status
        == "recorded"
    )
    outcome = record_answers(ws, [_op(item.id, "1", cid="cid-anaans1")], annotator="ana", now=later, **SETTINGS)[0]
    assert outcome.status == "refused"
    assert [e.annotator for e in _events(ws) if e.external_id == item.id] == ["ben"]


def test_an_answer_made_for_another_name_is_refused(ws, ingested):
    item = claim_review_items(ws, "ana", 1, **SETTINGS)[0]
    outcome = record_answers(ws, [_op(item.id, "1", cid="cid-wrongn1", annotator="ana")], annotator="ben", **SETTINGS)[
        0
    ]
    assert outcome.status == "refused" and "made as ana" in outcome.message
    assert not any(e.annotator in ("ana", "ben") for e in _events(ws))


def test_undo_from_the_card_voids_the_last_answer_and_holds_the_item_again(ws, ingested):
    item = claim_review_items(ws, "ana", 1, **SETTINGS)[0]
    outcomes = record_answers(
        ws,
        [_op(item.id, "6", cid="cid-answer1"), {"cid": "cid-undo001", "op": "undo", "annotator": "ana"}],
        annotator="ana",
        **SETTINGS,
    )
    assert [o.status for o in outcomes] == ["recorded", "recorded"]
    assert outcomes[1].external_id == item.id
    assert item.id in [i.id for i in claim_review_items(ws, "ana", 3, **SETTINGS)]
    again = record_answers(ws, [_op(item.id, "8", cid="cid-answer2")], annotator="ana", **SETTINGS)[0]
    assert again.status == "recorded"
    events = _events(ws, "ana")
    assert [e.label for e in events] == ["6", None, "8"]
    assert events[1].action == "undo" and events[1].voids_event_id == events[0].id


@pytest.mark.parametrize(
    "raw, problem",
    [
        ("not a dict", "not an object"),
        ({"op": "answer", "annotator": "ana", "item": "x"}, "valid id"),
        ({"cid": "short", "op": "answer", "annotator": "ana", "item": "x"}, "valid id"),
        ({"cid": "cid-000001", "op": "delete", "annotator": "ana"}, "unknown operation"),
        ({"cid": "cid-000001", "op": "answer", "item": "x"}, "expert's name"),
        ({"cid": "cid-000001", "op": "answer", "annotator": "ana"}, "item id"),
        ({"cid": "cid-000001", "op": "answer", "annotator": "ana", "item": "x", "action": "drop"}, "unknown action"),
        ({"cid": "cid-000001", "op": "answer", "annotator": "ana", "item": "x", "reason": "<b>"}, "unknown reason"),
        ({"cid": "cid-000001", "op": "answer", "annotator": "ana", "item": "x", "seconds": -1}, "time spent"),
        ({"cid": "cid-000001", "op": "answer", "annotator": "ana", "item": "x", "seconds": True}, "time spent"),
        ({"cid": "cid-000001", "op": "answer", "annotator": "ana", "item": "x", "comment": "x" * 5000}, "comment"),
    ],
)
def test_a_malformed_answer_is_refused_with_its_problem_named(raw, problem):
    with pytest.raises(InputError, match=problem):
        parse_answer(raw)


def test_malformed_answers_are_refused_and_nothing_is_written(ws, ingested):
    before = len(_events(ws))
    outcomes = record_answers(
        ws,
        [{"cid": "cid-000001", "op": "answer", "annotator": "ana", "item": "nope", "label": "3"}, 42],
        annotator="ana",
        **SETTINGS,
    )
    assert [o.status for o in outcomes] == ["refused", "refused"]
    assert len(_events(ws)) == before
