"""A task's models over time: the task itself, model versions, retraining and its triggers, the learning curve."""

from feedback.lifecycle.learning import (
    QueueValue,
    current_queue_value,
    learning_curve,
    queue_value,
    simulate_current_task,
    stopping_hint,
)
from feedback.lifecycle.reports import RetrainResult, gates_run_against, load_comparison_report
from feedback.lifecycle.retraining import retrain
from feedback.lifecycle.tasks import init_task, load_task, sorted_labels
from feedback.lifecycle.triggers import RetrainPolicy, load_policy, retrain_due, run_due_triggers, save_policy
from feedback.lifecycle.versions import (
    VersionSummary,
    champion_and_challenger,
    load_version,
    model_versions,
    promote,
    rollback,
    version_list,
)

__all__ = [
    "QueueValue",
    "RetrainPolicy",
    "RetrainResult",
    "VersionSummary",
    "champion_and_challenger",
    "init_task",
    "learning_curve",
    "current_queue_value",
    "gates_run_against",
    "load_comparison_report",
    "load_policy",
    "load_task",
    "load_version",
    "promote",
    "queue_value",
    "retrain",
    "retrain_due",
    "rollback",
    "run_due_triggers",
    "save_policy",
    "simulate_current_task",
    "sorted_labels",
    "stopping_hint",
    "model_versions",
    "version_list",
]
