"""Figures shown in more than one place, defined once: macro-F1 and the bootstrap.

The gate (:mod:`active_learning.comparison`) and the Monitor page
(``feedback.monitor.quality``) both report macro-F1 with a bootstrap interval;
both compute them here, so the same audit items give the same figure on every
page and in every command.

**Macro-F1** is the unweighted mean of the per-class F1 over *every label the
task knows*, a class with no true and no predicted item counting as F1 = 0
(``sklearn.metrics.f1_score(y_true, y_pred, labels=labels, average="macro",
zero_division=0)``). The denominator is fixed by the task, not by the items
drawn, so two windows or two models are compared on one scale.

**The bootstrap** resamples the items with replacement (percentile interval,
Efron and Tibshirani 1993); a paired comparison resamples the same item
positions for both models (Koehn 2004).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "MACRO_F1_DEFINITION",
    "bootstrap",
    "label_codes",
    "macro_f1_resampled",
    "macro_f1_score",
    "percentile_interval",
]

MACRO_F1_DEFINITION = (
    "Macro-F1: the mean of the per-class F1 over every label of the task; a class with no audit "
    "item here counts as 0, so every window and both models are averaged over the same classes."
)

_BLOCK_CELLS = 2_000_000  # resampled item positions held in memory at once


def label_codes(values, labels: Sequence) -> np.ndarray:
    """Position of each value in ``labels``; a value outside them gets ``len(labels)``.

    Examples
    --------
    >>> label_codes(["b", "a", "zebra"], ["a", "b"]).tolist()
    [1, 0, 2]
    """
    index = {label: i for i, label in enumerate(labels)}
    other = len(index)
    values = np.asarray(values, dtype=object).ravel()
    return np.fromiter((index.get(v, other) for v in values), dtype=np.int64, count=len(values))


def macro_f1_resampled(true_codes, pred_codes, n_labels: int, positions) -> np.ndarray:
    """Macro-F1 of many resamples at once, over all ``n_labels`` labels.

    Parameters
    ----------
    true_codes, pred_codes : ndarray of int of shape (n_items,)
        :func:`label_codes` of the true and predicted labels; code ``n_labels``
        (outside the task) counts as wrong and has no F1 of its own.
    n_labels : int
        Number of labels the task knows: the denominator of the mean.
    positions : ndarray of int of shape (n_resamples, n_items)
        Item positions of each resample (``np.arange(n_items)[None]`` for the
        items themselves).

    Returns
    -------
    ndarray of shape (n_resamples,)
    """
    positions = np.atleast_2d(positions)
    r, k = positions.shape[0], n_labels + 1  # last slot: labels outside the task
    offset = (np.arange(r) * k)[:, None]
    t, p = np.asarray(true_codes)[positions], np.asarray(pred_codes)[positions]
    size = r * k
    tp = np.bincount((offset + t).ravel(), weights=(t == p).ravel(), minlength=size).reshape(r, k)
    n_true = np.bincount((offset + t).ravel(), minlength=size).reshape(r, k)
    n_pred = np.bincount((offset + p).ravel(), minlength=size).reshape(r, k)
    denominator = (n_true + n_pred)[:, :n_labels]
    f1 = np.divide(2 * tp[:, :n_labels], denominator, out=np.zeros(denominator.shape), where=denominator > 0)
    return f1.mean(axis=1)


def macro_f1_score(y_true, y_pred, labels: Sequence) -> float:
    """Macro-F1 over every label of the task (a label nobody saw counts as F1 = 0).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_items,)
        True and predicted labels; a prediction outside ``labels`` is wrong.
    labels : sequence
        Every class the task knows: the mean is over all of them.

    Returns
    -------
    float
        Equal to ``sklearn.metrics.f1_score(y_true, y_pred, labels=labels,
        average="macro", zero_division=0)``.

    Examples
    --------
    >>> macro_f1_score(["a", "a", "b"], ["a", "b", "b"], ["a", "b", "c"])
    0.4444444444444444
    """
    labels = list(labels)
    t, p = label_codes(y_true, labels), label_codes(y_pred, labels)
    return float(macro_f1_resampled(t, p, len(labels), np.arange(len(t))[None])[0])


def bootstrap(
    statistic: Callable[[np.ndarray], np.ndarray], n_items: int, n_resamples: int = 2000, *, random_state=0
) -> np.ndarray:
    """A statistic on ``n_resamples`` resamples of ``n_items`` items, drawn with replacement.

    Parameters
    ----------
    statistic : callable
        ``statistic(positions) -> ndarray of shape (b,)`` for ``positions`` of
        shape ``(b, n_items)``: the item positions of ``b`` resamples. A paired
        statistic uses the same positions for both models.
    n_items : int
        Number of items resampled (at least 1).
    n_resamples : int, default=2000
    random_state : int, numpy.random.Generator or None, default=0
        Seeds ``numpy.random.default_rng``.

    Returns
    -------
    ndarray of shape (n_resamples,)
        Resamples are drawn in blocks that bound memory; the draws are the
        same whatever the block size.

    Examples
    --------
    >>> values = np.array([1.0, 0.0, 1.0, 1.0])
    >>> bootstrap(lambda idx: values[idx].mean(axis=1), 4, 3, random_state=0).shape
    (3,)
    """
    if n_items < 1:
        raise ValueError("cannot bootstrap on zero items")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    rng = np.random.default_rng(random_state)
    block = max(1, _BLOCK_CELLS // n_items)
    out = np.empty(int(n_resamples))
    for start in range(0, int(n_resamples), block):
        b = min(block, int(n_resamples) - start)
        out[start : start + b] = statistic(rng.integers(0, n_items, size=(b, n_items)))
    return out


def percentile_interval(values, confidence: float = 0.95) -> tuple[float, float]:
    """The two-sided percentile interval of bootstrap ``values`` at ``confidence``.

    Examples
    --------
    >>> low, high = percentile_interval(np.arange(101.0), 0.9)
    >>> round(low, 6), round(high, 6)
    (5.0, 95.0)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    low, high = np.quantile(values, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)
