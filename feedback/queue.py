"""The review queue: which items an expert should see next, and why. Policy only, no SQL."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pandas as pd
from sqlmodel import Session

from feedback import db, repository
from feedback.tasks import load_task
from feedback.workspace import Workspace


@dataclass
class ReviewItem:
    """One item in the queue, with the reasons it surfaced."""

    id: str
    predicted: str
    confidence: float
    margin: float
    is_audit: bool
    reasons: list[str] = field(default_factory=list)
    probabilities: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _interleave(primary: list[ReviewItem], audit: list[ReviewItem], limit: int, audit_share: float) -> list[ReviewItem]:
    """Place audit items evenly among the others so about ``audit_share`` of the page is audit."""
    out: list[ReviewItem] = []
    n_audit = 0
    while len(out) < limit and (primary or audit):
        # Whole-item arithmetic: floats summed ten times 0.1 fall short of 1.
        audit_due = int((len(out) + 1) * audit_share + 1e-9) > n_audit
        if audit and (audit_due or not primary):
            out.append(audit.pop(0))
            n_audit += 1
        else:
            out.append(primary.pop(0))
    return out


def _items(frame: pd.DataFrame, reason) -> list[ReviewItem]:
    return [
        ReviewItem(id=r.external_id, predicted=r.predicted, confidence=float(r.confidence), margin=float(r.margin),
                   is_audit=bool(r.is_audit), reasons=reason(r))
        for r in frame.itertuples(index=False)
    ]


def build_review_queue(ws: Workspace, limit: int = 20, *, audit_share: float = 0.2) -> list[ReviewItem]:
    """The next ``limit`` items worth an expert's time, in order.

    Disputed items come first (most recently disputed first), then the items
    with the smallest margin between the model's top two classes; unlabelled
    audit items are interleaved at ``audit_share`` of the page so the honest,
    uniformly random slice keeps being labelled.

    Parameters
    ----------
    ws : Workspace
    limit : int, default=20
    audit_share : float, default=0.2

    Returns
    -------
    list of ReviewItem
    """
    task = load_task(ws)
    disputed = _items(
        repository.disputed_unlabelled(ws.engine, limit),
        lambda r: [f"disputed by an end user ({r.n_disputes}x)"] + (["random audit item"] if r.is_audit else []),
    )
    seen = {item.id for item in disputed}
    uncertain = [
        item for item in _items(
            repository.least_margin_unlabelled(ws.engine, limit + len(seen)),
            lambda r: [f"low margin {r.margin:.2f} between the top two classes"],
        ) if item.id not in seen
    ]
    audit = [
        item for item in _items(repository.audit_unlabelled(ws.engine, limit + len(seen)), lambda r: ["random audit item"])
        if item.id not in seen
    ]
    queue = _interleave(disputed + uncertain, audit, limit, audit_share)
    if queue:
        frame = repository.predictions_frame(ws.engine, [item.id for item in queue])
        for item in queue:
            item.probabilities = dict(zip(task.labels, json.loads(frame.loc[item.id, "probabilities"])))
    return queue


def item_details(ws: Workspace, external_id: str) -> dict:
    """Everything the review card shows about one item: input, prediction, signals, label history."""
    task = load_task(ws)
    inputs = repository.read_inputs(ws.engine, db.PREDICTION_INPUT, [external_id])
    with Session(ws.engine) as session:
        prediction = repository.get_prediction(session, external_id)
        history = repository.label_history(session, external_id)
        signals = repository.feedback_for(session, external_id)
    return {
        "prediction": prediction,
        "features": inputs.iloc[0].to_dict(),
        "history": history,
        "signals": signals,
        "task": task,
    }
