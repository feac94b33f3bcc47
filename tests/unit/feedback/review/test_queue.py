"""The review queue under a plain margin-and-dispute policy, with the audit slice interleaved.

The blend of the other signals and the spread over a page are tested in test_queue_policy.py.
"""

import time

import pandas as pd
import pytest

from feedback.intake import ingest_feedback
from feedback.review import QueuePolicy, build_review_queue, record_label

PLAIN = QueuePolicy(diversity=0.0, adaptive=False)  # no spreading, no exploration: the page is in priority order


def _by_margin(rows: pd.DataFrame) -> list[str]:
    """Non-audit ids, lowest margin first (ties by id), as the queue should order them."""
    plain = rows[~rows["is_audit"]].reset_index()
    return list(plain.sort_values(["margin", "external_id"])["external_id"])


def _audit_in_order(rows: pd.DataFrame) -> list[str]:
    audit = rows[rows["is_audit"]].reset_index()
    return list(audit.sort_values(["received_at", "external_id"])["external_id"])


def _dispute(ws, tmp_path, ids, name="fb.csv"):
    path = tmp_path / name
    pd.DataFrame({"id": ids, "signal": ["disputed"] * len(ids)}).to_csv(path, index=False)
    ingest_feedback(ws, path)


def test_queue_without_audit_lists_lowest_margin_first(ws, ingested, logged):
    rows = logged(ws)
    queue = build_review_queue(ws, policy=PLAIN, limit=10, audit_share=0.0)

    assert [item.id for item in queue] == _by_margin(rows)[:10]
    margins = [item.margin for item in queue]
    assert margins == sorted(margins)
    for item in queue:
        assert not item.is_audit
        assert item.reasons == [f"low margin {item.margin:.2f} between the top two classes (+{1 - item.margin:.2f})"]
        assert item.predicted == rows.loc[item.id, "predicted"]
        assert item.confidence == pytest.approx(rows.loc[item.id, "confidence"])


@pytest.mark.parametrize(
    ("share", "audit_positions"), [(0.2, [4, 9, 14, 19]), (0.25, [3, 7, 11, 15, 19]), (0.5, list(range(1, 20, 2)))]
)
def test_audit_items_are_interleaved_at_the_given_share(ws, ingested, logged, share, audit_positions):
    rows = logged(ws)
    assert rows["is_audit"].sum() >= len(audit_positions) and (~rows["is_audit"]).sum() >= 20

    queue = build_review_queue(ws, policy=PLAIN, limit=20, audit_share=share)

    assert len(queue) == 20
    assert [i for i, item in enumerate(queue) if item.is_audit] == audit_positions
    audit_items = [item for item in queue if item.is_audit]
    assert [item.id for item in audit_items] == _audit_in_order(rows)[: len(audit_positions)]
    assert all(item.reasons == ["random audit item"] for item in audit_items)
    assert [item.id for item in queue if not item.is_audit] == _by_margin(rows)[: 20 - len(audit_positions)]


def test_audit_items_fill_the_page_when_nothing_else_is_left(ws, write_production, logged):
    from feedback.intake import ingest_predictions

    ingest_predictions(ws, write_production(20))
    rows = logged(ws)
    queue = build_review_queue(ws, policy=PLAIN, limit=50, audit_share=0.0)
    assert sorted(item.id for item in queue) == sorted(rows.index)


def test_disputed_items_come_first(ws, ingested, logged, tmp_path):
    rows = logged(ws)
    confident = list(rows[~rows["is_audit"]].sort_values("margin", ascending=False).index[:2])
    _dispute(ws, tmp_path, [confident[0]], "fb1.csv")
    time.sleep(0.01)
    _dispute(ws, tmp_path, [confident[1]], "fb2.csv")

    queue = build_review_queue(ws, policy=PLAIN, limit=6, audit_share=0.0)

    assert [item.id for item in queue[:2]] == [confident[1], confident[0]]
    for item in queue[:2]:
        assert item.reasons[1] == "disputed by an end user (1x) (+2.00)"
        assert item.priority == pytest.approx(2.0 + 1 - item.margin)
    assert [item.id for item in queue[2:]] == [i for i in _by_margin(rows) if i not in confident][:4]


