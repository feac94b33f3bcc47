"""Every query of the label store: ORM for single rows, DuckDB's native path for bulk.

With db.py and native.py, the only place that speaks SQL. Every function takes the
caller's ``Session`` first (``with store.session(ws) as session:``); callers pass and
receive model objects and DataFrames, and call these functions as ``repository.<name>``;
the modules split them by concept:

- ``items``: the task, logged predictions, label events and signals (bulk writes, look-ups, counts, export);
- ``review``: the review queue's ranked candidates and progress;
- ``leases``: claiming, holding and releasing items, and the answers they guard (undo);
- ``gold_sets``: seed, training and audit sets from the gold labels the caller derives, suspect labels;
- ``model_versions``: versions and promotion decisions;
- ``experiments``: A/B and shadow experiments;
- ``monitoring``: per-window figures and stored alerts;
- ``outcomes``: numeric outcomes per prediction or unit, and the per-unit views experiments read.
"""

from feedback.store.db import create_input_tables
from feedback.store.repository.experiments import (
    experiment_audit_labels,
    experiment_batch_counts,
    experiment_disputes,
    experiment_unit_counts,
    get_experiment,
    latest_experiment,
    running_experiment,
    stop_running_experiment,
)
from feedback.store.repository.gold_sets import (
    audit_evaluation_set,
    expert_label_ids,
    expert_training_set,
    label_events_frame,
    replace_suspect_labels,
    seed_training_set,
    suspect_labels,
)
from feedback.store.repository.items import (
    EXPORT_SQL,
    add,
    count_rows,
    export_label_events,
    feedback_for,
    get_prediction,
    get_task,
    has_task,
    insert_feedback_signals,
    insert_label_events,
    insert_predictions,
    insert_seed,
    known_ids,
    label_history,
    logged_signals,
    newest_label_event_id,
    predictions_frame,
    read_inputs,
    seed_ids,
)
from feedback.store.repository.leases import (
    claim_leases,
    event_with_client_id,
    has_active_answer,
    held_ids,
    holds_lease,
    latest_active_event,
    release_all_leases,
    release_lease,
)
from feedback.store.repository.model_versions import (
    decisions,
    get_version,
    list_versions,
    next_version_number,
    version_with_alias,
)
from feedback.store.repository.monitoring import (
    MONITOR_WINDOWS,
    alert_rows,
    alert_window_keys,
    get_alert,
    insert_alerts,
    insert_window_judgments,
    judged_window_metrics,
    monitoring_audit_items,
    monitoring_class_counts,
    monitoring_inputs,
    monitoring_windows,
    open_alerts,
    update_alert,
    window_judgments,
)
from feedback.store.repository.outcomes import (
    experiment_outcome_values,
    experiment_units,
    insert_outcomes,
    latest_prediction_time,
    outcome_metrics,
    unit_outcome_totals,
    version_audit_items,
    version_unit_counts,
)
from feedback.store.repository.review import (
    QUEUE_SIGNALS,
    audit_unlabelled,
    random_unlabelled,
    ranked_unlabelled,
    relook_candidates,
    review_progress,
    second_opinion_candidates,
)
from feedback.store.repository.sessions import add_web_session, delete_web_sessions, web_session_user

__all__ = [
    "add",
    "add_web_session",
    "alert_rows",
    "alert_window_keys",
    "audit_evaluation_set",
    "audit_unlabelled",
    "claim_leases",
    "count_rows",
    "create_input_tables",
    "decisions",
    "delete_web_sessions",
    "event_with_client_id",
    "experiment_audit_labels",
    "experiment_batch_counts",
    "experiment_disputes",
    "experiment_outcome_values",
    "experiment_unit_counts",
    "experiment_units",
    "expert_label_ids",
    "expert_training_set",
    "export_label_events",
    "EXPORT_SQL",
    "feedback_for",
    "get_alert",
    "get_experiment",
    "get_prediction",
    "get_task",
    "get_version",
    "has_active_answer",
    "has_task",
    "held_ids",
    "holds_lease",
    "insert_alerts",
    "insert_window_judgments",
    "insert_feedback_signals",
    "insert_label_events",
    "insert_outcomes",
    "insert_predictions",
    "insert_seed",
    "judged_window_metrics",
    "known_ids",
    "label_events_frame",
    "label_history",
    "latest_active_event",
    "latest_experiment",
    "latest_prediction_time",
    "list_versions",
    "logged_signals",
    "MONITOR_WINDOWS",
    "monitoring_audit_items",
    "monitoring_class_counts",
    "monitoring_inputs",
    "monitoring_windows",
    "newest_label_event_id",
    "next_version_number",
    "open_alerts",
    "outcome_metrics",
    "predictions_frame",
    "QUEUE_SIGNALS",
    "random_unlabelled",
    "ranked_unlabelled",
    "read_inputs",
    "release_all_leases",
    "release_lease",
    "relook_candidates",
    "replace_suspect_labels",
    "review_progress",
    "running_experiment",
    "second_opinion_candidates",
    "seed_ids",
    "seed_training_set",
    "stop_running_experiment",
    "suspect_labels",
    "unit_outcome_totals",
    "update_alert",
    "version_audit_items",
    "version_unit_counts",
    "version_with_alias",
    "web_session_user",
    "window_judgments",
]
