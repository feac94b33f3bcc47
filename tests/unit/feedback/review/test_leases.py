"""Leases (two experts never hold the same item), the overlap share, undo and blind-first answers."""

import threading
from datetime import timedelta

import pytest
from store_sql import in_session, read_sql

from feedback.access import Actor
from feedback.exceptions import InputError
from feedback.lifecycle import load_task
from feedback.review import (
    ReviewProgress,
    build_review_queue,
    claim_review_items,
    hold_item,
    is_overlap_item,
    record_label,
    review_progress,
    save_queue_policy,
    undo_last_answer,
)
from feedback.store import repository, utcnow

ADMIN = Actor("tester", "admin")


def _claim_concurrently(ws, annotators, rounds, n=3, overlap_share=0.0):
    """Each annotator, in its own thread, claims and answers ``rounds`` times; returns what each held."""
    held = {name: [] for name in annotators}
    errors = []
    start = threading.Barrier(len(annotators))

    def work(name):
        try:
            start.wait()
            for _ in range(rounds):
                items = claim_review_items(ws, name, n, overlap_share=overlap_share)
                assert items, f"{name} got no item"
                held[name].append([item.id for item in items])
                record_label(ws, items[0].id, items[0].predicted, annotator=name)
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in annotators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return held


def test_two_annotators_claiming_from_threads_never_hold_the_same_item(ws, ingested):
    held = _claim_concurrently(ws, ["ana", "ben"], rounds=12)
    answered = {name: [batch[0] for batch in batches] for name, batches in held.items()}
    assert len(answered["ana"]) == len(answered["ben"]) == 12
    assert not set(answered["ana"]) & set(answered["ben"]), "an item went to both experts"
    # And at no moment did both hold one: every claim of one is disjoint from the other's answers and holds.
    all_ana = {i for batch in held["ana"] for i in batch}
    all_ben = {i for batch in held["ben"] for i in batch}
    leases = read_sql(ws, "SELECT external_id, count(*) AS n FROM lease GROUP BY 1")
    assert (leases["n"] == 1).all(), "overlap off: one slot per item"
    assert all_ana and all_ben


def test_claims_are_kept_until_answered_and_hidden_from_others(ws, ingested):
    first = [item.id for item in claim_review_items(ws, "ana", 3)]
    assert [item.id for item in claim_review_items(ws, "ana", 3)] == first, "holding is stable"
    other = [item.id for item in claim_review_items(ws, "ben", 3)]
    assert not set(first) & set(other)
    assert not set(first) & {item.id for item in build_review_queue(ws, 60, annotator="ben")}

    record_label(ws, first[0], None, annotator="ana", action="skip")
    again = [item.id for item in claim_review_items(ws, "ana", 3)]
    assert first[0] not in again, "a skipped item is released and not served to the same expert again"
    assert first[1:] == again[:2]


def test_an_expired_lease_is_free_again(ws, ingested):
    now = utcnow()
    taken = [item.id for item in claim_review_items(ws, "ana", 2, lease_seconds=60, now=now)]
    later = now + timedelta(seconds=61)
    reclaimed = [item.id for item in claim_review_items(ws, "ben", 2, now=later)]
    assert reclaimed == taken, "ben gets the best items once ana's leases ran out"
    assert [item.id for item in claim_review_items(ws, "ana", 2, now=later)] != taken


def test_an_exploration_item_reclaimed_by_the_ranking_after_its_lease_ran_out_is_no_longer_explored(ws, ingested):
    now = utcnow()
    save_queue_policy(ws, actor=ADMIN, adaptive=True, exploration_floor=1.0, audit_share=0.0)
    taken = [item.id for item in claim_review_items(ws, "ana", 2, lease_seconds=60, now=now)]
    assert in_session(ws, repository.explored_ids) == set(taken)

    later = now + timedelta(seconds=61)  # ana walked away; the ranking now surfaces the same items for ben
    held = in_session(
        ws, repository.claim_leases, "ben", [(i, False) for i in taken], 2, later, later + timedelta(seconds=60)
    )
    assert held == taken
    assert in_session(ws, repository.explored_ids) == set(), "ben's leases are the ranking's choice"


