"""A summary of the store: counts, the two model aliases, open alerts and the champion's live quality."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from feedback import store
from feedback.lifecycle import VersionSummary, load_task, version_list
from feedback.monitor.live_quality import DEFAULT_LIVE_DAYS, LiveQuality, live_quality
from feedback.store import ModelVersion, repository
from feedback.workspace import Workspace

__all__ = ["AliasedVersion", "OpenAlert", "StoreStatus", "store_status"]


@dataclass(frozen=True)
class AliasedVersion:
    """The version holding an alias (champion or challenger).

    Attributes
    ----------
    version : int
    trained_at : str
        ISO 8601 time of its training.
    n_labels, n_seed : int
        Expert labels and seed rows it was trained on.
    snapshot_id : str
        The label snapshot it was trained on.
    metrics : dict or None
        Its scores on the audit items when it was compared, else None.
    """

    version: int
    trained_at: str
    n_labels: int
    n_seed: int
    snapshot_id: str
    metrics: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: ModelVersion | None) -> AliasedVersion | None:
        """The summary of a version row; None for None."""
        if row is None:
            return None
        return cls(row.version, row.trained_at.isoformat(), row.n_labels, row.n_seed, row.snapshot_id, row.metrics)


@dataclass(frozen=True)
class OpenAlert:
    """An open alert, as the status line counts it.

    Attributes
    ----------
    id : int
    kind : str
    message : str
    state : str
    created_at : str
        ISO 8601 time.
    """

    id: int
    kind: str
    message: str
    state: str
    created_at: str


@dataclass(frozen=True)
class StoreStatus:
    """Counts of the store, the two aliases, the open alerts and the champion's live quality.

    Attributes
    ----------
    task : str
    labels : list of str
    predictions, audit_items, label_events, labelled_items, disputes, seed_labels : int
        Row counts.
    champion, challenger : AliasedVersion or None
    versions : list of VersionSummary
        Every version, newest first.
    open_alerts : list of OpenAlert
    live : LiveQuality
        The champion's accuracy and macro-F1 on the labelled audit items of the live window, the
        window itself, and the all-history accuracy apart; see
        :func:`feedback.monitor.live_quality.live_quality`.
    """

    task: str
    labels: list[str]
    predictions: int
    audit_items: int
    label_events: int
    labelled_items: int
    disputes: int
    seed_labels: int
    champion: AliasedVersion | None
    challenger: AliasedVersion | None
    versions: list[VersionSummary]
    open_alerts: list[OpenAlert]
    live: LiveQuality

    def to_dict(self) -> dict[str, Any]:
        """The status as JSON-ready values."""
        return asdict(self)


def store_status(
    ws: Workspace, *, live_days: float | None = DEFAULT_LIVE_DAYS, since_promotion: bool = True
) -> StoreStatus:
    """Counts of predictions and labels, the champion, the challenger, open alerts, and the live quality.

    Parameters
    ----------
    ws : Workspace
    live_days : float or None, default=30
        The live window reaches back at most this many days (``FEEDBACK_LIVE_DAYS``); None for no limit.
    since_promotion : bool, default=True
        The live window starts no earlier than the champion's promotion.

    Returns
    -------
    StoreStatus

    Raises
    ------
    InputError
        If ``live_days`` is out of range.
    """
    task = load_task(ws)
    with store.session(ws) as session:
        counts = repository.count_rows(session)
        champion = repository.version_with_alias(session, "champion")
        challenger = repository.version_with_alias(session, "challenger")
        versions = version_list(session)
        alerts = [
            OpenAlert(a.id, a.kind, a.message, a.state, a.created_at.isoformat())
            for a in repository.open_alerts(session)
        ]
    return StoreStatus(
        task=task.name,
        labels=task.labels,
        **counts,
        champion=AliasedVersion.from_row(champion),
        challenger=AliasedVersion.from_row(challenger),
        versions=versions,
        open_alerts=alerts,
        live=live_quality(ws, max_days=live_days, since_promotion=since_promotion),
    )
