"""Alerts over real stores: raised by ingests, stored once per metric and window, moved through their states."""

import logging
import time

import pytest

from feedback import store
from feedback.access import Actor
from feedback.alerts import (
    AlertPolicy,
    check_alerts,
    drift_alerts,
    evaluate_windows,
    list_alerts,
    load_alert_policy,
    save_alert_policy,
    set_alert_state,
)
from feedback.exceptions import InputError
from feedback.intake import ingest_predictions
from feedback.lifecycle import RetrainPolicy, retrain_due, save_policy
from feedback.monitor import ColumnDrift, DatasetDrift, MonitorWindow, WindowDrift, store_status
from feedback.review import import_labels, record_label
from feedback.store import repository
from feedback.worker import LabelAlertWatcher

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin


def _window(i: int, accuracy=None, n_audit=0, dispute_rate=0.05, confidence=0.8, n=300, drift=None, items=None):
    """Window ``w{i}``, a batch ingested on 2026-01-01 plus i hours; its audit slice fully labelled unless ``items``."""
    return MonitorWindow(
        window=f"w{i}",
        start=f"2026-01-01T{i:02d}:00:00+00:00",
        end=f"2026-01-01T{i:02d}:00:00+00:00",
        n_predictions=n,
        n_audit_labels=n_audit,
        accuracy=accuracy,
        accuracy_ci=None,
        n_disputed=0,
        dispute_rate=dispute_rate,
        dispute_rate_ci=[None, None],
        mean_confidence=confidence,
        drift=drift,
        n_audit_items=n_audit if items is None else items,
        sd_confidence=0.1,
    )


def test_a_drifting_ingest_raises_one_drift_alert_and_checking_again_adds_none(ws, write_production, write_drifted):
    ingest_predictions(ws, write_production(100, start=0))
    assert list_alerts(ws) == []
    batch = ingest_predictions(ws, write_drifted(100, start=100)).batch_id
    [alert] = list_alerts(ws)
    assert (alert.metric, alert.kind, alert.window_kind, alert.window_id, alert.state) == (
        "drift_share",
        "dataset_drift",
        "batch",
        batch,
        "open",
    )
    assert alert.message.startswith(f"batch {batch}: feature drift in ")
    assert alert.details["n_predictions"] == 100 and alert.delivery_status is None
    assert check_alerts(ws) == [] and check_alerts(ws, drift=False) == []
    assert len(list_alerts(ws)) == 1, "never a second alert for the same metric and window"
    assert [a.id for a in store_status(ws).open_alerts] == [alert.id]


def test_an_accuracy_floor_fires_once_the_audit_labels_arrive(
    ws, write_production, production_frame, write_truth, logged
):
    save_alert_policy(ws, AlertPolicy(accuracy_floor=0.99, min_labels=10, drift=False), actor=ADMIN)
    ingest_predictions(ws, write_production(100, start=400))
    served = logged(ws)
    ingest_predictions(ws, write_production(100, start=600))  # a newer window: the first one can close
    assert list_alerts(ws) == [], "no audit label yet: nothing to judge"
    import_labels(ws, write_truth(served.index[served["is_audit"].astype(bool)]), annotator="oracle")
    [alert] = list_alerts(ws)  # importing the labels closed the window and ran the check: no ingest or click needed
    assert (alert.metric, alert.kind) == ("accuracy", "floor")
    assert alert.details["n"] == alert.details["n_audit_labels"] >= 10
    assert check_alerts(ws) == []