def test_overlap_share_gives_about_that_share_of_items_to_two_experts(ws, ingested):
    salt = load_task(ws).audit_salt
    ids = [f"x-{i}" for i in range(4000)]
    assert sum(is_overlap_item(i, 0.1, salt) for i in ids) / len(ids) == pytest.approx(0.1, abs=0.02)
    assert not any(is_overlap_item(i, 0.0, salt) for i in ids)

    share = 0.5
    ana = {item.id for item in claim_review_items(ws, "ana", 40, overlap_share=share)}
    ben = {item.id for item in claim_review_items(ws, "ben", 40, overlap_share=share)}
    both = ana & ben
    assert both and all(is_overlap_item(i, share, salt) for i in both)
    overlap_in_ana = [i for i in ana if is_overlap_item(i, share, salt)]
    assert set(overlap_in_ana) <= ben, "ben may hold every overlap item ana holds"
    assert 0.25 < len(overlap_in_ana) / len(ana) < 0.75


def test_an_overlap_item_answered_by_one_expert_goes_to_a_second(ws, ingested):
    salt = load_task(ws).audit_salt
    ana = claim_review_items(ws, "ana", 40, overlap_share=0.5)
    item = next(i for i in ana if is_overlap_item(i.id, 0.5, salt))
    record_label(ws, item.id, item.predicted, annotator="ana")
    ben = claim_review_items(ws, "ben", 3, overlap_share=0.5)
    assert ben[0].id == item.id and ben[0].reasons[0].startswith("second opinion")
    record_label(ws, item.id, item.predicted, annotator="ben")
    assert item.id not in {i.id for i in claim_review_items(ws, "cleo", 60, overlap_share=0.5)}


def test_undo_is_a_new_event_and_puts_the_item_back(ws, ingested):
    [first] = claim_review_items(ws, "ana", 1)
    answer = record_label(ws, first.id, first.predicted, annotator="ana")
    assert first.id not in {i.id for i in build_review_queue(ws, 60)}
    before = in_session(ws, repository.count_rows)

    undo = undo_last_answer(ws, annotator="ana")

    assert (undo.action, undo.voids_event_id, undo.external_id) == ("undo", answer.id, first.id)
    after = in_session(ws, repository.count_rows)
    assert after["label_events"] == before["label_events"] + 1, "appended, never overwritten"
    assert after["labelled_items"] == before["labelled_items"] - 1, "the voided answer is no gold label"
    assert first.id in {i.id for i in build_review_queue(ws, 60)}
    assert hold_item(ws, "ana", first.id)
    assert claim_review_items(ws, "ana", 1)[0].id == first.id
    with pytest.raises(InputError, match="no answer to undo"):
        undo_last_answer(ws, annotator="ana")


def test_undo_voids_only_the_annotators_own_latest_answer(ws, ingested):
    a, b = claim_review_items(ws, "ana", 2)
    first = record_label(ws, a.id, a.predicted, annotator="ana")
    second = record_label(ws, b.id, None, annotator="ana", action="ambiguous")
    record_label(ws, b.id, b.predicted, annotator="ben")
    assert undo_last_answer(ws, annotator="ana").voids_event_id == second.id
    assert undo_last_answer(ws, annotator="ana").voids_event_id == first.id
    assert review_progress(ws, "ana").answered == 0
    assert review_progress(ws, "ben").answered == 1


def test_blind_answer_records_no_shown_prediction_but_derives_the_action(ws, ingested):
    [item] = claim_review_items(ws, "ana", 1)
    other = "1" if item.predicted != "1" else "2"
    event = record_label(ws, item.id, other, annotator="ana", suggestion_hidden=True)
    assert (event.action, event.suggestion_hidden, event.shown_prediction) == ("correct", True, None)
    assert event.served_prediction == item.predicted


def test_progress_counts_todays_answers_and_the_unlabelled(ws, ingested):
    start = review_progress(ws, "ana")
    assert start == ReviewProgress(answered=0, unlabelled=60)
    items = claim_review_items(ws, "ana", 2)
    record_label(ws, items[0].id, items[0].predicted, annotator="ana")
    record_label(ws, items[1].id, None, annotator="ana", action="skip")
    assert review_progress(ws, "ana") == ReviewProgress(answered=2, unlabelled=59)