def test_disputed_audit_item_says_both_reasons_and_is_listed_once(ws, ingested, logged, tmp_path):
    rows = logged(ws)
    audit_id = _audit_in_order(rows)[0]
    _dispute(ws, tmp_path, [audit_id])

    queue = build_review_queue(ws, policy=PLAIN, limit=20, audit_share=0.2)

    assert queue[0].id == audit_id
    assert queue[0].reasons[1:] == ["disputed by an end user (1x) (+2.00)", "random audit item"]
    assert [item.id for item in queue].count(audit_id) == 1


def test_labelled_items_leave_the_queue_and_skipped_items_stay(ws, ingested, logged, tmp_path):
    rows = logged(ws)
    first, second, third = _by_margin(rows)[:3]
    disputed = _audit_in_order(rows)[0]
    _dispute(ws, tmp_path, [disputed])
    record_label(ws, first, rows.loc[first, "predicted"], annotator="ana")
    record_label(ws, second, None, annotator="ana", action="skip")
    record_label(
        ws, disputed, "3", annotator="ana", action="correct" if rows.loc[disputed, "predicted"] != "3" else "confirm"
    )

    queue = [item.id for item in build_review_queue(ws, policy=PLAIN, limit=60, audit_share=0.2)]

    assert first not in queue
    assert disputed not in queue
    assert second in queue
    assert queue[:2] == [second, third]


def test_each_item_carries_its_class_probabilities(ws, ingested):
    queue = build_review_queue(ws, policy=PLAIN, limit=5, audit_share=0.2)
    for item in queue:
        assert list(item.probabilities) == [str(d) for d in range(10)]
        assert sum(item.probabilities.values()) == pytest.approx(1.0)
        assert max(item.probabilities, key=item.probabilities.get) == item.predicted
        assert item.to_dict()["reasons"] == item.reasons


def test_limit_is_honoured_and_an_empty_store_gives_an_empty_queue(ws, ingested):
    assert build_review_queue(ws, policy=PLAIN, limit=0) == []
    assert len(build_review_queue(ws, policy=PLAIN, limit=7)) == 7


def test_queue_of_a_store_without_predictions_is_empty(ws):
    assert build_review_queue(ws, policy=PLAIN, limit=10) == []


@pytest.mark.parametrize(("limit", "expected_audit"), [(10, 1), (100, 10)])
def test_audit_share_of_one_tenth_gives_one_audit_item_in_ten(ws, write_production, limit, expected_audit):
    from feedback.intake import ingest_predictions

    ingest_predictions(ws, write_production(400))
    queue = build_review_queue(ws, policy=PLAIN, limit=limit, audit_share=0.1)
    assert len(queue) == limit
    assert sum(item.is_audit for item in queue) == expected_audit


def test_audit_share_over_a_long_page_is_honoured(ws, write_production):
    from feedback.intake import ingest_predictions

    ingest_predictions(ws, write_production(400))
    queue = build_review_queue(ws, policy=PLAIN, limit=100, audit_share=0.25)
    assert sum(item.is_audit for item in queue) == 25


def test_the_adaptive_policy_keeps_its_exploration_floor_outside_the_audit_slice(ws, ingested, logged):
    from feedback.review.queue import EXPLORE_REASON

    policy = QueuePolicy(diversity=0.0, exploration_floor=0.5)
    queue = build_review_queue(ws, policy=policy, limit=10, audit_share=0.0)

    explore = [item for item in queue if item.reasons == [EXPLORE_REASON]]
    assert len(explore) in (5, 10), "half the page, or all of it when the bandit draws random"
    assert not any(item.is_audit for item in explore)
    assert len({item.id for item in queue}) == 10
    ranked = [item.id for item in queue if item not in explore]
    assert ranked == _by_margin(logged(ws))[: len(ranked)]
    again = build_review_queue(ws, policy=policy, limit=10, audit_share=0.0)
    assert [item.id for item in again] == [item.id for item in queue], "seeded: stable until someone answers"
