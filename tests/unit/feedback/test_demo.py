"""The digits demo: its drifting stream raises the drift and quality alerts where the drift begins."""

from feedback.alerts import monitor_report
from feedback.demo import DRIFT_STARTS_AT, N_BATCHES, build_demo
from feedback.workspace import open_workspace


def test_demo_alerts_fire_at_the_batch_where_the_drift_starts_and_not_before(tmp_path):
    ws = open_workspace(tmp_path / "demo-home")
    try:
        summary = build_demo(ws)
        result = monitor_report(ws, "batch")
    finally:
        ws.close()
    windows = [w.window for w in result.windows]
    fired = {}
    for alert in result.alerts:
        fired.setdefault(alert.metric, set()).add(windows.index(alert.window_id))

    assert len(windows) == summary.batches == N_BATCHES
    assert min(min(batches) for batches in fired.values()) == DRIFT_STARTS_AT
    for metric in ("drift_share", "accuracy", "dispute_rate", "mean_confidence"):
        assert DRIFT_STARTS_AT in fired[metric], f"no {metric} alert at batch {DRIFT_STARTS_AT}"
    # Quality rests on the audit team's labels, which cover every batch but the last.
    assert all(w.n_audit_labels >= 30 for w in result.windows[:-1])
    assert result.windows[-1].n_audit_labels == 0 and summary.audit_labels > 0


def test_demo_can_stop_before_the_drift(tmp_path):
    ws = open_workspace(tmp_path / "demo-home")
    try:
        summary = build_demo(ws, batches_to_ingest=DRIFT_STARTS_AT)
        result = monitor_report(ws, "batch")
    finally:
        ws.close()
    assert summary.predictions == DRIFT_STARTS_AT * 300 and len(result.windows) == DRIFT_STARTS_AT
    assert result.alerts == []
    assert (tmp_path / "demo-home" / "demo" / f"batch_{N_BATCHES - 1}.csv").is_file()
