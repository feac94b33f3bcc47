"""The review queue: which items an expert should see next, and why. Policy only, no SQL."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from active_learning import SHORTLIST_FACTOR, feature_embedding, spread_top_k
from feedback import store
from feedback.draws import key_for, uniform_draws
from feedback.gold import gold_labels
from feedback.lifecycle import champion_and_challenger, load_task, load_version
from feedback.review.exploration import RANDOM_ARM, page_plan
from feedback.review.policy import QueuePolicy, load_queue_policy
from feedback.store import repository, utcnow
from feedback.workspace import Workspace

EXPLORE_REASON = "random exploration item: checks that the ranking still beats random items"


@dataclass
class ReviewItem:
    """One item in the queue, with its priority and the reasons it surfaced."""

    id: str
    predicted: str
    confidence: float
    margin: float
    is_audit: bool
    reasons: list[str] = field(default_factory=list)
    probabilities: dict[str, float] = field(default_factory=dict)
    priority: float = 0.0
    relook: bool = False  # labelled already, sent back for another look
    explored: bool = False  # a random exploration item, not the ranking's choice

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
        ReviewItem(
            id=r.external_id,
            predicted=r.predicted,
            confidence=float(r.confidence),
            margin=float(r.margin),
            is_audit=bool(r.is_audit),
            reasons=reason(r),
        )
        for r in frame.itertuples(index=False)
    ]


def _signal_reason(name: str, r, measure: str, n_classes: int) -> str:
    """Why signal ``name`` is up for candidate row ``r``."""
    if name == "uncertainty":
        if measure == "margin":
            return f"low margin {r.margin:.2f} between the top two classes"
        if measure == "entropy":
            return f"entropy {r.entropy / np.log(n_classes):.0%} of the maximum"
        return f"top class only {r.confidence:.0%} likely"
    if name == "dispute":
        return f"disputed by an end user ({r.n_disputes}x)"
    if name == "challenger_disagreement":
        return f"the challenger predicts {r.challenger_predicted}"
    if name == "expert_disagreement":
        return "experts' labels tie and no lead has adjudicated"
    return (
        f"suspect label: given {r.given_label}, but a cross-validated model gives it only "
        f"{r.self_confidence:.0%} and suggests {r.suggested_label}"
    )


def _ranked_item(r, measure: str, n_classes: int, *, relook: bool = False) -> ReviewItem:
    """A queue item with its priority (computed in SQL) and a reason for each signal that added to it."""
    reasons = [
        f"{_signal_reason(name, r, measure, n_classes)} (+{value:.2f})"
        for name in repository.QUEUE_SIGNALS
        if (value := float(getattr(r, f"added_{name}"))) > 0
    ]
    if r.is_audit:
        reasons.append("random audit item")
    return ReviewItem(
        id=r.external_id,
        predicted=r.predicted,
        confidence=float(r.confidence),
        margin=float(r.margin),
        is_audit=bool(r.is_audit),
        reasons=reasons,
        priority=float(r.priority),
        relook=relook,
    )


def _relook_items(ws: Workspace, policy: QueuePolicy, n_classes: int, limit: int, **who) -> list[ReviewItem]:
    """Labelled items sent back: expert ties and suspect labels (skipped when both weights are 0)."""
    w = policy.weights()
    if w["expert_disagreement"] <= 0 and w["suspect_label"] <= 0:
        return []
    conflicts = []
    with store.session(ws) as session:
        if w["expert_disagreement"] > 0:
            events = repository.label_events_frame(session, split_items_only=True)
            if len(events):
                gold = gold_labels(events)
                conflicts = gold.index[gold["source"] == "conflict"].astype(str).tolist()
        frame = repository.relook_candidates(session, conflicts, limit, w, policy.uncertainty_measure, n_classes, **who)
    return [_ranked_item(r, policy.uncertainty_measure, n_classes, relook=True) for r in frame.itertuples(index=False)]


def _spread(ws: Workspace, task, items: list[ReviewItem], limit: int, weight: float) -> list[ReviewItem]:
    """Pick ``limit`` of ``items`` by priority, spread over the champion's feature space.

    The rule is :func:`active_learning.selection.spread_top_k`, the one the
    ``default`` query strategy (and so the simulator) uses: priority plus
    ``weight`` times the distance from the items already picked, so ten
    near-identical items do not fill one page.
    """
    n = min(limit, len(items))
    if n <= 0:
        return []
    names = [f["name"] for f in task.features]

    def embed(positions):
        ids = [items[i].id for i in positions]
        with store.session(ws) as session:
            inputs = repository.read_inputs(session, ids)[names]
        return feature_embedding(_champion_model(ws), inputs)

    positions, bonuses = spread_top_k([item.priority for item in items], embed, n, weight=weight)
    for i, bonus in zip(positions, bonuses, strict=True):
        if bonus > 0.005:
            items[i].reasons.append(f"unlike the items above it on this page (+{bonus:.2f})")
            items[i].priority += float(bonus)
    return [items[i] for i in positions]


_MODELS: dict[tuple[str, str], object] = {}  # (model file, sha256) -> the loaded model


def _champion_model(ws: Workspace):
    """The champion's fitted model, loaded (and hash-checked) once per file rather than per queue build."""
    champion, _ = champion_and_challenger(ws)
    key = (str(ws.home / champion.artifact_path), champion.sha256)
    if key not in _MODELS:
        if len(_MODELS) >= 4:
            _MODELS.clear()
        _MODELS[key] = load_version(ws, champion)
    return _MODELS[key]


