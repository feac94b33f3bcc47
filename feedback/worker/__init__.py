"""Background work, started from one place: long jobs (one of each kind at a time) and the periodic checks.

The concept folders offer plain one-shot functions (``process_inbox``,
``check_alerts_for_new_labels``, ``run_due_triggers``, ``retrain``); this
package runs them in threads of the process that holds the store, and posts
new alerts to the webhook on threads of their own (:mod:`feedback.worker.deliveries`)."""

from feedback.worker.deliveries import deliver_alerts_in_background, deliver_in_background, wait_for_deliveries
from feedback.worker.jobs import JobRunner
from feedback.worker.threads import BackgroundJob, PeriodicCheck
from feedback.worker.watchers import InboxWatcher, LabelAlertWatcher, RetrainScheduler
from feedback.worker.worker import Worker

__all__ = [
    "BackgroundJob",
    "InboxWatcher",
    "JobRunner",
    "LabelAlertWatcher",
    "PeriodicCheck",
    "RetrainScheduler",
    "Worker",
    "deliver_alerts_in_background",
    "deliver_in_background",
    "wait_for_deliveries",
]
