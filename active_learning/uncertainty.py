"""Uncertainty measures on class probabilities: pure numpy, vectorised over rows.

These match modAL's ``classifier_margin`` and ``classifier_entropy`` but work on
probabilities already computed (at ingest the champion scores each row once and
every measure is derived from that; least confidence is ``1 - confidence``,
which the prediction log already holds).
"""

from __future__ import annotations

import numpy as np


def margin_score(proba: np.ndarray) -> np.ndarray:
    """Difference between the two highest probabilities; lower means less certain."""
    if proba.shape[1] < 2:
        return np.ones(len(proba))
    top_two = np.partition(proba, -2, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0]


def entropy_score(proba: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) per row; higher means less certain."""
    clipped = np.clip(proba, 1e-12, 1.0)
    return -np.sum(np.where(proba > 0, proba * np.log(clipped), 0.0), axis=1)