def build_review_queue(
    ws: Workspace,
    limit: int = 20,
    *,
    audit_share: float | None = None,
    annotator: str | None = None,
    now: datetime | None = None,
    policy: QueuePolicy | None = None,
) -> list[ReviewItem]:
    """The next ``limit`` items worth an expert's time, in order, each with why it surfaced.

    Items are ranked by the queue policy's weighted blend of signals (see
    :class:`feedback.review.policy.QueuePolicy`): the champion's uncertainty,
    end-user disputes, challenger disagreement, expert ties and suspect past
    labels, then spread over the feature space so near-duplicates do not fill
    the page. Unlabelled audit items, oldest first, are interleaved at
    ``audit_share`` of the page so the honest, uniformly random slice keeps
    being labelled. Under the adaptive default policy (:mod:`feedback.review.exploration`)
    part of the page, or all of it when the bandit draws random, is random
    unlabelled items outside the audit slice, which enter training.

    Parameters
    ----------
    ws : Workspace
    limit : int, default=20
    audit_share : float, default=None
        The policy's audit share when None.
    annotator : str, default=None
        When given, only items this annotator may answer and could lease now.
    now : datetime, default=None
        The time leases are judged at (default: now).
    policy : QueuePolicy, default=None
        The saved policy (``<home>/queue_policy.json``) when None.

    Returns
    -------
    list of ReviewItem
    """
    task = load_task(ws)
    policy = policy or load_queue_policy(ws)
    audit_share = policy.audit_share if audit_share is None else audit_share
    n_classes = len(task.labels)
    who = {"annotator": annotator, "now": now or utcnow()} if annotator else {}
    shortlist = SHORTLIST_FACTOR * limit if policy.diversity > 0 else limit
    plan = page_plan(ws, policy, limit)
    weights = {**policy.weights(), **({"uncertainty": 0.0} if plan.arm == RANDOM_ARM else {})}
    with store.session(ws) as session:
        frame = repository.ranked_unlabelled(session, shortlist, weights, policy.uncertainty_measure, n_classes, **who)
    ranked = [_ranked_item(r, policy.uncertainty_measure, n_classes) for r in frame.itertuples(index=False)]
    ranked = [item for item in ranked if item.priority > 0 or plan.arm != RANDOM_ARM]
    relook = _relook_items(ws, policy, n_classes, shortlist, **who)
    primary = _spread(
        ws, task, ranked + relook, limit - (plan.n_explore if plan.arm != RANDOM_ARM else 0), policy.diversity
    )
    if policy.adaptive and len(primary) < limit:
        with store.session(ws) as session:
            frame = repository.random_unlabelled(session, 2 * limit, plan.seed, **who)
        taken = {item.id for item in primary}
        explore = [item for item in _items(frame, lambda r: [EXPLORE_REASON]) if item.id not in taken]
        for item in explore:
            item.explored = True
        primary += explore[: limit - len(primary)]
    seen = {item.id for item in primary}
    with store.session(ws) as session:
        unlabelled_audit = repository.audit_unlabelled(session, limit + len(seen), **who)
    audit = [item for item in _items(unlabelled_audit, lambda r: ["random audit item"]) if item.id not in seen]
    queue = _interleave(primary, audit, limit, audit_share)
    _add_probabilities(ws, task, queue)
    return queue


