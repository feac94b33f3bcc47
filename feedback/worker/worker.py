"""The background work of the process that holds a store, started from this one place.

The app process (and, for a store that another process may share, a worker
process of its own) makes one :class:`Worker` per store: its periodic checks
(the inbox, alerts after labels, the retrain triggers) and its long jobs (a
retrain, a simulation, the search for suspect labels), each kind at most once
at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from feedback.access import Actor, require
from feedback.exceptions import JobAlreadyRunning
from feedback.lifecycle import load_policy, retrain, simulate_current_task
from feedback.review import find_suspect_labels
from feedback.settings import Settings
from feedback.worker.jobs import JobRunner, Work
from feedback.worker.threads import BackgroundJob
from feedback.worker.watchers import InboxWatcher, LabelAlertWatcher, RetrainScheduler
from feedback.workspace import Workspace


class Worker:
    """One store's background jobs and periodic checks.

    Parameters
    ----------
    ws : Workspace
    settings : Settings
        The intervals of the checks (``inbox_interval``, ``label_alert_interval``, ``trigger_interval``).
    known_users : callable, default=None
        The app's user names for the inbox, read at each check (see :class:`InboxWatcher`).
    """

    def __init__(
        self, ws: Workspace, settings: Settings, *, known_users: Callable[[], Collection[str] | None] | None = None
    ):
        self.ws = ws
        self.jobs = JobRunner()
        self.inbox = InboxWatcher(ws, interval=settings.inbox_interval, known_users=known_users)
        self.label_alerts = LabelAlertWatcher(ws, interval=settings.label_alert_interval)
        self.triggers = RetrainScheduler(ws, self._start_triggered_retrain, interval=settings.trigger_interval)

    def start(self) -> Worker:
        """Start the periodic checks (each stops itself at interpreter exit); returns this worker."""
        for check in (self.inbox, self.label_alerts, self.triggers):
            check.start()
        return self

    def start_retrain(self, actor: Actor) -> BackgroundJob:
        """Start the background retrain; the saved retrain policy decides the gate and auto-promotion.

        Shared by the Retrain button and the triggers (which act as an admin: an admin set
        the policy). After the retrain the suspect labels are looked for again, as the new
        labels may contradict each other.

        Raises
        ------
        PermissionDenied
            The actor may not retrain; nothing was started.
        JobAlreadyRunning
            A retrain is running in this process; nothing was started.
        """
        ws, policy = self.ws, load_policy(self.ws)

        def work(progress):
            result = retrain(ws, actor=actor, policy=policy.gate(), auto_promote=policy.auto_promote, progress=progress)
            find_suspect_labels(ws, actor=actor)
            return result

        return self._start("retrain", "a retrain", work, actor=actor, action="retrain")

    def start_simulation(self, actor: Actor) -> BackgroundJob:
        """Start the simulation of more labels (:func:`~feedback.lifecycle.learning.simulate_current_task`).

        Raises
        ------
        PermissionDenied, JobAlreadyRunning
            As :meth:`start_retrain`.
        """
        ws = self.ws
        return self._start(
            "simulate",
            "a simulation",
            lambda progress: simulate_current_task(ws, actor=actor),
            actor=actor,
            action="simulate",
        )

    def start_suspect_search(self, actor: Actor) -> BackgroundJob:
        """Start looking for suspect labels (see :func:`feedback.review.suspects.find_suspect_labels`).

        Raises
        ------
        PermissionDenied, JobAlreadyRunning
            As :meth:`start_retrain`.
        """
        ws = self.ws
        return self._start(
            "suspects",
            "a search for suspect labels",
            lambda progress: find_suspect_labels(ws, actor=actor),
            actor=actor,
            action="find_suspects",
        )

    def _start(self, kind: str, what: str, work: Work, *, actor: Actor, action: str) -> BackgroundJob:
        require(actor, action)  # checked before the thread starts, so a refused job never runs
        return self.jobs.start(kind, work, what=what)

    def _start_triggered_retrain(self, reason: str) -> bool:
        try:
            self.start_retrain(Actor(f"trigger: {reason}", "admin"))
        except JobAlreadyRunning:
            return False
        return True