def test_labels_answered_one_by_one_raise_the_accuracy_alert_at_the_watchers_next_look(ws, write_production, logged):
    save_alert_policy(ws, AlertPolicy(accuracy_floor=0.9, min_labels=10, drift=False), actor=ADMIN)
    ingest_predictions(ws, write_production(100, start=400))
    served = logged(ws)
    audit = served[served["is_audit"].astype(bool)]
    ingest_predictions(ws, write_production(100, start=600))  # a newer window: the first one closes once labelled
    watcher = LabelAlertWatcher(ws, interval=0.05)
    assert watcher.check() == [], "no label event yet: nothing to look at"
    events = []
    for i, (external_id, row) in enumerate(audit.iterrows()):  # every third answer says the model was wrong
        wrong = str((int(row["predicted"]) + 1) % 10)
        events.append(record_label(ws, external_id, wrong if i % 3 == 0 else row["predicted"], annotator="ana"))
    assert list_alerts(ws) == [], "answering on the card does not run the check itself"
    watcher.start()
    try:
        deadline = time.monotonic() + 30
        while not list_alerts(ws) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.stop()
        watcher.join(timeout=30)
    [alert] = list_alerts(ws)
    assert (alert.metric, alert.kind) == ("accuracy", "floor"), watcher.last_error
    assert alert.details["n_audit_labels"] == len(audit)
    assert watcher.checked_through == max(e.id for e in events)
    assert watcher.check() == [] and len(list_alerts(ws)) == 1, "no new label: no second check, no second alert"


def test_alert_states_move_forward_and_record_who(ws, write_drifted):
    ingest_predictions(ws, write_drifted(100))
    [alert] = list_alerts(ws, ["open"])
    acknowledged = set_alert_state(ws, alert.id, "acknowledged", Actor("ana", "admin"))
    assert (acknowledged.state, acknowledged.acknowledged_by) == ("acknowledged", "ana")
    assert acknowledged.acknowledged_at is not None and acknowledged.resolved_at is None
    assert list_alerts(ws, ["open"]) == [] and len(list_alerts(ws, ["acknowledged"])) == 1
    with pytest.raises(InputError, match="already acknowledged"):
        set_alert_state(ws, alert.id, "acknowledged", Actor("bo", "admin"))
    resolved = set_alert_state(ws, alert.id, "resolved", Actor("bo", "admin"))
    assert (resolved.state, resolved.resolved_by, resolved.acknowledged_by) == ("resolved", "bo", "ana")
    assert store_status(ws).open_alerts == []
    with pytest.raises(InputError, match="is resolved; it can no longer be acknowledged"):
        set_alert_state(ws, alert.id, "acknowledged", Actor("ana", "admin"))
    with pytest.raises(InputError, match="no alert 999"):
        set_alert_state(ws, 999, "resolved", Actor("ana", "admin"))
    with pytest.raises(InputError, match="Unknown alert state"):
        set_alert_state(ws, alert.id, "open", Actor("ana", "admin"))
    with pytest.raises(InputError, match="Say who"):
        set_alert_state(ws, alert.id, "resolved", Actor(" ", "admin"))
    with pytest.raises(InputError, match="Unknown alert state"):
        list_alerts(ws, ["closed"])


def test_a_new_alert_triggers_a_retrain_when_the_policy_says_so(ws, write_drifted):
    save_policy(ws, RetrainPolicy(on_alert=True), actor=ADMIN)
    assert retrain_due(ws, RetrainPolicy(on_alert=True)) is None
    ingest_predictions(ws, write_drifted(100))
    [alert] = list_alerts(ws)
    assert retrain_due(ws, RetrainPolicy(on_alert=True)) == f"alert {alert.id} opened: {alert.message}"
    assert retrain_due(ws, RetrainPolicy()) is None, "only when the user turned it on"


def test_a_failing_alert_check_never_fails_the_ingest_or_the_label_import(
    ws, write_drifted, write_truth, logged, caplog, monkeypatch
):
    def broken_check(*args, **kwargs):
        raise RuntimeError("the check broke")

    monkeypatch.setattr("feedback.alerts.checks.check_alerts", broken_check)
    with caplog.at_level(logging.WARNING, logger="feedback.alerts.checks"):
        result = ingest_predictions(ws, write_drifted(100))
    assert result.n_new == 100 and len(logged(ws)) == 100
    assert "the write itself is stored" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="feedback.alerts.checks"):
        assert import_labels(ws, write_truth(logged(ws).index[:10]), annotator="oracle") == 10
    assert "the write itself is stored" in caplog.text
    assert store_status(ws).label_events == 10