def _add_probabilities(ws: Workspace, task, items: list[ReviewItem]) -> None:
    if items:
        with store.session(ws) as session:
            frame = repository.predictions_frame(session, [item.id for item in items])
        for item in items:
            item.probabilities = dict(zip(task.labels, json.loads(frame.loc[item.id, "probabilities"]), strict=True))


def is_overlap_item(external_id: str, overlap_share: float, salt: str) -> bool:
    """Whether an item belongs to the overlap share that two experts label: a fixed hash draw."""
    if overlap_share <= 0:
        return False
    return bool(uniform_draws([external_id], key_for(f"{salt}:overlap"))[0] < overlap_share)


def claim_review_items(
    ws: Workspace,
    annotator: str,
    n: int = 3,
    *,
    overlap_share: float = 0.0,
    lease_seconds: float = 600.0,
    audit_share: float | None = None,
    now: datetime | None = None,
) -> list[ReviewItem]:
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
        second = []
        if overlap_share > 0:
            with store.session(ws) as session:
                answered_once = repository.second_opinion_candidates(session, n, annotator, now)
            second = _items(answered_once, lambda r: ["second opinion: an overlap item another expert has answered"])
        ranked = second + build_review_queue(ws, limit=limit, audit_share=audit_share, annotator=annotator, now=now)
        candidates = [(item.id, is_overlap_item(item.id, overlap_share, task.audit_salt)) for item in ranked]
        relook = frozenset(item.id for item in ranked if item.relook)
        explored = frozenset(item.id for item in ranked if item.explored)
        with store.session(ws) as session:
            held = repository.claim_leases(session, annotator, candidates, n, now, expires_at, relook, explored)
        if len(held) >= n or len(ranked) < limit:
            break
    by_id = {item.id: item for item in ranked}
    missing = [external_id for external_id in held if external_id not in by_id]
    if missing:
        with store.session(ws) as session:
            frame = repository.predictions_frame(session, missing)
        for external_id in missing:
            row = frame.loc[external_id]
            by_id[external_id] = ReviewItem(
                id=external_id,
                predicted=row["predicted"],
                confidence=float(row["confidence"]),
                margin=float(row["margin"]),
                is_audit=bool(row["is_audit"]),
                reasons=["held for you"],
            )
        _add_probabilities(ws, task, [by_id[external_id] for external_id in missing])
    return [by_id[external_id] for external_id in held]


def held_item_ids(ws: Workspace, annotator: str, now: datetime | None = None) -> list[str]:
    """Ids of the items ``annotator`` holds now (a cheap read: no queue is built)."""
    with store.session(ws) as session:
        return repository.held_ids(session, annotator, now or utcnow())


def release_items(ws: Workspace, annotator: str, now: datetime | None = None) -> None:
    """Give back every item ``annotator`` holds, so other experts may take them (a change of name)."""
    with store.session(ws) as session:
        repository.release_all_leases(session, annotator, now or utcnow())


def hold_item(
    ws: Workspace,
    annotator: str,
    external_id: str,
    *,
    overlap_share: float = 0.0,
    lease_seconds: float = 600.0,
    now: datetime | None = None,
) -> bool:
    """Lease one item to ``annotator`` (after an undo); False when others hold it."""
    task = load_task(ws)
    now = now or utcnow()
    candidates = [(external_id, is_overlap_item(external_id, overlap_share, task.audit_salt))]
    with store.session(ws) as session:
        held = repository.claim_leases(
            session, annotator, candidates, 10**9, now, now + timedelta(seconds=lease_seconds)
        )
    return external_id in held


@dataclass(frozen=True)
class ReviewProgress:
    """How far an annotator got today.

    Attributes
    ----------
    answered : int
        The annotator's active answers since midnight UTC.
    unlabelled : int
        Items still unlabelled in the store.
    """

    answered: int
    unlabelled: int


def review_progress(ws: Workspace, annotator: str, now: datetime | None = None) -> ReviewProgress:
    """Answers by ``annotator`` since midnight UTC, and the items still unlabelled in the store."""
    now = now or utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with store.session(ws) as session:
        return ReviewProgress(**repository.review_progress(session, annotator, midnight))


def item_details(ws: Workspace, external_id: str) -> dict:
    """Everything the review card shows about one item: input, prediction, signals, label history."""
    task = load_task(ws)
    with store.session(ws) as session:
        inputs = repository.read_inputs(session, [external_id])
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
