"""Simulated labelling: learning curves of query strategies against an oracle.

The oracle is a file whose labels are all known. Per seed the rows are split
into a stratified pool and held-out test set; ``initial`` pool rows are
labelled at random (stratified when every class fits), then each round a
strategy picks ``batch`` more rows, the oracle labels them, and the task's own
pipeline (:func:`active_learning.training.build_estimator` and
:func:`~active_learning.training.fit_clone`) is refitted and scored on the test
set. All strategies of a seed share the split and the initial labels, so their
curves are paired.

From the command line (the ``feedback`` CLI reads the file and calls
:func:`simulate`)::

    python -m feedback simulate --data digits.csv --label-col label \\
        --strategies random,margin,default --budget 200 --batch 10 --initial 20 \\
        --seeds 3 --json

The Models page draws these curves (``feedback.web.charts.simulation_chart``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from active_learning.bandit import REFRESH_LABELS
from active_learning.strategies import DEFAULT_STRATEGY, default_query, get_strategy
from active_learning.training import DEFAULT_MODEL, MODEL_NAMES, build_estimator, fit_clone, infer_feature_schema

__all__ = ["simulate", "mean_curve", "labels_to_reach", "crossing_labels", "area_under_curve", "flip_labels"]


def simulate(
    X,
    y,
    strategies=("random", "margin", "default"),
    budget: int = 100,
    batch: int = 1,
    initial: int = 10,
    seeds: int = 3,
    test_size: float = 0.3,
    model_name: str = DEFAULT_MODEL,
) -> dict:
    """Learning curves of query strategies on fully labelled data.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        Feature columns only.
    y : array-like of shape (n_samples,)
        The oracle's labels (compared as strings).
    strategies : sequence of str, default=("random", "margin", "default")
        Names from :data:`active_learning.strategies.STRATEGIES`.
    budget : int, default=100
        Total labels at the end of a run, the ``initial`` ones included
        (capped by the pool size).
    batch : int, default=1
        Items queried per round.
    initial : int, default=10
        Randomly chosen labels before the first query.
    seeds : int, default=3
        Seeds 0 .. seeds-1; each has its own split and initial labels.
    test_size : float, default=0.3
    model_name : {"logistic", "random-forest", "gradient-boosting"}, default="logistic"

    Returns
    -------
    dict
        ``{strategy: {"curves": [[[n_labels, test_accuracy], ...] per seed],
        "full_accuracy": float, "full_accuracies": [float per seed]}}``;
        ``full_accuracy`` is the mean test accuracy of the model trained on the
        whole pool. The default strategy is told, like the live queue, which
        arm chose each labelled row (the initial ones are random).
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X), columns=None)
    frame = frame.rename(columns=str).reset_index(drop=True)
    labels = _as_labels(y)
    names = _check_arguments(frame, labels, strategies, budget, batch, initial, seeds, test_size, model_name)
    features = infer_feature_schema(frame)
    result = {name: {"curves": [], "full_accuracy": 0.0} for name in names}
    full_scores = []
    for seed in range(seeds):
        X_pool, X_test, y_pool, y_test = _split(frame, labels, test_size, seed)
        estimator = build_estimator(features, model_name, random_state=seed)
        full_scores.append(_accuracy(fit_clone(estimator, X_pool, y_pool), X_test, y_test))
        start = _initial_positions(y_pool, min(initial, len(y_pool)), seed)
        for name in names:
            curve = _run_curve(
                name,
                estimator,
                X_pool,
                y_pool,
                X_test,
                y_test,
                start,
                min(budget, len(y_pool)),
                batch,
                seed,
            )
            result[name]["curves"].append(curve)
    for name in names:
        result[name]["full_accuracy"] = float(np.mean(full_scores))
        result[name]["full_accuracies"] = [float(v) for v in full_scores]
    return result


def mean_curve(curves) -> np.ndarray:
    """Mean accuracy per label count over seeds: array of ``[n_labels, accuracy]`` rows."""
    steps = min(len(c) for c in curves)
    points = np.asarray([c[:steps] for c in curves], dtype=float)
    return np.column_stack([points[0, :, 0], points[:, :, 1].mean(axis=0)])