def test_a_broken_alert_policy_refuses_the_ingest_and_the_label_import_before_writing(
    ws, ingested, write_drifted, write_truth, state
):
    # Issue 9: the write used to be stored while alerting silently stopped; now nothing is written.
    (ws.home / "alert_policy.json").write_text("{not json")
    before = state(ws)
    with pytest.raises(InputError, match="alert_policy.json is not a valid alert policy .*; fix or delete it"):
        ingest_predictions(ws, write_drifted(100, start=300))
    with pytest.raises(InputError, match="not a valid alert policy"):
        import_labels(ws, write_truth(["d-0100", "d-0101"]), annotator="oracle")
    assert state(ws) == before
    with pytest.raises(InputError, match="not a valid alert policy"):
        check_alerts(ws)


def test_policy_round_trip_rules_and_bad_values(ws):
    assert load_alert_policy(ws) == AlertPolicy()
    saved = save_alert_policy(
        ws, AlertPolicy(accuracy_floor=0.8, min_labels=50, webhook_url="https://x.test/h"), actor=ADMIN
    )
    assert load_alert_policy(ws) == saved
    rules = saved.rules()
    assert (rules["accuracy"].floor, rules["accuracy"].min_n, rules["dispute_rate"].min_n) == (0.8, 50, 30)
    assert rules["dispute_rate"].direction == "upper" and rules["mean_confidence"].direction == "lower"
    for bad, message in [
        ({"accuracy_floor": 1.5}, "accuracy_floor must be between 0 and 1"),
        ({"min_labels": 0}, "min_labels must be at least 1"),
        ({"window": "month"}, "window must be one of"),
        ({"webhook_url": "ftp://x"}, "http:// or https://"),
        ({"webhook_timeout": 0}, "webhook_timeout must be positive"),
    ]:
        with pytest.raises(InputError, match=message):
            save_alert_policy(ws, AlertPolicy(**bad), actor=ADMIN)


def _then(windows):
    """The windows and a newer one after them, so that the last of them can close."""
    return [*windows, _window(len(windows), accuracy=None, n_audit=0, items=50)]


def _judged(windows):
    """Every metric of these windows, as stored verdicts name them."""
    return {(w.window, metric) for w in windows for metric in AlertPolicy().rules()}


def _fired(verdicts):
    return [(w.window, j.metric, j.verdict) for w, judged in verdicts for j in judged if j.alert is not None]


def test_rules_judge_each_closed_window_once_against_the_windows_before_it_fired_or_not():
    steady = [_window(i, accuracy=0.90 + 0.01 * (i % 2), n_audit=300) for i in range(15)]
    policy = AlertPolicy(min_labels=30, lookback_windows=20)
    verdicts = evaluate_windows(_then(steady), policy)
    assert [w.window for w, _ in verdicts] == [f"w{i}" for i in range(15)]
    assert {j.verdict for _, judged in verdicts for j in judged} == {"passed"}
    drop = steady + [_window(15, accuracy=0.75, n_audit=300), _window(16, accuracy=0.76, n_audit=300)]
    fired = evaluate_windows(_then(drop), policy, judged=_judged(steady))
    assert _fired(fired) == [("w15", "accuracy", "band_lower")]
    second = fired[1][1][0]
    assert second.n_history == 16 and second.verdict == "passed", "the window that fired stays in the history"
    assert second.band[0] < fired[0][1][0].band[0], "and widens the band: w15's alert already stands"
    fall = drop[:16] + [_window(16, accuracy=0.60, n_audit=300)]
    assert _fired(evaluate_windows(_then(fall), policy, judged=_judged(steady))) == [
        ("w15", "accuracy", "band_lower"),
        ("w16", "accuracy", "band_lower"),
    ]
    assert evaluate_windows(_then(drop), policy, judged=_judged(drop)) == [], "judged once, never again"
    few = steady + [_window(15, accuracy=0.2, n_audit=10)]
    assert _fired(evaluate_windows(_then(few), policy)) == [], "too few labels"
    assert evaluate_windows(_then(few), policy)[-1][1][0].verdict == "too_few"


