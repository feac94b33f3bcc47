"""The periodic checks of the process that owns the store: the inbox, alerts after labels, retrain triggers.

Each thread calls one plain function of its concept folder every ``interval``
seconds and keeps what the pages show of it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from feedback.alerts import check_alerts_for_new_labels
from feedback.intake import process_inbox
from feedback.lifecycle import run_due_triggers
from feedback.worker.threads import PeriodicCheck
from feedback.workspace import Workspace


class InboxWatcher(PeriodicCheck):
    """Process the inbox (:func:`feedback.intake.inbox.process_inbox`) every ``interval`` seconds until stopped.

    Parameters
    ----------
    ws : Workspace
    interval : float, default=2.0
    known_users : callable, default=None
        Called before each check; returns the app's user names, or None in open mode
        (see :func:`~feedback.intake.inbox.process_inbox`). The web layer passes its users here.
    """

    def __init__(
        self, ws: Workspace, interval: float = 2.0, *, known_users: Callable[[], Collection[str] | None] | None = None
    ):
        super().__init__("inbox", interval)
        self.ws = ws
        self.known_users = known_users
        self.last_outcomes: list[dict] = []

    def check(self) -> list[dict]:
        """Ingest what is pending; keep the outcomes when there were any."""
        users = self.known_users() if self.known_users is not None else None
        outcomes = process_inbox(self.ws, known_users=users)
        if outcomes:
            self.last_outcomes = outcomes
        return outcomes


class LabelAlertWatcher(PeriodicCheck):
    """Check the alerts again once label events arrived since the last look.

    An accuracy alert thus waits at most one ``interval`` after the label that
    tips it, not for the next ingest (see
    :func:`feedback.alerts.checks.check_alerts_for_new_labels`).
    """

    def __init__(self, ws: Workspace, interval: float = 30.0):
        super().__init__("label-alerts", interval)
        self.ws = ws
        self.checked_through: int | None = None  # the newest label event id the last check saw

    def check(self) -> list[dict[str, Any]]:
        """Check the alerts if the newest label event moved; return the alerts stored."""
        alerts, self.checked_through = check_alerts_for_new_labels(self.ws, self.checked_through)
        return alerts


class RetrainScheduler(PeriodicCheck):
    """Check the retrain policy every ``interval`` seconds and call ``start_retrain(reason)`` when one is due.

    ``start_retrain`` returns False when a retrain is already running, so a
    trigger never stacks a second retrain on the first (see
    :func:`feedback.lifecycle.triggers.run_due_triggers`).
    """

    def __init__(self, ws: Workspace, start_retrain: Callable[[str], bool], interval: float = 30.0):
        super().__init__("retrain-scheduler", interval)
        self.ws = ws
        self.start_retrain = start_retrain
        self.last_reason: str | None = None

    def check(self) -> str | None:
        """One check: start a retrain if due; return the reason when one was started."""
        reason = run_due_triggers(self.ws, self.start_retrain)
        if reason is not None:
            self.last_reason = reason
        return reason
