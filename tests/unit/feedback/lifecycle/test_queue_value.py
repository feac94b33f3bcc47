"""The Models page's statement: are the queue's chosen items beating random ones?"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from active_learning import LabelValue
from feedback.access import Actor
from feedback.intake import ingest_predictions
from feedback.lifecycle import current_queue_value, learning, queue_value
from feedback.lifecycle.learning import _queue_statement
from feedback.review import claim_review_items, import_labels, record_label, save_queue_policy

ADMIN = Actor("tester", "admin")


def _value(difference, low, high):
    return LabelValue(120, 80, 80, 16.0, 0.85, 0.85 - difference, difference, (low, high), 0.01)


def test_the_statement_says_whether_the_queue_beats_random_with_n_and_interval():
    ahead = _queue_statement(_value(0.05, 0.02, 0.08))
    assert ahead.beating_random is True and ahead.statement.startswith("The queue's items are beating random ones")
    behind = _queue_statement(_value(-0.05, -0.08, -0.02))
    assert behind.beating_random is False and "doing worse than random ones" in behind.statement
    unclear = _queue_statement(_value(0.01, -0.02, 0.04))
    assert unclear.beating_random is False and "not shown to beat random ones" in unclear.statement
    for result in (ahead, behind, unclear):
        assert "80 held-out audit labels" in result.statement and "120 queue labels" in result.statement
        assert "95% interval" in result.statement
    assert "-8.0% to -2.0%" in behind.statement


def test_too_few_audit_labels_are_said_in_words():
    result = _queue_statement(LabelValue.unmeasured(12, 3))
    assert result.beating_random is None
    assert result.statement.startswith("Too few labels") and "12 queue labels and 3 audit labels" in result.statement


@pytest.mark.slow
def test_queue_value_measures_on_the_tasks_labels(ws, write_production, production_frame, write_truth):
    ingest_predictions(ws, write_production(300, start=200))
    import_labels(ws, write_truth(list(production_frame(300, start=200)["id"])), annotator="oracle")
    result = queue_value(ws)
    assert result.value.measured and result.value.n_random >= 6 and result.value.n_chosen > 0
    low, high = result.value.interval
    assert low <= result.value.difference <= high
    assert f"{result.value.n_eval} held-out audit labels" in result.statement


@pytest.mark.slow
def test_experts_claiming_at_once_share_one_measure(ws, write_production, production_frame, write_truth, monkeypatch):
    ingest_predictions(ws, write_production(300, start=200))
    import_labels(ws, write_truth(list(production_frame(300, start=200)["id"])), annotator="oracle")
    calls = []

    def counted(workspace):
        calls.append(workspace)
        return queue_value(workspace)

    monkeypatch.setattr(learning, "queue_value", counted)
    monkeypatch.setattr(learning, "_MEASURED", {})
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: current_queue_value(ws), range(6)))
    assert len(calls) == 1, "six page claims at once fit the measuring models once, not once each"
    assert all(result is results[0] for result in results)


@pytest.mark.slow
def test_random_exploration_labels_are_left_out_of_the_queues_side(
    ws, write_production, production_frame, write_truth, digits_frame
):
    ingest_predictions(ws, write_production(300, start=200))
    ids = list(production_frame(300, start=200)["id"])
    import_labels(ws, write_truth(ids[:250]), annotator="oracle")
    before = queue_value(ws)
    save_queue_policy(ws, actor=ADMIN, adaptive=True, exploration_floor=1.0)
    held = claim_review_items(ws, "expert", n=8, audit_share=0.0)
    assert len(held) == 8 and all(item.explored for item in held), "a floor of 1: every place is exploration"
    truth = digits_frame.set_index("id")["label"].astype(str)
    for item in held:
        record_label(ws, item.id, truth[item.id], annotator="expert")

    after = queue_value(ws)
    assert after.n_explored == 8
    assert after.value.n_chosen == before.value.n_chosen, "exploration labels are random ones, not the ranking's"
    assert "8 labels of random exploration items are left out" in after.statement
