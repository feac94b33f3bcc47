"""Uncertainty measures on class probabilities: one definition each, vectorised over rows.

The measures are modAL's (``modAL.uncertainty``'s ``_proba_uncertainty``,
``_proba_margin`` and ``_proba_entropy``, the building blocks of
``classifier_uncertainty``, ``classifier_margin`` and ``classifier_entropy``)
applied to probabilities already computed: at ingest the champion scores each
row once and every measure is derived from that, and the query strategies of
:mod:`active_learning.strategies` call the same functions on
``predict_proba``.

:func:`uncertainty_score` puts each measure on the review queue's scale, in
[0, 1] with 1 the least certain. The queue ranks a million logged predictions
in the database, so ``feedback.store.repository.review`` repeats that formula in
SQL over the stored columns; a test checks it equals this one.
"""

from __future__ import annotations

import numpy as np
from modAL.uncertainty import _proba_entropy, _proba_margin, _proba_uncertainty

__all__ = ["UNCERTAINTY_MEASURES", "entropy_score", "least_confidence_score", "margin_score", "uncertainty_score"]

UNCERTAINTY_MEASURES = ("margin", "entropy", "least-confident")


def least_confidence_score(proba: np.ndarray) -> np.ndarray:
    """``1 - max p`` per row; higher means less certain (modAL's classification uncertainty)."""
    return _proba_uncertainty(np.asarray(proba, dtype=float))


def margin_score(proba: np.ndarray) -> np.ndarray:
    """Difference between the two highest probabilities; lower means less certain.

    A single-class table has nothing to hesitate between: its margin is 1.
    """
    proba = np.asarray(proba, dtype=float)
    if proba.shape[1] < 2:
        return np.ones(len(proba))
    return _proba_margin(proba)


def entropy_score(proba: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) per row; higher means less certain."""
    return _proba_entropy(np.asarray(proba, dtype=float))


def uncertainty_score(proba: np.ndarray, measure: str = "margin") -> np.ndarray:
    """One of the queue's uncertainty measures per row, in [0, 1]; higher means less certain.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Class probabilities, rows summing to 1.
    measure : {"margin", "entropy", "least-confident"}, default="margin"
        ``margin``: ``1 - (p1 - p2)``. ``entropy``: the entropy over its
        maximum, ``ln k``. ``least-confident``: ``(1 - p1) * k / (k - 1)``,
        1 for a uniform row. ``k`` is the number of classes (at least 2).

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> uncertainty_score(np.array([[0.5, 0.5], [1.0, 0.0]]), "least-confident").tolist()
    [1.0, 0.0]
    """
    proba = np.asarray(proba, dtype=float)
    k = max(proba.shape[1], 2)
    if measure == "margin":
        return 1.0 - margin_score(proba)
    if measure == "entropy":
        return entropy_score(proba) / np.log(k)
    if measure == "least-confident":
        return least_confidence_score(proba) * k / (k - 1)
    raise ValueError(f"Unknown uncertainty measure {measure!r}; choose one of {', '.join(UNCERTAINTY_MEASURES)}.")
