"""Suspect past labels: gold labels that a cross-validated model strongly contradicts.

In the manner of cleanlab's confident learning: every labelled item gets an
out-of-fold probability for each class from a model that never saw it. Its
*self-confidence* is the probability of the label it was given. The label is
suspect when that self-confidence is below the class's threshold (the mean
self-confidence of the items given that class) while another class's
probability reaches that other class's threshold: the item sits in an
off-diagonal cell of the confident joint. Suspect items go back to the review
queue for a second look; nothing is relabelled automatically.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from active_learning import build_estimator
from feedback import store
from feedback.access import Actor, require
from feedback.gold import gold_label_series
from feedback.lifecycle import load_task
from feedback.store import repository, utcnow
from feedback.workspace import Workspace

MAX_FOLDS = 5


def confident_joint_suspects(labels: np.ndarray, proba: np.ndarray, classes: list[str]) -> pd.DataFrame:
    """The rows whose given label the out-of-fold probabilities contradict.

    Parameters
    ----------
    labels : array of str, shape (n,)
        Given labels.
    proba : array of shape (n, k)
        Out-of-fold probabilities, columns in ``classes`` order.
    classes : list of str

    Returns
    -------
    DataFrame
        Indexed by row position: given_label, suggested_label (the most probable
        class above its own threshold) and self_confidence, least confident first.
    """
    position = {label: i for i, label in enumerate(classes)}
    given = np.array([position[label] for label in labels])
    self_confidence = proba[np.arange(len(labels)), given]
    thresholds = np.array(
        [self_confidence[given == j].mean() if (given == j).any() else np.inf for j in range(len(classes))]
    )
    above = proba >= thresholds[None, :]
    above[np.arange(len(labels)), given] = False
    suspect = (self_confidence < thresholds[given]) & above.any(axis=1)
    suggested = np.argmax(np.where(above, proba, -1.0), axis=1)
    rows = np.flatnonzero(suspect)
    table = pd.DataFrame(
        {
            "given_label": np.asarray(labels, dtype=object)[rows],
            "suggested_label": np.asarray(classes, dtype=object)[suggested[rows]],
            "self_confidence": self_confidence[rows],
        },
        index=rows,
    )
    return table.sort_values("self_confidence", kind="stable")


@dataclass(frozen=True)
class SuspectCheck:
    """What a check for suspect labels found.

    Attributes
    ----------
    n_labels : int
        Labels cross-validated (seed, expert and audit labels).
    n_suspect : int
        Suspect labels stored (sent back to the review queue).
    folds : int
        Cross-validation folds used.
    reason : str or None
        Why no check was made (too few labels per class); None when it ran.
    """

    n_labels: int
    n_suspect: int
    folds: int
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The counts as JSON-ready values, with ``reason`` only when no check was made."""
        out = asdict(self)
        if self.reason is None:
            del out["reason"]
        return out


def find_suspect_labels(ws: Workspace, *, actor: Actor, random_state: int = 0) -> SuspectCheck:
    """Cross-validate the task's model on every label and store the suspect expert labels.

    The seed, the expert labels and the audit labels all train the folds; only
    production items (expert and audit labels) can be flagged, since only they
    can be reviewed. The previous list is replaced. CPU-heavy, so ``actor`` must be
    a lead or an admin (else ``PermissionDenied``, nothing changes).

    Returns
    -------
    SuspectCheck
        Without a check (too few labels per class) nothing changes.
    """
    require(actor, "find_suspects")
    task = load_task(ws)
    names = [f["name"] for f in task.features]
    with store.session(ws) as session:
        gold = gold_label_series(session)
        seed = repository.seed_training_set(session)
        expert = pd.concat(
            [repository.expert_training_set(session, gold), repository.audit_evaluation_set(session, gold)],
            ignore_index=True,
        )
    frame = pd.concat([seed.assign(__reviewable__=False), expert.assign(__reviewable__=True)], ignore_index=True)
    labels = frame["__label__"].astype(str).to_numpy(dtype=object)
    counts = pd.Series(labels).value_counts()
    folds = int(min(MAX_FOLDS, counts.min())) if len(counts) else 0
    if expert.empty or len(counts) < 2 or folds < 2:
        return SuspectCheck(
            len(frame), 0, folds, reason="Too few labels: every class needs at least two to cross-validate."
        )
    estimator = build_estimator(task.features, task.model_name, random_state=random_state)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    proba = cross_val_predict(estimator, frame[names], labels, cv=cv, method="predict_proba")
    classes = sorted(counts.index)  # cross_val_predict orders columns as the sorted classes
    table = confident_joint_suspects(labels, proba, classes)
    table = table[frame["__reviewable__"].to_numpy()[table.index]]
    stored = table.assign(
        external_id=frame["external_id"].to_numpy()[table.index], computed_at=utcnow(), n_labels=len(frame)
    )
    with store.session(ws) as session:
        repository.replace_suspect_labels(session, stored.reset_index(drop=True))
    return SuspectCheck(len(frame), len(stored), folds)
