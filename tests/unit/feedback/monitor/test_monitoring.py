"""Per-window monitoring over real stores: window splitting, audit-only quality, disputes, drift, JSON shape."""

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from feedback.access import Actor
from feedback.alerts import AlertPolicy, monitor_report
from feedback.intake import ingest_feedback, ingest_predictions
from feedback.lifecycle import promote
from feedback.monitor import Estimate, MonitorWindow, monitor_windows
from feedback.review import import_labels, record_label

WINDOW_KEYS = {
    "window",
    "start",
    "end",
    "n_predictions",
    "n_audit_labels",
    "accuracy",
    "accuracy_ci",
    "dispute_rate",
    "mean_confidence",
    "drift",
    "n_audit_items",
    "sd_confidence",
    "macro_f1",
    "per_class",
    "class_mix",
    "calibration",
}


def _only_window(ws, **options) -> MonitorWindow:
    [window] = monitor_windows(ws, **options)
    return window


def test_an_empty_store_has_no_windows(ws):
    assert monitor_report(ws).to_dict() == {
        "windows": [],
        "alerts": [],
        "judgments": {},
        "rules": AlertPolicy().describe(),
    }
    with pytest.raises(ValueError, match="window must be one of"):
        monitor_report(ws, "month")


def test_windows_are_ingest_calls_utc_days_or_iso_weeks(ws, monkeypatch, write_production):
    times = [
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        datetime(2026, 3, 2, 17, tzinfo=UTC),  # Monday, twice
        datetime(2026, 3, 4, 12, tzinfo=UTC),  # Wednesday of the same ISO week
        datetime(2026, 3, 10, 8, tzinfo=UTC),
    ]  # Tuesday of the next week
    sizes, start, batch_ids = [40, 30, 20, 10], 0, []
    for i, (when, n) in enumerate(zip(times, sizes, strict=True)):
        monkeypatch.setattr("feedback.intake.ingest.utcnow", lambda when=when: when)
        batch_ids.append(ingest_predictions(ws, write_production(n, start=start, name=f"p{i}.csv")).batch_id)
        start += n

    batches = monitor_windows(ws, "batch", details=False, drift_windows=0)
    assert [(w.window, w.n_predictions) for w in batches] == list(zip(batch_ids, sizes, strict=True))
    assert batches[1].start == batches[1].end == "2026-03-02T17:00:00+00:00"
    assert all(w.drift is None for w in batches), "drift_windows=0 tests no window"

    days = monitor_windows(ws, "day")
    assert [(w.window, w.n_predictions) for w in days] == [("2026-03-02", 70), ("2026-03-04", 20), ("2026-03-10", 10)]
    assert (days[0].start, days[0].end) == ("2026-03-02T00:00:00+00:00", "2026-03-03T00:00:00+00:00")
    assert days[0].drift.n_current == 70

    weeks = monitor_windows(ws, "week")
    assert [(w.window, w.n_predictions) for w in weeks] == [("2026-03-02", 90), ("2026-03-09", 10)]
    assert weeks[1].end == "2026-03-16T00:00:00+00:00"

    last_only = monitor_windows(ws, "day", drift_windows=1, details=False)
    assert [w.drift is not None for w in last_only] == [False, False, True]


def test_quality_rests_on_expert_labelled_audit_items_only(ws, write_production, production_frame, write_truth, logged):
    ingest_predictions(ws, write_production(200, start=300))
    served = logged(ws)
    truth = production_frame(200, start=300, with_label=True).set_index("id")["label"].astype(str)
    audit = served.index[served["is_audit"].astype(bool)].tolist()
    others = served.index[~served["is_audit"].astype(bool)].tolist()

    empty = _only_window(ws)
    assert (empty.n_audit_labels, empty.accuracy, empty.accuracy_ci) == (0, None, None)
    assert empty.macro_f1 == Estimate(estimate=None, ci_low=None, ci_high=None, n=0)

    import_labels(ws, write_truth(audit, name="audit.csv"), annotator="oracle")
    window = _only_window(ws)
    expected = float(np.mean(served.loc[audit, "predicted"].astype(str).to_numpy() == truth[audit].to_numpy()))
    assert window.n_audit_labels == len(audit) > 30
    assert window.accuracy == pytest.approx(expected)
    low, high = window.accuracy_ci
    assert low < expected < high
    assert window.macro_f1.n == len(audit)
    assert sum(c.support for c in window.per_class.values()) == len(audit)
    assert sum(b["n"] for b in window.calibration) == len(audit)

    # Expert labels on items outside the audit slice (the queue's picks) never move the figures,
    # even when they are wrong.
    import_labels(ws, write_truth(others[1:], name="others.csv"), annotator="oracle")
    wrong = next(label for label in map(str, range(10)) if label != truth[others[0]])
    record_label(ws, others[0], wrong, annotator="ana")
    again = _only_window(ws)
    assert (again.accuracy, again.accuracy_ci, again.n_audit_labels) == (
        window.accuracy,
        window.accuracy_ci,
        window.n_audit_labels,
    )


