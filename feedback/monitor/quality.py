"""Live quality of the champion, estimated honestly from the audit slice.

Pure functions over arrays of true and predicted labels. The caller passes only
the items of the uniformly random audit slice: items the review queue chose
because the model was unsure are biased by design (Kossen et al. 2021, "Active
Testing", arXiv:2103.05331) and must never reach these functions.

Every figure comes with a 95% interval and the number of labels it rests on:
Wilson score intervals for proportions (accuracy, per-class precision and
recall), a percentile bootstrap for macro-F1. A figure resting on no labels is
None, never NaN, so that it serialises to JSON ``null``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from active_learning import bootstrap, macro_f1_resampled, macro_f1_score, percentile_interval
from feedback.monitor.intervals import Estimate, estimate_proportion, wilson_interval

__all__ = ["calibration_table", "class_mix", "estimate_accuracy", "estimate_quality"]


def estimate_accuracy(y_true, y_pred, confidence: float = 0.95) -> Estimate:
    """Accuracy on the audit items, with its Wilson interval.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Expert labels of the audit items.
    y_pred : array-like of shape (n_samples,)
        What the champion predicted for the same items.
    confidence : float, default=0.95
        Two-sided coverage of the interval.

    Returns
    -------
    Estimate
        ``estimate``, ``ci_low``, ``ci_high`` (None while there are no audit
        labels) and ``n``.

    Raises
    ------
    ValueError
        If the arrays differ in length or a true label is missing.

    See Also
    --------
    estimate_quality : accuracy, macro-F1 and per-class figures at once.

    Examples
    --------
    >>> estimate_accuracy(["a", "b", "b"], ["a", "b", "a"]).estimate
    0.6666666666666666
    >>> estimate_accuracy([], []).to_dict()
    {'estimate': None, 'ci_low': None, 'ci_high': None, 'n': 0}
    """
    t, p = _paired(y_true, y_pred)
    return estimate_proportion(int(np.sum(t == p)), len(t), confidence)


def estimate_quality(
    y_true,
    y_pred,
    labels: Sequence,
    random_state=0,
    n_resamples: int = 1000,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class precision and recall on the audit items.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Expert labels of the audit items.
    y_pred : array-like of shape (n_samples,)
        The champion's predictions for the same items.
    labels : sequence
        Every class the task knows, in display order. A value of ``y_true`` or
        ``y_pred`` outside it is an error.
    random_state : int, numpy.random.Generator or None, default=0
        Seeds the bootstrap of macro-F1.
    n_resamples : int, default=1000
        Bootstrap resamples for the macro-F1 interval.
    confidence : float, default=0.95
        Two-sided coverage of every interval.

    Returns
    -------
    dict
        ``{"n": int, "accuracy": Estimate-dict, "macro_f1": Estimate-dict,
        "per_class": {label: {"support": int, "n_predicted": int,
        "precision": Estimate-dict, "recall": Estimate-dict}}}``, where an
        Estimate-dict is ``{"estimate", "ci_low", "ci_high", "n"}``. Precision
        rests on the items predicted as the class, recall on the items that
        truly are the class.

    Notes
    -----
    Macro-F1 averages the per-class F1 over every label of the task, a class
    with no item in the window counting as 0, so every window (and the gate,
    which uses the same :func:`active_learning.metrics.macro_f1_score`) is on
    one scale. The point value equals ``sklearn.metrics.f1_score(...,
    labels=labels, average="macro", zero_division=0)``; its interval is the
    percentile interval of ``n_resamples`` resamples of the audit items
    (:func:`active_learning.metrics.bootstrap`).

    Examples
    --------
    >>> q = estimate_quality(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    >>> q["accuracy"]["estimate"], q["per_class"]["a"]["recall"]["n"]
    (0.75, 2)
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    t, p = _paired(y_true, y_pred)
    labels = list(labels)
    if len(set(labels)) != len(labels):
        raise ValueError("labels must not repeat")
    t_codes = _codes(t, labels, "y_true")
    p_codes = _codes(p, labels, "y_pred")
    n, k = len(t), len(labels)
    confusion = np.bincount(t_codes * k + p_codes, minlength=k * k).reshape(k, k)
    tp = np.diag(confusion)
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)

    per_class = {}
    for i, label in enumerate(labels):
        per_class[label] = {
            "support": int(support[i]),
            "n_predicted": int(predicted[i]),
            "precision": estimate_proportion(tp[i], predicted[i], confidence).to_dict(),
            "recall": estimate_proportion(tp[i], support[i], confidence).to_dict(),
        }

    if n == 0:
        macro = Estimate(None, None, None, 0)
    else:
        resampled = bootstrap(
            lambda positions: macro_f1_resampled(t_codes, p_codes, k, positions),
            n,
            n_resamples,
            random_state=random_state,
        )
        macro = Estimate(macro_f1_score(t, p, labels), *percentile_interval(resampled, confidence), n)
    return {
        "n": n,
        "accuracy": estimate_proportion(int(tp.sum()), n, confidence).to_dict(),
        "macro_f1": macro.to_dict(),
        "per_class": per_class,
    }


def calibration_table(confidence, correct, n_bins: int = 10) -> pd.DataFrame:
    """Reliability-diagram data: stated confidence against observed accuracy.

    Parameters
    ----------
    confidence : array-like of shape (n_samples,)
        The champion's confidence (top-class probability) for each audit item,
        in [0, 1].
    correct : array-like of bool of shape (n_samples,)
        Whether the champion was right on the item.
    n_bins : int, default=10
        Equal-width bins over [0, 1]; the last bin includes 1.

    Returns
    -------
    pandas.DataFrame
        One row per bin, empty bins included so the diagram keeps its axes:
        ``bin_low``, ``bin_high``, ``n``, ``mean_confidence``, ``accuracy``,
        ``accuracy_ci_low``, ``accuracy_ci_high`` (Wilson); the last four are
        NaN for an empty bin.

    Raises
    ------
    ValueError
        If lengths differ, ``n_bins`` < 1, or a confidence is outside [0, 1]
        or missing.

    Examples
    --------
    >>> table = calibration_table([0.95, 0.9, 0.55], [True, True, False], n_bins=2)
    >>> table[["n", "accuracy"]].to_numpy().tolist()
    [[0.0, nan], [3.0, 0.6666666666666666]]
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    conf = np.asarray(confidence, dtype=float).ravel()
    hit = np.asarray(correct, dtype=bool).ravel()
    if conf.shape != hit.shape:
        raise ValueError(f"confidence has {conf.size} values but correct has {hit.size}")
    if np.any(~np.isfinite(conf)) or np.any((conf < 0) | (conf > 1)):
        raise ValueError("confidence must be finite and within [0, 1]")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    hits = np.bincount(bins, weights=hit.astype(float), minlength=n_bins)
    conf_sum = np.bincount(bins, weights=conf, minlength=n_bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_conf = np.where(counts > 0, conf_sum / counts, np.nan)
        accuracy = np.where(counts > 0, hits / counts, np.nan)
    low, high = wilson_interval(hits, counts)
    return pd.DataFrame(
        {
            "bin_low": edges[:-1],
            "bin_high": edges[1:],
            "n": counts.astype(int),
            "mean_confidence": mean_conf,
            "accuracy": accuracy,
            "accuracy_ci_low": low,
            "accuracy_ci_high": high,
        }
    )


def class_mix(predicted, reference, labels: Sequence) -> pd.DataFrame:
    """Predicted class mix beside a reference mix (e.g. the training labels).

    Parameters
    ----------
    predicted : array-like of shape (n_predictions,)
        Classes the champion predicted in the window.
    reference : array-like of shape (n_reference,)
        Classes of the reference, usually the labels the champion trained on.
    labels : sequence
        Every class the task knows, in display order.

    Returns
    -------
    pandas.DataFrame
        One row per label: ``label``, ``predicted_n``, ``predicted_share``,
        ``reference_n``, ``reference_share``, ``share_difference``
        (predicted minus reference). A share is NaN when its side is empty.

    Raises
    ------
    ValueError
        If a value is missing or outside ``labels``.

    Examples
    --------
    >>> class_mix(["a", "a", "b", "a"], ["a", "b"], ["a", "b"])["predicted_share"].tolist()
    [0.75, 0.25]
    """
    labels = list(labels)
    pred = np.bincount(_codes(_as_array(predicted), labels, "predicted"), minlength=len(labels))
    ref = np.bincount(_codes(_as_array(reference), labels, "reference"), minlength=len(labels))
    pred_share = pred / pred.sum() if pred.sum() else np.full(len(labels), np.nan)
    ref_share = ref / ref.sum() if ref.sum() else np.full(len(labels), np.nan)
    return pd.DataFrame(
        {
            "label": pd.Series(labels, dtype=object),
            "predicted_n": pred.astype(int),
            "predicted_share": pred_share,
            "reference_n": ref.astype(int),
            "reference_share": ref_share,
            "share_difference": pred_share - ref_share,
        }
    )


# --- private helpers ----------------------------------------------------------------------------------


def _as_array(values) -> np.ndarray:
    """A 1-d object array (pandas 3 Arrow strings included), without copying numbers needlessly."""
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy(dtype=object)
    return np.asarray(values, dtype=object).ravel()


def _paired(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Validate true and predicted labels: same length, no missing true label."""
    t, p = _as_array(y_true), _as_array(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}")
    if t.size and pd.isna(t).any():
        raise ValueError(f"y_true has {int(pd.isna(t).sum())} missing labels; pass only labelled audit items")
    if p.size and pd.isna(p).any():
        raise ValueError(f"y_pred has {int(pd.isna(p).sum())} missing predictions")
    return t, p


def _codes(values: np.ndarray, labels: list, name: str) -> np.ndarray:
    """Positions of ``values`` in ``labels``; unknown or missing values are an error."""
    index = {label: i for i, label in enumerate(labels)}
    codes = np.fromiter((index.get(v, -1) for v in values), dtype=np.int64, count=len(values))
    if np.any(codes < 0):
        unknown = sorted({repr(v) for v, c in zip(values, codes, strict=True) if c < 0})
        raise ValueError(f"{name} has values outside labels: {', '.join(unknown[:5])}")
    return codes
