"""Alerts on the monitored figures: the rules, the policy, the checks that raise them, their triage and the webhook."""

from feedback.alerts.checks import (
    check_alerts,
    check_alerts_for_new_labels,
    check_alerts_on_writes,
    drift_alerts,
    evaluate_windows,
)
from feedback.alerts.limits import Band, limit_bounds, mean_band, proportion_band, tail_level
from feedback.alerts.policy import AlertPolicy, load_alert_policy, save_alert_policy
from feedback.alerts.report import monitor_report
from feedback.alerts.rules import (
    AlertDecision,
    Judgment,
    MetricRule,
    Observation,
    default_rules,
    evaluate_drift,
    evaluate_rule,
)
from feedback.alerts.triage import AlertRecord, list_alerts, set_alert_state
from feedback.alerts.webhook import Deliverer, Delivery, deliver, deliver_with, post_json

__all__ = [
    "AlertDecision",
    "AlertPolicy",
    "AlertRecord",
    "Band",
    "Deliverer",
    "Delivery",
    "Judgment",
    "MetricRule",
    "Observation",
    "check_alerts",
    "check_alerts_for_new_labels",
    "check_alerts_on_writes",
    "default_rules",
    "deliver",
    "deliver_with",
    "drift_alerts",
    "evaluate_drift",
    "evaluate_rule",
    "evaluate_windows",
    "limit_bounds",
    "list_alerts",
    "load_alert_policy",
    "mean_band",
    "monitor_report",
    "post_json",
    "proportion_band",
    "save_alert_policy",
    "set_alert_state",
    "tail_level",
]
