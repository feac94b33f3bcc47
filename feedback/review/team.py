"""What the Team page shows: agreement between experts and the items waiting for a lead.

One call loads the label events once and derives both, so the figures and the
adjudication list always rest on the same events.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from feedback import store
from feedback.gold import AgreementSummary, agreement_summary, conflicting_items
from feedback.lifecycle import load_task
from feedback.store import repository
from feedback.workspace import Workspace

__all__ = ["TeamOverview", "team_overview"]


@dataclass(frozen=True)
class TeamOverview:
    """Agreement between the experts and the items waiting for a lead, from the same label events.

    Attributes
    ----------
    agreement : AgreementSummary
        Every figure with its n.
    conflicts : pandas.DataFrame
        :func:`feedback.gold.labels.conflicting_items`, most disputed first, with a ``votes``
        column of label -> experts.
    labels : list of str
        The task's labels, for the lead's pick.
    """

    agreement: AgreementSummary
    conflicts: pd.DataFrame
    labels: list[str]


def team_overview(ws: Workspace) -> TeamOverview:
    """Agreement figures, the adjudication queue and the label set of the workspace's task.

    Parameters
    ----------
    ws : Workspace
        An initialised store.

    Returns
    -------
    TeamOverview

    Raises
    ------
    NotInitializedError
        The store has no task yet.
    """
    labels = list(load_task(ws).labels)
    with store.session(ws) as session:
        events = repository.label_events_frame(session)
    return TeamOverview(agreement_summary(events), conflicting_items(events), labels)
