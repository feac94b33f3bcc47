"""The review queue: which items an expert should see next, and why. Policy only, no SQL."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from sqlmodel import Session

from feedback import db, repository
from feedback.draws import key_for, uniform_draws
from feedback.models import utcnow
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


def build_review_queue(ws: Workspace, limit: int = 20, *, audit_share: float = 0.2, annotator: str | None = None,
                       now: datetime | None = None) -> list[ReviewItem]:
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
    annotator : str, default=None
        When given, only items this annotator has not answered and could lease now.
    now : datetime, default=None
        The time leases are judged at (default: now).

    Returns
    -------
    list of ReviewItem
    """
    task = load_task(ws)
    now = now or utcnow()
    who = {"annotator": annotator, "now": now} if annotator else {}
    disputed = _items(
        repository.disputed_unlabelled(ws.engine, limit, **who),
        lambda r: [f"disputed by an end user ({r.n_disputes}x)"] + (["random audit item"] if r.is_audit else []),
    )
    seen = {item.id for item in disputed}
    uncertain = [
        item for item in _items(
            repository.least_margin_unlabelled(ws.engine, limit + len(seen), **who),
            lambda r: [f"low margin {r.margin:.2f} between the top two classes"],
        ) if item.id not in seen
    ]
    audit = [
        item for item in _items(repository.audit_unlabelled(ws.engine, limit + len(seen), **who),
                                lambda r: ["random audit item"])
        if item.id not in seen
    ]
    queue = _interleave(disputed + uncertain, audit, limit, audit_share)
    _add_probabilities(ws, task, queue)
    return queue


def _add_probabilities(ws: Workspace, task, items: list[ReviewItem]) -> None:
    if items:
        frame = repository.predictions_frame(ws.engine, [item.id for item in items])
        for item in items:
            item.probabilities = dict(zip(task.labels, json.loads(frame.loc[item.id, "probabilities"])))


def is_overlap_item(external_id: str, overlap_share: float, salt: str) -> bool:
    """Whether an item belongs to the overlap share that two experts label: a fixed hash draw."""
    if overlap_share <= 0:
        return False
    return bool(uniform_draws([external_id], key_for(f"{salt}:overlap"))[0] < overlap_share)


def claim_review_items(ws: Workspace, annotator: str, n: int = 3, *, overlap_share: float = 0.0,
                       lease_seconds: float = 600.0, audit_share: float = 0.2,
                       now: datetime | None = None) -> list[ReviewItem]:
    """The items ``annotator`` holds, topped up to ``n`` by leasing the best free queue items.

    Two experts never hold the same item at once, except items drawn into the
    ``overlap_share``, which a second expert may also lease (and label after the
    first has answered). Leases expire after ``lease_seconds``; answering or
    skipping releases them.

    Returns
    -------
    list of ReviewItem
        Held items, oldest claim first; the card shows the first.
    """
    task = load_task(ws)
    now = now or utcnow()
    expires_at = now + timedelta(seconds=lease_seconds)
    limit = 2 * n + 8  # spare candidates: other sessions may lease some between the read and the claim
    for _attempt in range(3):
        # Second opinions exist only for overlap items: with no overlap share there is nothing to look up.
        second = [] if overlap_share <= 0 else _items(
            repository.second_opinion_candidates(ws.engine, n, annotator, now),
            lambda r: ["second opinion: an overlap item another expert has answered"])
        ranked = second + build_review_queue(ws, limit=limit, audit_share=audit_share, annotator=annotator, now=now)
        candidates = [(item.id, is_overlap_item(item.id, overlap_share, task.audit_salt)) for item in ranked]
        held = repository.claim_leases(ws.engine, annotator, candidates, n, now, expires_at)
        if len(held) >= n or len(ranked) < limit:
            break
    by_id = {item.id: item for item in ranked}
    missing = [external_id for external_id in held if external_id not in by_id]
    if missing:
        frame = repository.predictions_frame(ws.engine, missing)
        for external_id in missing:
            row = frame.loc[external_id]
            by_id[external_id] = ReviewItem(
                id=external_id, predicted=row["predicted"], confidence=float(row["confidence"]),
                margin=float(row["margin"]), is_audit=bool(row["is_audit"]), reasons=["held for you"])
        _add_probabilities(ws, task, [by_id[external_id] for external_id in missing])
    return [by_id[external_id] for external_id in held]


def hold_item(ws: Workspace, annotator: str, external_id: str, *, overlap_share: float = 0.0,
              lease_seconds: float = 600.0, now: datetime | None = None) -> bool:
    """Lease one item to ``annotator`` (after an undo); False when others hold it."""
    task = load_task(ws)
    now = now or utcnow()
    candidates = [(external_id, is_overlap_item(external_id, overlap_share, task.audit_salt))]
    held = repository.claim_leases(ws.engine, annotator, candidates, 10**9, now,
                                   now + timedelta(seconds=lease_seconds))
    return external_id in held


def review_progress(ws: Workspace, annotator: str, now: datetime | None = None) -> dict[str, int]:
    """Answers by ``annotator`` since midnight UTC, and the items still unlabelled in the store."""
    now = now or utcnow()
    return repository.review_progress(ws.engine, annotator, now.replace(hour=0, minute=0, second=0, microsecond=0))


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
