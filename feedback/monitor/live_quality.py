"""The champion's live quality, estimated honestly from the uniformly random audit slice."""

from __future__ import annotations

from feedback import store
from feedback.gold import gold_label_series
from feedback.lifecycle import champion_and_challenger, load_task, load_version
from feedback.monitor.intervals import Estimate
from feedback.monitor.quality import estimate_accuracy
from feedback.store import repository
from feedback.workspace import Workspace


def live_accuracy(ws: Workspace) -> Estimate:
    """The current champion's accuracy on the expert-labelled audit items, with a Wilson interval.

    Only audit items count: the queue's items were chosen because the model was
    unsure, so their accuracy is biased low by design. No model trains on audit
    items, so the champion is scored on items it never saw.

    Returns
    -------
    Estimate
        The figures are None while no audit item has an expert label.
    """
    task = load_task(ws)
    with store.session(ws) as session:
        audit = repository.audit_evaluation_set(session, gold_label_series(session))
    if audit.empty:
        return estimate_accuracy([], [])
    champion, _ = champion_and_challenger(ws)
    names = [f["name"] for f in task.features]
    predicted = load_version(ws, champion).predict(audit[names]).astype(str)
    return estimate_accuracy(audit["__label__"].astype(str).to_numpy(dtype=object), predicted)