def test_quality_scores_the_answer_that_was_served_not_todays_champion(ws, challenger):
    before = _only_window(ws)
    assert before.n_audit_labels > 0
    promote(ws, 2, reason="test", actor=Actor("tester", "admin"))
    after = _only_window(ws)
    assert (after.accuracy, after.n_audit_labels) == (before.accuracy, before.n_audit_labels)
    assert before.drift.reference_version == 1 and before.drift.n_reference == 30
    assert after.drift.reference_version == 2, "drift is measured against the champion's training data"
    assert after.drift.n_reference == challenger.n_train


def test_drift_flags_a_drifting_batch_and_not_a_steady_one(ws, write_production, write_drifted):
    ingest_predictions(ws, write_production(300, start=0))
    ingest_predictions(ws, write_drifted(300, start=300))
    steady, drifted = monitor_windows(ws)
    assert not steady.drift.report.dataset_drifted and steady.drift.report.share_drifted < 0.2
    assert drifted.drift.report.dataset_drifted and drifted.drift.report.share_drifted > 0.7
    column = drifted.drift.report.columns["px_10"].to_dict()
    assert {"test", "statistic", "drifted"} <= set(column) and column["test"] == "ks" and column["drifted"]
    sizes = (steady.drift.n_reference, steady.drift.n_current, steady.drift.sampled)
    assert sizes == (30, 300, False)


def test_a_large_window_is_tested_on_a_fixed_sample(ws, write_production):
    ingest_predictions(ws, write_production(200, start=0))
    sampled = _only_window(ws, max_drift_rows=50).drift
    assert (sampled.n_current, sampled.sampled) == (50, True)
    assert _only_window(ws, max_drift_rows=50).drift == sampled, "the same rows every time"
    full = _only_window(ws).drift
    assert (full.n_current, full.sampled) == (200, False)


def test_the_json_shape_disputes_class_mix_and_calibration(ws, ingested, tmp_path):
    disputes = pd.DataFrame(
        {"id": ["d-0100", "d-0101", "d-0102", "d-0102"], "signal": "disputed", "user_label": [None, None, None, "3"]}
    )
    disputes.to_csv(tmp_path / "fb.csv", index=False)
    ingest_feedback(ws, tmp_path / "fb.csv")
    result = monitor_report(ws).to_dict()
    assert set(result) == {"windows", "alerts", "judgments", "rules"}
    json.dumps(result, allow_nan=False)  # nulls, never NaN
    [window] = result["windows"]
    assert set(window) >= WINDOW_KEYS
    assert {"share_drifted", "dataset_drifted", "columns"} <= set(window["drift"])
    assert (window["n_disputed"], window["dispute_rate"]) == (3, pytest.approx(3 / 60)), "one item disputed twice"
    assert window["dispute_rate_ci"][0] < 3 / 60 < window["dispute_rate_ci"][1]
    assert 0 < window["mean_confidence"] <= 1
    assert [row["label"] for row in window["class_mix"]] == [str(i) for i in range(10)]
    assert sum(row["predicted_n"] for row in window["class_mix"]) == 60
    assert sum(row["reference_n"] for row in window["class_mix"]) == 30, "the 30 seed rows v1 trained on"
    assert len(window["calibration"]) == 10 and all(b["n"] == 0 for b in window["calibration"])
