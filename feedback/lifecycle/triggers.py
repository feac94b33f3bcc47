"""The retrain policy: what starts a retrain without a click (every N new labels, a schedule,
an alert), the gate's thresholds, and whether a winning challenger is promoted automatically.

The policy is kept as ``retrain_policy.json`` in the store's home. The app
process runs a thread (:class:`feedback.worker.RetrainScheduler`) that calls
:func:`run_due_triggers` and starts the same background retrain the Retrain
button starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from active_learning import GatePolicy
from feedback import store
from feedback.access import Actor, require
from feedback.exceptions import InputError
from feedback.gold import gold_label_series
from feedback.settings_files import read_settings, write_settings
from feedback.store import repository, snapshots, utcnow
from feedback.workspace import Workspace

POLICY_FILE = "retrain_policy.json"


@dataclass(frozen=True)
class RetrainPolicy:
    """What starts a retrain by itself, and whether a winning challenger is promoted automatically.

    Parameters
    ----------
    every_n_labels : int, default=None
        Retrain once this many expert labels arrived since the newest version was trained.
    every_minutes : float, default=None
        Retrain when the newest version is older than this.
    on_alert : bool, default=False
        Retrain when an alert opened after the newest version was trained.
    auto_promote : bool, default=False
        Promote the challenger when the gate says promote (off unless the user turns it on).
    min_gain, alpha, per_class_tolerance, min_eval
        The gate's thresholds; see :class:`active_learning.comparison.GatePolicy`.
    """

    every_n_labels: int | None = None
    every_minutes: float | None = None
    on_alert: bool = False
    auto_promote: bool = False
    min_gain: float = 0.0
    alpha: float = 0.05
    per_class_tolerance: float = 0.05
    min_eval: int = 20

    def gate(self) -> GatePolicy:
        """The gate thresholds as the comparison module takes them."""
        return GatePolicy(
            min_gain=self.min_gain,
            alpha=self.alpha,
            per_class_tolerance=self.per_class_tolerance,
            min_eval=self.min_eval,
        )

    def validated(self) -> RetrainPolicy:
        if self.every_n_labels is not None and self.every_n_labels < 1:
            raise InputError(f"every_n_labels must be at least 1, got {self.every_n_labels}.")
        if self.every_minutes is not None and self.every_minutes <= 0:
            raise InputError(f"every_minutes must be positive, got {self.every_minutes}.")
        if not 0 < self.alpha < 1:
            raise InputError(f"alpha must be between 0 and 1, got {self.alpha}.")
        if not 0 <= self.per_class_tolerance <= 1 or not -1 <= self.min_gain <= 1:
            raise InputError("per_class_tolerance must be in [0, 1] and min_gain in [-1, 1].")
        if self.min_eval < 1:
            raise InputError(f"min_eval must be at least 1, got {self.min_eval}.")
        return self


def load_policy(ws: Workspace) -> RetrainPolicy:
    """The saved policy, or the default (no triggers, no auto-promotion)."""
    return read_settings(ws.home / POLICY_FILE, RetrainPolicy, "retrain policy")


def save_policy(ws: Workspace, policy: RetrainPolicy, *, actor: Actor) -> RetrainPolicy:
    """Validate and write the policy (whole file replaced atomically); ``actor`` must be an admin."""
    require(actor, "set_retrain_policy")
    return write_settings(ws.home / POLICY_FILE, policy)


def retrain_due(ws: Workspace, policy: RetrainPolicy) -> str | None:
    """Why a retrain is due now under ``policy``, or None."""
    if policy.every_n_labels is None and policy.every_minutes is None and not policy.on_alert:
        return None
    with store.session(ws) as session:
        versions = repository.list_versions(session)
        alerts = repository.open_alerts(session)
        expert = (
            repository.expert_label_ids(session, gold_label_series(session))
            if policy.every_n_labels is not None
            else None
        )
    newest = versions[0]
    if policy.every_n_labels is not None:
        trained_on = snapshots.snapshot_ids(ws, newest.snapshot_id)
        new = int((~expert.isin(trained_on)).sum())
        if new >= policy.every_n_labels:
            return f"{new} new expert labels since v{newest.version} (trigger: every {policy.every_n_labels})"
    if policy.every_minutes is not None and utcnow() - newest.trained_at >= timedelta(minutes=policy.every_minutes):
        return f"v{newest.version} is older than {policy.every_minutes:g} minutes (scheduled retrain)"
    if policy.on_alert:
        fresh = [a for a in alerts if a.state == "open" and a.created_at > newest.trained_at]
        if fresh:
            return f"alert {fresh[0].id} opened: {fresh[0].message}"
    return None


def run_due_triggers(ws: Workspace, start_retrain: Callable[[str], bool]) -> str | None:
    """One look at the saved policy: call ``start_retrain(reason)`` when a retrain is due.

    Parameters
    ----------
    ws : Workspace
    start_retrain : callable
        Starts the background retrain; returns False when one is already running.

    Returns
    -------
    str or None
        Why a retrain was started, or None when none was due or one was already running.
    """
    reason = retrain_due(ws, load_policy(ws))
    if reason and start_retrain(reason):
        return reason
    return None
