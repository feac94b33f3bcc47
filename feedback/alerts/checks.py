"""Raising alerts: the alert policy's rules over the monitoring windows, each alert stored once and posted.

:func:`check_alerts` runs after every ingest of predictions or end-user
feedback and every label import once :func:`check_alerts_on_writes` has wired
it to the write events (the app and the command line do at start), and on
demand. The metric rules judge each window once, when it closes
(:func:`feedback.monitor.closed_windows`: a newer window exists and its audit
slice is labelled, or ``lookback_windows`` newer windows exist), against the
windows before it, fired or not; the verdict is stored
(:class:`feedback.store.WindowJudgment`) and late labels or disputes never
re-judge it, since judging a window again at every new label would give it
many chances to fire. Drift is tested on the newest window; an alert is stored
at most once per metric and window. New alerts go to the webhook through
:func:`feedback.alerts.webhook.deliver`, which the app and the command line wire
to a background thread (:func:`feedback.worker.deliver_alerts_in_background`);
this module starts no thread. When the retrain policy's ``on_alert`` switch is
on, the app's retrain scheduler (:class:`feedback.worker.RetrainScheduler`)
starts a retrain for a new open alert at its next check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from functools import partial
from typing import Any

from feedback import events, store
from feedback.alerts.policy import AlertPolicy, load_alert_policy
from feedback.alerts.rules import AlertDecision, Judgment, Observation, evaluate_drift, evaluate_rule
from feedback.alerts.triage import AlertRecord
from feedback.alerts.webhook import Delivery, deliver
from feedback.monitor import MonitorWindow, closed_windows, monitor_windows
from feedback.store import Alert, WindowJudgment, repository
from feedback.workspace import Workspace

__all__ = [
    "check_alerts",
    "check_alerts_after_write",
    "check_alerts_for_new_labels",
    "check_alerts_on_writes",
    "drift_alerts",
    "evaluate_windows",
]

PREDICTION_METRICS = frozenset({"mean_confidence"})  # judged without waiting for labels or disputes

_log = logging.getLogger(__name__)
_CHECK_LOCK = threading.Lock()  # one check at a time in the process that owns the store: no duplicates


def check_alerts(ws: Workspace, *, drift: bool = True) -> list[AlertRecord]:
    """Evaluate the alert rules, store the alerts that are new, and post them to the webhook.

    Parameters
    ----------
    ws : Workspace
    drift : bool, default=True
        Test the newest window for feature drift (when the policy's ``drift``
        is on). Checks after a feedback ingest pass False: inputs did not change.

    Returns
    -------
    list of AlertRecord
        The alerts stored by this call; empty when nothing new fired. With a webhook configured their
        ``delivery_status`` is ``"pending"`` as stored; the delivery records
        ``"delivered"`` or ``"failed"`` on the alert (see
        :func:`feedback.alerts.webhook.deliver`: in the background once the app
        or the command line wired it, else in this call).
    """
    policy = load_alert_policy(ws)
    with _CHECK_LOCK:
        windows = monitor_windows(ws, policy.window, drift_windows=1 if drift and policy.drift else 0, details=False)
        with store.session(ws) as session:
            verdicts = evaluate_windows(windows, policy, repository.judged_window_metrics(session, policy.window))
            repository.insert_window_judgments(
                session, [_judgment_row(policy, window, j) for window, judged in verdicts for j in judged]
            )
            seen = repository.alert_window_keys(session, policy.window)
            decisions = [(w, j.alert) for w, judged in verdicts for j in judged if j.alert is not None]
            fresh = [
                _alert(policy, window, decision)
                for window, decision in decisions + drift_alerts(windows, policy)
                if (decision.metric, window.window) not in seen
            ]
            new = [AlertRecord.from_row(a) for a in repository.insert_alerts(session, fresh)] if fresh else []
    if new and policy.webhook_url:
        deliver(
            Delivery(
                policy.webhook_url,
                tuple(_payload(ws, a) for a in new),
                partial(_record_delivery, ws),
                timeout=policy.webhook_timeout,
                retries=policy.webhook_retries,
                backoff=policy.webhook_backoff,
            )
        )
    return new


def check_alerts_after_write(ws: Workspace, kind: str) -> list[AlertRecord]:
    """:func:`check_alerts` after a write of ``kind``, except that it never raises: the write is already stored.

    Drift is tested only after predictions (feedback and labels change no input).
    A failure is logged and gives no alerts; the next write checks again.
    """
    try:
        return check_alerts(ws, drift=kind == "predictions")
    except Exception:  # noqa: BLE001 - an alert check must never fail a write that was committed
        _log.warning("Checking alerts after a write failed; the write itself is stored.", exc_info=True)
        return []


def _refuse_if_policy_broken(ws: Workspace, kind: str) -> None:
    load_alert_policy(ws)  # refused now if broken: the alert check after the write would fail


def check_alerts_on_writes() -> None:
    """Run the alert check after every ingest and label import of this process (see :mod:`feedback.events`).

    A broken alert policy then refuses the write before anything is stored, as the
    check after it would fail. The app and the command line call this at start;
    calling it again changes nothing.
    """
    events.on_write(check_alerts_after_write, before=_refuse_if_policy_broken)


def check_alerts_for_new_labels(ws: Workspace, checked_through: int | None) -> tuple[list[AlertRecord], int | None]:
    """Check the alerts (without drift: no input changed) if label events arrived after ``checked_through``.

    Experts label audit items one at a time in the browser; running the whole
    check on each answer would cost the card its speed, so the app calls this
    every few seconds instead (:class:`feedback.worker.LabelAlertWatcher`).

    Parameters
    ----------
    ws : Workspace
    checked_through : int or None
        The newest label event id the previous call saw (None at first).

    Returns
    -------
    alerts : list of AlertRecord
        The alerts stored; empty when no label event is newer.
    checked_through : int or None
        The newest label event id now, to pass to the next call.
    """
    with store.session(ws) as session:
        newest = repository.newest_label_event_id(session)
    if newest is None or newest == checked_through:
        return [], checked_through
    return check_alerts(ws, drift=False), newest


def evaluate_windows(
    windows: list[MonitorWindow], policy: AlertPolicy, judged: Collection[tuple[str, str]] = ()
) -> list[tuple[MonitorWindow, list[Judgment]]]:
    """Judge each metric of the windows that closed for it and were not judged yet, once, against the windows before.

    A metric that rests on labels or disputes (accuracy, dispute rate) is judged
    when :func:`feedback.monitor.closed_windows` says its window closed (with
    ``policy.lookback_windows`` as the wait for labels); one that rests on the
    predictions alone (``PREDICTION_METRICS``: mean confidence) as soon as a
    newer window exists, since no prediction joins its window any more. Only
    the latest ``lookback_windows + 1`` windows are judged: older ones closed
    before the judgments were stored and are history only. Each metric's band
    history is every earlier window that rests on enough items, whether or not
    it fired, so the band keeps its width after an alert.

    Parameters
    ----------
    windows : list of MonitorWindow
        Monitoring windows, oldest first, as :func:`feedback.monitor.monitor_windows` gives them.
    policy : AlertPolicy
    judged : collection of (str, str), default=()
        (window id, metric) pairs judged already (stored verdicts); they are never judged again.

    Returns
    -------
    list of (MonitorWindow, list of Judgment)
        The windows with a newly judged metric, in order, each with one judgment per such metric.
    """
    rules = policy.rules()
    closed = closed_windows(windows, policy.lookback_windows)
    last = len(windows) - 1
    out = []
    for i in range(max(0, last - policy.lookback_windows), len(windows)):
        window, past = windows[i], windows[:i]
        judgments = [
            evaluate_rule(rule, [_observation(w, metric) for w in past], _observation(window, metric))
            for metric, rule in rules.items()
            if (i < last if metric in PREDICTION_METRICS else closed[i]) and (window.window, metric) not in judged
        ]
        if judgments:
            out.append((window, judgments))
    return out


def drift_alerts(windows: list[MonitorWindow], policy: AlertPolicy) -> list[tuple[MonitorWindow, AlertDecision]]:
    """Drift alerts on the latest ``policy.lookback_windows`` windows that were tested for drift (the check tests
    the newest only), when the policy's ``drift`` is on."""
    if not policy.drift:
        return []
    fired = []
    for window in windows[max(0, len(windows) - policy.lookback_windows) :]:
        if window.drift:
            decision = evaluate_drift(window.drift.report, n=window.n_predictions, min_n=policy.min_predictions)
            if decision is not None:
                fired.append((window, decision))
    return fired


