"""Retrain triggers: every N labels, on a schedule, on an alert; auto-promotion only when turned on."""

import json
import time

import pytest

from feedback import store
from feedback.access import Actor
from feedback.exceptions import InputError
from feedback.intake import ingest_predictions
from feedback.lifecycle import RetrainPolicy, load_policy, retrain, retrain_due, save_policy
from feedback.monitor import store_status
from feedback.review import import_labels
from feedback.store import Alert
from feedback.worker import RetrainScheduler

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin


@pytest.fixture
def labelled(ws, write_production, production_frame, write_truth):
    """300 logged predictions, 100 of them labelled."""
    ingest_predictions(ws, write_production(300, start=200))
    ids = list(production_frame(300, start=200)["id"])
    import_labels(ws, write_truth(ids[:100]), annotator="oracle")
    return ids


def test_default_policy_never_triggers(ws, labelled):
    assert load_policy(ws) == RetrainPolicy()
    assert retrain_due(ws, RetrainPolicy()) is None


def test_every_n_labels_counts_labels_since_the_newest_version(ws, labelled, write_truth):
    policy = RetrainPolicy(every_n_labels=50)
    reason = retrain_due(ws, policy)
    assert reason is not None and "new expert labels since v1" in reason
    retrain(ws, actor=ADMIN)
    assert retrain_due(ws, policy) is None, "the challenger just trained on them"
    import_labels(ws, write_truth(labelled[100:200], name="more.csv"), annotator="oracle")
    assert "since v2" in retrain_due(ws, policy)


def test_schedule_and_alert_triggers(ws, labelled):
    assert "older than" in retrain_due(ws, RetrainPolicy(every_minutes=1e-6))
    assert retrain_due(ws, RetrainPolicy(every_minutes=60)) is None
    assert retrain_due(ws, RetrainPolicy(on_alert=True)) is None
    with store.session(ws) as session:
        session.add(Alert(kind="accuracy", message="audit accuracy fell below 0.8"))
        session.commit()
    assert "audit accuracy fell" in retrain_due(ws, RetrainPolicy(on_alert=True))


def test_policy_round_trip_and_bad_values(ws):
    saved = save_policy(ws, RetrainPolicy(every_n_labels=200, auto_promote=True), actor=ADMIN)
    assert load_policy(ws) == saved
    with pytest.raises(InputError, match="every_n_labels must be at least 1"):
        save_policy(ws, RetrainPolicy(every_n_labels=0), actor=ADMIN)
    (ws.home / "retrain_policy.json").write_text(json.dumps({"every_n_label": 3}))
    with pytest.raises(InputError, match="not a valid retrain policy"):
        load_policy(ws)


def test_scheduler_starts_one_retrain_when_due_and_not_while_one_runs(ws, labelled):
    save_policy(ws, RetrainPolicy(every_n_labels=10), actor=ADMIN)
    started = []
    scheduler = RetrainScheduler(ws, lambda reason: started.append(reason) or True)
    assert scheduler.check() is not None and len(started) == 1
    busy = RetrainScheduler(ws, lambda reason: False)
    assert busy.check() is None


def test_scheduler_thread_retrains_and_auto_promotes_only_when_turned_on(ws, labelled):
    save_policy(ws, RetrainPolicy(every_n_labels=10, auto_promote=True), actor=ADMIN)
    results = []

    def start(reason):
        results.append(
            retrain(ws, actor=Actor(f"trigger: {reason}", "admin"), auto_promote=load_policy(ws).auto_promote)
        )
        return True

    scheduler = RetrainScheduler(ws, start, interval=0.05)
    scheduler.start()
    deadline = time.time() + 60
    while not results and time.time() < deadline:
        time.sleep(0.05)
    scheduler.stop()
    scheduler.join(10)
    assert results, scheduler.last_error
    status = store_status(ws)
    if results[0].decision == "promote":
        assert results[0].promoted and status.champion.version == results[0].challenger.version
    else:
        assert not results[0].promoted and status.champion.version == 1


def test_retrain_without_auto_promotion_leaves_the_champion(ws, labelled):
    result = retrain(ws, actor=ADMIN)
    assert result.decision in ("promote", "keep", "insufficient-evidence")
    assert not result.promoted
    assert store_status(ws).champion.version == 1