def labels_to_reach(entry: dict, fraction: float = 0.98, *, interpolate: bool = False) -> float | None:
    """Fewest labels at which the mean curve reaches ``fraction`` of full-pool accuracy, or None.

    With ``interpolate``, the crossing is read off the straight line between the
    last point below the target and the first at or above it (a float), so a
    batch of 15 does not round every figure to a multiple of 15.
    """
    curve = mean_curve(entry["curves"])
    target = fraction * entry["full_accuracy"]
    crossing = crossing_labels(curve[:, 0], curve[None, :, 1], np.array([target]), interpolate=interpolate)[0]
    if np.isnan(crossing):
        return None
    return float(crossing) if interpolate else int(crossing)


def crossing_labels(n_labels, accuracies, targets, *, interpolate: bool = True) -> np.ndarray:
    """Where each curve first reaches its target: labels, NaN when it never does.

    Parameters
    ----------
    n_labels : array-like of shape (n_points,)
        The label counts the curves were measured at, increasing.
    accuracies : array-like of shape (n_curves, n_points)
    targets : array-like of shape (n_curves,)
    interpolate : bool, default=True
        Linear interpolation between the points around the crossing.

    Returns
    -------
    ndarray of float of shape (n_curves,)

    Examples
    --------
    >>> crossing_labels([10, 20, 30], [[0.5, 0.7, 0.9], [0.5, 0.6, 0.6]], [0.8, 0.8]).round(6).tolist()
    [25.0, nan]
    """
    n_labels = np.asarray(n_labels, dtype=float)
    accuracies = np.atleast_2d(np.asarray(accuracies, dtype=float))
    targets = np.asarray(targets, dtype=float)[:, None] - 1e-12
    reached = accuracies >= targets
    first = np.argmax(reached, axis=1)
    out = np.where(reached.any(axis=1), n_labels[first], np.nan)
    if interpolate:
        rows = np.flatnonzero(reached.any(axis=1) & (first > 0))
        before, after = accuracies[rows, first[rows] - 1], accuracies[rows, first[rows]]
        share = (targets[rows, 0] - before) / np.maximum(after - before, 1e-12)
        out[rows] = n_labels[first[rows] - 1] + np.clip(share, 0, 1) * (
            n_labels[first[rows]] - n_labels[first[rows] - 1]
        )
    return out


def area_under_curve(curve) -> float:
    """Mean accuracy over the labels spent: the trapezoid area under ``[n_labels, accuracy]`` over its span."""
    points = np.asarray(curve, dtype=float)
    span = points[-1, 0] - points[0, 0]
    if span <= 0:
        return float(points[0, 1])
    return float(np.trapezoid(points[:, 1], points[:, 0]) / span)


def flip_labels(y, rate: float, *, random_state=0) -> np.ndarray:
    """``y`` with each label flipped, with probability ``rate``, to another class drawn uniformly: injected noise.

    Examples
    --------
    >>> y = np.array(["a", "b"] * 500)
    >>> round(float(np.mean(flip_labels(y, 0.2) != y)), 1)
    0.2
    """
    if not 0 <= rate <= 1:
        raise ValueError(f"rate must be between 0 and 1, got {rate!r}.")
    y = np.asarray(y).copy()
    rng = np.random.default_rng(random_state)
    classes = np.unique(y)
    flip = rng.random(len(y)) < rate
    shift = rng.integers(1, len(classes), size=len(y))
    codes = np.searchsorted(classes, y)
    y[flip] = classes[(codes[flip] + shift[flip]) % len(classes)]
    return y


