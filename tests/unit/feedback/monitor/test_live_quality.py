"""The champion's live quality: audit items only, over the live window (since the promotion, at most N days)."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from store_sql import in_session, read_sql

import feedback.intake.ingest as ingest_module
from feedback.access import Actor
from feedback.exceptions import InputError
from feedback.intake import ingest_predictions
from feedback.lifecycle import promote, retrain
from feedback.monitor import (
    Estimate,
    LiveQuality,
    LiveWindow,
    live_quality,
    live_window_mask,
    live_window_start,
    store_status,
)
from feedback.review import import_labels
from feedback.store import repository

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin


def test_no_audit_labels_gives_nulls(ws):
    live = live_quality(ws)
    assert live.accuracy.to_dict() == {"estimate": None, "ci_low": None, "ci_high": None, "n": 0}
    assert live.all_history_accuracy.n == 0 and live.macro_f1.n == 0
    assert store_status(ws).live.accuracy.n == 0
    assert live.summary().startswith("Live accuracy: no labelled audit item was served ")


def test_only_audit_items_count(ws, write_production, production_frame, write_truth):
    ingest_predictions(ws, write_production(300, start=200))
    frame = in_session(ws, repository.predictions_frame, list(production_frame(300, start=200)["id"]))
    audit_ids = list(frame.index[frame["is_audit"].astype(bool)])
    queue_ids = list(frame.sort_values("margin").index[~frame.sort_values("margin")["is_audit"].astype(bool)][:100])
    import_labels(ws, write_truth(queue_ids, name="queue.csv"), annotator="oracle")
    assert live_quality(ws).accuracy.n == 0, "labels on items the queue chose never enter the estimate"

    import_labels(ws, write_truth(audit_ids, name="audit.csv"), annotator="oracle")
    live = store_status(ws).live
    assert live.accuracy.n == len(audit_ids) == live.all_history_accuracy.n == live.macro_f1.n
    served = frame.loc[audit_ids, "predicted"].astype(str).to_numpy()
    truth = production_frame(300, start=200, with_label=True).set_index("id").loc[audit_ids, "label"]
    expected = float(np.mean(served == truth.astype(str).to_numpy()))  # v1 served them and is still champion
    assert live.accuracy.estimate == pytest.approx(expected)
    assert live.accuracy.ci_low < live.accuracy.estimate < live.accuracy.ci_high
    assert live.window.champion_version == 1 and live.window.start == live.window.promoted_at
    assert "since champion v1 was promoted" in live.summary()


def _ingest_at(ws, monkeypatch, path, at: datetime):
    """Ingest ``path`` as if its predictions were served at ``at``."""
    monkeypatch.setattr(ingest_module, "utcnow", lambda: at)
    ingest_predictions(ws, path)
    monkeypatch.undo()


def _label_audit(ws, write_truth, name):
    frame = in_session(ws, repository.audit_unlabelled, 1000)
    import_labels(ws, write_truth(list(frame["external_id"]), name=name), annotator="oracle")
    return len(frame)


def test_the_window_keeps_the_last_days_by_the_time_each_prediction_was_served(
    ws, monkeypatch, write_production, write_truth
):
    start = datetime.now(UTC)
    _ingest_at(ws, monkeypatch, write_production(120, start=200, name="old.csv"), start + timedelta(days=1))
    n_old = _label_audit(ws, write_truth, "old.csv")
    _ingest_at(ws, monkeypatch, write_production(120, start=400, name="new.csv"), start + timedelta(days=45))
    n_new = _label_audit(ws, write_truth, "new.csv")

    now = start + timedelta(days=50)
    recent = live_quality(ws, max_days=30, now=now)
    assert recent.accuracy.n == n_new and recent.all_history_accuracy.n == n_old + n_new
    assert recent.window.start == (now - timedelta(days=30)).isoformat()
    assert "(the last 30 days; champion v1 was promoted before" in recent.summary()
    assert live_quality(ws, max_days=None, now=now).accuracy.n == n_old + n_new
    assert live_quality(ws, max_days=30, now=start + timedelta(days=20)).accuracy.n == n_old, "later items wait"
    assert store_status(ws, live_days=None).live.accuracy.n == 0, "items served after now do not count (yet)"


def test_the_window_starts_at_the_promotion_unless_asked_not_to(ws, monkeypatch, write_production, write_truth):
    start = datetime.now(UTC)
    _ingest_at(ws, monkeypatch, write_production(150, start=200, name="a.csv"), start - timedelta(days=2))
    n_before = _label_audit(ws, write_truth, "a.csv")
    training = read_sql(ws, "SELECT external_id FROM prediction WHERE NOT is_audit")["external_id"]
    import_labels(ws, write_truth(list(training), name="train.csv"), annotator="oracle")
    challenger = retrain(ws, actor=ADMIN).challenger.version
    promote(ws, challenger, reason="test", actor=ADMIN)
    _ingest_at(ws, monkeypatch, write_production(150, start=400, name="b.csv"), start + timedelta(days=1))
    n_after = _label_audit(ws, write_truth, "b.csv")

    now = start + timedelta(days=2)
    live = live_quality(ws, now=now)
    assert live.window.champion_version == challenger
    assert live.accuracy.n == n_after and live.window.start == live.window.promoted_at
    assert f"since champion v{challenger} was promoted" in live.summary()
    assert live_quality(ws, since_promotion=False, now=now).accuracy.n == n_before + n_after


@pytest.mark.parametrize("days", [0, -1, 3651, float("nan"), "30", True])
def test_a_bad_number_of_days_is_refused_with_the_range(ws, days):
    with pytest.raises(InputError, match="more than 0 and at most 3650 days"):
        live_quality(ws, max_days=days)


def test_numpy_numbers_of_days_are_numbers(ws):
    assert live_quality(ws, max_days=np.int64(7)).window.max_days == 7


def test_window_start_is_the_later_of_promotion_and_the_day_limit():
    now = datetime(2026, 6, 30, tzinfo=UTC)
    promoted = datetime(2026, 6, 20, tzinfo=UTC)
    assert live_window_start(now, promoted, max_days=30) == promoted
    assert live_window_start(now, promoted, max_days=5) == now - timedelta(days=5)
    assert live_window_start(now, promoted, since_promotion=False, max_days=None) is None
    assert live_window_start(now, None, max_days=None) is None


def test_naive_and_aware_times_mix_as_utc():
    aware = datetime(2026, 6, 30, 12, tzinfo=UTC)
    naive_promotion = datetime(2026, 6, 29, 12)
    assert live_window_start(aware, naive_promotion, max_days=30) == naive_promotion.replace(tzinfo=UTC)
    assert live_window_start(aware.replace(tzinfo=None), None, max_days=1) == datetime(2026, 6, 29, 12, tzinfo=UTC)
    served = np.array(["2026-06-29T11:00", "2026-06-29T13:00", "2026-06-30T13:00"], dtype="datetime64[ns]")
    assert live_window_mask(served, aware, naive_promotion).tolist() == [False, True, False]


def test_the_window_says_what_it_covers():
    window = LiveWindow(
        start="2026-06-01T00:00:00+00:00",
        end="2026-07-01T00:00:00+00:00",
        champion_version=3,
        promoted_at="2026-05-01T08:30:00+00:00",
        since_promotion=True,
        max_days=30,
    )
    assert window.describe() == (
        "served from 2026-06-01 00:00 to 2026-07-01 00:00 UTC "
        "(the last 30 days; champion v3 was promoted before, 2026-05-01 08:30 UTC)"
    )
    everything = LiveWindow(None, window.end, 3, window.promoted_at, False, None)
    assert (
        everything.describe() == "served from the first prediction to 2026-07-01 00:00 UTC (every item since the start)"
    )
    figure = Estimate(0.9, 0.8, 0.95, 100)
    text = LiveQuality(figure, Estimate(0.85, 0.75, 0.9, 100), window, Estimate(0.93, 0.9, 0.95, 400)).summary()
    assert text.startswith("Live accuracy of champion v3: 90.0% (95% interval 80.0% to 95.0%), macro-F1 0.850")
    assert "on 100 audit labels served from 2026-06-01 00:00" in text
    assert text.endswith(
        "All-history accuracy (every labelled audit item since the start): 93.0% "
        "(95% interval 90.0% to 95.0%) on 400 audit labels."
    )
