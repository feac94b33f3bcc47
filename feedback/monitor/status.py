"""A summary of the store: counts, the two model aliases, open alerts."""

from __future__ import annotations

from feedback import store
from feedback.lifecycle.tasks import load_task
from feedback.monitor.live_quality import live_accuracy
from feedback.store import Session, repository
from feedback.workspace import Workspace


def _version_summary(row) -> dict | None:
    if row is None:
        return None
    return {"version": row.version, "trained_at": row.trained_at.isoformat(), "n_labels": row.n_labels,
            "n_seed": row.n_seed, "snapshot_id": row.snapshot_id, "metrics": row.metrics}


def version_list(session: Session) -> list[dict]:
    """Every model version, newest first: ``version``, ``alias``, ``n_labels`` (expert), ``n_seed`` and a short hash."""
    return [{"version": v.version, "alias": v.alias, "n_labels": v.n_labels, "n_seed": v.n_seed,
             "sha256": v.sha256[:12]} for v in repository.list_versions(session)]


def store_status(ws: Workspace) -> dict:
    """Counts of predictions and labels, the champion, the challenger, open alerts, and the live accuracy.

    ``live_accuracy`` is the champion's accuracy on the expert-labelled audit items with a 95% Wilson
    interval and the number of items: ``{"estimate", "ci_low", "ci_high", "n"}`` (nulls without audit labels).
    """
    task = load_task(ws)
    with store.session(ws) as session:
        counts = repository.count_rows(session)
        champion = repository.version_with_alias(session, "champion")
        challenger = repository.version_with_alias(session, "challenger")
        versions = version_list(session)
        alerts = [{"id": a.id, "kind": a.kind, "message": a.message, "state": a.state,
                   "created_at": a.created_at.isoformat()} for a in repository.open_alerts(session)]
    return {
        "task": task.name,
        "labels": task.labels,
        **counts,
        "champion": _version_summary(champion),
        "challenger": _version_summary(challenger),
        "versions": versions,
        "open_alerts": alerts,
        "live_accuracy": live_accuracy(ws),
    }