def _run_curve(name, estimator, X_pool, y_pool, X_test, y_test, start, budget, batch, seed) -> list:
    rng = np.random.default_rng([seed, 1])
    labeled = list(start)
    origins = ["random"] * len(labeled)
    unlabeled = np.setdiff1d(np.arange(len(y_pool)), labeled)
    curve = []
    measured = (0, None)  # labels at the default's last measure of its evidence, and that round's query
    while True:
        model = _fit_or_none(estimator, X_pool.iloc[labeled], y_pool[labeled])
        if model is not None:
            accuracy = _accuracy(model, X_test, y_test)
        else:
            accuracy = _constant_accuracy(y_pool[labeled], y_test)
        curve.append([len(labeled), accuracy])
        n = min(batch, budget - len(labeled), len(unlabeled))
        if n <= 0:
            return curve
        X_unlabeled, X_labeled = X_pool.iloc[unlabeled], X_pool.iloc[labeled]
        if name == DEFAULT_STRATEGY:
            reuse = measured[1] if len(labeled) - measured[0] < REFRESH_LABELS else None
            query = default_query(
                model,
                X_unlabeled,
                n,
                random_state=rng,
                X_labeled=X_labeled,
                y_labeled=y_pool[labeled],
                labeled_arms=origins,
                reuse=reuse,
            )
            if reuse is None and model is not None:  # a cold start measures nothing
                measured = (len(labeled), query)
            picked, arms = query.indices, query.arms.tolist()
        else:  # a strategy's own name stands for the arm behind each of its picks
            picked, _ = get_strategy(name)(model, X_unlabeled, n, random_state=rng, X_labeled=X_labeled)
            arms = [name] * len(picked)
        chosen = unlabeled[np.asarray(picked, dtype=int)]
        labeled.extend(chosen.tolist())
        origins.extend(arms)
        unlabeled = np.setdiff1d(unlabeled, chosen)


def _fit_or_none(estimator, X, y):
    return fit_clone(estimator, X, y) if len(np.unique(y)) >= 2 else None


def _accuracy(model, X_test, y_test) -> float:
    return float(np.mean(np.asarray(model.predict(X_test)).astype(str) == y_test))


def _constant_accuracy(y_labeled, y_test) -> float:
    """Accuracy of always answering the one class seen so far (0 with no labels)."""
    return float(np.mean(y_test == y_labeled[0])) if len(y_labeled) else 0.0


def _as_labels(y) -> np.ndarray:
    values = y.to_numpy(dtype=object) if isinstance(y, (pd.Series, pd.Index)) else np.asarray(y, dtype=object)
    return values.astype(str)


def _split(frame, labels, test_size, seed):
    try:
        return train_test_split(frame, labels, test_size=test_size, stratify=labels, random_state=seed)
    except ValueError:  # a class too small to stratify on: plain random split
        return train_test_split(frame, labels, test_size=test_size, random_state=seed)


def _initial_positions(y_pool, n, seed) -> np.ndarray:
    classes = np.unique(y_pool)
    if n == 0:
        return np.array([], dtype=int)
    if n >= len(classes) and n < len(y_pool):
        try:
            chosen, _ = train_test_split(np.arange(len(y_pool)), train_size=n, stratify=y_pool, random_state=seed)
            return np.asarray(chosen)
        except ValueError:
            pass
    return np.random.default_rng([seed, 0]).choice(len(y_pool), size=n, replace=False)


def _check_arguments(frame, labels, strategies, budget, batch, initial, seeds, test_size, model_name) -> list:
    if isinstance(strategies, str):
        strategies = [s.strip() for s in strategies.split(",") if s.strip()]
    names = list(dict.fromkeys(strategies))
    if not names:
        raise ValueError("Name at least one strategy.")
    for name in names:
        get_strategy(name)
    if model_name not in MODEL_NAMES:
        raise ValueError(f"Unknown model {model_name!r}; choose one of {', '.join(MODEL_NAMES)}.")
    if len(frame) != len(labels):
        raise ValueError(f"X has {len(frame)} rows but y has {len(labels)} labels.")
    if frame.shape[1] == 0:
        raise ValueError("There are no feature columns.")
    if len(np.unique(labels)) < 2:
        raise ValueError("The labels hold fewer than two classes; there is nothing to learn.")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size}.")
    for label, value, low in (("budget", budget, 1), ("batch", batch, 1), ("initial", initial, 0), ("seeds", seeds, 1)):
        if int(value) != value or value < low:
            raise ValueError(f"{label} must be an integer of at least {low}, got {value!r}.")
    if budget < initial:
        raise ValueError(f"budget ({budget}) counts all labels and must be at least initial ({initial}).")
    return names
