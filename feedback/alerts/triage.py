"""Stored monitoring alerts: list them, and move them from open to acknowledged to resolved.

Alerts are raised by :func:`feedback.alerts.checks.check_alerts`. Their state only
moves forward: open -> acknowledged -> resolved, or open -> resolved. Each step
records who took it and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from feedback import store
from feedback.access import Actor, require
from feedback.exceptions import InputError
from feedback.lifecycle import load_task
from feedback.store import Alert, repository, utcnow
from feedback.workspace import Workspace

__all__ = ["ALERT_STATES", "AlertRecord", "list_alerts", "set_alert_state"]

ALERT_STATES = ("open", "acknowledged", "resolved")
_ALLOWED_FROM = {"acknowledged": ("open",), "resolved": ("open", "acknowledged")}


@dataclass(frozen=True)
class AlertRecord:
    """A stored alert as the app, the command line and the webhook show it; times are ISO 8601 strings.

    Attributes
    ----------
    id : int
    kind : str
        The threshold crossed: floor, ceiling, band_lower, band_upper or dataset_drift.
    message : str
        One line for people, with the figure and the n it rests on.
    state : {"open", "acknowledged", "resolved"}
    created_at : str
    details : dict or None
        The rule's decision and the window's bounds and counts.
    metric, window_kind, window_id : str or None
        What fired, on which monitoring window.
    acknowledged_at, acknowledged_by, resolved_at, resolved_by : str or None
        Who moved the alert on, and when.
    delivery_status : str or None
        The webhook outcome: pending, delivered, failed; None without a webhook.
    delivery : dict or None
        The webhook attempts and error.

    Examples
    --------
    >>> AlertRecord.from_row(Alert(id=1, kind="floor", message="accuracy fell")).state
    'open'
    """

    id: int
    kind: str
    message: str
    state: str
    created_at: str
    details: dict[str, Any] | None
    metric: str | None
    window_kind: str | None
    window_id: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    resolved_at: str | None
    resolved_by: str | None
    delivery_status: str | None
    delivery: dict[str, Any] | None

    @classmethod
    def from_row(cls, alert: Alert) -> AlertRecord:
        """The record of a stored :class:`~feedback.store.models.Alert` row."""
        row = {name: getattr(alert, name) for name in Alert.model_fields}
        return cls(**{key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in row.items()})

    def to_dict(self) -> dict[str, Any]:
        """The alert as JSON-ready values, in the order of the table's columns."""
        return asdict(self)


def list_alerts(ws: Workspace, states: Iterable[str] | None = None) -> list[AlertRecord]:
    """Stored alerts, newest first.

    Parameters
    ----------
    ws : Workspace
    states : iterable of {"open", "acknowledged", "resolved"}, default=None
        Only alerts in these states; None lists every alert.

    Returns
    -------
    list of AlertRecord

    Raises
    ------
    InputError
        If a state is not one of the three.
    """
    load_task(ws)
    wanted = None if states is None else [_checked_state(s, ALERT_STATES) for s in states]
    with store.session(ws) as session:
        return [AlertRecord.from_row(a) for a in repository.alert_rows(session, wanted)]


def set_alert_state(ws: Workspace, alert_id: int, state: str, actor: Actor) -> AlertRecord:
    """Acknowledge or resolve an alert, recording who did it and when.

    Parameters
    ----------
    ws : Workspace
    alert_id : int
    state : {"acknowledged", "resolved"}
        An open alert can be acknowledged or resolved; an acknowledged one resolved.
    actor : Actor
        Who acknowledges or resolves it: a lead or an admin.

    Returns
    -------
    AlertRecord
        The alert after the change.

    Raises
    ------
    PermissionDenied
        The actor's role may not acknowledge or resolve alerts.
    InputError
        Unknown alert, unknown state, no actor name, or a step the alert's state
        does not allow (an alert resolved already, acknowledged twice).
    """
    load_task(ws)
    state = _checked_state(state, tuple(_ALLOWED_FROM))
    require(actor, "acknowledge_alert" if state == "acknowledged" else "resolve_alert")
    if not actor.name.strip():
        raise InputError("Say who is changing the alert (--by NAME).")
    prefix = "acknowledged" if state == "acknowledged" else "resolved"
    values = {"state": state, f"{prefix}_at": utcnow(), f"{prefix}_by": actor.name.strip()}
    with store.session(ws) as session:
        changed = repository.update_alert(session, int(alert_id), values, from_states=_ALLOWED_FROM[state])
    if changed is not None:
        return AlertRecord.from_row(changed)
    with store.session(ws) as session:
        current = repository.get_alert(session, int(alert_id))
    if current is None:
        raise InputError(f"There is no alert {alert_id}; `python -m feedback alerts` lists them.")
    if current.state == state:
        raise InputError(f"Alert {alert_id} is already {state}.")
    raise InputError(f"Alert {alert_id} is {current.state}; it can no longer be {state}.")


def _checked_state(state: str, allowed: tuple[str, ...]) -> str:
    if state not in allowed:
        raise InputError(f"Unknown alert state {state!r}; use one of {', '.join(allowed)}.")
    return state