def _observation(window: MonitorWindow, metric: str) -> Observation:
    """A window's figure for a metric rule, with the items it rests on."""
    if metric == "accuracy":
        return Observation(window.accuracy, window.n_audit_labels)
    if metric == "mean_confidence":
        return Observation(window.mean_confidence, window.n_predictions, window.sd_confidence)
    return Observation(getattr(window, metric), window.n_predictions)


def _judgment_row(policy: AlertPolicy, window: MonitorWindow, judgment: Judgment) -> WindowJudgment:
    low, high = judgment.band if judgment.band is not None else (None, None)
    return WindowJudgment(
        window_kind=policy.window,
        window_id=window.window,
        metric=judgment.metric,
        verdict=judgment.verdict,
        value=judgment.value,
        n=judgment.n,
        low=low,
        high=high,
        n_history=judgment.n_history,
    )


def _alert(policy: AlertPolicy, window: MonitorWindow, decision: AlertDecision) -> Alert:
    details = {
        **decision.to_dict(),
        "window_start": window.start,
        "window_end": window.end,
        "n_predictions": window.n_predictions,
        "n_audit_labels": window.n_audit_labels,
    }
    return Alert(
        kind=decision.kind,
        metric=decision.metric,
        window_kind=policy.window,
        window_id=window.window,
        message=f"{policy.window} {window.window}: {decision.message}",
        details=details,
        delivery_status="pending" if policy.webhook_url else None,
    )


def _payload(ws: Workspace, alert: AlertRecord) -> dict[str, Any]:
    """What the webhook receives: the alert, a ``text`` line chat tools show as is, and the store."""
    return {**alert.to_dict(), "text": f"Feedback loop alert {alert.id}: {alert.message}", "store": str(ws.home)}


def _record_delivery(ws: Workspace, payload: dict, outcome: dict) -> None:
    with store.session(ws) as session:
        repository.update_alert(session, payload["id"], {"delivery_status": outcome["status"], "delivery": outcome})
