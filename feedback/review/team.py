"""What the Team page shows: agreement between experts and the items waiting for a lead.

One call loads the label events once and derives both, so the figures and the
adjudication list always rest on the same events.
"""

from __future__ import annotations

from typing import Any

from feedback import store
from feedback.gold.agreement import agreement_summary
from feedback.gold.labels import conflicting_items
from feedback.lifecycle.tasks import load_task
from feedback.store import repository
from feedback.workspace import Workspace

__all__ = ["team_overview"]


def team_overview(ws: Workspace) -> dict[str, Any]:
    """Agreement figures, the adjudication queue and the label set of the workspace's task.

    Parameters
    ----------
    ws : Workspace
        An initialised store.

    Returns
    -------
    dict
        ``agreement``: :func:`feedback.gold.agreement.agreement_summary` (every figure with its n);
        ``conflicts``: :func:`feedback.gold.labels.conflicting_items`, most disputed first, with a
        ``votes`` column of label -> experts; ``labels``: the task's labels, for the lead's pick.

    Raises
    ------
    NotInitializedError
        The store has no task yet.
    """
    labels = list(load_task(ws).labels)
    with store.session(ws) as session:
        events = repository.label_events_frame(session)
    return {"agreement": agreement_summary(events), "conflicts": conflicting_items(events), "labels": labels}