def test_the_band_waits_for_min_windows_of_history():
    windows = [_window(i, accuracy=0.9, n_audit=300) for i in range(14)] + [_window(14, accuracy=0.5, n_audit=300)]
    assert _fired(evaluate_windows(_then(windows), AlertPolicy(lookback_windows=20))) == [], "14 past windows: no band"
    assert _fired(evaluate_windows(_then(windows), AlertPolicy(lookback_windows=20, min_windows=14))) == [
        ("w14", "accuracy", "band_lower")
    ]


def test_a_window_closes_when_its_audit_slice_is_labelled_or_after_lookback_newer_windows():
    policy = AlertPolicy(accuracy_floor=0.9, lookback_windows=2)
    waiting = [_window(0, accuracy=0.5, n_audit=40, items=50), _window(1, accuracy=0.9, n_audit=40, items=50)]
    judged = [(w.window, j.metric) for w, found in evaluate_windows(waiting, policy) for j in found]
    assert judged == [("w0", "mean_confidence")], "audit labels still missing, not 2 newer windows yet: only confidence"
    labelled = [_window(0, accuracy=0.9, n_audit=50), _window(1, accuracy=0.9, n_audit=50)]
    assert [w.window for w, _ in evaluate_windows(labelled, policy)] == ["w0"], "the newest window is never closed"
    assert evaluate_windows(waiting, policy, judged=_judged(waiting[:1])) == [], "confidence judged once, not again"
    later = [*waiting, _window(2, accuracy=0.9, n_audit=40, items=50)]
    assert _fired(evaluate_windows(later, policy)) == [("w0", "accuracy", "floor")], "waited 2 windows: judged as is"
    old = [_window(i, accuracy=0.5, n_audit=40, items=50) for i in range(6)]
    assert [w.window for w, _ in evaluate_windows(old, policy)] == ["w3", "w4"], "older windows are history only"
    assert [j.metric for j in evaluate_windows(old, policy)[1][1]] == ["mean_confidence"], "w4 waits for its labels"


def test_drift_alerts_fire_on_the_windows_tested_for_drift():
    policy = AlertPolicy()
    report = DatasetDrift(
        share_drifted=0.8,
        dataset_drifted=True,
        drift_share=0.5,
        columns={"a": ColumnDrift("ks", 0.0, 0.05, True, n_reference=30, n_current=300)},
    )
    drift = WindowDrift(report, n_reference=30, n_current=300, sampled=False, reference_version=1)
    [(window, decision)] = drift_alerts([_window(0, drift=drift)], policy)
    assert decision.kind == "dataset_drift"
    assert drift_alerts([_window(0, drift=drift)], AlertPolicy(drift=False)) == []
    assert drift_alerts([_window(0, drift=drift, n=10)], policy) == [], "too few predictions"


def test_a_closed_window_is_judged_once_and_late_labels_never_re_judge_it(ws, write_production, write_truth, logged):
    save_alert_policy(ws, AlertPolicy(accuracy_floor=0.99, min_labels=3, lookback_windows=1, drift=False), actor=ADMIN)
    first = ingest_predictions(ws, write_production(100, start=400)).batch_id
    served = logged(ws)
    audit = served[served["is_audit"].astype(bool)]
    assert len(audit) > 3
    import_labels(ws, write_truth(audit.index[:3]), annotator="oracle")  # three right answers, more to come
    ingest_predictions(ws, write_production(100, start=600))  # a newer window: the first one's labels waited 1
    with store.session(ws) as session:
        verdicts = {j.metric: j for j in repository.window_judgments(session, "batch") if j.window_id == first}
    assert set(verdicts) == {"accuracy", "dispute_rate", "mean_confidence"}
    assert (verdicts["accuracy"].verdict, verdicts["accuracy"].n) == ("passed", 3)
    for external_id, row in audit.iloc[3:].iterrows():  # late answers, every one wrong
        record_label(ws, external_id, str((int(row["predicted"]) + 1) % 10), annotator="ana")
    assert check_alerts(ws) == [] and list_alerts(ws) == [], "the closed window keeps its verdict"
    with store.session(ws) as session:
        assert len(repository.window_judgments(session, "batch")) == 3, "judged once"
